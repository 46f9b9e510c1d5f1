"""The four rule packs run on every environment, find nothing unacknowledged, and are really active."""

import re

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from lake_constructs.compliance import RULE_PACKS, acknowledge, add_rule_packs

# The four packs, and aws-cdk-lib's own CloudFormation validator (which acknowledges a few of its
# own false positives, such as camelCase flow-log destination options).
RULE_PREFIXES = ("AwsSolutions-", "HIPAA.Security-", "NIST.800.53.R5-", "PCI.DSS.321-", "CloudFormation-Validate::")


def test_no_environment_has_an_unacknowledged_finding(platform_synths):
    for env, synth in platform_synths.items():
        violations = [
            (report["pluginName"], v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
            for report in synth.report["pluginReports"]
            for v in report.get("violations", [])
        ]
        assert violations == [], f"{env}: {violations}"


def test_every_acknowledgment_names_a_rule_of_the_packs_and_gives_a_specific_reason(platform_synths):
    seen = 0
    for synth in platform_synths.values():
        for path, rule, reason in synth.acknowledgments:
            seen += 1
            assert rule.startswith(RULE_PREFIXES), f"{path}: {rule} is not a rule of the packs or the validator"
            assert len(reason) >= 60, f"{path}: {rule}: reason too short to check: {reason!r}"
            assert not re.fullmatch(r"(?i)(n/?a|todo|tbd|ok|fine|not needed|suppressed?)\W*", reason)
    assert seen, "expected the known acknowledgments (access-log encryption, replication) to be recorded"


def test_acknowledgments_sit_below_the_stack_where_they_can(platform_synths):
    """Stack-wide acknowledgments are kept to rules that concern every resource of their type there."""
    stack_wide = {
        rule.split("-", 1)[1]
        for synth in platform_synths.values()
        for path, rule, _ in synth.acknowledgments
        if path.count("/") == 2
    }
    assert stack_wide <= {"S3BucketReplicationEnabled"}, stack_wide


def test_a_vague_reason_is_refused():
    app = App()
    with pytest.raises(ValueError, match="reason a reviewer can check"):
        acknowledge(Stack(app, "S"), "not needed", "AwsSolutions-S1")


def test_canary_a_non_compliant_bucket_is_flagged_by_every_pack(tmp_path):
    app = App(outdir=str(tmp_path))
    s3.CfnBucket(Stack(app, "Canary"), "PlainBucket")
    add_rule_packs(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    import json

    report = json.loads((tmp_path / "validation-report.json").read_text())
    flagged = {r["pluginName"] for r in report["pluginReports"] if r.get("violations")}
    assert flagged == {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"}
    assert len(RULE_PACKS) == 4
