"""The platform's customer-managed KMS key, and the rule every other key of the platform follows."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


def rotating_key(scope: Construct, id: str, *, alias: str, description: str, removal_policy: RemovalPolicy) -> kms.Key:
    """A customer-managed key `id` in `scope`, rotated yearly, with the longest deletion window.

    The platform key and the dedicated keys (alarm topic, labeling notifications, pipeline
    artifacts) are all made here; the caller adds the key policy statements its users need.
    A plain function, not a construct, so each key keeps the construct path (and logical id) it has."""
    return kms.Key(
        scope,
        id,
        alias=alias,
        description=description,
        enable_key_rotation=True,
        # The longest deletion window leaves time to notice and cancel a deletion by mistake.
        pending_window=Duration.days(30),
        removal_policy=removal_policy,
    )


class LakeKey(Construct):
    """A customer-managed key with yearly rotation, usable by CloudWatch Logs in this account.

    Attributes: `key`.
    """

    def __init__(self, scope: Construct, id: str, *, alias: str, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = rotating_key(
            self,
            "Key",
            alias=alias,
            description=f"Encrypts the data lake, its catalog and its logs ({alias})",
            removal_policy=removal_policy,
        )
        # Log groups of every layer (flow logs, Glue, EMR, DMS, Lambda) are encrypted with this key;
        # CloudWatch Logs may use it only for log groups of this account and region.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
