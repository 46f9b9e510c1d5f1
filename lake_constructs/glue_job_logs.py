"""The CloudWatch log groups a Glue 5.x job writes, created ahead with a retention and the key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .encrypted_log_group import EncryptedLogGroup
from .grants import write_log_groups

# Glue 5.x logs in real time without the continuous-logging flags of Glue 4.0 and earlier: system,
# Spark and Glue-logger lines to `/aws-glue/jobs/error`, the script's stdout and stderr to
# `/aws-glue/jobs/output`; `--custom-logGroup-prefix <p>` moves them to `<p>/error` and `<p>/output`
# ("Logging for AWS Glue jobs", https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html).
LOG_GROUP_PREFIX_ARGUMENT = "--custom-logGroup-prefix"
STREAMS = ("error", "output")
# The namespace of Glue's job metrics (--enable-metrics) and observability metrics
# (--enable-observability-metrics), which the job publishes with its own role
# ("Monitoring AWS Glue using Amazon CloudWatch metrics": namespace `Glue`).
GLUE_METRICS_NAMESPACE = "Glue"


class GlueJobLogs(Construct):
    """`<prefix>/error` and `<prefix>/output` (`prefix` defaults to `/aws-glue/jobs/<job_name>`),
    encrypted with `key` and kept `retention_days`, so no log group of the job lives forever and
    none is shared with another job.

    `arguments` is the job argument that points Glue at them; `write` the IAM statement that lets
    the job's role write there and nowhere else (Glue may still call CreateLogGroup, and associate
    the security configuration's key, on a group that exists: both are scoped to these groups).

    Attributes: `prefix`, `error_log_group`, `output_log_group`, `log_groups`, `arguments`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        job_name: str,
        key: kms.IKey,
        retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.prefix = f"/aws-glue/jobs/{job_name}"
        groups = {
            stream: EncryptedLogGroup(
                self,
                stream.capitalize(),
                key=key,
                retention_days=retention_days,
                removal_policy=removal_policy,
                log_group_name=f"{self.prefix}/{stream}",
            ).log_group
            for stream in STREAMS
        }
        self.error_log_group, self.output_log_group = groups["error"], groups["output"]
        self.log_groups = [self.error_log_group, self.output_log_group]
        self.arguments = {LOG_GROUP_PREFIX_ARGUMENT: self.prefix}

    def write(self) -> iam.PolicyStatement:
        return write_log_groups([group.log_group_arn for group in self.log_groups])
