"""SQL run on a Redshift cluster at deploy time, through the Redshift Data API."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_redshift as redshift
from constructs import Construct

from .compliance import acknowledge
from .encrypted_log_group import EncryptedLogGroup
from .lake_role import LakeRole

HANDLER_DIR = Path(__file__).parent / "cfn_handlers"
# DDL such as CREATE EXTERNAL SCHEMA takes seconds; the handler gives up 15 s before this, cancels the
# statement and fails the deployment with a clear message.
TIMEOUT = Duration.minutes(5)


class RedshiftSql(Construct):
    """Runs `statements` (idempotent SQL, in order) on `cluster` in `database` as `db_user`, a
    database user with only the CREATE privilege on `database` (what CREATE EXTERNAL SCHEMA needs),
    with temporary credentials (no password is read or stored), when the resource is created and
    whenever the statements change. Deleting it runs nothing.

    `db_user` is created first, by `admin_user`, with two fixed statements: `CREATE USER ...
    PASSWORD DISABLE` (temporary credentials only; "already exists" is fine on a re-run) and `GRANT
    CREATE ON DATABASE`. The admin runs nothing else.

    Only the platform's statements run: the plan (cluster, database, each statement and its user)
    is fixed at synth in the function's environment, and the handler refuses a request whose plan
    differs, answers only CloudFormation's response URLs, and only for stacks of its own account
    and region (`cfn_handlers/redshift_sql.py`).

    The handler (`cfn_handlers/redshift_sql.py`, Python, invoked by CloudFormation) runs in
    `subnets` of `vpc`. Its security group allows HTTPS out only: in subnets without NAT that
    reaches the VPC's interface endpoints (the network needs the `redshift-data` one) and S3
    through the gateway endpoint, where CloudFormation's response URL is. Its logs go to a log
    group encrypted with `key`, kept `log_retention_days`.

    Its role may run statements on this cluster only, as `db_user` or `admin_user` in `database`
    only, and read back only the statements it started itself.

    Attributes: `function`, `role`, `log_group`, `security_group`, `resource` (the CustomResource),
    `plan` (what the function runs).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: redshift.CfnCluster,
        database: str,
        admin_user: str,
        db_user: str,
        statements: list[str],
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        key: kms.IKey,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        name = cluster.cluster_identifier

        def redshift_arn(resource: str, resource_name: str) -> str:
            return stack.format_arn(
                service="redshift",
                resource=resource,
                resource_name=resource_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )

        self.log_group = EncryptedLogGroup(
            self, "Logs", key=key, retention_days=log_retention_days, removal_policy=removal_policy
        ).log_group
        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs the platform's deploy-time SQL on the Redshift cluster {name} as {db_user}",
        )
        self.log_group.grant_write(self.role)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="RunStatementsOnTheCluster",
                actions=["redshift-data:ExecuteStatement"],
                resources=[redshift_arn("cluster", name)],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="TemporaryCredentialsOfTheDeployUser",
                actions=["redshift:GetClusterCredentials"],
                resources=[
                    redshift_arn("dbuser", f"{name}/{db_user}"),
                    redshift_arn("dbuser", f"{name}/{admin_user}"),
                    redshift_arn("dbname", f"{name}/{database}"),
                ],
            )
        )
        # Statement ids are not resources IAM can name: the Data API scopes these calls to the
        # statements the caller started, through this condition.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="FollowOwnStatements",
                actions=["redshift-data:DescribeStatement", "redshift-data:CancelStatement"],
                resources=["*"],
                conditions={"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
            )
        )
        # A function in a VPC manages its own network interfaces; EC2 does not scope these by resource.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="NetworkInterfacesInTheVpc",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Deploy-time SQL handler: HTTPS out to the VPC endpoints and S3 only",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to the Redshift Data API endpoint and CloudFormation's S3 response URL",
        )
        # Quoted identifiers: the names come from the config, which holds them to Redshift's rules.
        self.plan = {
            "cluster": name,
            "database": database,
            "steps": [
                {
                    "user": admin_user,
                    "sql": f'CREATE USER "{db_user}" PASSWORD DISABLE',
                    "tolerate": "already exists",
                },
                {"user": admin_user, "sql": f'GRANT CREATE ON DATABASE "{database}" TO "{db_user}"'},
                *({"user": db_user, "sql": sql} for sql in statements),
            ],
        }
        plan = stack.to_json_string(self.plan)
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Runs deploy-time SQL on the Redshift cluster {name} through the Data API",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="redshift_sql.handler",
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc", "__init__.py"]),
            timeout=TIMEOUT,
            memory_size=256,
            role=self.role,
            log_group=self.log_group,
            environment={"PLAN": plan},
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group],
        )
        # Lambda checks at creation that a VPC function's role may manage network interfaces.
        self.function.node.add_dependency(self.role.policy)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::RedshiftSql",
            # The cluster's Ref orders the resource after the cluster; the plan is what the handler
            # checks against its own before running anything.
            properties={"ClusterIdentifier": cluster.ref, "Plan": plan},
        )
        # The permissions live in a managed policy the function does not reference: wait for it.
        self.resource.node.add_dependency(self.role.policy)
        acknowledge(
            self.role.policy,
            "Resource '*' is in two statements only: the EC2 network-interface actions of a Lambda function in "
            "a VPC (EC2 cannot scope them to a resource), and DescribeStatement/CancelStatement, which the "
            "condition redshift-data:statement-owner-iam-userid = ${aws:userid} limits to its own statements",
            "AwsSolutions-IAM5[Resource::*]",
        )
        acknowledge(
            self.function,
            "CloudFormation invokes this function only during deployments, and it answers every request itself, "
            "also on error, so each failure is recorded in the stack events and in its log group; a dead-letter "
            "queue would collect events nobody replays",
            "HIPAA.Security-LambdaDLQ",
            "NIST.800.53.R5-LambdaDLQ",
            "PCI.DSS.321-LambdaDLQ",
        )
        acknowledge(
            self.function,
            "Reserved concurrency would take capacity from the account's unreserved pool, and cannot be set at "
            "all on accounts at the minimum of 10, for a function CloudFormation invokes once per deployment",
            "HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5-LambdaConcurrency",
            "PCI.DSS.321-LambdaConcurrency",
        )
