"""The JDBC extract job: its pure functions, and one run end to end on local Spark against an
in-memory Derby database (the JDBC driver Spark ships), with Glue and Secrets Manager on moto."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from moto import mock_aws

from glue_jobs import jdbc_extract

GLUE_ARGUMENTS = ["--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--TempDir", "s3://tmp/", "--job-bookmark-option", "x"]
ARGUMENTS = [
    "--engine",
    "postgresql",
    "--connection_name",
    "mlake-dev-house_sales-jdbc",
    "--query",
    "SELECT 1",
    "--output_path",
    "s3://raw/jdbc/house_sales/",
]


def test_glues_own_arguments_are_ignored():
    args = jdbc_extract.parse_args([*GLUE_ARGUMENTS, *ARGUMENTS])
    assert args.connection_name == "mlake-dev-house_sales-jdbc" and args.enforce_ssl == "true"
    assert args.ingest_date is None


def test_an_unknown_engine_is_refused():
    with pytest.raises(SystemExit):
        jdbc_extract.parse_args([*ARGUMENTS[:1], "db2", *ARGUMENTS[2:]])


@pytest.mark.parametrize(
    ("engine", "tls"),
    [
        ("postgresql", {"ssl": "true", "sslmode": "require"}),
        ("mysql", {"sslMode": "REQUIRED"}),
        ("sqlserver", {"encrypt": "true"}),
        ("oracle", {}),
    ],
)
def test_reader_options_require_tls_unless_told_otherwise(engine, tls):
    options = jdbc_extract.reader_options(engine, "jdbc:x", "SELECT 1", "u", "p", enforce_ssl=True)
    assert options.items() >= {**tls, "query": "SELECT 1", "driver": jdbc_extract.DRIVERS[engine]}.items()
    plain = jdbc_extract.reader_options(engine, "jdbc:x", "SELECT 1", "u", "p", enforce_ssl=False)
    assert not set(tls) & set(plain)


def test_each_run_writes_one_ingest_date_partition():
    assert (
        jdbc_extract.partition_path("s3://raw/jdbc/house_sales", datetime.date(2024, 3, 1))
        == "s3://raw/jdbc/house_sales/ingest_date=2024-03-01/"
    )


def test_column_names_are_made_parquet_safe_and_unique(spark):
    frame = spark.createDataFrame([(1, 2, 3, 4)], ["House ID", "house_id", "Price ($)", "(x)"])
    assert jdbc_extract.with_parquet_column_names(frame).columns == ["house_id", "house_id_2", "price", "x"]


def test_a_run_extracts_the_query_result_into_the_days_partition(spark, tmp_path, monkeypatch):
    url = "jdbc:derby:memory:listings;create=true"
    derby = "org.apache.derby.jdbc.EmbeddedDriver"
    houses = spark.createDataFrame([(1, 3, 250000.0), (2, 2, 180000.0), (3, 4, 410000.0)], ["ID", "BEDROOMS", "PRICE"])
    houses.write.format("jdbc").options(url=url, dbtable="HOUSES", driver=derby).mode("overwrite").save()
    monkeypatch.setitem(jdbc_extract.DRIVERS, "postgresql", derby)

    with mock_aws():
        secret = boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
            Name="listings", SecretString=json.dumps({"username": "app", "password": "app"})
        )
        boto3.client("glue", region_name="eu-west-1").create_connection(
            ConnectionInput={
                "Name": "listings-jdbc",
                "ConnectionType": "JDBC",
                "ConnectionProperties": {"JDBC_CONNECTION_URL": url, "SECRET_ID": secret["ARN"]},
            }
        )
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        args = jdbc_extract.parse_args(
            [
                "--engine",
                "postgresql",
                "--connection_name",
                "listings-jdbc",
                "--query",
                'SELECT ID AS "House Id", PRICE FROM HOUSES WHERE BEDROOMS >= 3',
                "--output_path",
                str(tmp_path / "jdbc" / "house_sales"),
                "--enforce_ssl",
                "false",
                "--ingest_date",
                "2024-03-01",
            ]
        )
        target = jdbc_extract.run(spark, args)

    assert target.endswith("/jdbc/house_sales/ingest_date=2024-03-01/")
    written = spark.read.parquet(target)
    assert written.columns == ["house_id", "price"]
    assert sorted(tuple(row) for row in written.collect()) == [(1, 250000.0), (3, 410000.0)]
