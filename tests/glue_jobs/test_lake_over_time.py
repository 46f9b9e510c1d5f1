"""The curated Iceberg table across runs: each raw object curated exactly once, keys across runs,
failed and overlapping runs, schema evolution. Every test asserts the table's content."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pyspark.errors import IllegalArgumentException

from glue_jobs.lake_etl import job, training_sets
from glue_jobs.lake_etl.table import CuratedTable, maintain

from .conftest import ARTIFACTS, CURATED, DATABASE

PEOPLE = {
    "name": "people",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "name", "type": "string"},
        {"name": "age", "type": "int", "min": 0},
    ],
    "primary_key": ["id"],
}
DAY1 = "id,name,age\n1,Ann,31\n2,Bob,40\n"
DAY2 = "name,age,id\nCid,25,3\nDee,52,4\n"  # columns in another order


def table_rows(done, snapshot=None):
    """(id, name, age, ingest_date) of every row of the table at `snapshot` (default: the run's)."""
    snapshot = done.report["snapshot_id"] if snapshot is None else snapshot
    rows = done.spark.sql(f"SELECT id, name, age, ingest_date FROM {done.table} VERSION AS OF {snapshot}")
    return sorted(tuple(r) for r in rows.collect())


def test_day_two_adds_only_the_new_file_and_a_rerun_is_a_no_op(lake):
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, ingest_date="2024-05-01", run_id="d1")
    assert table_rows(first) == [(1, "Ann", 31, "2024-05-01"), (2, "Bob", 40, "2024-05-01")]
    assert (first.report["files_processed"], first.report["rows_in"], first.report["table_rows"]) == (1, 2, 2)

    second = lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="d2")
    assert (second.report["files_processed"], second.report["rows_in"], second.report["table_rows"]) == (1, 2, 4)
    assert table_rows(second) == [
        (1, "Ann", 31, "2024-05-01"),
        (2, "Bob", 40, "2024-05-01"),
        (3, "Cid", 25, "2024-05-02"),
        (4, "Dee", 52, "2024-05-02"),
    ]
    assert second.report["snapshot_id"] != first.report["snapshot_id"]
    # The first snapshot still reads as it was: time travel.
    assert table_rows(second, first.report["snapshot_id"]) == table_rows(first)

    again = lake.run(PEOPLE, ingest_date="2024-05-03", run_id="d3")
    assert again.report["files_processed"] == 0 and again.report["rows_in"] == 0
    assert again.report["committed"] is False
    assert again.report["snapshot_id"] == second.report["snapshot_id"]
    assert table_rows(again) == table_rows(second)


def test_a_file_landing_again_with_new_content_is_a_new_version(lake):
    lake.run(PEOPLE, {"people.csv": DAY1}, run_id="v1")
    same = lake.run(PEOPLE, {"people.csv": DAY1}, run_id="v1-again")
    assert same.report["files_processed"] == 0
    changed = lake.run(PEOPLE, {"people.csv": "id,name,age\n5,Eve,29\n"}, ingest_date="2024-05-02", run_id="v2")
    assert changed.report["files_processed"] == 1
    assert [r[:3] for r in table_rows(changed)] == [(1, "Ann", 31), (2, "Bob", 40), (5, "Eve", 29)]


def test_a_stored_key_is_quarantined_by_default(lake):
    lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="k1")
    second = lake.run(
        PEOPLE,
        {"day2.csv": "id,name,age\n2,Bobby,41\n6,Fay,33\n6,Fay again,34\n"},
        ingest_date="2024-05-02",
        run_id="k2",
    )
    assert second.report["quarantine_reasons"] == {"duplicate_key": 2}
    assert sorted(json.loads(r["raw_record"])["name"] for r in second.quarantine()) == ["Bobby", "Fay again"]
    assert [r[:3] for r in table_rows(second)] == [(1, "Ann", 31), (2, "Bob", 40), (6, "Fay", 33)]


def test_on_existing_key_update_replaces_the_stored_row(lake):
    spec = {**PEOPLE, "on_existing_key": "update"}
    lake.run(spec, {"day1.csv": DAY1}, run_id="u1")
    second = lake.run(
        spec, {"day2.csv": "id,name,age\n2,Bobby,41\n7,Gus,60\n7,Gus again,61\n"}, ingest_date="2024-05-02", run_id="u2"
    )
    # Within one run the first row of a key wins, as in quarantine mode; across runs the new row wins.
    assert second.report["quarantine_reasons"] == {"duplicate_key": 1}
    assert table_rows(second) == [
        (1, "Ann", 31, "2024-05-01"),
        (2, "Bobby", 41, "2024-05-02"),
        (7, "Gus", 60, "2024-05-02"),
    ]
    assert second.report["table_rows"] == 3


