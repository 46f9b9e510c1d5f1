"""CloudFormation custom resource `Custom::RedshiftSql`: runs the platform's SQL on a Redshift cluster
through the Data API.

What runs is fixed when the stack is synthesized, not by whoever invokes the function: the plan (the
cluster, the database, and the statements, each with the database user that runs it) is the
function's `PLAN` environment variable. The resource passes the same plan as its `Plan` property,
so a changed plan updates the resource; a request whose `Plan` differs from the function's own is
refused without running anything. Invoking the function by hand can at most run the platform's own
idempotent statements again.

Answers go only to CloudFormation's response URLs, for stacks of the function's own account and
region (cfn_response.py); any other request is logged and dropped, with nothing run.

A statement that ends FAILED or ABORTED fails the deployment with Redshift's error message (a step
may name an error text it tolerates, for `CREATE USER`, which Redshift cannot make conditional).
The handler always answers a valid request, also on an unexpected error, and stops waiting before
Lambda would cut it off, so a stack never hangs on it. Delete runs nothing.

Runs on the Lambda Python runtime, which ships boto3; nothing else is imported.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import boto3
from cfn_response import Refused, check_origin, respond

logger = logging.getLogger()
logger.setLevel(logging.INFO)

POLL_SECONDS = 2.0
# Stop waiting this long before Lambda's timeout: enough to cancel the statement and answer.
SAFETY_MARGIN_MS = 15_000
DONE, FAILED = "FINISHED", ("FAILED", "ABORTED")


class StatementFailed(Exception):
    """A statement ended FAILED or ABORTED, or did not finish in time."""


def handler(event: dict, context: Any) -> None:
    """Lambda entry point: check who is asking, do the work, then answer CloudFormation."""
    try:
        check_origin(event, context)
    except Refused as refusal:
        logger.error("request refused, nothing run: %s", refusal)
        return
    logger.info("%s %s", event.get("RequestType"), event.get("LogicalResourceId"))
    plan = json.loads(os.environ["PLAN"])
    try:
        physical_id = handle(event, context, boto3.client("redshift-data"), plan)
    except Exception as error:
        logger.exception("request failed")
        respond(event, "FAILED", event.get("PhysicalResourceId") or physical_id_of(event, plan), reason=str(error))
        return
    respond(event, "SUCCESS", physical_id)


def handle(event: dict, context: Any, client: Any, plan: dict, sleep=time.sleep) -> str:
    """Carry out one request; return the physical resource id. Raises on any failure."""
    request = event["RequestType"]
    if request == "Delete":
        return event["PhysicalResourceId"]
    if _parsed(event["ResourceProperties"].get("Plan")) != plan:
        raise ValueError("the request's Plan is not this function's plan: only the platform's own statements run")
    if request == "Update" and _unchanged(event):
        # Nothing to do; also keeps an update from failing while a scheduled pause has the cluster paused.
        logger.info("properties unchanged; no statement run")
        return event["PhysicalResourceId"]
    for step in plan["steps"]:
        run(client, plan, step, event["LogicalResourceId"], context, sleep)
    return physical_id_of(event, plan)


def run(client: Any, plan: dict, step: dict, name: str, context: Any, sleep=time.sleep) -> None:
    """Execute one step as its user and wait for it; raise StatementFailed with Redshift's message if it
    does not finish (unless its error contains the step's `tolerate` text)."""
    sql = step["sql"]
    statement_id = client.execute_statement(
        ClusterIdentifier=plan["cluster"],
        Database=plan["database"],
        DbUser=step["user"],
        Sql=sql,
        StatementName=f"cloudformation-{name}"[:500],
    )["Id"]
    logger.info("statement %s as %s: %s", statement_id, step["user"], sql)
    while True:
        description = client.describe_statement(Id=statement_id)
        status = description["Status"]
        if status == DONE:
            return
        if status in FAILED:
            error = description.get("Error") or "Redshift gave no error message"
            if step.get("tolerate") and step["tolerate"] in error:
                logger.info("tolerated: %s", error)
                return
            raise StatementFailed(f"statement {status}: {error} (SQL: {sql})")
        if context.get_remaining_time_in_millis() < SAFETY_MARGIN_MS:
            client.cancel_statement(Id=statement_id)
            raise StatementFailed(f"statement still {status} when the handler had to stop; cancelled (SQL: {sql})")
        sleep(POLL_SECONDS)


def _parsed(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def physical_id_of(event: dict, plan: dict) -> str:
    return "/".join([plan["cluster"], plan["database"], event["LogicalResourceId"]])


def _unchanged(event: dict) -> bool:
    def relevant(properties: dict) -> dict:
        return {k: v for k, v in properties.items() if k != "ServiceToken"}

    return relevant(event["ResourceProperties"]) == relevant(event.get("OldResourceProperties", {}))
