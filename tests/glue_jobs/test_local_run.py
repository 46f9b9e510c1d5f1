"""tools.local_run: one end-to-end run of a sample dataset, and its one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_config
from tools import local_run

# The local runner's own --env: the shipped dev environment and its sample datasets.
DEV = load_config("dev")

ROOT = Path(__file__).resolve().parents[2]


def test_sample_dataset_end_to_end(spark, tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, "testing" if name != "AWS_DEFAULT_REGION" else "us-east-1")
    code = local_run.main(
        ["--env", "dev", "--dataset", "dog_breeds", "--workdir", str(tmp_path), "--ingest-date", "2024-06-01"]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    summary = json.loads(out[-1])
    # The sample has one dirty row per reason that applies to it (sample_data/generate.py).
    assert summary == {
        "dataset": "dog_breeds",
        "rows_in": 600,
        "rows_curated": 595,
        "rows_quarantined": 5,
        "quarantine_reasons": {
            "parse_error": 1,
            "missing_required": 1,
            "type_mismatch": 1,
            "out_of_range": 1,
            "not_allowed": 1,
        },
        "ml_ready": True,
    }
    assert summary["rows_in"] == summary["rows_curated"] + summary["rows_quarantined"]
    partition = tmp_path / "curated" / "dog_breeds" / "ingest_date=2024-06-01"
    assert list(partition.glob("*.parquet")) and not list(partition.glob("*.crc"))
    assert len(spark.read.parquet(str(partition)).collect()) == 595
    quarantined = [
        json.loads(line)
        for file in (tmp_path / "quarantine" / "dog_breeds" / "ingest_date=2024-06-01").glob("part-*")
        for line in file.read_text().splitlines()
    ]
    assert sorted(row["reason"] for row in quarantined) == sorted(summary["quarantine_reasons"])
    reports = next((tmp_path / "reports" / "dog_breeds" / "ingest_date=2024-06-01").glob("run_id=*"))
    assert json.loads((reports / "ml_profile.json").read_text())["ml_ready"] is True
    catalog = json.loads((tmp_path / "catalog" / "dog_breeds.json").read_text())
    assert catalog["table"]["DatabaseName"] == DEV.database_name("curated")
    assert catalog["table"]["StorageDescriptor"]["Location"] == (
        f"s3://{DEV.bucket_name('curated', '123456789012', 'us-east-1')}/dog_breeds/"
    )
    assert [p["Values"] for p in catalog["partitions"]] == [["2024-06-01"]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataset", "unicorns"], "error: environment dev: no dataset 'unicorns'; declared: characters,"),
        (
            ["--dataset", "houses", "--input", "/nonexistent/houses.csv"],
            "error: input /nonexistent/houses.csv does not exist",
        ),
        (["--dataset-spec", "{spec}"], "error: {spec}: invalid dataset spec: columns.0.type: unknown type"),
    ],
    ids=["unknown-dataset", "missing-input", "bad-spec"],
)
def test_errors_are_one_line_with_a_non_zero_exit(tmp_path, arguments, message):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: things\nformat: csv\ncolumns:\n  - {name: id, type: integer}\n")
    arguments = [a.replace("{spec}", str(spec)) for a in arguments]
    result = subprocess.run(
        [sys.executable, "-m", "tools.local_run", "--env", "dev", "--workdir", str(tmp_path / "out"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(message.replace("{spec}", str(spec))), result.stderr
