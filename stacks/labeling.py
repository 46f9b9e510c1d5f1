"""Labeling layer: a Ground Truth private workforce and work team, the role labeling jobs run as,
and the worker UI templates. `python -m tools.labeling` starts jobs with what this stack outputs."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_s3_assets as assets
from constructs import Construct

from config import PlatformConfig
from lake_constructs.ground_truth_functions import TASK_TYPES
from lake_constructs.labeling_role import LabelingRole
from lake_constructs.labeling_workteam import LabelingWorkteam
from lake_constructs.watch import Watch
from lake_constructs.worker_user_pool import WorkerUserPool

from .layers import LayerRow
from .storage import StorageStack

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "lake_constructs" / "worker_templates"
# Callback registered until the workforce's portal URL is known (labeling.worker_portal_url);
# SageMaker replaces it with the portal's own when it creates the workforce.
PLACEHOLDER_PORTAL = "https://localhost"


def output_name(task: str) -> str:
    """Stack output that holds the S3 URI of a task type's worker template."""
    return f"{task.capitalize()}TemplateUri"


class LabelingStack(Stack):
    """Attributes: `pool` (WorkerUserPool), `workteam` (LabelingWorkteam), `role` (LabelingRole),
    `templates` (an s3 Asset per task type)."""

    row = LayerRow(
        position=100,
        layer="labeling",
        holds="Cognito workforce, Ground Truth work team, labeling role, worker templates",
        switch="`labeling.enabled`",
        docs="[labeling](docs/labeling.md)",
    )
    stateful_types = frozenset({"AWS::Cognito::UserPool", "AWS::KMS::Key"})
    stateless_types = frozenset(
        {
            *("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain", "AWS::Cognito::UserPoolGroup"),
            *("AWS::Cognito::UserPoolUser", "AWS::Cognito::UserPoolUserToGroupAttachment", "AWS::KMS::Alias"),
            *("AWS::SNS::Subscription", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy"),
            *("AWS::SageMaker::Workforce", "AWS::SageMaker::Workteam"),
        }
    )

    @staticmethod
    def watch(watch: Watch) -> None:
        """Ground Truth labeling jobs that fail: operators start them at any time, under names the
        platform does not fix, so every labeling job of the account and region."""
        watch.on_failure(
            "LabelingJobFailed",
            "labeling-job-failed",
            description="A SageMaker Ground Truth labeling job failed",
            source="aws.sagemaker",
            detail_types=["SageMaker Ground Truth Labeling Job State Change"],
            detail={"LabelingJobStatus": ["Failed"]},
            message="Ground Truth labeling job {job} failed in {account}/{region}; "
            "see its FailureReason with: aws sagemaker describe-labeling-job",
            fields={"job": "$.resources[0]"},
        )

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        labeling = config.labeling
        prefix = config.name_prefix
        portal = PLACEHOLDER_PORTAL if labeling.worker_portal_url is None else labeling.worker_portal_url

        self.pool = WorkerUserPool(
            self,
            "Workers",
            name=f"{prefix}-labeling",
            domain_prefix=config.labeling_domain_prefix(self.account),
            group_name=labeling.user_group,
            workers=labeling.workers,
            password_minimum_length=labeling.password_minimum_length,
            temporary_password_days=labeling.temporary_password_days,
            threat_protection=labeling.threat_protection,
            callback_url=f"{portal}/oauth2/idpresponse",
            logout_url=f"{portal}/logout",
            removal_policy=storage.removal_policy,
        )
        self.workteam = LabelingWorkteam(
            self,
            "Workteam",
            pool=self.pool,
            workteam_name=f"{prefix}-labelers",
            workforce_name=f"{prefix}-workforce",
            create_workforce=labeling.create_workforce,
            source_ip_cidrs=labeling.source_ip_cidrs,
            subscribers=labeling.workers,
            removal_policy=storage.removal_policy,
        )
        # Assets, not a BucketDeployment: no copy function to run, and each template is an immutable,
        # content-addressed object that the labeling role may read by its exact key.
        self.templates = {
            task: assets.Asset(self, f"{task.capitalize()}Template", path=str(TEMPLATES_DIR / spec.template))
            for task, spec in TASK_TYPES.items()
        }
        self.role = LabelingRole(
            self,
            "Execution",
            role_name=f"{prefix}-labeling",
            raw_bucket_name=storage.bucket_name(config, "raw"),
            input_prefixes=labeling.input_prefixes,
            labels_prefix=labeling.labels_prefix,
            key=storage.key,
            templates=list(self.templates.values()),
        )

        CfnOutput(self, "WorkteamArn", value=self.workteam.workteam.attr_workteam_arn)
        CfnOutput(self, "LabelingRoleArn", value=self.role.role.role_arn)
        CfnOutput(self, "UserPoolId", value=self.pool.user_pool.user_pool_id)
        CfnOutput(self, "NotificationTopicArn", value=self.workteam.topic.topic_arn)
        for task, template in self.templates.items():
            CfnOutput(self, output_name(task), value=template.s3_object_url)
        if self.workteam.workforce is not None:
            CfnOutput(
                self,
                "WorkerPortalUrl",
                description="Set labeling.worker_portal_url to this, so stack updates keep the sign-in callback",
                value=Fn.join("", ["https://", self.workteam.workforce.attr_sub_domain]),
            )
