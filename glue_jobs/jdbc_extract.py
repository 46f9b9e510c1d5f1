"""Runs one SQL query against a database over JDBC and writes the result to the raw zone as Parquet.

Plain PySpark (no awsglue): the same script runs on Glue 5.1 and on a local Spark. Glue passes

    --engine postgresql|mysql|sqlserver|oracle  --connection_name <Glue JDBC connection>
    --query "SELECT ..."  --output_path s3://<raw bucket>/jdbc/<name>/  [--enforce_ssl true|false]
    [--ingest_date YYYY-MM-DD]

and arguments of its own (--JOB_ID, --TempDir, ...), which are ignored. The JDBC URL and the id of
the Secrets Manager secret come from the Glue connection (JDBC_CONNECTION_URL, SECRET_ID); the
credentials from the secret (JSON with `username` and `password`), at run time. Each run replaces the
partition `ingest_date=<date>/` under the output path, so a rerun on the same day does not duplicate rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys

DRIVERS = {
    "postgresql": "org.postgresql.Driver",
    "mysql": "com.mysql.cj.jdbc.Driver",
    "sqlserver": "com.microsoft.sqlserver.jdbc.SQLServerDriver",
    "oracle": "oracle.jdbc.OracleDriver",
}
# JDBC properties that make each driver refuse a connection without TLS.
SSL_PROPERTIES = {
    "postgresql": {"ssl": "true", "sslmode": "require"},
    "mysql": {"sslMode": "REQUIRED"},
    "sqlserver": {"encrypt": "true"},
    "oracle": {},  # TLS is in the URL: jdbc:oracle:thin:@tcps://...
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, choices=sorted(DRIVERS))
    parser.add_argument("--connection_name", required=True)
    parser.add_argument("--query", required=True)
    parser.add_argument("--output_path", required=True)
    parser.add_argument("--enforce_ssl", default="true", choices=["true", "false"])
    parser.add_argument("--ingest_date", default=None, type=datetime.date.fromisoformat)
    args, _glue_arguments = parser.parse_known_args(argv)
    return args


def reader_options(engine: str, url: str, query: str, user: str, password: str, enforce_ssl: bool) -> dict[str, str]:
    """Options of Spark's JDBC reader: the query runs as a subquery on the database."""
    options = {"url": url, "query": query, "user": user, "password": password, "driver": DRIVERS[engine]}
    options["fetchsize"] = "10000"
    if enforce_ssl:
        options.update(SSL_PROPERTIES[engine])
    return options


def partition_path(output_path: str, ingest_date: datetime.date) -> str:
    return f"{output_path.rstrip('/')}/ingest_date={ingest_date.isoformat()}/"


def parquet_column_name(name: str) -> str:
    """A name Parquet and the Glue catalog accept: lower case, runs of other characters become '_'."""
    cleaned = re.sub(r"[^0-9a-z_]+", "_", name.strip().lower()).strip("_")
    return cleaned or "column"


def with_parquet_column_names(frame):
    """The frame with every column renamed by `parquet_column_name`; clashing names get a suffix."""
    seen: dict[str, int] = {}
    names = []
    for column in frame.columns:
        name = parquet_column_name(column)
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}_{count + 1}")
    return frame.toDF(*names)


def connection_details(connection_name: str) -> tuple[str, str, str]:
    """(JDBC URL, user, password) of a Glue JDBC connection whose credentials are in Secrets Manager."""
    import boto3

    properties = boto3.client("glue").get_connection(Name=connection_name, HidePassword=True)["Connection"][
        "ConnectionProperties"
    ]
    secret_id = properties["SECRET_ID"]
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    return properties["JDBC_CONNECTION_URL"], secret["username"], secret["password"]


def run(spark, args: argparse.Namespace) -> str:
    url, user, password = connection_details(args.connection_name)
    options = reader_options(args.engine, url, args.query, user, password, args.enforce_ssl == "true")
    frame = with_parquet_column_names(spark.read.format("jdbc").options(**options).load())
    ingest_date = args.ingest_date or datetime.datetime.now(datetime.UTC).date()
    target = partition_path(args.output_path, ingest_date)
    frame.write.mode("overwrite").parquet(target)
    return target


def main(argv: list[str]) -> None:
    from pyspark.sql import SparkSession

    args = parse_args(argv)
    spark = SparkSession.builder.appName("jdbc-extract").getOrCreate()
    print(f"wrote {run(spark, args)}")


if __name__ == "__main__":
    main(sys.argv[1:])
