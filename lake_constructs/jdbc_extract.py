"""A SQL query run by Glue on a schedule against a database over JDBC, written to the raw zone."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from config.models.ingestion import JdbcExtract

from .aws_https_egress import allow_https_to_aws
from .compliance import acknowledge, wildcard_finding
from .etl_job_code import UploadedCode
from .glue_job_logs import GLUE_METRICS_NAMESPACE, GlueJobLogs
from .grants import put_metrics
from .lake_role import LakeRole

SCRIPT = Path(__file__).resolve().parent.parent / "glue_jobs" / "jdbc_extract.py"
JDBC_URL = {
    "postgresql": "jdbc:postgresql://{host}:{port}/{database}",
    "mysql": "jdbc:mysql://{host}:{port}/{database}",
    "sqlserver": "jdbc:sqlserver://{host}:{port};databaseName={database}",
    "oracle": "jdbc:oracle:thin:@{oracle_protocol}://{host}:{port}/{database}",
}


def jdbc_url(extract: JdbcExtract) -> str:
    return JDBC_URL[extract.engine].format(
        host=extract.host,
        port=extract.port,
        database=extract.database,
        oracle_protocol="tcps" if extract.enforce_ssl else "tcp",
    )


class JdbcExtractJob(Construct):
    """`<prefix>-<name>-extract`: a Glue 5.1 PySpark job that runs the configured query through a
    Glue JDBC connection in the VPC and writes the result as Parquet to
    `s3://<raw bucket>/jdbc/<name>/ingest_date=<date>/`, started by a scheduled trigger.

    - Connection: JDBC URL, credentials from the Secrets Manager secret (`SECRET_ID`), TLS enforced
      as configured, in one private workload subnet, with a security group that allows what Glue
      requires (all TCP from and to itself, between the job's workers) plus the database's networks
      on its port and HTTPS to the VPC and S3.
    - Role: reads that one secret, writes only under `jdbc/<name>/`, uses only the platform key,
      writes its own log group, and manages the network interfaces Glue places in the VPC.
    - Encryption: a Glue security configuration of the layer (`security_configuration`) encrypts
      the job's logs, bookmarks and S3 writes with the platform key.

    - Script: `glue_jobs/jdbc_extract.py` as an asset the role may read (that object only).

    Attributes: `security_group`, `connection`, `role`, `job`, `trigger`, `logs` (GlueJobLogs), `script_asset`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        extract: JdbcExtract,
        name_prefix: str,
        vpc: ec2.IVpc,
        vpc_cidr: str,
        subnet: ec2.ISubnet,
        raw_bucket: s3.IBucket,
        key: kms.IKey,
        security_configuration: glue.ISecurityConfiguration,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
        s3_prefix_list_id: str | None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        job_name = f"{name_prefix}-{extract.name}-extract"

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"Glue JDBC extract {job_name}: workers among themselves, the database, AWS over HTTPS",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(self.security_group, ec2.Port.all_tcp(), "Glue workers among themselves")
        self.security_group.add_egress_rule(self.security_group, ec2.Port.all_tcp(), "Glue workers among themselves")
        for cidr in extract.egress_cidrs:
            self.security_group.add_egress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(extract.port), f"{extract.engine} database of {extract.name}"
            )
        allow_https_to_aws(self.security_group, vpc_cidr, s3_prefix_list_id)

        secret = secretsmanager.Secret.from_secret_complete_arn(self, "Secret", extract.secret_arn)
        self.connection = glue.Connection(
            self,
            "Connection",
            type=glue.ConnectionType.JDBC,
            connection_name=f"{name_prefix}-{extract.name}-jdbc",
            description=f"{extract.engine} database {extract.database} on {extract.host}:{extract.port}",
            properties={
                "JDBC_CONNECTION_URL": jdbc_url(extract),
                "JDBC_ENFORCE_SSL": "true" if extract.enforce_ssl else "false",
            },
            secret=secret,
            security_groups=[self.security_group],
            network=glue.ConnectionNetwork.subnet(subnet),
        )

        self.logs = GlueJobLogs(
            self,
            "Logs",
            job_name=job_name,
            key=key,
            retention_days=log_retention_days,
            removal_policy=removal_policy,
        )

        prefix = extract.raw_prefix
        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"Runs the Glue JDBC extract {job_name}",
        )
        statements = [
            # The job reads the URL and the secret's id from its connection, then the credentials.
            iam.PolicyStatement(
                actions=["glue:GetConnection"],
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    self.connection.connection_arn,
                ],
            ),
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[extract.secret_arn],
            ),
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[raw_bucket.arn_for_objects(f"{prefix}*")],
            ),
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[raw_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
            ),
            iam.PolicyStatement(
                actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key.key_arn],
            ),
            self.logs.write(),
            put_metrics(GLUE_METRICS_NAMESPACE),
            # Glue places the job's network interfaces in the connection's subnet: it describes the
            # VPC (no resource-level permissions exist for Describe*) and creates and tags interfaces.
            iam.PolicyStatement(
                actions=[
                    "ec2:DescribeVpcEndpoints",
                    "ec2:DescribeRouteTables",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcAttribute",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:CreateTags",
                    "ec2:DeleteTags",
                ],
                resources=[
                    stack.format_arn(service="ec2", resource="network-interface", resource_name="*"),
                    stack.format_arn(service="ec2", resource="subnet", resource_name=subnet.subnet_id),
                    stack.format_arn(
                        service="ec2", resource="security-group", resource_name=self.security_group.security_group_id
                    ),
                ],
            ),
        ]
        if extract.secret_kms_key_arn is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[extract.secret_kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}},
                )
            )
        self.script_asset = s3_assets.Asset(self, "Script", path=str(SCRIPT))
        statements.append(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.script_asset.bucket.arn_for_objects(self.script_asset.s3_object_key)],
            )
        )
        for statement in statements:
            self.role.add_to_policy(statement)

        self.job = glue.PySparkEtlJob(
            self,
            "Job",
            job_name=job_name,
            description=f"Extracts a query of {extract.engine} database {extract.database} into {prefix}",
            role=self.role,
            script=UploadedCode(self.script_asset),
            glue_version=glue.GlueVersion.V5_1,
            worker_configuration=glue.WorkerConfiguration(
                worker_type=glue.WorkerType.G_1X if extract.worker_type == "G.1X" else glue.WorkerType.G_2X,
                number_of_workers=extract.workers,
            ),
            connections=[self.connection],
            security_configuration=security_configuration,
            # The continuous-logging flags are Glue 4.0's; Glue 5.1 logs as GlueJobLogs says.
            continuous_logging=glue.ContinuousLoggingProps(enabled=False),
            timeout=Duration.minutes(extract.timeout_minutes),
            max_concurrent_runs=1,
            max_retries=1,
            default_arguments={
                "--engine": extract.engine,
                "--connection_name": self.connection.connection_name,
                "--query": extract.query,
                "--output_path": f"s3://{raw_bucket.bucket_name}/{prefix}",
                "--enforce_ssl": "true" if extract.enforce_ssl else "false",
                **self.logs.arguments,
            },
        )
        self.trigger = glue.CfnTrigger(
            self,
            "Schedule",
            name=job_name,
            description=f"Runs {job_name} on {extract.schedule}",
            type="SCHEDULED",
            schedule=extract.schedule,
            start_on_creation=True,
            actions=[glue.CfnTrigger.ActionProperty(job_name=self.job.job_name)],
        )

        policy = self.role.policy
        acknowledge(
            policy,
            f"The extract writes Parquet files Spark names at run time under its own prefix {prefix} of the "
            "raw bucket, and replaces the day's ingest_date partition there; nothing outside that prefix",
            wildcard_finding(self, raw_bucket.arn_for_objects(f"{prefix}*")),
        )
        acknowledge(
            policy,
            "ec2:Describe* actions have no resource-level permissions, cloudwatch:PutMetricData is limited to "
            "the Glue namespace by condition, and the network interfaces Glue creates get their ids at run time",
            "AwsSolutions-IAM5[Resource::*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]",
        )
