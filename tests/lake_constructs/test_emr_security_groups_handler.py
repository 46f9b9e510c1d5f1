"""The EMR security-group cleanup against a stubbed EC2 API: at Delete it revokes exactly the rules
between the cluster's groups, and it answers only CloudFormation."""

from __future__ import annotations

import boto3
import emr_security_groups as module
import pytest
from botocore.stub import Stubber

GROUPS = ["sg-primary", "sg-core", "sg-service"]
URL = "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x?sig"


class Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:cleanup"


def event(request: str, url: str = URL) -> dict:
    return {
        "RequestType": request,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:eu-west-1:111122223333:stack/mlake-dev-processing/1",
        "RequestId": "r-1",
        "LogicalResourceId": "Cleanup",
        "PhysicalResourceId": "Cleanup-rules",
        "ResourceProperties": {"SecurityGroupIds": GROUPS},
    }


def rule(rule_id: str, group: str, egress: bool, referenced: str | None = None, cidr: str | None = None) -> dict:
    found = {"SecurityGroupRuleId": rule_id, "GroupId": group, "IsEgress": egress, "IpProtocol": "tcp"}
    if referenced:
        found["ReferencedGroupInfo"] = {"GroupId": referenced}
    if cidr:
        found["CidrIpv4"] = cidr
    return found


@pytest.fixture
def ec2(monkeypatch):
    client = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        client.stubber = stubber
        monkeypatch.setattr(module.boto3, "client", lambda service: client)
        yield client
        stubber.assert_no_pending_responses()


def test_delete_revokes_the_rules_between_the_clusters_groups_only(ec2, answers):
    rules = [
        rule("sgr-1", "sg-primary", False, referenced="sg-core"),
        rule("sgr-2", "sg-core", False, referenced="sg-primary"),
        rule("sgr-3", "sg-service", True, referenced="sg-primary"),
        rule("sgr-4", "sg-primary", True, cidr="0.0.0.0/0"),  # not a reference: left alone
        rule("sgr-5", "sg-primary", False, referenced="sg-elsewhere"),  # blocks nothing of ours
    ]
    ec2.stubber.add_response(
        "describe_security_group_rules",
        {"SecurityGroupRules": rules},
        {"Filters": [{"Name": "group-id", "Values": GROUPS}]},
    )
    ec2.stubber.add_response(
        "revoke_security_group_ingress", {"Return": True}, {"GroupId": "sg-primary", "SecurityGroupRuleIds": ["sgr-1"]}
    )
    ec2.stubber.add_response(
        "revoke_security_group_ingress", {"Return": True}, {"GroupId": "sg-core", "SecurityGroupRuleIds": ["sgr-2"]}
    )
    ec2.stubber.add_response(
        "revoke_security_group_egress", {"Return": True}, {"GroupId": "sg-service", "SecurityGroupRuleIds": ["sgr-3"]}
    )
    module.handler(event("Delete"), Context())
    (answer,) = answers
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "Cleanup-rules"


def test_create_does_nothing_but_answer(ec2, answers):
    module.handler(event("Create"), Context())
    assert [a["Status"] for a in answers] == ["SUCCESS"]


def test_a_failed_revoke_fails_the_delete_with_its_message(ec2, answers):
    ec2.stubber.add_client_error("describe_security_group_rules", "UnauthorizedOperation", "not allowed")
    module.handler(event("Delete"), Context())
    (answer,) = answers
    assert answer["Status"] == "FAILED" and "not allowed" in answer["Reason"]


@pytest.mark.parametrize("url", ["https://attacker.example.com/x", "http://" + URL.removeprefix("https://")])
def test_other_urls_get_no_answer_and_nothing_is_revoked(ec2, answers, url):
    module.handler(event("Delete", url), Context())
    assert answers == []