def test_a_run_failing_half_way_changes_nothing_and_the_next_run_completes_it(lake, monkeypatch):
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="f1")

    def broken(self, branch, manifest):
        raise RuntimeError("the driver died before the commit")

    with monkeypatch.context() as patched:
        patched.setattr(CuratedTable, "commit", broken)
        with pytest.raises(RuntimeError, match="driver died"):
            lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="f2")
    # The curated rows reached the run's branch, but main, the consumed list and the quarantine did not move.
    table = CuratedTable(lake.spark, first.table.split(".")[0], DATABASE, job.parse_dataset(json.dumps(PEOPLE)), None)
    assert table.snapshot_id() == first.report["snapshot_id"]
    assert [name for (name,) in lake.spark.sql(f"SELECT name FROM {first.table}.refs").collect()] == ["main"]
    assert not lake.io.local_path(f"s3://{CURATED}/_quarantine/people/ingest_date=2024-05-02/run_id=f2").exists()

    retry = lake.run(PEOPLE, ingest_date="2024-05-02", run_id="f3")
    assert retry.report["files_processed"] == 1
    assert [r[0] for r in table_rows(retry)] == [1, 2, 3, 4]


def test_two_overlapping_runs_cannot_both_commit_the_same_files(lake):
    """A run planned on a snapshot that another run has moved past cannot commit: Iceberg refuses the
    fast-forward, and main, the consumed list and the other run's rows stay as they are."""
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="o1")
    dataset = job.parse_dataset(json.dumps(PEOPLE))
    table = CuratedTable(lake.spark, first.table.split(".")[0], DATABASE, dataset, None)
    base = table.snapshot_id()
    late = table.create_branch("o2", base)  # a run planned on day 1's snapshot, still writing...
    lake.spark.sql(f"INSERT INTO {table.branch_name(late)} VALUES (3, 'Cid', 25, '2024-05-02')")
    winner = lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="o3")  # ...when another commits
    manifest = table.consumed_manifest()
    with pytest.raises(IllegalArgumentException, match="Cannot fast-forward: main is not an ancestor"):
        table.commit(late, "s3://curated-bucket/_consumed/people/o2.json")
    table.drop_branch(late)
    assert table.snapshot_id() == winner.report["snapshot_id"] and table.consumed_manifest() == manifest
    assert [r[0] for r in table_rows(winner)] == [1, 2, 3, 4]
    after = lake.run(PEOPLE, ingest_date="2024-05-03", run_id="o4")
    assert after.report["files_processed"] == 0 and [r[0] for r in table_rows(after)] == [1, 2, 3, 4]


def test_a_column_added_to_the_declaration_evolves_the_table(lake):
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="s1")
    wider = {**PEOPLE, "columns": [*PEOPLE["columns"], {"name": "city", "type": "string"}]}
    second = lake.run(wider, {"day2.csv": "id,name,age,city\n8,Hal,45,Oslo\n"}, ingest_date="2024-05-02", run_id="s2")
    rows = second.spark.sql(f"SELECT id, city FROM {second.table} ORDER BY id").collect()
    assert [tuple(r) for r in rows] == [(1, None), (2, None), (8, "Oslo")]
    # The old snapshot keeps its own schema's rows, untouched.
    assert table_rows(second, first.report["snapshot_id"]) == table_rows(first)


