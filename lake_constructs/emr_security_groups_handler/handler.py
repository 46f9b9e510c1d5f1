"""CloudFormation custom resource `Custom::EmrSecurityGroupRules`: on Delete, revokes the rules EMR
added between its managed security groups, so CloudFormation can delete the groups.

EMR adds rules to its managed groups when a cluster starts (primary <-> core/task, and the service
access group for a private subnet). CloudFormation does not know them, and EC2 refuses to delete a
group that another group's rule references ("has a dependent object"). The resource is deleted after
the cluster (which terminates it) and before the groups, so its Delete revokes every rule of the
groups in `SecurityGroupIds` that references one of them. Create and Update do nothing.

It answers only CloudFormation's response URLs, for stacks of its own account and region.
Runs on the Lambda Python runtime, which ships boto3; nothing else is imported.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
import urllib.request
from typing import Any

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

RESPONSE_HOST = re.compile(
    r"cloudformation-custom-resource-response-[a-z0-9]+\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?"
)


def handler(event: dict, context: Any) -> None:
    url = urllib.parse.urlsplit(str(event.get("ResponseURL", "")))
    stack = str(event.get("StackId", "")).split(":")
    if (
        url.scheme != "https"
        or url.port not in (None, 443)
        or not RESPONSE_HOST.fullmatch(url.hostname or "")
        or stack[3:5] != context.invoked_function_arn.split(":")[3:5]
    ):
        logger.error("request refused, nothing done: not CloudFormation's for this account and region")
        return
    status, reason = "SUCCESS", None
    try:
        if event["RequestType"] == "Delete":
            revoked = revoke_cross_references(boto3.client("ec2"), event["ResourceProperties"]["SecurityGroupIds"])
            logger.info("revoked %d rules", revoked)
    except Exception as error:
        logger.exception("cleanup failed")
        status, reason = "FAILED", str(error)[:2000]
    respond(event, status, reason)


def revoke_cross_references(ec2: Any, group_ids: list[str]) -> int:
    """Revoke every rule of `group_ids` that references one of them; return how many."""
    rules = []
    for page in ec2.get_paginator("describe_security_group_rules").paginate(
        Filters=[{"Name": "group-id", "Values": group_ids}]
    ):
        rules += page["SecurityGroupRules"]
    revoked = 0
    for group_id in group_ids:
        for egress in (False, True):
            ids = [
                rule["SecurityGroupRuleId"]
                for rule in rules
                if rule["GroupId"] == group_id
                and rule["IsEgress"] is egress
                and rule.get("ReferencedGroupInfo", {}).get("GroupId") in group_ids
            ]
            if not ids:
                continue
            revoke = ec2.revoke_security_group_egress if egress else ec2.revoke_security_group_ingress
            revoke(GroupId=group_id, SecurityGroupRuleIds=ids)
            revoked += len(ids)
    return revoked


def respond(event: dict, status: str, reason: str | None) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or status,
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-rules",
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
