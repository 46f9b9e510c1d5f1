"""A run's effects outside its data: idempotent partitions, the Glue catalog, metrics, reports."""

import json

from botocore.exceptions import ClientError

from .conftest import ARTIFACTS, DATABASE

SPEC = {
    "name": "census",
    "format": "csv",
    "null_values": ["", "?"],
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "age", "type": "int", "min": 17},
        {"name": "sex", "allowed": ["Male", "Female"]},
        {"name": "income", "type": "decimal(10,2)", "required": True},
    ],
    "primary_key": ["id"],
    "partition_by": ["sex"],
}
FIRST = "id,age,sex,income\n1,30,Male,100\n2,40,Female,200\n3,50,?,300\n4,12,Male,1\n"


def test_rerun_of_an_ingest_date_replaces_its_partition(lake, spark, aws):
    first = lake.run(SPEC, {"census.csv": FIRST}, run_id="first")
    assert first.report["partitions"] == [
        ["2024-05-01", "Female"],
        ["2024-05-01", "Male"],
        ["2024-05-01", "__HIVE_DEFAULT_PARTITION__"],
    ]
    again = lake.run(SPEC, run_id="again")
    assert sorted(r["id"] for r in again.curated(spark, whole_table=True)) == [1, 2, 3]
    assert [row["run_id"] for row in again.quarantine()] == ["again"]

    # The raw data changes: no Female rows any more. Her partition goes, from storage and catalog.
    lake.put_raw("census", {"census.csv": "id,age,sex,income\n1,31,Male,110\n5,60,?,500\n"})
    third = lake.run(SPEC, run_id="third")
    assert sorted((r["id"], r["age"]) for r in third.curated(spark, whole_table=True)) == [(1, 31), (5, 60)]
    assert not (third.partition() / "sex=Female").exists()
    partitions = aws["glue"].get_partitions(DatabaseName=DATABASE, TableName="census")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [
        ["2024-05-01", "Male"],
        ["2024-05-01", "__HIVE_DEFAULT_PARTITION__"],
    ]

    other_day = lake.run(SPEC, ingest_date="2024-05-02", run_id="next-day")
    assert len(other_day.curated(spark, whole_table=True)) == 4  # two days of two rows


def test_the_curated_table_in_the_catalog(lake, aws):
    lake.run(SPEC, {"census.csv": FIRST})
    table = aws["glue"].get_table(DatabaseName=DATABASE, Name="census")["Table"]
    descriptor = table["StorageDescriptor"]
    assert descriptor["Location"] == "s3://curated-bucket/census/"
    assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [
        ("id", "int"),
        ("age", "int"),
        ("income", "decimal(10,2)"),
    ]
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == [("ingest_date", "string"), ("sex", "string")]
    assert (
        descriptor["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert table["Parameters"]["classification"] == "parquet"
    partition = aws["glue"].get_partition(
        DatabaseName=DATABASE, TableName="census", PartitionValues=["2024-05-01", "Male"]
    )
    assert (
        partition["Partition"]["StorageDescriptor"]["Location"]
        == "s3://curated-bucket/census/ingest_date=2024-05-01/sex=Male/"
    )


def test_metrics_one_datapoint_each(lake, aws):
    done = lake.run(SPEC, {"census.csv": FIRST})
    listed = aws["cloudwatch"].list_metrics(Namespace="MLDataLake/ETL")["Metrics"]
    assert sorted(m["MetricName"] for m in listed) == ["RowsCurated", "RowsIn", "RowsQuarantined"]
    for metric in listed:
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {"Environment": "test", "Dataset": "census"}
    values = {d["MetricName"]: (d["Value"], d["Unit"]) for d in done.result.metric_data}
    assert values == {"RowsIn": (4.0, "Count"), "RowsCurated": (3.0, "Count"), "RowsQuarantined": (1.0, "Count")}


def test_empty_input(lake, spark, aws):
    done = lake.run(SPEC, {})
    assert (done.report["rows_in"], done.report["rows_curated"], done.report["rows_quarantined"]) == (0, 0, 0)
    assert done.report["input"]["files"] == 0
    assert done.profile["ml_ready"] is False
    assert aws["glue"].get_table(DatabaseName=DATABASE, Name="census")["Table"]["Name"] == "census"
    report = lake.io.local_path(f"s3://{ARTIFACTS}/reports/census/ingest_date=2024-05-01/run_id=run-1/run_report.json")
    assert json.loads(report.read_text())["status"] == "succeeded"


def test_files_without_rows(lake, spark):
    """A header-only CSV and an empty file: a run over no rows still completes, with every count at 0."""
    done = lake.run(SPEC, {"header_only.csv": "id,age,sex,income\n", "empty.csv": ""})
    assert (done.report["rows_in"], done.report["rows_curated"], done.report["rows_quarantined"]) == (0, 0, 0)
    assert done.report["input"]["files"] == 2
    assert done.report["quarantine_reasons"] == {}
    assert done.curated(spark) == [] and done.quarantine() == []


def test_stale_partitions_without_delete_permission_only_warn(lake, aws, monkeypatch, caplog):
    lake.run(SPEC, {"census.csv": FIRST}, run_id="first")
    lake.put_raw("census", {"census.csv": "id,age,sex,income\n1,31,Male,110\n"})

    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "BatchDeletePartition")

    monkeypatch.setattr(aws["glue"], "batch_delete_partition", denied)
    done = lake.run(SPEC, run_id="second")
    assert done.report["partitions"] == [["2024-05-01", "Male"]]
    assert "2 stale partition(s) of 2024-05-01 stay registered" in caplog.text