def test_maintenance_compacts_and_expires_but_keeps_pinned_snapshots(lake):
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="m1")
    second = lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="m2")
    third = lake.run(PEOPLE, {"day3.csv": "id,name,age\n9,Ida,70\n"}, ingest_date="2024-05-03", run_id="m3")
    spark, table = lake.spark, third.table
    spark.sql(f"ALTER TABLE {table} CREATE TAG pin_day_one AS OF VERSION {first.report['snapshot_id']}")
    dataset = job.parse_dataset(json.dumps(PEOPLE))
    curated = CuratedTable(spark, table.split(".")[0], DATABASE, dataset, None)
    done = maintain(
        curated,
        now=datetime.now(UTC) + timedelta(days=30),
        snapshot_retention_days=7,
        snapshots_to_retain=1,
        orphan_file_retention_days=3,
        compaction=True,
    )
    assert done["rewritten_data_files"] >= 0 and done["orphan_files_deleted"] >= 0
    snapshots = {s for (s,) in spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").collect()}
    assert first.report["snapshot_id"] in snapshots  # pinned by its tag
    assert second.report["snapshot_id"] not in snapshots  # expired
    assert table_rows(first) == [(1, "Ann", 31, "2024-05-01"), (2, "Bob", 40, "2024-05-01")]
    now = sorted(tuple(r) for r in spark.sql(f"SELECT id, name, age, ingest_date FROM {table}").collect())
    assert now == table_rows(third)


def test_maintenance_tags_training_sets_pinned_without_a_tag_before_it_expires(lake):
    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="t1")
    second = lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="t2")
    third = lake.run(PEOPLE, {"day3.csv": "id,name,age\n9,Ida,70\n"}, ingest_date="2024-05-03", run_id="t3")
    spark, table = lake.spark, third.table
    # As a pin through Athena leaves them: a manifest, no tag. One names a snapshot long expired.
    folder = f"s3://{ARTIFACTS}/training_sets/people/"
    query = "SELECT id, name FROM {table} WHERE age > 35"
    pinned = training_sets.manifest_of("people", "day-one", f"{DATABASE}.people", first.report["snapshot_id"], query, 1)
    lake.io.put_json(folder + "day-one.json", pinned)
    lake.io.put_json(folder + "gone.json", training_sets.manifest_of("people", "gone", "t", 42, query, 0))
    arguments = {
        "dataset_spec": json.dumps(PEOPLE),
        "raw_path": "s3://raw-bucket/people/",
        "curated_path": f"s3://{CURATED}/people/",
        "quarantine_path": f"s3://{CURATED}/_quarantine/people/",
        "report_path": f"s3://{ARTIFACTS}/reports/people/",
        "curated_database": DATABASE,
        "environment": "test",
        "mode": "maintain",
        # Every snapshot is past the cutoff; only the last one is retained by count.
        "maintenance": json.dumps({"snapshot_retention_days": 0, "snapshots_to_retain": 1, "compaction": False}),
    }
    with pytest.raises(ValueError, match="needs --training_sets_path"):
        job.maintain(spark, job.JobArgs(**arguments), io=lake.io)

    done = job.maintain(spark, job.JobArgs(**arguments, training_sets_path=folder), io=lake.io)

    assert done.report["training_sets"] == {"tagged": ["day-one"], "kept": [], "lost": ["gone"], "conflict": []}
    refs = {tuple(r) for r in spark.sql(f"SELECT name, snapshot_id FROM {table}.refs").collect()}
    assert ("pin_day_one", first.report["snapshot_id"]) in refs
    snapshots = {s for (s,) in spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").collect()}
    assert first.report["snapshot_id"] in snapshots and second.report["snapshot_id"] not in snapshots
    assert third.report["snapshot_id"] in snapshots
    assert [tuple(r) for r in training_sets.rows(spark, pinned, table).collect()] == [(2, "Bob")]
    again = job.maintain(spark, job.JobArgs(**arguments, training_sets_path=folder), io=lake.io)
    assert again.report["training_sets"]["kept"] == ["day-one"]
    assert first.report["snapshot_id"] in {
        s for (s,) in spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").collect()
    }


def test_the_training_step_reads_a_pinned_training_set_as_of_its_snapshot(lake):
    from argparse import Namespace

    from processing_jobs.train_model import training_rows

    first = lake.run(PEOPLE, {"day1.csv": DAY1}, run_id="r1")
    spark, table = lake.spark, first.table
    query = "SELECT id, name, age FROM {table} WHERE age > 30 ORDER BY id"
    manifest = training_sets.pin(spark, lake.io, table, "people", "day-one", ARTIFACTS, query=query)
    second = lake.run(PEOPLE, {"day2.csv": DAY2}, ingest_date="2024-05-02", run_id="r2")
    assert second.report["snapshot_id"] != first.report["snapshot_id"]

    path = lake.io.spark_path(manifest["manifest"])
    frame, snapshot = training_rows(spark, Namespace(training_set=path, table=table, snapshot_id=None))

    assert snapshot == first.report["snapshot_id"]
    assert [tuple(r) for r in frame.collect()] == [(1, "Ann", 31), (2, "Bob", 40)]  # not Dee (52), who came later
    current, _ = training_rows(spark, Namespace(training_set=None, table=table, snapshot_id=None))
    assert current.count() == 4
