"""Warehouse layer: a Redshift cluster with Spectrum over the curated catalog and UNLOAD back to the raw zone."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs import lake_formation as lf
from lake_constructs.grants import CURATED_SERVICE_FOLDERS
from lake_constructs.redshift_cluster import RedshiftCluster, cluster_metric
from lake_constructs.redshift_schedule import PauseResumeSchedule
from lake_constructs.redshift_sql import RedshiftSql
from lake_constructs.spectrum_role import SpectrumRole
from lake_constructs.watch import FIVE_MINUTES, SUSTAINED, Watch

from .layers import LayerRow
from .network import NetworkStack
from .storage import StorageStack

# Where the cluster may write query results back into the lake, as the course's migration table suggests.
UNLOAD_PREFIX = "redshift_unload/"


def cluster_identifier(config: PlatformConfig) -> str:
    """The Redshift cluster's identifier, '<prefix>-warehouse' (its alarms and graph find it by it)."""
    return f"{config.name_prefix}-warehouse"


class WarehouseStack(Stack):
    """Attributes: `cluster` (the RedshiftCluster), `spectrum_role`, `external_schema` (the
    RedshiftSql that creates it), `schedule` (None unless pause/resume is configured),
    `external_schema_sql`, `unload_example_sql`."""

    row = LayerRow(
        position=70,
        layer="warehouse",
        holds="Redshift cluster, Spectrum external schema, UNLOAD role, pause/resume",
        switch="`warehouse.enabled`",
        docs="[warehouse](docs/warehouse.md)",
    )
    stateful_types = frozenset({"AWS::Redshift::Cluster"})
    stateless_types = frozenset(
        {
            *("AWS::EC2::SecurityGroup", "AWS::LakeFormation::PrincipalPermissions", "Custom::RedshiftSql"),
            *("AWS::Redshift::ClusterParameterGroup", "AWS::Redshift::ClusterSubnetGroup"),
            *("AWS::Redshift::ScheduledAction",),
        }
    )

    @staticmethod
    def watch(watch: Watch) -> None:
        """The cluster's CPU, disk and health: alarms at the configured thresholds, and a graph."""
        monitoring = watch.config.monitoring
        identifier = cluster_identifier(watch.config)

        def metric(name: str, statistic: str) -> cw.Metric:
            return cluster_metric(identifier, name, statistic, FIVE_MINUTES)

        cpu, disk, health = (
            metric("CPUUtilization", "Average"),
            metric("PercentageDiskSpaceUsed", "Maximum"),
            metric("HealthStatus", "Minimum"),
        )
        above, below = cw.ComparisonOperator.GREATER_THAN_THRESHOLD, cw.ComparisonOperator.LESS_THAN_THRESHOLD
        for id, name, value, threshold, operator, description in (
            ("Cpu", "cpu", cpu, monitoring.redshift_cpu_percent, above,
             f"The warehouse's CPU has stayed above {monitoring.redshift_cpu_percent}% for 15 minutes"),
            ("Disk", "disk", disk, monitoring.redshift_disk_percent, above,
             f"The warehouse uses more than {monitoring.redshift_disk_percent}% of its disk"),
            ("Health", "health", health, 1, below,
             "The warehouse has reported unhealthy (HealthStatus 0) for 15 minutes"),
        ):  # fmt: skip
            watch.alarm(
                f"Warehouse{id}",
                f"warehouse-{name}",
                alarm_description=description,
                metric=value,
                threshold=threshold,
                comparison_operator=operator,
                evaluation_periods=SUSTAINED,
                # A paused cluster publishes no metrics: missing data is not a failure here.
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
        watch.add_graph(f"Redshift {identifier}", left=[cpu, disk], right=[health])

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        storage: StorageStack,
        network: NetworkStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        warehouse = config.warehouse
        lake = network.network
        database = config.database_name("curated")

        raw_bucket = s3.Bucket.from_bucket_name(self, "RawBucket", storage.bucket_name(config, "raw"))
        self.spectrum_role = SpectrumRole(
            self,
            "Spectrum",
            database=database,
            # Imported by name (the naming contract): the policy's object wildcards are then plain ARNs.
            data_bucket=s3.Bucket.from_bucket_name(self, "CuratedBucket", storage.bucket_name(config, "curated")),
            hidden_prefix=CURATED_SERVICE_FOLDERS,
            unload_bucket=raw_bucket,
            unload_prefix=UNLOAD_PREFIX,
            key=storage.key,
            # Where Lake Formation alone decides, Spectrum reads the tables with the credentials it vends.
            lake_formation=config.governance.governed,
            direct_reads=not config.governance.enforced,
        )
        self.grants = (
            lf.grant_zone_read(
                self.spectrum_role, "LakeFormation", principal_arn=self.spectrum_role.role.role_arn, zone="curated"
            )
            if config.governance.governed
            else []
        )
        self.cluster = RedshiftCluster(
            self,
            "Warehouse",
            identifier=cluster_identifier(config),
            config=warehouse,
            vpc=lake.vpc,
            data_subnets=lake.data_subnets,
            client_cidrs=[
                subnet.ipv4_cidr_block
                for subnet in lake.vpc.select_subnets(subnet_group_name=lake.workload_subnets.subnet_group_name).subnets
            ],
            key=storage.key,
            roles=[self.spectrum_role.role],
            removal_policy=storage.removal_policy,
        )

        role_arn = self.spectrum_role.role.role_arn
        self.external_schema_sql = (
            f"CREATE EXTERNAL SCHEMA IF NOT EXISTS {warehouse.external_schema} "
            f"FROM DATA CATALOG DATABASE '{database}' IAM_ROLE '{role_arn}'"
        )
        self.external_schema = RedshiftSql(
            self,
            "ExternalSchema",
            cluster=self.cluster.cluster,
            database=warehouse.database_name,
            admin_user=warehouse.admin_username,
            db_user=warehouse.deploy_username,
            statements=[self.external_schema_sql],
            vpc=lake.vpc,
            subnets=lake.workload_subnets,
            key=storage.key,
            log_retention_days=warehouse.audit_log_retention_days,
            removal_policy=storage.removal_policy,
        )
        self.schedule = None
        if warehouse.pause_resume.enabled:
            self.schedule = PauseResumeSchedule(
                self,
                "PauseResume",
                cluster=self.cluster.cluster,
                pause=warehouse.pause_resume.pause,
                resume=warehouse.pause_resume.resume,
            )

        datasets = config.catalog.datasets
        example_table = datasets[0].name if datasets else "<table>"
        unload_location = f"s3://{raw_bucket.bucket_name}/{UNLOAD_PREFIX}"
        self.unload_example_sql = (
            f"UNLOAD ('SELECT * FROM {warehouse.external_schema}.{example_table}') "
            f"TO '{unload_location}{example_table}/' IAM_ROLE '{role_arn}' "
            f"FORMAT AS PARQUET KMS_KEY_ID '{storage.key.key_id}' ENCRYPTED"
        )
        outputs = {
            "ClusterIdentifier": (self.cluster.cluster.ref, "Redshift cluster identifier"),
            "ClusterEndpoint": (
                f"{self.cluster.cluster.attr_endpoint_address}:{self.cluster.cluster.attr_endpoint_port}",
                "Host:port, reachable from the workload subnets; SSL required",
            ),
            "AdminSecretArn": (self.cluster.admin_secret_arn, "Secret of the admin user, kept and rotated by Redshift"),
            "SpectrumRoleArn": (role_arn, "Role attached to the cluster for Spectrum and UNLOAD"),
            "ExternalSchemaName": (warehouse.external_schema, f"Spectrum schema over the Glue database {database}"),
            "UnloadLocation": (unload_location, "Where UNLOAD may write (Parquet or CSV)"),
            "UnloadExample": (self.unload_example_sql, "An UNLOAD statement ready for the query editor or Data API"),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
