"""How cdk-nag spells values in the rule ids of its findings, to acknowledge exactly one finding."""

from __future__ import annotations

from aws_cdk import Aws


def nag_arn(arn: str) -> str:
    """An ARN built from pseudo parameters, as a rule id shows it: `arn:<AWS::Partition>:s3:::...`."""
    return (
        arn.replace(Aws.PARTITION, "<AWS::Partition>")
        .replace(Aws.ACCOUNT_ID, "<AWS::AccountId>")
        .replace(Aws.REGION, "<AWS::Region>")
    )
