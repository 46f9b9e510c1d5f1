"""Run a dataset's ETL job end to end with no AWS account: moto for AWS, local Spark for the job.

    python -m tools.local_run --env dev --dataset houses --workdir /tmp/lake
    python -m tools.local_run --env dev --dataset houses --input my.csv --input more/ --workdir /tmp/lake
    python -m tools.local_run --env dev --dataset-spec my_dataset.yaml --input data/ --workdir /tmp/lake

Inside moto it creates the lake's buckets and Glue databases from the environment's config, uploads
the input (default: sample_data/<dataset>/) to the raw zone, runs the same job code as Glue on local
Spark, and mirrors what the job produced under the work dir:

    <workdir>/curated/<dataset>/ingest_date=.../*.parquet      the curated partition
    <workdir>/quarantine/<dataset>/ingest_date=.../*.json      rejected rows, one reason each
    <workdir>/reports/<dataset>/ingest_date=.../run_id=.../     run_report.json, ml_profile.json
    <workdir>/catalog/<dataset>.json                            the Glue table and partitions

Progress goes to stderr; the last stdout line is a JSON summary. Exit codes: 0 done, 2 bad arguments,
spec or input, 1 the job failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config import ConfigError, load_config
from config.models import PlatformConfig
from config.models.catalog import DatasetSpec
from glue_jobs.lake_etl import contract
from glue_jobs.lake_etl.job import JobArgs, RunResult, run
from glue_jobs.lake_etl.lake_io import LocalLakeIO, is_data_file
from glue_jobs.lake_etl.spec import SpecError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"
ACCOUNT = "123456789012"  # moto's account
DEFAULT_REGION = "us-east-1"
LOG4J = Path(__file__).with_name("log4j2.properties")

log = logging.getLogger("local_run")


class UsageError(Exception):
    """Bad arguments, spec or input: one line for the user, exit code 2."""


@dataclass(frozen=True)
class Lake:
    """Where the lake lives (bucket and database names as the storage and catalog stacks name them)."""

    raw: str
    curated: str
    artifacts: str
    raw_database: str
    curated_database: str

    @classmethod
    def of(cls, config: PlatformConfig, region: str) -> Lake:
        def bucket(zone: str) -> str:
            return f"{config.bucket_prefix}-{zone}-{ACCOUNT}-{region}"

        return cls(
            bucket("raw"),
            bucket("curated"),
            bucket("artifacts"),
            config.database_name("raw"),
            config.database_name("curated"),
        )


def load_dataset_spec(path: Path) -> DatasetSpec:
    """A dataset declaration in its own YAML file (the mapping that would sit under catalog.datasets)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise UsageError(f"{path}: not valid YAML ({' '.join(str(error).split())})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: must be a mapping with name, format, columns, ...")
    try:
        return DatasetSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            where = ".".join(str(part) for part in detail["loc"]) or "(top level)"
            message = detail["msg"].removeprefix("Value error, ")
            given = "" if detail["type"] in ("missing", "extra_forbidden") else f"; given {detail['input']!r}"
            problems.append(f"{where}: {message}{given}")
        raise UsageError(f"{path}: invalid dataset spec: {'; '.join(problems)}") from None


