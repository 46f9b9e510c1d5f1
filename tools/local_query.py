"""Run Spark SQL over a local lake made by tools.local_run; print the result as CSV on stdout.

    python -m tools.local_query --workdir /tmp/lake "SELECT count(*) FROM mlake_dev_curated.houses"
    python -m tools.local_query --workdir /tmp/lake \\
        "SELECT * FROM mlake_dev_curated.houses VERSION AS OF 1234567890123456789"
    python -m tools.local_query --workdir /tmp/lake \\
        "SELECT snapshot_id, summary FROM mlake_dev_curated.houses.snapshots"

Tables are named as in Athena, `<curated database>.<dataset>`: the lake's Iceberg catalog is the
session's default. Iceberg's time travel (`VERSION AS OF <snapshot id or tag>`, `TIMESTAMP AS OF`)
and metadata tables (`<table>.snapshots`, `.history`, `.refs`, `.files`) work. The first stdout line
is the header, then one line per row (RFC 4180 quoting; NULL is an empty field). Exit codes: 0 done,
2 bad arguments, work dir or SQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

from glue_jobs.lake_etl.lake_io import LocalLakeIO
from tools.local_run import LAKE_FILE, LAKE_FOLDER, UsageError, spark_session


def lake_session(workdir: Path) -> Any:
    """The Spark session with the lake's Iceberg catalog as its default catalog."""
    described = workdir / LAKE_FILE
    if not described.is_file():
        raise UsageError(f"{workdir} holds no local lake ({LAKE_FILE} is missing); make one with tools.local_run")
    lake = json.loads(described.read_text())
    spark = spark_session()
    catalog = LocalLakeIO(workdir / LAKE_FOLDER).iceberg_catalog(spark, f"s3://{lake['curated']}/")
    spark.conf.set("spark.sql.defaultCatalog", catalog)
    return spark


def write_csv(columns: list[str], rows: list[Any], out: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else _text(value) for value in row])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_query", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="the work dir of tools.local_run")
    parser.add_argument("sql", help="one Spark SQL statement")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        spark = lake_session(args.workdir)
        from pyspark.errors import AnalysisException, ParseException

        try:
            result = spark.sql(args.sql)
            rows = result.collect()
        except (AnalysisException, ParseException) as error:
            raise UsageError(f"the query failed: {' '.join(str(error).split())[:500]}") from None
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_csv(result.columns, rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
