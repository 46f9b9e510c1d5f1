"""Glue jobs on local Spark (against moto for the curate job): one SparkSession for the session, tiny inputs.

`Lake.run` runs the curate job as Glue would (same code, LocalLakeIO instead of S3) and checks the invariant
rows in = rows curated + rows quarantined on every run, against the files actually written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glue_jobs.lake_etl import contract
from glue_jobs.lake_etl.job import RunResult, parse_args, run
from glue_jobs.lake_etl.lake_io import LocalLakeIO

REGION = "us-east-1"
RAW, CURATED, ARTIFACTS = "raw-bucket", "curated-bucket", "artifacts-bucket"
DATABASE = "lake_test_curated"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        glue = boto3.client("glue", region_name=REGION)
        glue.create_database(DatabaseInput={"Name": DATABASE})
        yield {"glue": glue, "cloudwatch": boto3.client("cloudwatch", region_name=REGION)}


@dataclass
class Run:
    result: RunResult
    lake: LocalLakeIO
    spark: Any
    name: str
    ingest_date: str

    @property
    def report(self) -> dict[str, Any]:
        return self.result.report

    @property
    def profile(self) -> dict[str, Any]:
        return self.result.profile

    def quarantine(self) -> list[dict[str, Any]]:
        folder = self.lake.local_path(self.report["outputs"]["quarantine"])
        return [json.loads(line) for file in sorted(folder.glob("part-*")) for line in file.read_text().splitlines()]

    def reasons(self) -> list[tuple[str, str | None]]:
        return sorted((row["reason"], row["column"]) for row in self.quarantine())

    @property
    def table(self) -> str:
        """The curated table's Spark name (the lake's local Iceberg catalog)."""
        return f"{self.lake.iceberg_catalog(self.spark, f's3://{CURATED}/')}.{DATABASE}.{self.name}"

    def curated(self, spark, whole_table: bool = False) -> list[dict[str, Any]]:
        """Rows this run's commit wrote (at its snapshot, not at the one it started from), or the whole
        table at its snapshot; without the ingest_date column."""
        snapshot, base = self.report["snapshot_id"], self.report["base_snapshot_id"]
        if snapshot is None or not (whole_table or self.report["committed"]):
            return []
        rows = spark.sql(f"SELECT * FROM {self.table} VERSION AS OF {snapshot}")
        if not whole_table and base is not None:
            before = spark.sql(f"SELECT * FROM {self.table} VERSION AS OF {base}")
            # A column the declaration added since reads as null in the older snapshot.
            aligned = [
                c if c in before.columns else f"CAST(NULL AS {rows.schema[c].dataType.simpleString()}) AS {c}"
                for c in rows.columns
            ]
            rows = rows.exceptAll(before.selectExpr(*aligned))
        return [row.asDict() for row in rows.drop("ingest_date").collect()]


class Lake:
    """A tiny lake on local disk for one test; `run` writes raw files and curates them."""

    def __init__(self, spark, root: Path, clients: dict[str, Any]) -> None:
        self.spark, self.io, self.clients = spark, LocalLakeIO(root), clients

    def put_raw(self, name: str, files: dict[str, str | bytes]) -> None:
        for file_name, content in files.items():
            path = self.io.local_path(f"s3://{RAW}/{name}/{file_name}")
            path.parent.mkdir(parents=True, exist_ok=True)
            (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)

    def run(
        self,
        spec: dict[str, Any],
        files: dict[str, str | bytes] | None = None,
        *,
        ingest_date: str = "2024-05-01",
        run_id: str = "run-1",
        ml_thresholds: dict[str, float] | None = None,
    ) -> Run:
        name = spec["name"]
        if files is not None:
            self.put_raw(name, files)
        (self.io.root / RAW / name).mkdir(parents=True, exist_ok=True)
        arguments = contract.job_arguments(
            dataset_spec=json.dumps(spec),
            dataset=name,
            raw_bucket=RAW,
            raw_prefix=f"{name}/",
            curated_bucket=CURATED,
            artifacts_bucket=ARTIFACTS,
            curated_database=DATABASE,
            environment="test",
            ml_thresholds=None if ml_thresholds is None else json.dumps(ml_thresholds),
            run_id=run_id,
            ingest_date=ingest_date,
        )
        args = parse_args(contract.command_line(arguments))
        result = run(self.spark, args, io=self.io, **self.clients)
        done = Run(result, self.io, self.spark, name, ingest_date)
        assert_invariant(self.spark, done)
        return done


def assert_invariant(spark, done: Run) -> None:
    """rows in = rows curated + rows quarantined, in the report, the quarantine and the table's commit."""
    report = done.report
    assert report["status"] == "succeeded"
    assert report["rows_in"] == report["rows_curated"] + report["rows_quarantined"]
    assert sum(report["quarantine_reasons"].values()) == report["rows_quarantined"]
    assert len(done.quarantine()) == report["rows_quarantined"]
    if "changes" not in report:  # change rows update and delete: the table shows their outcome, not them
        assert len(done.curated(spark)) == report["rows_curated"]
    reports = done.lake.local_path(
        f"s3://{ARTIFACTS}/{contract.report_prefix(done.name)}ingest_date={done.ingest_date}/run_id={report['run_id']}"
    )
    assert json.loads((reports / "run_report.json").read_text())["rows_in"] == report["rows_in"]
    assert json.loads((reports / "ml_profile.json").read_text())["row_count"] == report["rows_curated"]


@pytest.fixture
def lake(spark, aws, tmp_path) -> Lake:
    return Lake(spark, tmp_path / "lake", aws)
