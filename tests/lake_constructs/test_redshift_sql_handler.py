"""The deploy-time SQL handler against a stubbed Redshift Data API: what CloudFormation hears back, and when;
and what it refuses: other statements than its own plan, other response URLs, other accounts' stacks."""

from __future__ import annotations

import json

import boto3
import cfn_response
import pytest
import redshift_sql as module
from botocore.stub import ANY, Stubber

SQL = "CREATE EXTERNAL SCHEMA IF NOT EXISTS curated FROM DATA CATALOG DATABASE 'db' IAM_ROLE 'arn:role'"
CREATE_USER = 'CREATE USER "lakedeployer" PASSWORD DISABLE'
GRANT = 'GRANT CREATE ON DATABASE "lake" TO "lakedeployer"'
PLAN = {
    "cluster": "mlake-dev-warehouse",
    "database": "lake",
    "steps": [
        {"user": "lakeadmin", "sql": CREATE_USER, "tolerate": "already exists"},
        {"user": "lakeadmin", "sql": GRANT},
        {"user": "lakedeployer", "sql": SQL},
    ],
}
PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:handler",
    "ClusterIdentifier": "mlake-dev-warehouse",
    "Plan": json.dumps(PLAN),
}


@pytest.fixture(autouse=True)
def plan(monkeypatch):
    monkeypatch.setenv("PLAN", json.dumps(PLAN))


class Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:handler"

    def __init__(self, remaining_ms: int = 300_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def event(request: str, properties: dict | None = None, old: dict | None = None, physical_id: str | None = None):
    found = {
        "RequestType": request,
        "ResponseURL": "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?sig",
        "StackId": "arn:aws:cloudformation:eu-west-1:111122223333:stack/mlake-dev-warehouse/1",
        "RequestId": "request-1",
        "LogicalResourceId": "ExternalSchemaF2661658",
        "ResourceType": "Custom::RedshiftSql",
        "ResourceProperties": PROPERTIES if properties is None else properties,
    }
    if old is not None:
        found["OldResourceProperties"] = old
    if physical_id is not None:
        found["PhysicalResourceId"] = physical_id
    return found


@pytest.fixture
def client():
    client = boto3.client("redshift-data", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def expect_statement(
    client, statuses: list[str], error: str | None = None, statement_id: str = "st-1", step: int = 2
) -> None:
    client.stubber.add_response("execute_statement", {"Id": statement_id}, _call(PLAN["steps"][step]))
    for status in statuses:
        response = {"Id": statement_id, "Status": status}
        if error is not None and status in ("FAILED", "ABORTED"):
            response["Error"] = error
        client.stubber.add_response("describe_statement", response, {"Id": statement_id})


def expect_user_setup(client, create_user_error: str | None = None) -> None:
    if create_user_error is None:
        expect_statement(client, ["FINISHED"], statement_id="user", step=0)
    else:
        expect_statement(client, ["FAILED"], error=create_user_error, statement_id="user", step=0)
    expect_statement(client, ["FINISHED"], statement_id="grant", step=1)


def run(client, answers, monkeypatch, the_event, context=None):
    monkeypatch.setattr(module.boto3, "client", lambda service: client)
    monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
    module.handler(the_event, context or Context())
    (answer,) = answers
    return answer


def test_create_sets_up_the_deploy_user_then_runs_the_statement_as_that_user(client, answers, monkeypatch):
    expect_user_setup(client)
    expect_statement(client, ["SUBMITTED", "STARTED", "FINISHED"])
    answer = run(client, answers, monkeypatch, event("Create"))
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "mlake-dev-warehouse/lake/ExternalSchemaF2661658"
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        event("Create")["StackId"],
        "request-1",
        "ExternalSchemaF2661658",
    )


def test_an_existing_deploy_user_is_fine_on_a_second_deploy(client, answers, monkeypatch):
    expect_user_setup(client, create_user_error='ERROR: user "lakedeployer" already exists')
    expect_statement(client, ["FINISHED"])
    assert run(client, answers, monkeypatch, event("Create"))["Status"] == "SUCCESS"


def test_sql_in_the_request_other_than_the_functions_own_plan_runs_nothing(client, answers, monkeypatch):
    # Someone invoking the function with their own statement: no Data API call at all (the stubber
    # would fail on any), and the request fails.
    foreign = {**PLAN, "steps": [{"user": "lakeadmin", "sql": "DROP SCHEMA curated"}]}
    for properties in (
        {**PROPERTIES, "Plan": json.dumps(foreign)},
        {**PROPERTIES, "Plan": None, "Statements": ["DROP SCHEMA curated"]},
    ):
        answers.clear()
        answer = run(client, answers, monkeypatch, event("Create", properties))
        assert answer["Status"] == "FAILED" and "only the platform's own statements run" in answer["Reason"]


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example.com/collect",
        "http://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example/x",
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com:8443/x",
        "https://my-bucket.s3.amazonaws.com/x",
    ],
)
def test_a_response_url_that_is_not_cloudformations_gets_no_answer_and_nothing_runs(client, answers, monkeypatch, url):
    monkeypatch.setattr(module.boto3, "client", lambda service: client)
    module.handler({**event("Create"), "ResponseURL": url}, Context())
    assert answers == []


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?sig",
        "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x",
    ],
)
def test_cloudformations_response_urls_are_answered(client, answers, monkeypatch, url):
    answer = run(client, answers, monkeypatch, {**event("Delete", physical_id="kept-id"), "ResponseURL": url})
    assert answer["Status"] == "SUCCESS"


