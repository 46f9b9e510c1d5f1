"""The Glue security configuration every crawler and job of the lake runs with."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from constructs import Construct


class GlueSecurityConfiguration(Construct):
    """A security configuration named `name` that encrypts, with the platform `key`:

    - what jobs write to S3 (SSE-KMS, so objects land encrypted with the lake's key even where a
      bucket default would differ);
    - the CloudWatch Logs of crawlers and jobs (Glue associates the key with their log groups);
    - job bookmarks (client-side KMS), should a job turn bookmarks on.

    Kept with the lake's other stateful resources (`removal_policy`): it names the key that
    decrypts what the jobs wrote and logged.

    Glue changes the name of the log group a crawler writes to when a security configuration
    encrypts logs; `crawler_log_group_name` gives it, so the group can be created ahead with a
    retention and scoped IAM. Jobs name theirs with `--custom-logGroup-prefix` (GlueJobLogs).

    Attributes: `security_configuration`, `name`.
    """

    def __init__(self, scope: Construct, id: str, *, name: str, key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, id)
        self.name = name
        self.security_configuration = glue.SecurityConfiguration(
            self,
            "SecurityConfiguration",
            security_configuration_name=name,
            s3_encryption=glue.S3Encryption.kms(key),
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(key),
            job_bookmarks_encryption=glue.JobBookmarksEncryption.client_side_kms(key),
            removal_policy=removal_policy,
        )

    def crawler_log_group_name(self, role_name: str) -> str:
        """Where a crawler running as `role_name` (a role without a path) logs."""
        return f"/aws-glue/crawlers-role/{role_name}-{self.name}"
