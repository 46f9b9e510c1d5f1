"""Register the curated table and the run's partitions in the Glue Data Catalog.

The job owns its curated table (no curated crawler): it knows the exact types, so the table never
drifts from the declaration, and a partition is visible to Athena, Redshift Spectrum and EMR as soon
as the run that wrote it succeeds.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from .lake_io import join_uri
from .spec import Column, Dataset

PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    },
}
# Characters Spark escapes (as %XX) in partition directory names, as Hive does.
PATH_ESCAPED = set("\"#%'*/:=?\\{[]^\x7f") | {chr(c) for c in range(1, 32)}
HIVE_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
log = logging.getLogger("lake_etl")
CREATE_BATCH, DELETE_BATCH = 100, 25  # Glue's limits for batch_create_partition / batch_delete_partition


def escape_path_name(value: str) -> str:
    return "".join(f"%{ord(ch):02X}" if ch in PATH_ESCAPED else ch for ch in value)


def _comment(column: Column) -> str:
    rules = []
    if column.required:
        rules.append("required")
    if column.min is not None:
        rules.append(f"min {column.min:g}")
    if column.max is not None:
        rules.append(f"max {column.max:g}")
    if column.allowed is not None:
        rules.append("one of " + ", ".join(map(str, column.allowed)))
    if column.pattern is not None:
        rules.append(f"matches {column.pattern}")
    text = f"from {column.source}" + (f"; {'; '.join(rules)}" if rules else "")
    return text[:255]


def table_input(dataset: Dataset, location: str, run_id: str) -> dict[str, Any]:
    partition_columns = [dataset.column(name) for name in dataset.partition_by]
    data_columns = [c for c in dataset.columns if c.name not in dataset.partition_by]
    return {
        "Name": dataset.name,
        "Description": f"Curated {dataset.name}: typed, validated and de-duplicated by the lake's ETL job.",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": "parquet",
            "EXTERNAL": "TRUE",
            "lake.primary_key": ",".join(dataset.primary_key),
            "lake.label": "" if dataset.label is None else dataset.label,
            "lake.last_run_id": run_id,
        },
        "PartitionKeys": [{"Name": "ingest_date", "Type": "string", "Comment": "UTC date of the ETL run"}]
        + [{"Name": c.name, "Type": c.type, "Comment": _comment(c)} for c in partition_columns],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": c.type, "Comment": _comment(c)} for c in data_columns],
            "Location": location.rstrip("/") + "/",
            "Compressed": True,
            **PARQUET,
        },
    }


def partition_input(location: str, values: list[str], names: list[str]) -> dict[str, Any]:
    path = join_uri(location, *(f"{n}={escape_path_name(v)}" for n, v in zip(names, values, strict=True)))
    return {
        "Values": values,
        "StorageDescriptor": {"Location": path + "/", "Compressed": True, **PARQUET},
        "Parameters": {},
    }


def register(
    glue: Any,
    database: str,
    dataset: Dataset,
    location: str,
    ingest_date: str,
    partition_values: list[list[str]],
    run_id: str,
) -> list[list[str]]:
    """Create or update the table; make the ingest_date's partitions exactly `partition_values`.

    `partition_values` lists the values of `partition_by` columns seen in curated rows (as strings);
    partitions of the same ingest_date left by an earlier run of it are dropped (idempotent re-runs).
    Returns every partition's values, ingest_date first.
    """
    table = table_input(dataset, location, run_id)
    try:
        glue.get_table(DatabaseName=database, Name=dataset.name)
        glue.update_table(DatabaseName=database, TableInput=table)
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=table)

    names = ["ingest_date", *dataset.partition_by]
    wanted = [[ingest_date, *values] for values in partition_values] if dataset.partition_by else [[ingest_date]]
    existing = _partitions_of(glue, database, dataset.name, ingest_date)
    stale = [values for values in existing if values not in wanted]
    try:
        for start in range(0, len(stale), DELETE_BATCH):
            glue.batch_delete_partition(
                DatabaseName=database,
                TableName=dataset.name,
                PartitionsToDelete=[{"Values": v} for v in stale[start : start + DELETE_BATCH]],
            )
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDeniedException":
            raise
        # Their files are gone already (the partition folder was replaced), so they read as empty.
        log.warning(
            "%s.%s: %d stale partition(s) of %s stay registered (empty): the job role lacks glue:BatchDeletePartition",
            database,
            dataset.name,
            len(stale),
            ingest_date,
        )
    new = [values for values in wanted if values not in existing]
    for start in range(0, len(new), CREATE_BATCH):
        response = glue.batch_create_partition(
            DatabaseName=database,
            TableName=dataset.name,
            PartitionInputList=[partition_input(location, v, names) for v in new[start : start + CREATE_BATCH]],
        )
        errors = [e for e in response.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"]
        if errors:
            detail = errors[0]["ErrorDetail"]
            raise RuntimeError(
                f"Glue refused {len(errors)} partition(s) of {database}.{dataset.name}: "
                f"{detail['ErrorCode']}: {detail.get('ErrorMessage', '')}"
            )
    return wanted


def _partitions_of(glue: Any, database: str, table: str, ingest_date: str) -> list[list[str]]:
    found = []
    paginator = glue.get_paginator("get_partitions")
    for page in paginator.paginate(DatabaseName=database, TableName=table, Expression=f"ingest_date = '{ingest_date}'"):
        found += [p["Values"] for p in page["Partitions"] if p["Values"][0] == ingest_date]
    return found
