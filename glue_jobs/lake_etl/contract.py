"""The contract between the platform's infrastructure and its ETL job: the names both sides use.

Standard library only, so that everything importing it agrees: the CDK app (the curation job's
arguments and grants, the EMR step, the monitoring alarms and dashboard), the Glue job, the local
runner and the benchmark. The README's naming table points here for these names; `PlatformConfig`
derives the rest.
"""

import json

# CloudWatch metrics of every curate run, one datapoint each (Count), by environment and dataset.
METRICS_NAMESPACE = "MLDataLake/ETL"
DIMENSION_ENVIRONMENT = "Environment"
DIMENSION_DATASET = "Dataset"
ROWS_IN = "RowsIn"
ROWS_CURATED = "RowsCurated"
ROWS_QUARANTINED = "RowsQuarantined"
METRICS = (ROWS_IN, ROWS_CURATED, ROWS_QUARANTINED)

# Folders of a dataset's outputs besides its curated table (s3://<curated>/<name>/).
QUARANTINE_FOLDER = "_quarantine"  # in the curated bucket: rejected rows and their reasons
REPORTS_FOLDER = "reports"  # in the artifacts bucket: run report and ML-readiness profile
CONSUMED_FOLDER = "_consumed"  # in the curated bucket: the manifests of the raw objects a table consumed
TRAINING_SETS_FOLDER = "training_sets"  # in the artifacts bucket: pinned training sets' manifests


def metric_dimensions(environment: str, dataset: str) -> dict[str, str]:
    """The dimensions of a dataset's run metrics."""
    return {DIMENSION_ENVIRONMENT: environment, DIMENSION_DATASET: dataset}


def curated_prefix(dataset: str) -> str:
    """Key prefix of a dataset's curated table in the curated bucket: '<name>/'."""
    return f"{dataset}/"


def quarantine_prefix(dataset: str) -> str:
    """Key prefix of a dataset's quarantined rows in the curated bucket: '_quarantine/<name>/'."""
    return f"{QUARANTINE_FOLDER}/{dataset}/"


def report_prefix(dataset: str) -> str:
    """Key prefix of a dataset's run reports in the artifacts bucket: 'reports/<name>/'."""
    return f"{REPORTS_FOLDER}/{dataset}/"


def consumed_prefix(dataset: str) -> str:
    """Key prefix of the manifests of what a dataset's table consumed, in the curated bucket: '_consumed/<name>/'."""
    return f"{CONSUMED_FOLDER}/{dataset}/"


def training_sets_prefix(dataset: str) -> str:
    """Key prefix of a dataset's pinned training sets in the artifacts bucket: 'training_sets/<name>/'."""
    return f"{TRAINING_SETS_FOLDER}/{dataset}/"


def job_arguments(
    *,
    dataset_spec: str,
    dataset: str,
    raw_bucket: str,
    raw_prefix: str,
    curated_bucket: str,
    artifacts_bucket: str,
    curated_database: str,
    environment: str,
    ml_thresholds: str | None = None,
    lf_tags: dict[str, str] | None = None,
    run_id: str | None = None,
    ingest_date: str | None = None,
) -> dict[str, str]:
    """The arguments of a curate run of `dataset`, by name ('--raw_path': 's3://...'), as the Glue job,
    the EMR step, the local runner and the benchmark pass them to `glue_jobs/lake_etl/job.py`.

    Bucket names and the database may be CDK tokens: the values are built by plain string
    concatenation. `dataset_spec` is the declaration as JSON; `lf_tags` the LF-tags the job puts on
    the table it creates. `run_id` and `ingest_date` are left out unless given (a deployed job's
    runs default to Glue's run id and today in UTC).
    """
    arguments = {
        "--dataset_spec": dataset_spec,
        "--raw_path": f"s3://{raw_bucket}/{raw_prefix}",
        "--curated_path": f"s3://{curated_bucket}/{curated_prefix(dataset)}",
        "--quarantine_path": f"s3://{curated_bucket}/{quarantine_prefix(dataset)}",
        "--report_path": f"s3://{artifacts_bucket}/{report_prefix(dataset)}",
        "--curated_database": curated_database,
        "--environment": environment,
        "--metrics_namespace": METRICS_NAMESPACE,
    }
    optional = {
        "--ml_thresholds": ml_thresholds,
        "--lf_tags": None if lf_tags is None else json.dumps(lf_tags, sort_keys=True),
        "--run_id": run_id,
        "--ingest_date": ingest_date,
    }
    arguments.update({name: value for name, value in optional.items() if value is not None})
    return arguments


def command_line(arguments: dict[str, str]) -> list[str]:
    """`arguments` as a command line: ['--name', 'value', ...]."""
    return [part for pair in arguments.items() for part in pair]
