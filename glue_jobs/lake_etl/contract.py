"""The contract between the platform's infrastructure and its ETL job: the names both sides use.

Standard library only, so that everything importing it agrees: the CDK app (the curation job's
arguments and grants, the EMR step, the monitoring alarms and dashboard), the Glue job and the local
runner. The README's naming table points here for these names; `PlatformConfig` derives the rest.
"""

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


def metric_dimensions(environment: str, dataset: str) -> dict[str, str]:
    """The dimensions of a dataset's run metrics."""
    return {DIMENSION_ENVIRONMENT: environment, DIMENSION_DATASET: dataset}


def quarantine_prefix(dataset: str) -> str:
    """Key prefix of a dataset's quarantined rows in the curated bucket: '_quarantine/<name>/'."""
    return f"{QUARANTINE_FOLDER}/{dataset}/"


def report_prefix(dataset: str) -> str:
    """Key prefix of a dataset's run reports in the artifacts bucket: 'reports/<name>/'."""
    return f"{REPORTS_FOLDER}/{dataset}/"
