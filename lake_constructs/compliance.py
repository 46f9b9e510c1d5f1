"""The compliance checks every synth runs, and the one way this project acknowledges a finding.

Four cdk-nag packs check every resource. A finding that cannot be fixed is acknowledged on the
narrowest construct that causes it, with a reason a reviewer can check against the template.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
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
