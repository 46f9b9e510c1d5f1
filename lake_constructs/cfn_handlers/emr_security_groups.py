"""CloudFormation custom resource `Custom::EmrSecurityGroupRules`: on Delete, revokes the rules EMR
added between its managed security groups, so CloudFormation can delete the groups.

EMR adds rules to its managed groups when a cluster starts (primary <-> core/task, and the service
access group for a private subnet). CloudFormation does not know them, and EC2 refuses to delete a
group that another group's rule references ("has a dependent object"). The resource is deleted after
the cluster (which terminates it) and before the groups, so its Delete revokes every rule of the
groups in `SecurityGroupIds` that references one of them. Create and Update do nothing.

It answers only CloudFormation's response URLs, for stacks of its own account and region
(cfn_response.py).
Runs on the Lambda Python runtime, which ships boto3; nothing else is imported.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3
from cfn_response import Refused, check_origin, respond

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event: dict, context: Any) -> None:
    try:
        check_origin(event, context)
    except Refused as refusal:
        logger.error("request refused, nothing done: %s", refusal)
        return
    status, reason = "SUCCESS", None
    try:
        if event["RequestType"] == "Delete":
            revoked = revoke_cross_references(boto3.client("ec2"), event["ResourceProperties"]["SecurityGroupIds"])
            logger.info("revoked %d rules", revoked)
    except Exception as error:
        logger.exception("cleanup failed")
        status, reason = "FAILED", str(error)
    respond(event, status, event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-rules", reason)


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
