"""A provisioned Redshift cluster, private and encrypted, with every decision the platform makes for it."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_redshift as redshift
from constructs import Construct

from config.models.warehouse import WarehouseConfig

from .encrypted_log_group import EncryptedLogGroup

PARAMETER_GROUP_FAMILY = "redshift-1.0"
# The audit logs Redshift exports to CloudWatch Logs: connections, user changes, every query run.
AUDIT_LOGS = ("connectionlog", "userlog", "useractivitylog")


def cluster_metric(identifier: str, metric: str, statistic: str, period: Duration) -> cw.Metric:
    """A metric Redshift publishes for the cluster `identifier` (AWS/Redshift, by ClusterIdentifier)."""
    return cw.Metric(
        namespace="AWS/Redshift",
        metric_name=metric,
        dimensions_map={"ClusterIdentifier": identifier},
        statistic=statistic,
        period=period,
    )


class RedshiftCluster(Construct):
    """A multi-node cluster `identifier` sized by `config` (node type and count), with:

    - a subnet group on `data_subnets` (isolated) of `vpc`; never publicly accessible;
    - a security group that admits only `client_cidrs` (the workload subnets) on `config.port`,
      and lets the cluster out only over HTTPS (in isolated subnets: the VPC endpoints and S3);
    - encryption at rest with `key`; enhanced VPC routing (COPY/UNLOAD traffic stays in the VPC);
    - a parameter group that requires SSL and logs user activity (every query);
    - audit logs (connection, user, user activity) exported to CloudWatch Logs, into log groups
      created here beforehand so they are encrypted with `key` and kept `config.audit_log_retention_days`;
    - an admin user whose password Redshift generates, stores in Secrets Manager (encrypted with
      `key`) and rotates: no password in the template;
    - `roles` attached (Spectrum, COPY/UNLOAD);
    - automated snapshots kept `config.automated_snapshot_retention_days`, version upgrades in the
      weekly `config.maintenance_window`;
    - deletion: a final snapshot is taken when the cluster is deleted or replaced (SNAPSHOT), and
      the audit logs are retained; with a `removal_policy` of DESTROY both are simply deleted.

    Attributes: `cluster` (CfnCluster), `identifier`, `arn`, `security_group`, `subnet_group`,
    `parameter_group`, `audit_log_groups` (by log type), `admin_secret_arn`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        identifier: str,
        config: WarehouseConfig,
        vpc: ec2.IVpc,
        data_subnets: ec2.SubnetSelection,
        client_cidrs: list[str],
        key: kms.IKey,
        roles: list[iam.IRole],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.identifier = identifier
        self.arn = Stack.of(self).format_arn(
            service="redshift", resource="cluster", resource_name=identifier, arn_format=ArnFormat.COLON_RESOURCE_NAME
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"Redshift cluster {identifier}: clients from the workload subnets only",
            allow_all_outbound=False,
        )
        for cidr in client_cidrs:
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(config.port), "Clients in a workload subnet"
            )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to the VPC endpoints and S3 (enhanced VPC routing)"
        )

        self.subnet_group = redshift.CfnClusterSubnetGroup(
            self,
            "SubnetGroup",
            description=f"Isolated data subnets of the Redshift cluster {identifier}",
            subnet_ids=vpc.select_subnets(subnet_group_name=data_subnets.subnet_group_name).subnet_ids,
        )
        self.parameter_group = redshift.CfnClusterParameterGroup(
            self,
            "ParameterGroup",
            description=f"Redshift cluster {identifier}: SSL required, user activity logged",
            parameter_group_family=PARAMETER_GROUP_FAMILY,
            parameters=[
                redshift.CfnClusterParameterGroup.ParameterProperty(
                    parameter_name="require_ssl", parameter_value="true"
                ),
                redshift.CfnClusterParameterGroup.ParameterProperty(
                    parameter_name="enable_user_activity_logging", parameter_value="true"
                ),
            ],
        )
        # Redshift writes to /aws/redshift/cluster/<identifier>/<log>; creating the groups first
        # decides their encryption and retention, which Redshift would otherwise leave unset.
        self.audit_log_groups: dict[str, logs.ILogGroup] = {
            log: EncryptedLogGroup(
                self,
                f"{log.capitalize()}Logs",
                key=key,
                retention_days=config.audit_log_retention_days,
                removal_policy=removal_policy,
                log_group_name=f"/aws/redshift/cluster/{identifier}/{log}",
            ).log_group
            for log in AUDIT_LOGS
        }

        self.cluster = redshift.CfnCluster(
            self,
            "Cluster",
            cluster_identifier=identifier,
            cluster_type="multi-node",
            node_type=config.node_type,
            number_of_nodes=config.node_count,
            db_name=config.database_name,
            port=config.port,
            master_username=config.admin_username,
            manage_master_password=True,
            master_password_secret_kms_key_id=key.key_arn,
            encrypted=True,
            kms_key_id=key.key_arn,
            publicly_accessible=False,
            enhanced_vpc_routing=True,
            cluster_subnet_group_name=self.subnet_group.ref,
            vpc_security_group_ids=[self.security_group.security_group_id],
            cluster_parameter_group_name=self.parameter_group.ref,
            iam_roles=[role.role_arn for role in roles],
            automated_snapshot_retention_period=config.automated_snapshot_retention_days,
            preferred_maintenance_window=config.maintenance_window,
            allow_version_upgrade=True,
            logging_properties=redshift.CfnCluster.LoggingPropertiesProperty(
                log_destination_type="cloudwatch", log_exports=list(AUDIT_LOGS)
            ),
        )
        # Retained as a final snapshot: a retained cluster would keep costing.
        self.cluster.apply_removal_policy(
            RemovalPolicy.SNAPSHOT if removal_policy == RemovalPolicy.RETAIN else removal_policy
        )
        for log_group in self.audit_log_groups.values():
            self.cluster.node.add_dependency(log_group)
        self.admin_secret_arn = self.cluster.attr_master_password_secret_arn
