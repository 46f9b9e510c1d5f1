"""The compliance checks every synth runs, and the one way this project acknowledges a finding.

Four cdk-nag packs check every resource. A finding that cannot be fixed is acknowledged on the
narrowest construct that causes it, with a reason a reviewer can check against the template.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct

RULE_PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks)


def add_rule_packs(scope: IConstruct) -> None:
    """Run every rule pack over everything below `scope` at synth."""
    for pack in RULE_PACKS:
        Validations.of(scope).add_plugins(pack(scope))


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge findings of `rule_ids` on `construct` (and what it contains), for `reason`."""
    if len(reason) < 40:
        raise ValueError(f"an acknowledgment needs a reason a reviewer can check, got {reason!r}")
    Validations.of(construct).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule in rule_ids))


def nag_text(scope: IConstruct, value: str) -> str:
    """`value` (a string that may hold tokens) as cdk-nag writes it into a finding id: joins flattened,
    a Ref as `<Name>` (pseudo parameters as `<AWS::Region>`), a GetAtt as `<LogicalId.Attribute>`."""
    return _flatten(Stack.of(scope).resolve(value))


def wildcard_finding(scope: IConstruct, resource: str) -> str:
    """The id of the AwsSolutions-IAM5 finding for the wildcard `resource` in a policy of `scope`'s
    stack, e.g. 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::mlake-dev-raw-<AWS::AccountId>-
    <AWS::Region>/dms/crm/*]': acknowledging exactly that resource still reports any new wildcard."""
    return f"AwsSolutions-IAM5[Resource::{nag_text(scope, resource)}]"


def acknowledge_wildcards(construct: IConstruct, reason: str, resources: list[str]) -> None:
    """Acknowledge AwsSolutions-IAM5 on `construct` for exactly those of `resources` that hold a wildcard."""
    texts = [nag_text(construct, resource) for resource in resources]
    acknowledge(construct, reason, *(f"AwsSolutions-IAM5[Resource::{text}]" for text in texts if "*" in text))


def _flatten(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_flatten(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(
        f"cannot tell how cdk-nag writes {value!r}: build the ARN from names and pseudo parameters, "
        "not from another stack's outputs"
    )
