"""tools.local_run: one end-to-end run of a sample dataset, and its one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_config
from tools import local_query, local_run, training_set

ROOT = Path(__file__).resolve().parents[2]
# The tool runs the shipped dev environment; its names follow that config, whatever the project is called.
CURATED = load_config("dev").database_name("curated")


def test_sample_dataset_end_to_end(spark, tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, "testing" if name != "AWS_DEFAULT_REGION" else "us-east-1")
    code = local_run.main(
        ["--env", "dev", "--dataset", "dog_breeds", "--workdir", str(tmp_path), "--ingest-date", "2024-06-01"]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    summary = json.loads(out[-1])
    assert (summary.pop("files_processed"), summary.pop("table_rows")) == (1, 595)
    assert isinstance(summary.pop("snapshot_id"), int)
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
    lake = json.loads((tmp_path / "lake.json").read_text())
    quarantined = [
        json.loads(line)
        for file in (tmp_path / "lake" / lake["curated"] / "_quarantine" / "dog_breeds").rglob("part-*")
        for line in file.read_text().splitlines()
    ]
    assert sorted(row["reason"] for row in quarantined) == sorted(summary["quarantine_reasons"])
    reports = next(
        (tmp_path / "lake" / lake["artifacts"] / "reports" / "dog_breeds" / "ingest_date=2024-06-01").glob("run_id=*")
    )
    assert json.loads((reports / "ml_profile.json").read_text())["ml_ready"] is True
    catalog = json.loads((tmp_path / "catalog" / "dog_breeds.json").read_text())
    assert catalog["table"]["DatabaseName"] == CURATED
    assert catalog["table"]["Parameters"]["table_type"] == "ICEBERG"
    assert catalog["table"]["StorageDescriptor"]["Location"] == (f"s3://{lake['curated']}/{CURATED}/dog_breeds")


def test_the_lake_lives_across_runs_and_answers_queries(spark, tmp_path, capsys, monkeypatch):
    """Two days into one work dir: only the new file is curated; local_query reads the table as in Athena."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, "testing" if name != "AWS_DEFAULT_REGION" else "us-east-1")
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "h1.csv").write_text(
        'house_id,bedrooms,bathrooms,square_feet,sold_on,price\n1,2,1,900,2024-01-02,"$100,000"\n2,3,2,1500,,$150000\n'
    )
    (tmp_path / "day2.csv").write_text(
        'price,house_id,bedrooms,square_feet\n"$99,000",3,1,700\n$1,1,1,700\n'  # house 1 again: quarantined
    )
    lake = tmp_path / "lake"

    def run(*arguments):
        assert local_run.main(["--env", "dev", "--dataset", "houses", "--workdir", str(lake), *arguments]) == 0
        return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    first = run("--input", str(tmp_path / "day1"), "--ingest-date", "2024-06-01")
    assert (first["files_processed"], first["rows_in"], first["rows_curated"], first["table_rows"]) == (1, 2, 2, 2)
    second = run("--input", str(tmp_path / "day2.csv"), "--ingest-date", "2024-06-02")
    assert (second["files_processed"], second["rows_in"], second["rows_curated"]) == (1, 2, 1)
    assert second["quarantine_reasons"] == {"duplicate_key": 1} and second["table_rows"] == 3
    again = run("--input", str(tmp_path / "day2.csv"), "--ingest-date", "2024-06-03")
    assert (again["files_processed"], again["rows_in"], again["table_rows"]) == (0, 0, 3)
    assert again["snapshot_id"] == second["snapshot_id"]

    assert (
        local_query.main(
            [
                "--workdir",
                str(lake),
                f"SELECT house_id, price, ingest_date FROM {CURATED}.houses ORDER BY house_id",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "house_id,price,ingest_date",
        "1,100000.00,2024-06-01",
        "2,150000.00,2024-06-01",
        "3,99000.00,2024-06-02",
    ]
    sql = f"SELECT count(*) AS n FROM {CURATED}.houses VERSION AS OF {first['snapshot_id']}"
    assert local_query.main(["--workdir", str(lake), sql]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2"]
    assert local_query.main(["--workdir", str(lake), f"SELECT * FROM {CURATED}.nothing"]) == 2
    assert "error: the query failed" in capsys.readouterr().err

    # A training set pinned to day 1 reads the same rows after day 2, and its snapshot survives expiry.
    query = "SELECT house_id, price FROM {table} WHERE bedrooms >= 2"
    arguments = ["--workdir", str(lake), "pin", "--dataset", "houses", "--name", "day-one"]
    assert training_set.main([*arguments, "--snapshot-id", str(first["snapshot_id"]), "--query", query]) == 0
    manifest = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (manifest["snapshot_id"], manifest["rows"], manifest["tag"]) == (first["snapshot_id"], 2, "pin_day_one")
    expire = (
        f"CALL system.expire_snapshots(table => '{CURATED}.houses', "
        "older_than => TIMESTAMP '2999-01-01 00:00:00', retain_last => 1)"
    )
    assert local_query.main(["--workdir", str(lake), expire]) == 0
    capsys.readouterr()
    assert training_set.main(["--workdir", str(lake), "read", "--dataset", "houses", "--name", "day-one"]) == 0
    assert capsys.readouterr().out.splitlines() == ["house_id,price", "1,100000.00", "2,150000.00"]


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