def input_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, name under the raw prefix) for every data file of `paths` (files or folders)."""
    found = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"input {path} does not exist")
        if path.is_file():
            found.append((path, path.name))
            continue
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            relative = file.relative_to(path).as_posix()
            if all(is_data_file(part) for part in relative.split("/")) and not file.name.endswith(".py"):
                found.append((file, relative))
    for file, _ in found:
        if not os.access(file, os.R_OK):
            raise UsageError(f"input {file} cannot be read (permission denied)")
    if not found:
        raise UsageError(f"no input files in {', '.join(map(str, paths))}")
    return found


def spark_session() -> Any:
    """The active session, or a small local one: 2 cores, 2 shuffle partitions, UTC, no UI (tests share it)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("local_run")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG4J.as_uri()}")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _upload_tree(s3: Any, local_root: Path, bucket: str, prefix: str) -> None:
    """Make s3://bucket/prefix hold exactly the files under local_root/bucket/prefix (minus Spark's .crc)."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    base = local_root / bucket / prefix
    for file in sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []:
        if not file.name.endswith(".crc"):
            s3.upload_file(str(file), bucket, f"{prefix}{file.relative_to(base).as_posix()}")


def _mirror(s3: Any, bucket: str, prefix: str, target: Path) -> int:
    shutil.rmtree(target, ignore_errors=True)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            path = target / item["Key"][len(prefix) :]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))
            count += 1
    return count


def run_local(
    config: PlatformConfig,
    spec: DatasetSpec,
    inputs: list[Path],
    workdir: Path,
    *,
    ingest_date: str | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Curate `inputs` as dataset `spec` in a moto lake built from `config`; mirror the outputs to `workdir`."""
    import boto3
    from moto import mock_aws

    files = input_files(inputs)
    region = DEFAULT_REGION if config.region is None else config.region
    # Moto intercepts every call; these keep boto3 from looking for real credentials.
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "x"})
    os.environ["AWS_DEFAULT_REGION"] = region
    lake = Lake.of(config, region)
    workdir.mkdir(parents=True, exist_ok=True)
    with mock_aws(), tempfile.TemporaryDirectory(prefix=".lake-", dir=workdir) as scratch:
        s3, glue = boto3.client("s3", region_name=region), boto3.client("glue", region_name=region)
        cloudwatch = boto3.client("cloudwatch", region_name=region)
        for bucket in (lake.raw, lake.curated, lake.artifacts):
            if region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        for database in (lake.raw_database, lake.curated_database):
            glue.create_database(DatabaseInput={"Name": database})
        for file, name in files:
            s3.upload_file(str(file), lake.raw, f"{spec.raw_location}{name}")
        log.info("uploaded %d file(s) to s3://%s/%s", len(files), lake.raw, spec.raw_location)

        # Local Spark has no S3 connector: the job works on a local copy of the buckets (LocalLakeIO).
        io = LocalLakeIO(scratch)
        for _, name in files:
            key = f"{spec.raw_location}{name}"
            target = io.local_path(f"s3://{lake.raw}/{key}")
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(lake.raw, key, str(target))

        curated_prefix = f"{spec.name}/"
        quarantine_prefix = contract.quarantine_prefix(spec.name)
        report_prefix = contract.report_prefix(spec.name)
        args = JobArgs(
            dataset_spec=spec.model_dump_json(),
            raw_path=f"s3://{lake.raw}/{spec.raw_location}",
            curated_path=f"s3://{lake.curated}/{curated_prefix}",
            quarantine_path=f"s3://{lake.curated}/{quarantine_prefix}",
            report_path=f"s3://{lake.artifacts}/{report_prefix}",
            curated_database=lake.curated_database,
            environment=config.environment,
            metrics_namespace=contract.METRICS_NAMESPACE,
            run_id=run_id,
            ingest_date=ingest_date,
        )
        log.info("running the ETL job for %s on local Spark", spec.name)
        started = time.perf_counter()
        result = run(spark_session(), args, io=io, glue=glue, cloudwatch=cloudwatch)
        log.info("job done in %.1f s", time.perf_counter() - started)

        for bucket, prefix in ((lake.curated, curated_prefix), (lake.curated, quarantine_prefix)):
            _upload_tree(s3, io.root, bucket, prefix)
        _upload_tree(s3, io.root, lake.artifacts, report_prefix)
        mirrored = sum(
            _mirror(s3, bucket, prefix, workdir / folder / spec.name)
            for bucket, prefix, folder in (
                (lake.curated, curated_prefix, "curated"),
                (lake.curated, quarantine_prefix, "quarantine"),
                (lake.artifacts, report_prefix, "reports"),
            )
        )
        table = glue.get_table(DatabaseName=lake.curated_database, Name=spec.name)["Table"]
        partitions = glue.get_partitions(DatabaseName=lake.curated_database, TableName=spec.name)["Partitions"]
        catalog_file = workdir / "catalog" / f"{spec.name}.json"
        catalog_file.parent.mkdir(parents=True, exist_ok=True)
        catalog_file.write_text(json.dumps({"table": table, "partitions": partitions}, indent=2, default=str))
        log.info("mirrored %d object(s) and the catalog entry under %s", mirrored, workdir)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.local_run",
        description="Run a dataset's ETL job on local Spark against a moto lake.",
    )
    parser.add_argument("--env", default="dev", help="environment whose config builds the lake (default: dev)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--dataset", help="a dataset declared in the environment's catalog.datasets")
    which.add_argument("--dataset-spec", type=Path, help="YAML file declaring one dataset (DatasetSpec)")
    parser.add_argument(
        "--input",
        type=Path,
        action="append",
        help="raw file or folder (repeatable); default: sample_data/<dataset>/",
    )
    parser.add_argument("--workdir", type=Path, required=True, help="folder the outputs are mirrored to")
    parser.add_argument("--ingest-date", help="YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--run-id", help="default: a UTC timestamp")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    for chatty in ("botocore", "py4j"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        config = load_config(args.env)
        if args.dataset is not None:
            try:
                spec = config.catalog.dataset(args.dataset)
            except KeyError as error:
                raise UsageError(f"environment {args.env}: {error.args[0]}") from None
        else:
            spec = load_dataset_spec(args.dataset_spec)
        inputs = args.input
        if inputs is None:
            inputs = [SAMPLE_DATA / spec.name]
            if not inputs[0].is_dir():
                raise UsageError(f"no sample data for {spec.name} in {inputs[0]}; give --input PATH")
        result = run_local(config, spec, inputs, args.workdir, ingest_date=args.ingest_date, run_id=args.run_id)
    except (ConfigError, UsageError, SpecError) as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except Exception as error:  # the job failed: say why in one line, the details are in the Spark log
        print(
            f"error: the ETL job failed: {type(error).__name__}: {' '.join(str(error).split())[:500]}", file=sys.stderr
        )
        return 1
    print(json.dumps(result.summary(), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
