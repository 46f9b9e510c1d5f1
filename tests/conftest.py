"""Shared fixtures: every environment is synthesized once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# jsii (aws_cdk.assertions) runs on the virtualenv's Node.js.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

from config import environment_names, load_config

from .fixtures import FIXTURES, fixture_file
from .synth import Synth, synthesize_all

# Whole-platform checks (snapshots, compliance, cfn-lint, platform invariants) run on every shipped
# environment, whatever it is named; the fine-grained tests run on the suite's own fixture configs
# (tests/fixtures/configs/), with names derived from the loaded config.
ENVIRONMENTS = environment_names()
# What whole-platform checks run on: the environments by name, the fixture configs as 'fixture-<name>'.
PLATFORMS = [*ENVIRONMENTS, *(f"fixture-{name}" for name in FIXTURES)]
# Fixtures that need the shipped environments synthesized, and those that need the fixture configs.
NEEDS_ENVIRONMENTS = {"synths", "platform_synths"}
NEEDS_FIXTURES = {"fixtures", "platform_synths"}


@pytest.fixture(scope="session")
def _synthesized(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Synth]]:
    """Every config the session's tests need, synthesized once with all checks, side by side."""
    used = set().union(*(item.fixturenames for item in request.session.items))
    targets = {}
    if used & NEEDS_ENVIRONMENTS:
        targets.update({f"env/{env}": env for env in ENVIRONMENTS})
    if used & (NEEDS_FIXTURES | {"full", "retained", "minimal"}):
        targets.update({f"fixture/{name}": str(fixture_file(name)) for name in FIXTURES})
    done = synthesize_all(targets, tmp_path_factory.mktemp("cdk.out"))
    return {
        "environments": {key.removeprefix("env/"): s for key, s in done.items() if key.startswith("env/")},
        "fixtures": {key.removeprefix("fixture/"): s for key, s in done.items() if key.startswith("fixture/")},
    }


@pytest.fixture(scope="session")
def synths(_synthesized) -> dict[str, Synth]:
    """Every environment in config/environments/, synthesized with all checks."""
    return _synthesized["environments"]


@pytest.fixture(scope="session")
def fixtures(_synthesized) -> dict[str, Synth]:
    """Every fixture config in tests/fixtures/configs/, synthesized with all checks."""
    return _synthesized["fixtures"]


@pytest.fixture(scope="session")
def platform_synths(_synthesized) -> dict[str, Synth]:
    """Everything synthesized this session: the environments and the fixture configs."""
    return {**_synthesized["environments"], **{f"fixture-{k}": v for k, v in _synthesized["fixtures"].items()}}


@pytest.fixture(scope="session")
def full(fixtures: dict[str, Synth]) -> Synth:
    """Every layer on, ephemeral."""
    return fixtures["full"]


@pytest.fixture(scope="session")
def retained(fixtures: dict[str, Synth]) -> Synth:
    """Production shape: stateful resources retained, three AZs."""
    return fixtures["retained"]


@pytest.fixture(scope="session")
def minimal(fixtures: dict[str, Synth]) -> Synth:
    """Storage, catalog and Athena only."""
    return fixtures["minimal"]


@pytest.fixture(scope="session")
def configs():
    return {env: load_config(env) for env in ENVIRONMENTS}


@pytest.fixture(scope="session")
def spark():
    """The one local SparkSession of the test session (the same builder local runs use)."""
    from tools.local_run import spark_session

    session = spark_session()
    yield session
    session.stop()
