"""An EMR cluster in a private subnet, on the Glue Data Catalog, encrypted with the platform key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_emr as emr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from config.models.processing import InstanceGroupConfig, ManagedScalingConfig

from . import grants, iceberg
from .compliance import acknowledge, acknowledge_wildcards
from .encrypted_log_group import EncryptedLogGroup
from .lake_role import LakeRole, service_of_this_account

CLEANUP_HANDLER_DIR = Path(__file__).parent / "cfn_handlers"
CLEANUP_LOG_RETENTION_DAYS = 90

# AmazonEMRServicePolicy_v2 lets EMR launch instances and network interfaces only into subnets and security
# groups carrying this tag, and the cluster must carry it too (EMR propagates it to what it creates).
EMR_MANAGED_POLICY_TAG = "for-use-with-amazon-emr-managed-policies"

# Hive, Spark, Presto and Trino read the Glue Data Catalog as their Hive metastore through these settings.
GLUE_METASTORE_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
# Large writes are multipart uploads; a failed task aborts its upload (the EMRFS S3-optimized committer).
WRITE_OBJECTS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
CATALOG_CLASSIFICATIONS = {
    "Hive": ("hive-site", {"hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY}),
    "Spark": ("spark-hive-site", {"hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY}),
    "Presto": ("presto-connector-hive", {"hive.metastore": "glue"}),
    "Trino": ("trino-connector-hive", {"hive.metastore": "glue"}),
}


def clusters_search(metric: str, statistic: str, period: Duration) -> cw.MathExpression:
    """A metric of every EMR cluster of the account and region, a line per cluster.

    A search, because EMR's metrics carry only the cluster id (JobFlowId), which changes with every
    new cluster."""
    return cw.MathExpression(
        expression=f"SEARCH('{{AWS/ElasticMapReduce,JobFlowId}} MetricName=\"{metric}\"', '{statistic}', "
        f"{int(period.to_seconds())})",
        using_metrics={},
        period=period,
    )


@dataclass(frozen=True)
class ClusterStep:
    """A step the cluster runs once at start: `command-runner.jar` with `args` (e.g. spark-submit ...)."""

    name: str
    args: list[str] = field(default_factory=list)


class EmrCluster(Construct):
    """An EMR cluster (L1 `AWS::EMR::Cluster`) with every security decision of the platform taken.

    Defaults and decisions:
    - Placed in one private `subnet` of `vpc`; no public IP, no SSH key pair unless `ec2_key_name` is given:
      shell access is through Session Manager (the instance role carries the SSM agent's permissions).
    - EMR-managed security groups created here (primary, core/task, and the service-access group that a
      private subnet requires), without any ingress rule of our own: EMR adds only the rules between
      its own groups. Nothing is open to the internet.
    - Roles created here, not the console defaults: a service role with `AmazonEMRServicePolicy_v2` (which
      works only on resources tagged `for-use-with-amazon-emr-managed-policies=true`: the cluster, the
      security groups and the `subnet` get that tag) plus pass-role for the instance role and the key
      grants EBS encryption needs; an EC2 instance role with the SSM agent's permissions, logs and KMS.
      The lake's buckets and catalog are granted by the caller on `instance_role`.
    - A security configuration: S3 (EMRFS) SSE-KMS and local-disk (instance store and EBS) encryption with
      `key`; in-transit TLS only when `in_transit_certificates` (an S3 zip of PEM files) is given.
    - Hive, Spark, Presto/Trino use the Glue Data Catalog as metastore; JupyterHub notebooks persist to
      `notebook_bucket` (under `jupyter/`, where EMR writes them).
    - Logs go to `log_uri`, encrypted with `key`; the cluster terminates itself after `idle_timeout_minutes`
      idle; managed scaling within `managed_scaling` (instances), when given.

    - Teardown: EMR adds rules between its managed groups that CloudFormation does not know, and EC2
      refuses to delete a group another group's rule references. A custom resource
      (`Custom::EmrSecurityGroupRules`, `cfn_handlers/emr_security_groups.py`), deleted after the
      cluster and before the groups, revokes those rules, so `cdk destroy` completes on its own.

    Attributes: `cluster`, `security_configuration`, `service_role`, `instance_role`, `instance_profile`,
    `primary_security_group`, `core_security_group`, `service_access_security_group`,
    `security_group_cleanup` (the CustomResource) and its `cleanup_function`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster_name: str,
        release_label: str,
        applications: list[str],
        vpc: ec2.IVpc,
        subnet: ec2.ISubnet,
        key: kms.IKey,
        log_uri: str,
        notebook_bucket_name: str | None,
        iceberg_warehouse: str | None = None,
        primary: InstanceGroupConfig,
        core: InstanceGroupConfig,
        task: InstanceGroupConfig | None,
        managed_scaling: ManagedScalingConfig | None,
        idle_timeout_minutes: int,
        ec2_key_name: str | None = None,
        in_transit_certificates: str | None = None,
        steps: list[ClusterStep] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)

        self.instance_role = LakeRole(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description=f"EC2 instances of the EMR cluster {cluster_name}",
        )
        self.instance_profile = iam.CfnInstanceProfile(
            self, "InstanceProfile", roles=[self.instance_role.role_name], instance_profile_name=cluster_name
        )
        self.service_role = LakeRole(
            self,
            "ServiceRole",
            # Only EMR acting for clusters of this account may use the role (confused deputy).
            assumed_by=service_of_this_account(
                self,
                "elasticmapreduce.amazonaws.com",
                source_arn=f"arn:{stack.partition}:elasticmapreduce:{stack.region}:{stack.account}:*",
            ),
            description=f"EMR service role of the cluster {cluster_name}",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonEMRServicePolicy_v2")],
        )
        acknowledge(
            self.service_role,
            "AmazonEMRServicePolicy_v2 is the scoped EMR service policy AWS maintains for new EMR features; it "
            "acts only on resources tagged for-use-with-amazon-emr-managed-policies=true, which this construct "
            "puts on the cluster, its security groups and its subnet",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]",
        )
        self._grant_service_role(key)
        self._grant_instance_role(key, log_uri, notebook_bucket_name)
        if in_transit_certificates is not None:
            # Every node fetches the certificate zip when it starts.
            self.instance_role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadTransitCertificates",
                    actions=["s3:GetObject"],
                    resources=[f"arn:{stack.partition}:s3:::{in_transit_certificates.removeprefix('s3://')}"],
                )
            )

        self.primary_security_group, self.core_security_group, self.service_access_security_group = (
            self._security_groups(vpc)
        )
        for taggable in (self.primary_security_group, self.core_security_group, self.service_access_security_group):
            Tags.of(taggable).add(EMR_MANAGED_POLICY_TAG, "true")
        # The subnet belongs to the network stack; the tag lands on it there (a tag, not a reference).
        Tags.of(subnet).add(EMR_MANAGED_POLICY_TAG, "true")

        self.security_configuration = emr.CfnSecurityConfiguration(
            self,
            "SecurityConfiguration",
            name=cluster_name,
            security_configuration=_security_configuration(key, in_transit_certificates),
        )
        self.cluster = emr.CfnCluster(
            self,
            "Cluster",
            name=cluster_name,
            release_label=release_label,
            applications=[emr.CfnCluster.ApplicationProperty(name=name) for name in applications],
            configurations=_configurations(applications, notebook_bucket_name, iceberg_warehouse),
            instances=emr.CfnCluster.JobFlowInstancesConfigProperty(
                ec2_subnet_id=subnet.subnet_id,
                ec2_key_name=ec2_key_name,
                emr_managed_master_security_group=self.primary_security_group.security_group_id,
                emr_managed_slave_security_group=self.core_security_group.security_group_id,
                service_access_security_group=self.service_access_security_group.security_group_id,
                master_instance_group=_instance_group("Primary", primary),
                core_instance_group=_instance_group("Core", core),
                task_instance_groups=None if task is None else [_instance_group("Task", task)],
                # Notebooks and steps come and go; the idle timeout ends the cluster instead.
                keep_job_flow_alive_when_no_steps=True,
                termination_protected=False,
            ),
            job_flow_role=self.instance_profile.ref,
            service_role=self.service_role.role_name,
            security_configuration=self.security_configuration.ref,
            log_uri=log_uri,
            log_encryption_kms_key_id=key.key_arn,
            auto_termination_policy=emr.CfnCluster.AutoTerminationPolicyProperty(
                idle_timeout=idle_timeout_minutes * 60
            ),
            managed_scaling_policy=None if managed_scaling is None else _managed_scaling(managed_scaling),
            steps=[_step(step) for step in steps or []] or None,
            visible_to_all_users=True,
            ebs_root_volume_size=32,
            tags=[{"key": EMR_MANAGED_POLICY_TAG, "value": "true"}],
        )
        # EMR assumes the roles while the cluster is created: their policies must be attached first.
        self.cluster.node.add_dependency(self.service_role.policy, self.instance_role.policy)
        self._security_group_cleanup(key, removal_policy)
        if ec2_key_name is None:
            acknowledge(
                self.cluster,
                "No EC2 key pair: the cluster has no SSH key and no inbound rule of its own; operators reach "
                "a node only through Session Manager, authenticated by IAM and logged in CloudTrail",
                "AwsSolutions-EMR6",
            )
        acknowledge(
            self.cluster,
            "Kerberos is not configured: users reach the cluster through Session Manager (IAM-authenticated, "
            "CloudTrail-logged) and the data through the instance role's scoped permissions. A "
            "cluster-dedicated KDC, with principals for every JupyterHub user, is a per-deployment decision",
            "HIPAA.Security-EMRKerberosEnabled",
            "NIST.800.53.R5-EMRKerberosEnabled",
            "PCI.DSS.321-EMRKerberosEnabled",
        )
        if in_transit_certificates is None:
            acknowledge(
                self.cluster,
                "In-transit TLS between the cluster's nodes needs a certificate zip in S3 that each "
                "deployment provides (processing.in_transit_certificates, see docs/processing.md); none is "
                "configured here. Traffic to S3, Glue and KMS is TLS regardless",
                "AwsSolutions-EMR5",
            )
        else:
            acknowledge(
                self.cluster,
                "In-transit encryption is on (security configuration, EncryptionConfiguration."
                "EnableInTransitEncryption with PEM certificates); the rule looks for it at the top level of "
                "the document, where EMR does not read it",
                "AwsSolutions-EMR5",
            )
        acknowledge(
            self.cluster,
            "Local-disk encryption is on (security configuration, EncryptionConfiguration."
            "AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration with the platform key); the rule "
            "looks for EnableAtRestEncryption at the top level of the document, where EMR does not read it",
            "AwsSolutions-EMR4",
        )

    def _security_group_cleanup(self, key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        groups = [self.primary_security_group, self.core_security_group, self.service_access_security_group]
        stack = Stack.of(self)
        role = LakeRole(
            self,
            "CleanupRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Revokes the rules EMR added between the cluster's managed security groups, at teardown",
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="ReadTheGroupsRules", actions=["ec2:DescribeSecurityGroupRules"], resources=["*"])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RevokeRulesOfTheClustersGroupsOnly",
                actions=["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
                resources=[
                    stack.format_arn(service="ec2", resource="security-group", resource_name=g.security_group_id)
                    for g in groups
                ],
            )
        )
        log_group = EncryptedLogGroup(
            self,
            "CleanupLogs",
            key=key,
            retention_days=CLEANUP_LOG_RETENTION_DAYS,
            removal_policy=removal_policy,
        ).log_group
        log_group.grant_write(role)
        self.cleanup_function = lambda_.Function(
            self,
            "CleanupFunction",
            description="Revokes the rules EMR added between its managed security groups when the stack is deleted",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="emr_security_groups.handler",
            code=lambda_.Code.from_asset(str(CLEANUP_HANDLER_DIR), exclude=["__pycache__", "*.pyc", "__init__.py"]),
            timeout=Duration.minutes(2),
            memory_size=128,
            role=role,
            log_group=log_group,
        )
        self.security_group_cleanup = CustomResource(
            self,
            "SecurityGroupCleanup",
            service_token=self.cleanup_function.function_arn,
            resource_type="Custom::EmrSecurityGroupRules",
            properties={"SecurityGroupIds": [g.security_group_id for g in groups]},
        )
        self.security_group_cleanup.node.add_dependency(role.policy)
        # Deleted in reverse: the cluster first (it terminates), then the rules, then the groups.
        self.cluster.node.add_dependency(self.security_group_cleanup)
        acknowledge(
            role.policy,
            "ec2:DescribeSecurityGroupRules has no resource-level permissions; the revoke actions are limited "
            "to the cluster's three security groups",
            "AwsSolutions-IAM5[Resource::*]",
        )
        acknowledge(
            self.cleanup_function,
            "The function calls only the EC2 API (describe and revoke security group rules) and CloudFormation's "
            "response URL; it reaches nothing in the VPC, and the private subnets have no EC2 endpoint to reach "
            "that API from inside",
            "HIPAA.Security-LambdaInsideVPC",
            "NIST.800.53.R5-LambdaInsideVPC",
            "PCI.DSS.321-LambdaInsideVPC",
        )
        acknowledge(
            self.cleanup_function,
            "CloudFormation invokes this function once per stack deletion and it answers every request itself, "
            "also on error, so a failure shows in the stack events and its log group; a dead-letter queue "
            "would collect events nobody replays",
            "HIPAA.Security-LambdaDLQ",
            "NIST.800.53.R5-LambdaDLQ",
            "PCI.DSS.321-LambdaDLQ",
        )
        acknowledge(
            self.cleanup_function,
            "Reserved concurrency would take capacity from the account's unreserved pool, for a function "
            "CloudFormation invokes once per deployment or deletion",
            "HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5-LambdaConcurrency",
            "PCI.DSS.321-LambdaConcurrency",
        )

    def _security_groups(self, vpc: ec2.IVpc) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup, ec2.SecurityGroup]:
        # EMR owns the rules between these groups and adds them itself when the cluster starts.
        primary = ec2.SecurityGroup(
            self, "PrimarySecurityGroup", vpc=vpc, description="EMR-managed: primary node", allow_all_outbound=True
        )
        core = ec2.SecurityGroup(
            self, "CoreSecurityGroup", vpc=vpc, description="EMR-managed: core and task nodes", allow_all_outbound=True
        )
        # Egress of the service-access group is only what EMR adds (to the primary and core groups).
        service_access = ec2.SecurityGroup(
            self,
            "ServiceAccessSecurityGroup",
            vpc=vpc,
            description="EMR-managed: the EMR service reaching the cluster in a private subnet",
            allow_all_outbound=False,
        )
        return primary, core, service_access

    def _grant_service_role(self, key: kms.IKey) -> None:
        self.service_role.add_to_policy(
            iam.PolicyStatement(
                sid="PassTheInstanceRoleToEc2",
                actions=["iam:PassRole"],
                resources=[self.instance_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            )
        )
        # EBS volumes encrypted with the platform key (local-disk encryption) are created through grants.
        self.service_role.add_to_policy(
            iam.PolicyStatement(
                sid="EncryptEbsVolumesWithThePlatformKey",
                actions=[
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                resources=[key.key_arn],
            )
        )
        self.service_role.add_to_policy(
            iam.PolicyStatement(
                sid="GrantEbsTheUseOfThePlatformKey",
                actions=["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )

    def grant_lake(
        self,
        *,
        buckets: dict[str, str],
        databases: dict[str, str],
        datasets: bool,
        artifact_prefixes: list[str],
        artifact_reads: list[str],
        scripts: list[str],
        metrics_namespace: str,
        tag_tables: bool,
    ) -> None:
        """The lake as the cluster sees it, on `instance_role`: with `datasets`, every dataset's raw
        files to read and its curated table and quarantine to write (the ETL step); `artifact_prefixes`
        of the artifacts bucket to write (reports, models) and `artifact_reads` to read (the pinned
        training sets' manifests); the `scripts` (S3 object ARNs) its steps
        run; the raw and curated catalog databases to read, the curated tables to commit; the ETL
        metrics (`metrics_namespace`) to publish; with `tag_tables`, the curated tables to tag (Lake
        Formation). `buckets` and `databases` are names by zone ('raw', 'curated', 'artifacts').

        By the naming contract's patterns, not one ARN per dataset: the cluster is the lake's shared
        compute and may run the ETL step of any dataset, and the raw and curated zones hold nothing
        but the datasets' prefixes (curated: '<dataset>/' Iceberg tables, the '_quarantine/' and
        '_consumed/' folders). EMRFS marks folders with '<folder>_$folder$' objects beside them:
        every key of the curated zone. The policy keeps its size whatever the number of datasets.
        """
        role, partition = self.instance_role, Stack.of(self).partition

        def bucket_arn(zone: str, objects: str | None = None) -> str:
            bucket = f"arn:{partition}:s3:::{buckets[zone]}"
            return bucket if objects is None else f"{bucket}/{objects}"

        reads = [bucket_arn("artifacts", f"{prefix}*") for prefix in artifact_reads]
        objects = [*(bucket_arn("artifacts", f"{prefix}*") for prefix in artifact_prefixes), *reads]
        if datasets:
            objects = [bucket_arn("raw", "*"), bucket_arn("curated", "*"), *objects]
            role.add_to_policy(
                iam.PolicyStatement(sid="ReadRawDatasets", actions=["s3:GetObject"], resources=[bucket_arn("raw", "*")])
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="WriteCuratedTablesAndQuarantine", actions=WRITE_OBJECTS, resources=[bucket_arn("curated", "*")]
                )
            )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ListLakeBuckets",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[bucket_arn(zone) for zone in ("raw", "curated", "artifacts")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteReportsAndModels",
                actions=WRITE_OBJECTS,
                resources=[bucket_arn("artifacts", f"{prefix}*") for prefix in artifact_prefixes],
            )
        )
        if reads:
            role.add_to_policy(iam.PolicyStatement(sid="ReadTrainingSets", actions=["s3:GetObject"], resources=reads))
        acknowledge_wildcards(
            role.policy,
            "Each object wildcard is bounded by the lake's layout: the objects of the raw zone (every key is "
            "under a dataset's raw prefix) to read, of the curated zone (the datasets' tables and the "
            f"quarantine) to write for the ETL step, {', '.join(artifact_prefixes)} in artifacts to write and "
            f"{', '.join(artifact_reads)} to read",
            objects,
        )
        if scripts:
            role.add_to_policy(iam.PolicyStatement(sid="ReadStepScripts", actions=["s3:GetObject"], resources=scripts))
        grants.grant_catalog_read(
            role.policy, databases=[databases["raw"], databases["curated"]], sid="ReadLakeCatalog", functions=True
        )
        # The ETL step commits the curated Iceberg tables through the Glue catalog (create, then UpdateTable).
        grants.grant_iceberg_commit(role.policy, database=databases["curated"], tables=["*"], sid="CommitCuratedTables")
        # Hive and Spark open the 'default' database at start and create it when the catalog has none.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="OpenDefaultDatabase",
                actions=["glue:GetDatabase", "glue:CreateDatabase"],
                resources=grants.catalog_arns(self, "default", []),
            )
        )
        # The ETL step publishes its row counts, in its own namespace only.
        grants.grant_put_metrics(role.policy, metrics_namespace, sid="PublishEtlMetrics")
        if tag_tables:
            grants.grant_table_tagging(role.policy, sid="TagCuratedTables")

    def _grant_instance_role(self, key: kms.IKey, log_uri: str, notebook_bucket_name: str | None) -> None:
        stack = Stack.of(self)
        role = self.instance_role
        role.add_to_policy(
            iam.PolicyStatement(
                sid="UseThePlatformKey",
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
            )
        )
        bucket, _, prefix = log_uri.removeprefix("s3://").partition("/")
        logs_resource = f"arn:{stack.partition}:s3:::{bucket}/{prefix}*"
        role.add_to_policy(
            iam.PolicyStatement(sid="WriteClusterLogs", actions=["s3:PutObject"], resources=[logs_resource])
        )
        notebook_resources = []
        if notebook_bucket_name is not None:
            notebook_resources = [f"arn:{stack.partition}:s3:::{notebook_bucket_name}/jupyter/*"]
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="PersistNotebooks",
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=notebook_resources,
                )
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ListNotebooks",
                    actions=["s3:ListBucket"],
                    resources=[f"arn:{stack.partition}:s3:::{notebook_bucket_name}"],
                    conditions={"StringLike": {"s3:prefix": ["jupyter", "jupyter/*"]}},
                )
            )
        emr_resource = f"arn:{stack.partition}:elasticmapreduce:{stack.region}:{stack.account}:cluster/*"
        ssm_resource = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:instance/*"
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadOwnClusterState",
                actions=[
                    "elasticmapreduce:DescribeCluster",
                    "elasticmapreduce:DescribeStep",
                    "elasticmapreduce:ListBootstrapActions",
                    "elasticmapreduce:ListInstanceGroups",
                    "elasticmapreduce:ListInstances",
                    "elasticmapreduce:ListSteps",
                ],
                resources=[emr_resource],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SessionManagerAgentRegistration",
                actions=["ssm:UpdateInstanceInformation"],
                resources=[ssm_resource],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SessionManagerChannels",
                actions=[
                    "ec2messages:AcknowledgeMessage",
                    "ec2messages:DeleteMessage",
                    "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint",
                    "ec2messages:GetMessages",
                    "ec2messages:SendReply",
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ],
                resources=["*"],
            )
        )
        acknowledge_wildcards(
            role.policy,
            "The instance role writes logs under the cluster's log prefix and notebooks under jupyter/; reads "
            "the state of EMR clusters of this account (its own ARN exists only after the cluster, which "
            "needs the role first); registers with SSM as an instance of this account; and opens Session "
            "Manager channels, whose ssmmessages and ec2messages actions have no resource ARN",
            [logs_resource, *notebook_resources, emr_resource, ssm_resource, "*"],
        )


def _security_configuration(key: kms.IKey, in_transit_certificates: str | None) -> dict:
    encryption: dict = {
        "EnableAtRestEncryption": True,
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key.key_arn},
            "LocalDiskEncryptionConfiguration": {
                "EncryptionKeyProviderType": "AwsKms",
                "AwsKmsKey": key.key_arn,
                "EnableEbsEncryption": True,
            },
        },
        "EnableInTransitEncryption": in_transit_certificates is not None,
    }
    if in_transit_certificates is not None:
        encryption["InTransitEncryptionConfiguration"] = {
            "TLSCertificateConfiguration": {"CertificateProviderType": "PEM", "S3Object": in_transit_certificates}
        }
    return {"EncryptionConfiguration": encryption}


def _configurations(applications: list[str], notebook_bucket_name: str | None, iceberg_warehouse: str | None) -> list:
    found = [
        emr.CfnCluster.ConfigurationProperty(classification=classification, configuration_properties=properties)
        for application, (classification, properties) in CATALOG_CLASSIFICATIONS.items()
        if application in applications
    ]
    if "Spark" in applications and iceberg_warehouse is not None:
        # The curated tables are Iceberg tables: the release's Iceberg goes on Spark's classpath
        # (iceberg-defaults) and every Spark application (steps, notebooks) gets the same Glue-backed
        # catalog as the Glue jobs (spark-defaults; see lake_constructs/iceberg.py).
        found.append(
            emr.CfnCluster.ConfigurationProperty(
                classification="iceberg-defaults", configuration_properties={"iceberg.enabled": "true"}
            )
        )
        found.append(
            emr.CfnCluster.ConfigurationProperty(
                classification="spark-defaults", configuration_properties=iceberg.spark_conf(iceberg_warehouse)
            )
        )
    if "JupyterHub" in applications and notebook_bucket_name is not None:
        found.append(
            emr.CfnCluster.ConfigurationProperty(
                classification="jupyter-s3-conf",
                configuration_properties={
                    "s3.persistence.enabled": "true",
                    "s3.persistence.bucket": notebook_bucket_name,
                },
            )
        )
    return found


def _instance_group(name: str, group: InstanceGroupConfig) -> emr.CfnCluster.InstanceGroupConfigProperty:
    return emr.CfnCluster.InstanceGroupConfigProperty(
        name=name,
        instance_type=group.instance_type,
        instance_count=group.count,
        market="ON_DEMAND",
        ebs_configuration=emr.CfnCluster.EbsConfigurationProperty(
            ebs_optimized=True,
            ebs_block_device_configs=[
                emr.CfnCluster.EbsBlockDeviceConfigProperty(
                    volume_specification=emr.CfnCluster.VolumeSpecificationProperty(
                        size_in_gb=group.ebs_volume_gb, volume_type="gp3"
                    ),
                    volumes_per_instance=1,
                )
            ],
        ),
    )


def _managed_scaling(limits: ManagedScalingConfig) -> emr.CfnCluster.ManagedScalingPolicyProperty:
    return emr.CfnCluster.ManagedScalingPolicyProperty(
        compute_limits=emr.CfnCluster.ComputeLimitsProperty(
            unit_type="Instances",
            minimum_capacity_units=limits.minimum_units,
            maximum_capacity_units=limits.maximum_units,
            maximum_core_capacity_units=limits.core_limit,
            maximum_on_demand_capacity_units=(
                limits.maximum_units if limits.maximum_on_demand_units is None else limits.maximum_on_demand_units
            ),
        )
    )


def _step(step: ClusterStep) -> emr.CfnCluster.StepConfigProperty:
    return emr.CfnCluster.StepConfigProperty(
        name=step.name,
        # An example that fails (no raw data yet, say) must not take the cluster down with it.
        action_on_failure="CONTINUE",
        hadoop_jar_step=emr.CfnCluster.HadoopJarStepConfigProperty(jar="command-runner.jar", args=step.args),
    )
