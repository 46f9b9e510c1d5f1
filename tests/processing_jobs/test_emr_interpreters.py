"""Code shipped to the EMR cluster runs on the interpreter the cluster gives its step.

EMR 7.x runs PySpark on Python 3.9 unless a step asks for another interpreter; the ETL step asks for
3.11 (the Glue job's version), the training step keeps 3.9. For each example step of the synthesized
cluster of the full fixture config, the files it ships are checked against the version its interpreter has: language
features and standard-library members (vermin), and the grammar of the real interpreter where this
machine has it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lake_constructs.etl_job_code import ENTRY_SCRIPT, LIBRARY
from stacks.processing import CLUSTER_DEFAULT_PYTHON, GLUE_JOBS_DIR, TRAINING_SCRIPT

PYENV = Path("/root/.pyenv/versions")
# What each example step ships, by its name's prefix (stacks/processing.py names them).
SHIPPED = {
    "etl-": [GLUE_JOBS_DIR / ENTRY_SCRIPT, *sorted((GLUE_JOBS_DIR / LIBRARY).rglob("*.py"))],
    "train-": [TRAINING_SCRIPT],
}


def steps(synth) -> list[dict]:
    (cluster,) = synth.resources("processing", "AWS::EMR::Cluster").values()
    return cluster["Properties"].get("Steps", [])


def step_python(step: dict) -> str:
    """The Python version a step runs on: the one its `spark.pyspark.python` names, else the default."""
    for arg in step["HadoopJarStep"]["Args"]:
        if isinstance(arg, str) and arg.startswith("spark.pyspark.python="):
            match = re.search(r"python(\d+\.\d+)$", arg)
            assert match, f"{step['Name']}: cannot tell the version of {arg}"
            return match[1]
    return CLUSTER_DEFAULT_PYTHON


def shipped(step: dict) -> list[Path]:
    return next(files for prefix, files in SHIPPED.items() if step["Name"].startswith(prefix))


@pytest.fixture(scope="module")
def cluster_steps(full) -> list[dict]:
    found = steps(full)
    assert found, "the full fixture config should run the EMR example steps"
    return found


def test_the_etl_step_asks_for_python_3_11_and_training_keeps_the_default(cluster_steps):
    versions = {step["Name"].split("-")[0]: step_python(step) for step in cluster_steps}
    assert versions.get("etl", "3.11") == "3.11"
    assert versions.get("train", CLUSTER_DEFAULT_PYTHON) == CLUSTER_DEFAULT_PYTHON


def test_code_shipped_to_emr_needs_no_newer_python_than_its_step_runs(cluster_steps):
    for step in cluster_steps:
        version = step_python(step)
        files = [str(path) for path in shipped(step)]
        result = subprocess.run(
            [str(Path(sys.executable).parent / "vermin"), "-q", f"-t={version}-", "--violations", "--no-tips", *files],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{step['Name']} runs on Python {version}:\n{result.stdout}{result.stderr}"


def test_code_shipped_to_emr_compiles_with_its_steps_interpreter(cluster_steps):
    for step in cluster_steps:
        version = step_python(step)
        interpreters = sorted(PYENV.glob(f"{version}*/bin/python"))
        if not interpreters:
            pytest.skip(f"no Python {version} under {PYENV} to compile {step['Name']} with")
        source = "import sys\nfor f in sys.argv[1:]: compile(open(f, encoding='utf-8').read(), f, 'exec')"
        files = [str(path) for path in shipped(step)]
        result = subprocess.run([str(interpreters[-1]), "-c", source, *files], capture_output=True, text=True)
        assert result.returncode == 0, f"{step['Name']} on Python {version}:\n{result.stderr}"
