"""Run a dataset's ETL job end to end with no AWS account: moto for AWS, local Spark for the job.

    python -m tools.local_run --env dev --dataset houses --workdir /tmp/lake
    python -m tools.local_run --env dev --dataset houses --input my.csv --input more/ --workdir /tmp/lake
    python -m tools.local_run --env dev --dataset-spec my_dataset.yaml --input data/ --workdir /tmp/lake

The lake lives in the work dir and lives on: run again with the same --workdir and the new --input
files join the earlier ones in the raw zone; only raw objects (name + content) not curated before
are curated, into the same Iceberg table. The job is the Glue job's code on local Spark; Glue and
CloudWatch are moto's (the curated table's Glue entry is written from its Iceberg metadata).

    <workdir>/lake/<raw bucket>/<raw prefix>/...                       raw files, as landed
    <workdir>/lake/<curated bucket>/<curated database>/<dataset>/      the Iceberg table (data, metadata)
    <workdir>/lake/<curated bucket>/_quarantine/<dataset>/ingest_date=.../run_id=.../   rejected rows
    <workdir>/lake/<curated bucket>/_consumed/<dataset>/               what the table has consumed
    <workdir>/lake/<artifacts bucket>/reports/<dataset>/ingest_date=.../run_id=.../     run report, ML profile
    <workdir>/catalog/<dataset>.json                                   the Glue table entry
    <workdir>/lake.json                                                bucket and database names

Query the lake with `python -m tools.local_query --workdir DIR "SELECT ..."`.

Progress goes to stderr; the last stdout line is a JSON summary. Exit codes: 0 done, 2 bad arguments,
spec or input, 1 the job failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import sys
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
from glue_jobs.lake_etl.job import RunResult, run
from glue_jobs.lake_etl.job import parse_args as job_args
from glue_jobs.lake_etl.lake_io import LocalLakeIO, is_data_file
from glue_jobs.lake_etl.spec import SpecError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"
ACCOUNT = "123456789012"  # moto's account
DEFAULT_REGION = "us-east-1"
LOG4J = Path(__file__).with_name("log4j2.properties")
LAKE_FOLDER = "lake"  # <workdir>/lake/<bucket>/<key>: the local lake
LAKE_FILE = "lake.json"  # <workdir>/lake.json: its bucket and database names, for tools.local_query

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
        return cls(
            *(config.bucket_name(zone, ACCOUNT, region) for zone in ("raw", "curated", "artifacts")),
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
    """The active session, or a small local one: 2 cores, 2 shuffle partitions, UTC, no UI, Iceberg's
    runtime and SQL extensions (tests share it). Each lake's Iceberg catalog is added by its LocalLakeIO."""
    from pyspark.sql import SparkSession

    from tools.iceberg_jars import jars

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
        .config("spark.jars", ",".join(str(jar) for jar in jars()))
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG4J.as_uri()}")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def copy_inputs(files: list[tuple[Path, str]], target: Path) -> None:
    """Land the input files in the raw zone (a file landing again under its name is a new version)."""
    for file, name in files:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, destination)


def run_local(
    config: PlatformConfig,
    spec: DatasetSpec,
    inputs: list[Path],
    workdir: Path,
    *,
    ingest_date: str | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Land `inputs` in the raw zone of the lake kept in `workdir` and run the job for dataset `spec`.

    The lake (every bucket, the curated Iceberg tables included) lives under <workdir>/lake and is
    reused by the next run with the same workdir: only raw objects not curated before are curated.
    AWS services the job calls besides S3 (Glue, CloudWatch) are moto's, new for every run: the
    curated table's Glue entry is written again from the table's metadata each run.
    """
    import boto3
    from moto import mock_aws

    files = input_files(inputs)
    region = DEFAULT_REGION if config.region is None else config.region
    # Moto intercepts every call; these keep boto3 from looking for real credentials.
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "x"})
    os.environ["AWS_DEFAULT_REGION"] = region
    lake = Lake.of(config, region)
    workdir.mkdir(parents=True, exist_ok=True)
    io = LocalLakeIO(workdir / LAKE_FOLDER)
    for bucket in (lake.raw, lake.curated, lake.artifacts):
        (io.root / bucket).mkdir(parents=True, exist_ok=True)
    (workdir / LAKE_FILE).write_text(json.dumps(dataclasses.asdict(lake), indent=2))
    copy_inputs(files, io.local_path(f"s3://{lake.raw}/{spec.raw_location}"))
    log.info("landed %d file(s) in s3://%s/%s", len(files), lake.raw, spec.raw_location)

    with mock_aws():
        glue = boto3.client("glue", region_name=region)
        cloudwatch = boto3.client("cloudwatch", region_name=region)
        for database in (lake.raw_database, lake.curated_database):
            glue.create_database(DatabaseInput={"Name": database})
        arguments = contract.job_arguments(
            dataset_spec=spec.model_dump_json(),
            dataset=spec.name,
            raw_bucket=lake.raw,
            raw_prefix=spec.raw_location,
            curated_bucket=lake.curated,
            artifacts_bucket=lake.artifacts,
            curated_database=lake.curated_database,
            environment=config.environment,
            run_id=run_id,
            ingest_date=ingest_date,
        )
        args = job_args(contract.command_line(arguments))
        log.info("running the ETL job for %s on local Spark", spec.name)
        started = time.perf_counter()
        result = run(spark_session(), args, io=io, glue=glue, cloudwatch=cloudwatch)
        log.info("job done in %.1f s", time.perf_counter() - started)
        table = glue.get_table(DatabaseName=lake.curated_database, Name=spec.name)["Table"]
        catalog_file = workdir / "catalog" / f"{spec.name}.json"
        catalog_file.parent.mkdir(parents=True, exist_ok=True)
        catalog_file.write_text(json.dumps({"table": table}, indent=2, default=str))
        log.info("the lake is under %s, the Glue entry in %s", io.root, catalog_file)
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
    parser.add_argument(
        "--workdir", type=Path, required=True, help="folder of the local lake; an existing one is reused"
    )
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
