"""The curated table: an Apache Iceberg table (format v2), and the one commit that makes a run count.

How a run stays exactly once per raw object (an object is its URI and version, see lake_io.RawObject):

- The table property `lake.consumed` names a manifest (JSON, outside the table's folder) listing
  every raw object the table holds the outcome of. A run curates only listed objects not in it.
- The run writes on its own branch, made from main's snapshot it planned on. Main does not move.
- It commits with one Iceberg transaction: fast-forward main to the branch and point `lake.consumed`
  at the new manifest (the old list plus this run's objects). Both land in one metadata swap, or
  neither does: a run that fails before it changes nothing, its objects stay pending.
- Iceberg fast-forwards only when main is still an ancestor of the branch, so of two overlapping
  runs planned on the same snapshot the second one fails (and changes nothing) instead of
  committing the same objects twice.

Iceberg gives every piece (branches, the fast-forward check, an atomic transaction on one table);
what the job adds is only the list, one small file per commit.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession

from .spec import Column, Dataset

CONSUMED = "lake.consumed"
RUN_BRANCH_PREFIX = "run_"
RUN_BRANCH_RETENTION_DAYS = 7  # a branch a crashed run left behind goes with the next snapshot expiry after this
# Readers: Athena (engine 3), Redshift Spectrum and EMR all read v2 tables; copy-on-write keeps the
# table free of delete files, and Snappy Parquet is what every one of them reads.
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.format.default": "parquet",
    "write.parquet.compression-codec": "snappy",
    "write.delete.mode": "copy-on-write",
    "write.update.mode": "copy-on-write",
    "write.merge.mode": "copy-on-write",
}


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class CuratedTable:
    """`<catalog>.<database>.<dataset>`: created from the declaration, evolved when columns are added."""

    def __init__(self, spark: SparkSession, catalog: str, database: str, dataset: Dataset, location: str | None):
        self.spark, self.catalog, self.database, self.dataset = spark, catalog, database, dataset
        self.location = location
        self.name = f"{quote(catalog)}.{quote(database)}.{quote(dataset.name)}"

    @staticmethod
    def columns_of(dataset: Dataset) -> list[tuple[str, str]]:
        """(name, type) of the table: the declared columns, then ingest_date (the run's UTC date)."""
        return [*dataset.stored_columns, ("ingest_date", "string")]

    def columns(self) -> list[tuple[str, str]]:
        return self.columns_of(self.dataset)

    def ensure(self) -> None:
        """Create the table if absent; add declared columns it lacks (no data is rewritten)."""
        self.spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {quote(self.catalog)}.{quote(self.database)}")
        columns = ", ".join(f"{quote(n)} {t}" + _comment(self.dataset, n) for n, t in self.columns())
        partitioning = ", ".join(quote(n) for n in ["ingest_date", *self.dataset.partition_by])
        properties = {
            **TABLE_PROPERTIES,
            "lake.primary_key": ",".join(self.dataset.primary_key),
            "lake.label": self.dataset.label or "",
            "lake.on_existing_key": self.dataset.on_existing_key,
        }
        listed = ", ".join(f"'{k}'='{v}'" for k, v in properties.items())
        location = "" if self.location is None else f" LOCATION '{self.location}'"
        self.spark.sql(
            f"CREATE TABLE IF NOT EXISTS {self.name} ({columns}) USING iceberg "
            f"PARTITIONED BY ({partitioning}){location} TBLPROPERTIES ({listed})"
        )
        have = {name.lower() for name in self.spark.table(self.name).columns}
        missing = [(n, t) for n, t in self.columns() if n.lower() not in have]
        if missing:
            added = ", ".join(f"{quote(n)} {t}" + _comment(self.dataset, n) for n, t in missing)
            self.spark.sql(f"ALTER TABLE {self.name} ADD COLUMNS ({added})")

    def java(self) -> Any:
        """The Iceberg table (Java API), refreshed."""
        jvm = self.spark.sparkContext._jvm
        table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(self.spark._jsparkSession, self.name)
        table.refresh()
        return table

    def snapshot_id(self) -> int | None:
        """main's current snapshot, None for a table never written."""
        snapshot = self.java().currentSnapshot()
        return None if snapshot is None else int(snapshot.snapshotId())

    def consumed_manifest(self) -> str | None:
        return self.java().properties().get(CONSUMED)

    def metadata_location(self) -> str:
        return str(self.java().operations().current().metadataFileLocation())

    def total_rows(self, snapshot_id: int | None) -> int:
        """Rows at a snapshot, from its summary (copy-on-write: no delete files to subtract)."""
        if snapshot_id is None:
            return 0
        summary = self.java().snapshot(snapshot_id).summary()
        return int(summary.get("total-records") or 0)

    def table_location(self) -> str:
        return str(self.java().location())

    def stored_keys(self, snapshot_id: int, judged: Any) -> Any:
        """The distinct primary keys stored at `snapshot_id`.

        With a one-column key, only files whose key range overlaps the run's valid keys are read
        (Iceberg prunes the others by their column statistics): new keys cost what the new data costs.
        """
        keys = [quote(k) for k in self.dataset.primary_key]
        stored = self.spark.sql(f"SELECT {', '.join(keys)} FROM {self.name} VERSION AS OF {snapshot_id}")
        if len(keys) == 1:
            from pyspark.sql import functions as F

            key = self.dataset.primary_key[0]
            low, high = judged.where(F.col("__reason").isNull()).agg(F.min(key), F.max(key)).first()
            if low is None:
                return stored.limit(0)
            stored = stored.where(F.col(key).between(low, high))
        return stored.distinct()

    def create_branch(self, run_id: str, base: int | None) -> str:
        """A branch for the run at `base` (main's snapshot the run planned on)."""
        branch = RUN_BRANCH_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", run_id) + "_" + uuid.uuid4().hex[:8]
        at = "" if base is None else f" AS OF VERSION {base}"
        self.spark.sql(
            f"ALTER TABLE {self.name} CREATE BRANCH {quote(branch)}{at} RETAIN {RUN_BRANCH_RETENTION_DAYS} DAYS"
        )
        return branch

    def branch_name(self, branch: str) -> str:
        """The Spark identifier that reads and writes `branch`."""
        return f"{self.name}.{quote('branch_' + branch)}"

    def commit(self, branch: str, manifest: str) -> int:
        """Fast-forward main to `branch` and point `lake.consumed` at `manifest`, atomically.

        Fails (Iceberg's ValidationException) when main moved since the branch was made.
        Returns main's new snapshot id.
        """
        table = self.java()
        transaction = table.newTransaction()
        transaction.manageSnapshots().fastForwardBranch("main", branch).commit()
        transaction.updateProperties().set(CONSUMED, manifest).commit()
        transaction.commitTransaction()
        self.drop_branch(branch)
        self.spark.sql(f"REFRESH TABLE {self.name}")
        snapshot = self.snapshot_id()
        assert snapshot is not None
        return snapshot

    def drop_branch(self, branch: str) -> None:
        self.spark.sql(f"ALTER TABLE {self.name} DROP BRANCH IF EXISTS {quote(branch)}")


def maintain(
    table: CuratedTable,
    *,
    now: datetime,
    snapshot_retention_days: int,
    snapshots_to_retain: int,
    orphan_file_retention_days: int,
    compaction: bool,
) -> dict[str, Any]:
    """Iceberg's own procedures, in order: compact small files, expire old snapshots (a snapshot a tag
    or branch references stays: pinned training sets), delete files no snapshot references."""
    spark, procedures = table.spark, f"{quote(table.catalog)}.system"
    name = f"{table.database}.{table.dataset.name}"
    done: dict[str, Any] = {"table": name}

    def stamp(days: int, at: datetime = now) -> str:
        return (at - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")

    if compaction:
        row = spark.sql(f"CALL {procedures}.rewrite_data_files(table => '{name}')").first()
        done["rewritten_data_files"], done["added_data_files"] = int(row[0]), int(row[1])
    row = spark.sql(
        f"CALL {procedures}.expire_snapshots(table => '{name}', "
        f"older_than => TIMESTAMP '{stamp(snapshot_retention_days)}', retain_last => {snapshots_to_retain})"
    ).first()
    done["expired"] = dict(zip(row.__fields__, [int(v) for v in row], strict=True))
    orphans = spark.sql(
        f"CALL {procedures}.remove_orphan_files(table => '{name}', "
        # Never later than the real clock allows: Iceberg refuses a cutoff within the last 24 hours.
        f"older_than => TIMESTAMP '{stamp(orphan_file_retention_days, min(now, datetime.now(now.tzinfo)))}')"
    ).collect()
    done["orphan_files_deleted"] = len(orphans)
    done["snapshot_id"] = table.snapshot_id()
    return done


def _comment(dataset: Dataset, name: str) -> str:
    text = comment_of(dataset, name)
    return " COMMENT '" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def comment_of(dataset: Dataset, name: str) -> str:
    if name == "ingest_date":
        return "UTC date of the ETL run that wrote the row"
    if (
        dataset.cdc is not None
        and name == dataset.cdc.sequence_column
        and name not in {c.name for c in dataset.columns}
    ):
        return "CDC sequence of the change that wrote the row (later changes win)"
    return column_comment(dataset.column(name))


def column_comment(column: Column) -> str:
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
