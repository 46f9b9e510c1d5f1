"""Queries the tools run in the platform's Athena workgroup, and the Athena SQL of a pinned training set.

A query runs in the workgroup (its settings are enforced: results go to its own prefix of the
Athena results bucket, encrypted with the platform key); the tool waits for it and reads the result
file Athena wrote, `<OutputLocation>` (a CSV file with a header line, every value quoted, NULL as
an empty unquoted field), from S3.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from tools.deployed import ToolError

DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
FIRST_PAUSE, LONGEST_PAUSE = 0.25, 5.0  # seconds between polls: short queries return fast, long ones poll rarely


class Athena:
    """Run one query at a time in `workgroup` and return its result as CSV text."""

    def __init__(
        self,
        athena: Any,
        s3: Any,
        workgroup: str,
        *,
        timeout_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.athena, self.s3, self.workgroup = athena, s3, workgroup
        self.timeout_seconds, self.sleep = timeout_seconds, sleep

    def csv(self, sql: str) -> str:
        started = self.athena.start_query_execution(QueryString=sql, WorkGroup=self.workgroup)
        query_id = started["QueryExecutionId"]
        waited, pause = 0.0, FIRST_PAUSE
        while True:
            execution = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            state = execution["Status"]["State"]
            if state in DONE:
                break
            if waited >= self.timeout_seconds:
                self.athena.stop_query_execution(QueryExecutionId=query_id)
                raise ToolError(f"Athena query {query_id} still {state} after {waited:.0f} s; stopped it")
            self.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, LONGEST_PAUSE)
        if state != "SUCCEEDED":
            reason = execution["Status"].get("StateChangeReason", "no reason given")
            raise ToolError(f"Athena query {query_id} {state.lower()} in workgroup {self.workgroup}: {reason}")
        location = execution["ResultConfiguration"]["OutputLocation"]
        bucket, _, key = location.removeprefix("s3://").partition("/")
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            raise ToolError(f"cannot read the query result {location}: {error.response['Error'].get('Code')}") from None
        return body.decode("utf-8")

    def rows(self, sql: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.csv(sql))))


def quoted(name: str) -> str:
    """`db.table` as Athena's quoted identifiers, `"db"."table"`."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def pinned_sql(manifest: dict[str, Any]) -> str:
    """The manifest's query over its table as of its snapshot.

    Athena engine 3 reads an Iceberg table at a snapshot with `FOR VERSION AS OF <snapshot id>` after the
    table name (Amazon Athena User Guide, "Perform time travel and version travel queries":
    `SELECT * FROM [db_name.]table_name FOR VERSION AS OF version`, the version being the bigint
    snapshot id). `{table}` in the query becomes that read, as a subquery.
    """
    pinned = f"(SELECT * FROM {quoted(manifest['table'])} FOR VERSION AS OF {int(manifest['snapshot_id'])})"
    return manifest["query"].replace("{table}", pinned)


def snapshot_sql(table: str, snapshot_id: int | None, as_of: str | None) -> str:
    """The snapshot to pin, from Iceberg's metadata tables: main's snapshot at `as_of` (ISO time, UTC
    when it names no offset), the given id, or the current one; only a snapshot that still exists.

    Athena reads them as `"db"."table$history"` and `"db"."table$snapshots"` (Amazon Athena User Guide,
    "Query Iceberg table metadata").
    """
    database, _, name = table.partition(".")
    history, snapshots = quoted(f"{database}.{name}$history"), quoted(f"{database}.{name}$snapshots")
    where = ["h.is_current_ancestor"]
    if snapshot_id is not None:
        where.append(f"h.snapshot_id = {int(snapshot_id)}")
    if as_of is not None:
        moment = datetime.fromisoformat(as_of)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        where.append(f"h.made_current_at <= from_iso8601_timestamp('{moment.isoformat()}')")
    return (
        f"SELECT h.snapshot_id FROM {history} h JOIN {snapshots} s ON s.snapshot_id = h.snapshot_id "
        f"WHERE {' AND '.join(where)} ORDER BY h.made_current_at DESC LIMIT 1"
    )