def test_a_stack_of_another_account_gets_no_answer(client, answers, monkeypatch):
    other = "arn:aws:cloudformation:eu-west-1:444455556666:stack/theirs/1"
    monkeypatch.setattr(module.boto3, "client", lambda service: client)
    module.handler({**event("Create"), "StackId": other}, Context())
    assert answers == []


def _call(step: dict) -> dict:
    return {
        "ClusterIdentifier": "mlake-dev-warehouse",
        "Database": "lake",
        "DbUser": step["user"],
        "Sql": step["sql"],
        "StatementName": ANY,
    }


def test_a_failing_statement_fails_the_deployment_with_redshifts_message(client, answers, monkeypatch):
    expect_user_setup(client)
    expect_statement(client, ["STARTED", "FAILED"], error="ERROR: permission denied for database lake")
    answer = run(client, answers, monkeypatch, event("Create"))
    assert answer["Status"] == "FAILED"
    assert "statement FAILED: ERROR: permission denied for database lake" in answer["Reason"]
    assert "CREATE EXTERNAL SCHEMA" in answer["Reason"]


def test_an_aborted_statement_fails_too(client, answers, monkeypatch):
    expect_user_setup(client)
    expect_statement(client, ["ABORTED"])
    answer = run(client, answers, monkeypatch, event("Create"))
    assert answer["Status"] == "FAILED" and "statement ABORTED: Redshift gave no error message" in answer["Reason"]


def test_an_api_error_fails_the_deployment_with_its_message(client, answers, monkeypatch):
    client.stubber.add_client_error(
        "execute_statement",
        "ValidationException",
        "Cluster mlake-dev-warehouse is paused",
        expected_params=_call(PLAN["steps"][0]),
    )
    answer = run(client, answers, monkeypatch, event("Create"))
    assert answer["Status"] == "FAILED" and "Cluster mlake-dev-warehouse is paused" in answer["Reason"]
    # A failed create still names a physical id, so CloudFormation's rollback delete reaches the handler.
    assert answer["PhysicalResourceId"] == "mlake-dev-warehouse/lake/ExternalSchemaF2661658"


def test_a_statement_still_running_when_time_runs_out_is_cancelled_and_fails(client, answers, monkeypatch):
    expect_user_setup(client)
    expect_statement(client, ["STARTED"])
    client.stubber.add_response("cancel_statement", {"Status": True}, {"Id": "st-1"})
    answer = run(client, answers, monkeypatch, event("Create"), Context(remaining_ms=module.SAFETY_MARGIN_MS - 1))
    assert answer["Status"] == "FAILED" and "still STARTED" in answer["Reason"] and "cancelled" in answer["Reason"]


def test_update_with_changed_statements_runs_them_again(client, answers, monkeypatch):
    old = {**PROPERTIES, "Plan": json.dumps({**PLAN, "steps": PLAN["steps"][:2]})}
    expect_user_setup(client)
    expect_statement(client, ["FINISHED"])
    answer = run(client, answers, monkeypatch, event("Update", old=old, physical_id="kept-id"))
    assert (
        answer["Status"] == "SUCCESS"
        and answer["PhysicalResourceId"] == "mlake-dev-warehouse/lake/ExternalSchemaF2661658"
    )


def test_update_without_changes_runs_nothing(client, answers, monkeypatch):
    # Only the service token changed (the function was replaced): no statement runs, so an update
    # while the schedule has the cluster paused does not fail.
    old = {**PROPERTIES, "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:older"}
    answer = run(client, answers, monkeypatch, event("Update", old=old, physical_id="kept-id"))
    assert answer == {**answer, "Status": "SUCCESS", "PhysicalResourceId": "kept-id"}


def test_delete_runs_nothing_and_succeeds(client, answers, monkeypatch):
    answer = run(client, answers, monkeypatch, event("Delete", physical_id="kept-id"))
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "kept-id"


def test_a_long_error_is_cut_to_fit_the_response(client, answers, monkeypatch):
    expect_user_setup(client)
    expect_statement(client, ["FAILED"], error="x" * 10_000)
    answer = run(client, answers, monkeypatch, event("Create"))
    assert answer["Status"] == "FAILED" and len(answer["Reason"]) == cfn_response.REASON_LIMIT
