"""The role Ground Truth labeling jobs run as."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, CfnMapping, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3_assets as assets
from constructs import Construct

from .compliance import acknowledge, wildcard_finding
from .ground_truth_functions import FUNCTION_ACCOUNTS, TASK_TYPES, function_account
from .lake_role import LakeRole, service_of_this_account

# Where SageMaker writes the logs of every labeling job of an account and region.
LABELING_LOG_GROUP = "/aws/sagemaker/LabelingJobs"


class LabelingRole(Construct):
    """A role SageMaker assumes (for this account only) to run labeling jobs, allowed exactly:

    - to list the raw bucket under `input_prefixes` and `labels_prefix`, and read the data objects there;
    - to read and write under `labels_prefix` (input manifests, label categories, Ground Truth output);
    - to read the worker UI `templates` (asset objects, each by its exact key);
    - to encrypt and decrypt with the lake `key`;
    - to invoke the built-in pre-annotation and consolidation functions of the supported task types,
      in this stack's region (ARNs from `ground_truth_functions`, looked up in a template mapping
      when the region is only known at deploy time);
    - to write the labeling jobs' logs.

    Attributes: `role` (a LakeRole), `function_arns`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role_name: str,
        raw_bucket_name: str,
        input_prefixes: Sequence[str],
        labels_prefix: str,
        key: kms.IKey,
        templates: Sequence[assets.Asset],
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.role = LakeRole(
            self,
            "Role",
            role_name=role_name,
            description="Runs Ground Truth labeling jobs on the lake's raw zone",
            assumed_by=service_of_this_account(self, "sagemaker.amazonaws.com"),
        )
        readable = [*input_prefixes, labels_prefix]
        # Named, not referenced: the bucket's name is derived from config, so the policy reads the same in
        # the template and in the reviews of it, and this stack needs no export from the storage stack.
        bucket_arn = f"arn:{stack.partition}:s3:::{raw_bucket_name}"
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ListLabelingPrefixes",
                actions=["s3:ListBucket"],
                resources=[bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in readable]}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadDataObjectsAndManifests",
                actions=["s3:GetObject"],
                resources=[f"{bucket_arn}/{prefix}*" for prefix in readable],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteLabels",
                actions=["s3:PutObject"],
                resources=[f"{bucket_arn}/{labels_prefix}*"],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadWorkerTemplates",
                actions=["s3:GetObject"],
                resources=[template.bucket.arn_for_objects(template.s3_object_key) for template in templates],
            )
        )
        # Exactly what SSE-KMS reads and writes need, rather than grant_encrypt_decrypt's wildcards.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="UseTheLakeKey", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
            )
        )
        log_streams = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{LABELING_LOG_GROUP}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        acknowledge(
            self.role.policy,
            "Object-level wildcards are limited to the raw bucket's labeling prefixes: Ground Truth reads every "
            "data object a manifest lists under the input prefixes and writes its output (manifests, annotations, "
            "worker responses) under per-job keys below the labels prefix; SageMaker names one log stream per job "
            "in the /aws/sagemaker/LabelingJobs log group",
            *(
                wildcard_finding(self, resource)
                for resource in [*(f"{bucket_arn}/{prefix}*" for prefix in readable), log_streams]
            ),
        )

        self.function_arns = [
            self._function_arn(stack, kind, task.function_suffix)
            for task in TASK_TYPES.values()
            for kind in ("PRE", "ACS")
        ]
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="InvokeBuiltInTaskFunctions", actions=["lambda:InvokeFunction"], resources=self.function_arns
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteLabelingJobLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[log_streams],
            )
        )

    def _function_arn(self, stack: Stack, kind: str, suffix: str) -> str:
        region = stack.region
        if Token.is_unresolved(region):
            mapping = self.node.try_find_child("FunctionAccounts")
            if mapping is None:
                mapping = CfnMapping(
                    self,
                    "FunctionAccounts",
                    mapping={region_name: {"account": account} for region_name, account in FUNCTION_ACCOUNTS.items()},
                )
            # A region without the built-in functions fails the deployment at this lookup.
            account = mapping.find_in_map(region, "account")
        else:
            account = function_account(region)
        return f"arn:{stack.partition}:lambda:{region}:{account}:function:{kind}-{suffix}"
