"""CloudFormation custom resource `Custom::RedshiftSql`: runs SQL on a Redshift cluster through the Data API.

Resource properties:
    ClusterIdentifier, Database, DbUser   where and as whom (temporary credentials of an existing user)
    Statements                            SQL run in order, each to completion, on Create, and on Update
                                          when any property changed; they must be idempotent
                                          (`... IF NOT EXISTS`). Delete runs nothing: dropping would
                                          lose grants, and the cluster may be going away anyway.

A statement that ends FAILED or ABORTED fails the deployment with Redshift's error message. The
handler always answers CloudFormation, also on an unexpected error, and stops waiting before Lambda
would cut it off, so a stack never hangs on it.

Runs on the Lambda Python runtime, which ships boto3; nothing else is imported.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

POLL_SECONDS = 2.0
# Stop waiting this long before Lambda's timeout: enough to cancel the statement and answer.
SAFETY_MARGIN_MS = 15_000
REASON_LIMIT = 2000  # CloudFormation shows the reason in stack events; keep the response small
DONE, FAILED = "FINISHED", ("FAILED", "ABORTED")
CONNECTION = ("ClusterIdentifier", "Database", "DbUser")


class StatementFailed(Exception):
    """A statement ended FAILED or ABORTED, or did not finish in time."""


def handler(event: dict, context: Any) -> None:
    """Lambda entry point: do the work, then answer CloudFormation whatever happened."""
    logger.info("%s %s", event.get("RequestType"), event.get("LogicalResourceId"))
    try:
        physical_id = handle(event, context, boto3.client("redshift-data"))
    except Exception as error:
        logger.exception("request failed")
        respond(event, "FAILED", event.get("PhysicalResourceId") or physical_id_of(event), reason=str(error))
        return
    respond(event, "SUCCESS", physical_id)


def handle(event: dict, context: Any, client: Any, sleep=time.sleep) -> str:
    """Carry out one request; return the physical resource id. Raises on any failure."""
    request = event["RequestType"]
    properties = event["ResourceProperties"]
    if request == "Delete":
        return event["PhysicalResourceId"]
    if request == "Update" and _unchanged(event):
        # Nothing to do; also keeps an update from failing while a scheduled pause has the cluster paused.
        logger.info("properties unchanged; no statement run")
        return event["PhysicalResourceId"]
    missing = [name for name in (*CONNECTION, "Statements") if not properties.get(name)]
    if missing:
        raise ValueError(f"missing resource properties: {', '.join(missing)}")
    for sql in properties["Statements"]:
        run(client, properties, sql, event["LogicalResourceId"], context, sleep)
    return physical_id_of(event)


def run(client: Any, properties: dict, sql: str, name: str, context: Any, sleep=time.sleep) -> None:
    """Execute `sql` and wait for it to finish; raise StatementFailed with Redshift's message if it does not."""
    statement_id = client.execute_statement(
        ClusterIdentifier=properties["ClusterIdentifier"],
        Database=properties["Database"],
        DbUser=properties["DbUser"],
        Sql=sql,
        StatementName=f"cloudformation-{name}"[:500],
    )["Id"]
    logger.info("statement %s: %s", statement_id, sql)
    while True:
        description = client.describe_statement(Id=statement_id)
        status = description["Status"]
        if status == DONE:
            return
        if status in FAILED:
            raise StatementFailed(
                f"statement {status}: {description.get('Error') or 'Redshift gave no error message'} (SQL: {sql})"
            )
        if context.get_remaining_time_in_millis() < SAFETY_MARGIN_MS:
            client.cancel_statement(Id=statement_id)
            raise StatementFailed(f"statement still {status} when the handler had to stop; cancelled (SQL: {sql})")
        sleep(POLL_SECONDS)


def physical_id_of(event: dict) -> str:
    properties = event.get("ResourceProperties", {})
    return "/".join(
        [
            properties.get("ClusterIdentifier", "unknown"),
            properties.get("Database", "unknown"),
            event["LogicalResourceId"],
        ]
    )


def _unchanged(event: dict) -> bool:
    def relevant(properties: dict) -> dict:
        return {k: v for k, v in properties.items() if k != "ServiceToken"}

    return relevant(event["ResourceProperties"]) == relevant(event.get("OldResourceProperties", {}))


def respond(event: dict, status: str, physical_id: str, reason: str | None = None) -> None:
    """PUT the result to CloudFormation's pre-signed response URL."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": (reason or status)[:REASON_LIMIT],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        logger.info("answered %s: HTTP %s", status, response.status)
