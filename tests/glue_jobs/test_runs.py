"""A run's effects outside its data: the Glue catalog, metrics, reports."""

import json

from .conftest import ARTIFACTS, CURATED, DATABASE

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


def test_the_curated_table_in_the_catalog(lake, aws):
    """The Glue entry of the Iceberg table, as Iceberg's Glue catalog writes it on AWS."""
    first = lake.run(SPEC, {"census.csv": FIRST})
    table = aws["glue"].get_table(DatabaseName=DATABASE, Name="census")["Table"]
    assert table["Parameters"]["table_type"] == "ICEBERG"
    metadata = table["Parameters"]["metadata_location"]
    assert metadata.startswith(f"s3://{CURATED}/{DATABASE}/census/metadata/") and metadata.endswith(".metadata.json")
    assert lake.io.local_path(metadata).is_file()
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("id", "int"),
        ("age", "int"),
        ("sex", "string"),
        ("income", "decimal(10,2)"),
        ("ingest_date", "string"),
    ]
    # The table itself: Iceberg v2, partitioned by ingest date and the declared partition columns.
    properties = dict(first.spark.sql(f"SHOW TBLPROPERTIES {first.table}").collect())
    assert properties["format-version"] == "2" and properties["lake.primary_key"] == "id"
    partitions = first.spark.sql(f"SELECT partition FROM {first.table}.partitions").collect()
    assert sorted(((p.partition.ingest_date, p.partition.sex) for p in partitions), key=str) == [
        ("2024-05-01", "Female"),
        ("2024-05-01", "Male"),
        ("2024-05-01", None),
    ]
    second = lake.run(SPEC, {"more.csv": "id,age,sex,income\n9,33,Male,90\n"}, ingest_date="2024-05-02", run_id="r2")
    updated = aws["glue"].get_table(DatabaseName=DATABASE, Name="census")["Table"]["Parameters"]
    assert updated["previous_metadata_location"] == metadata != updated["metadata_location"]
    assert second.report["table_rows"] == 4


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
