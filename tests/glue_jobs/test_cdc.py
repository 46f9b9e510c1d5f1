"""DMS full load, then change files, applied to the curated Iceberg table (cdc)."""

from __future__ import annotations

SPEC = {
    "name": "customers",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "name", "type": "string", "required": True},
        {"name": "tier", "allowed": ["gold", "silver"]},
    ],
    "primary_key": ["id"],
    "cdc": {"operation_column": "Op", "sequence_column": "dms_commit_ts"},
}
# What DMS writes: a full-load file without the Op column, then change files with it first.
FULL_LOAD = (
    "id,name,tier,dms_commit_ts\n"
    "1,Ann,gold,2024-05-01 00:00:00.000000\n"
    "2,Bob,silver,2024-05-01 00:00:00.000000\n"
    "3,Cid,silver,2024-05-01 00:00:00.000000\n"
)
CHANGES = (
    "Op,id,name,tier,dms_commit_ts\n"
    "I,4,Dee,gold,2024-05-02 09:00:00.000000\n"
    "U,4,Dee Jones,gold,2024-05-02 09:05:00.000000\n"  # insert then update in one file: the update lands
    "U,1,Ann Smith,silver,2024-05-02 10:00:00.000000\n"
    "D,2,Bob,silver,2024-05-02 11:00:00.000000\n"
    "U,3,Cid Newest,gold,2024-05-02 12:00:00.000000\n"  # out of order: the later sequence wins
    "U,3,Cid Older,gold,2024-05-02 11:30:00.000000\n"
    "D,99,Nobody,gold,2024-05-02 12:00:00.000000\n"  # a delete of a key the table never held
    "U,5,Eve,platinum,2024-05-02 12:00:00.000000\n"  # fails a rule: quarantined as always
)


def rows(done):
    query = f"SELECT id, name, tier, dms_commit_ts FROM {done.table} VERSION AS OF {done.report['snapshot_id']}"
    return sorted(tuple(r) for r in done.spark.sql(query).collect())


def test_full_load_then_changes_then_a_late_change(lake):
    loaded = lake.run(SPEC, {"LOAD00000001.csv": FULL_LOAD}, run_id="load")
    assert [r[:3] for r in rows(loaded)] == [(1, "Ann", "gold"), (2, "Bob", "silver"), (3, "Cid", "silver")]
    assert loaded.report["changes"]["applied"] == 3
    # The Op column is not curated; the sequence, not declared, is kept to judge later changes.
    columns = loaded.spark.table(loaded.table).columns
    assert "Op" not in columns and "dms_commit_ts" in columns

    changed = lake.run(SPEC, {"20240502-101500.csv": CHANGES}, ingest_date="2024-05-02", run_id="changes")
    assert [r[:3] for r in rows(changed)] == [
        (1, "Ann Smith", "silver"),
        (3, "Cid Newest", "gold"),
        (4, "Dee Jones", "gold"),
    ]
    assert changed.report["quarantine_reasons"] == {"not_allowed": 1}
    assert changed.report["changes"] == {
        "changes": 7,
        "superseded": 2,
        "late": 0,
        "applied": 4,
        "deleted": 1,
        "unknown_deletes": 1,
    }

    late = lake.run(
        SPEC,
        {"20240502-090000.csv": "Op,id,name,tier,dms_commit_ts\nU,1,Ann Stale,gold,2024-05-02 08:00:00.000000\n"},
        ingest_date="2024-05-03",
        run_id="late",
    )
    assert late.report["changes"]["late"] == 1 and late.report["changes"]["applied"] == 0
    assert rows(late) == rows(changed)
