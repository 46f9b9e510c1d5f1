"""Training sets pinned to a snapshot of a curated Iceberg table.

A pin is an Iceberg tag on the snapshot (`pin_<name>`, kept for ever: snapshot expiry never removes a
snapshot a tag references) and a manifest in the artifacts bucket,
`training_sets/<dataset>/<name>.json`: the table, the snapshot id, the tag and the query that selects
the rows (`{table}` stands for the table as of that snapshot). Reading a pin runs the query on
that snapshot, so it returns the same rows whatever was committed since.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from .lake_io import join_uri
from .table import quote

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
FOLDER = "training_sets"
DEFAULT_QUERY = "SELECT * FROM {table}"


def manifest_uri(artifacts_bucket: str, dataset: str, name: str) -> str:
    return join_uri(f"s3://{artifacts_bucket}", FOLDER, dataset, f"{name}.json")


def resolve_snapshot(spark: SparkSession, table: str, snapshot_id: int | None, as_of: str | None) -> int:
    """The snapshot to pin: the given id (checked), main's snapshot at `as_of` (ISO time), or the current one."""
    history = spark.sql(f"SELECT snapshot_id, made_current_at FROM {table}.history WHERE is_current_ancestor")
    if snapshot_id is not None:
        if not history.where(history.snapshot_id == snapshot_id).count():
            raise ValueError(f"{table} has no snapshot {snapshot_id} in its history")
        return snapshot_id
    if as_of is not None:
        moment = datetime.fromisoformat(as_of)
        history = history.where(history.made_current_at <= moment)
    found = history.orderBy(history.made_current_at.desc()).first()
    if found is None:
        raise ValueError(f"{table} has no snapshot" + ("" if as_of is None else f" at or before {as_of}"))
    return int(found.snapshot_id)


def pin(
    spark: SparkSession,
    io: Any,
    table: str,
    dataset: str,
    name: str,
    artifacts_bucket: str,
    *,
    snapshot_id: int | None = None,
    as_of: str | None = None,
    query: str = DEFAULT_QUERY,
) -> dict[str, Any]:
    """Tag the snapshot and write the manifest; returns the manifest (with its URI and row count)."""
    if not NAME.match(name):
        raise ValueError(f"training set name {name!r}: lowercase letters, digits, '-' and '_' (at most 63)")
    if "{table}" not in query:
        raise ValueError("the query must read the table as {table}, e.g. SELECT * FROM {table} WHERE ...")
    snapshot = resolve_snapshot(spark, table, snapshot_id, as_of)
    tag = "pin_" + name.replace("-", "_")
    spark.sql(f"ALTER TABLE {table} CREATE TAG {quote(tag)} AS OF VERSION {snapshot}")
    manifest = {
        "dataset": dataset,
        "name": name,
        "table": table,
        "snapshot_id": snapshot,
        "tag": tag,
        "query": query,
        "pinned_at": datetime.now(UTC).isoformat(),
    }
    manifest["rows"] = rows(spark, manifest).count()
    uri = manifest_uri(artifacts_bucket, dataset, name)
    io.put_json(uri, manifest)
    return {**manifest, "manifest": uri}


def rows(spark: SparkSession, manifest: dict[str, Any], table: str | None = None) -> DataFrame:
    """The pinned rows: the manifest's query on its snapshot (`table`: the table's name here, if other)."""
    pinned = f"(SELECT * FROM {table or manifest['table']} VERSION AS OF {int(manifest['snapshot_id'])})"
    return spark.sql(manifest["query"].replace("{table}", pinned))
