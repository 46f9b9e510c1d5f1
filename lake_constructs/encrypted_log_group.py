"""A CloudWatch Logs log group encrypted with the platform key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


class EncryptedLogGroup(Construct):
    """A log group encrypted with `key`, kept `retention_days` (a value CloudWatch Logs accepts,
    as the config validates). `log_group_name` is optional: services that pick their own log
    group by name (Glue, DMS) need it fixed.

    Attributes: `log_group`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        key: kms.IKey,
        retention_days: int,
        removal_policy: RemovalPolicy,
        log_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self, "LogGroup", log_group_name=log_group_name, encryption_key=key, removal_policy=removal_policy
        )
        # Set on the resource: the config already holds the number CloudWatch Logs expects.
        self.log_group.node.default_child.retention_in_days = retention_days
