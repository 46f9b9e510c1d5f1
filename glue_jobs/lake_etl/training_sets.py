"""Training sets pinned to a snapshot of a curated Iceberg table.

A pin is a manifest in the artifacts bucket, `training_sets/<dataset>/<name>.json`: the table, the
snapshot id, the tag and the query that selects the rows (`{table}` stands for the table as of that
snapshot), and an Iceberg tag on the snapshot (`pin_<name>`, kept for ever: snapshot expiry never
removes a snapshot a tag references). Reading a pin runs the query on that snapshot, so it returns
the same rows whatever was committed since.

Locally, and wherever Spark pins, the tag is made with the manifest. Athena cannot create Iceberg
tags, so a pin made through Athena (`tools.training_set --env ...`) writes the manifest only, and the
table's maintenance run tags every manifest's snapshot (`tag_pinned`) before it expires any snapshot:
expiry runs nowhere else, so no pinned snapshot is ever expired.

The query must read the same in Spark SQL and in Athena (engine 3, Trino SQL): the same training set
is read by `processing_jobs/train_model.py` on EMR and by the tools through Athena. Plain SELECT,
WHERE, column names without quotes and common functions are read alike by both.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .contract import TRAINING_SETS_FOLDER
from .lake_io import join_uri
from .table import quote

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from .table import CuratedTable

log = logging.getLogger("lake_etl")

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
FOLDER = TRAINING_SETS_FOLDER
DEFAULT_QUERY = "SELECT * FROM {table}"


def folder_uri(artifacts_bucket: str, dataset: str) -> str:
    return join_uri(f"s3://{artifacts_bucket}", FOLDER, dataset) + "/"


def manifest_uri(artifacts_bucket: str, dataset: str, name: str) -> str:
    return join_uri(f"s3://{artifacts_bucket}", FOLDER, dataset, f"{name}.json")


def tag_of(name: str) -> str:
    return "pin_" + name.replace("-", "_")


def check(name: str, query: str) -> None:
    """A usable name and query, or ValueError saying what is expected."""
    if not NAME.match(name):
        raise ValueError(f"training set name {name!r}: lowercase letters, digits, '-' and '_' (at most 63)")
    if "{table}" not in query:
        raise ValueError("the query must read the table as {table}, e.g. SELECT * FROM {table} WHERE ...")


def manifest_of(dataset: str, name: str, table: str, snapshot_id: int, query: str, rows: int) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "name": name,
        "table": table,
        "snapshot_id": int(snapshot_id),
        "tag": tag_of(name),
        "query": query,
        "rows": rows,
        "pinned_at": datetime.now(UTC).isoformat(),
    }


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
    check(name, query)
    snapshot = resolve_snapshot(spark, table, snapshot_id, as_of)
    spark.sql(f"ALTER TABLE {table} CREATE TAG {quote(tag_of(name))} AS OF VERSION {snapshot}")
    manifest = manifest_of(dataset, name, table, snapshot, query, rows=0)
    manifest["rows"] = rows(spark, manifest).count()
    uri = manifest_uri(artifacts_bucket, dataset, name)
    io.put_json(uri, manifest)
    return {**manifest, "manifest": uri}


def rows(spark: SparkSession, manifest: dict[str, Any], table: str | None = None) -> DataFrame:
    """The pinned rows: the manifest's query on its snapshot (`table`: the table's name here, if other)."""
    pinned = f"(SELECT * FROM {table or manifest['table']} VERSION AS OF {int(manifest['snapshot_id'])})"
    return spark.sql(manifest["query"].replace("{table}", pinned))


def tag_pinned(table: CuratedTable, io: Any, folder: str) -> dict[str, list[str]]:
    """Tag the snapshot of every manifest under `folder` whose tag the table lacks (the maintenance run
    calls this before it expires snapshots). Returns the training sets by outcome:

    - `tagged`: tagged now; `kept`: their tag was there already;
    - `lost`: the snapshot is no longer in the table (expired before it was pinned), nothing to tag;
    - `conflict`: a tag of that name points at another snapshot; it is left alone.
    """
    refs = {
        r.name: int(r.snapshot_id)
        for r in table.spark.sql(f"SELECT name, snapshot_id FROM {table.name}.refs").collect()
    }
    snapshots = {int(s) for (s,) in table.spark.sql(f"SELECT snapshot_id FROM {table.name}.snapshots").collect()}
    done: dict[str, list[str]] = {"tagged": [], "kept": [], "lost": [], "conflict": []}
    for found in io.list_objects(folder):
        if not found.uri.endswith(".json"):
            continue
        manifest = io.get_json(found.uri)
        name, snapshot = manifest["name"], int(manifest["snapshot_id"])
        tag = manifest.get("tag") or tag_of(name)
        if tag in refs:
            outcome = "kept" if refs[tag] == snapshot else "conflict"
        elif snapshot not in snapshots:
            outcome = "lost"
        else:
            table.spark.sql(f"ALTER TABLE {table.name} CREATE TAG {quote(tag)} AS OF VERSION {snapshot}")
            refs[tag] = snapshot
            outcome = "tagged"
        done[outcome].append(name)
        if outcome in ("lost", "conflict"):
            log.error(
                "training set %s (%s): snapshot %s cannot be tagged %s: %s", name, found.uri, snapshot, tag, outcome
            )
    return done
