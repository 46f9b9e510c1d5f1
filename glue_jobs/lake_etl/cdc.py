"""Change data capture: apply a run's change rows (AWS DMS full load + ongoing changes) to the table.

DMS writes full-load files without an operation column (every row an insert) and change files whose
operation column holds I, U or D. Per key, the run's changes are ordered by the sequence column (then
by read order, for ties) and the latest one wins: an insert followed by an update in one file lands
as the update; a delete followed by an insert lands as the insert. The winner is applied with one
MERGE INTO, guarded by the sequence the table holds for the key:

- a change older than the stored row (lower sequence: it arrived late) leaves the row alone;
- D deletes the stored row; a D for a key the table does not hold is a no-op, counted;
- I and U upsert (a U for an unknown key inserts it: its full image is the row).

The table keeps each row's sequence: the sequence column itself when the dataset declares it, else a
string column of that name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from .spec import Dataset

if TYPE_CHECKING:
    from .table import CuratedTable

NO_CHANGES = {"changes": 0, "superseded": 0, "late": 0, "applied": 0, "deleted": 0, "unknown_deletes": 0}


@contextmanager
def temp_view(frame: DataFrame) -> Iterator[str]:
    name = f"lake_run_{uuid.uuid4().hex[:12]}"
    frame.createOrReplaceTempView(name)
    try:
        yield name
    finally:
        frame.sparkSession.catalog.dropTempView(name)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def latest_changes(dataset: Dataset, changes: DataFrame) -> DataFrame:
    """Per key, the change with the highest sequence (then the last read); `__op` as I, U or D."""
    assert dataset.cdc is not None
    sequence = F.col(dataset.cdc.sequence_column)
    order = Window.partitionBy(*dataset.primary_key).orderBy(sequence.desc_nulls_last(), F.col("__row").desc())
    operation = F.upper(F.trim(F.coalesce(F.col("__op"), F.lit("I"))))
    return (
        changes.withColumn("__op", F.when(operation == "", "I").otherwise(operation))
        .withColumn("__rank", F.row_number().over(order))
        .where(F.col("__rank") == 1)
        .drop("__rank", "__row")
    )


def apply(table: CuratedTable, branch: str, dataset: Dataset, changes: DataFrame, base: int | None) -> dict[str, int]:
    """MERGE the latest change per key into `branch`; returns the counts of what happened."""
    assert dataset.cdc is not None
    keys, sequence = list(dataset.primary_key), dataset.cdc.sequence_column
    spark = table.spark
    latest = latest_changes(dataset, changes).cache()
    try:
        if base is None:
            stored = spark.createDataFrame([], latest.select(*keys, sequence).schema)
        else:
            stored = spark.sql(f"SELECT {', '.join(map(_q, [*keys, sequence]))} FROM {table.name} VERSION AS OF {base}")
        stored = stored.select(*keys, F.col(sequence).alias("__stored_sequence"), F.lit(True).alias("__stored"))
        judged = latest.join(stored, on=keys, how="left")
        late = (
            F.col("__stored")
            & F.col("__stored_sequence").isNotNull()
            & ~(F.col(sequence) >= F.col("__stored_sequence")).eqNullSafe(True)
        )
        delete = F.col("__op") == "D"
        counted = judged.agg(
            F.count(F.lit(1)).alias("latest"),
            F.count_if(late).alias("late"),
            F.count_if(delete & ~late & F.col("__stored").isNotNull()).alias("deleted"),
            F.count_if(delete & F.col("__stored").isNull()).alias("unknown_deletes"),
        ).first()
        total = changes.count()
        columns = [name for name, _ in dataset.stored_columns] + ["ingest_date"]
        newer = f"(t.{_q(sequence)} IS NULL OR s.{_q(sequence)} >= t.{_q(sequence)})"
        on = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in keys)
        assignments = ", ".join(f"t.{_q(c)} = s.{_q(c)}" for c in columns)
        with temp_view(latest) as view:
            spark.sql(
                f"MERGE INTO {table.branch_name(branch)} t USING {view} s ON {on} "
                f"WHEN MATCHED AND s.__op = 'D' AND {newer} THEN DELETE "
                f"WHEN MATCHED AND s.__op <> 'D' AND {newer} THEN UPDATE SET {assignments} "
                f"WHEN NOT MATCHED AND s.__op <> 'D' THEN INSERT ({', '.join(map(_q, columns))}) "
                f"VALUES ({', '.join('s.' + _q(c) for c in columns)})"
            )
    finally:
        latest.unpersist()
    return {
        "changes": total,
        "superseded": total - counted["latest"],
        "late": counted["late"],
        "applied": counted["latest"] - counted["late"] - counted["unknown_deletes"],
        "deleted": counted["deleted"],
        "unknown_deletes": counted["unknown_deletes"],
    }
