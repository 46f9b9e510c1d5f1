"""DMS replication of one relational source into the raw zone, and the capacity that runs it."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, CfnTag, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dms as dms
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.models.ingestion import DmsConfig, DmsSource

from .aws_https_egress import allow_https_to_aws
from .compliance import acknowledge, wildcard_finding
from .encrypted_log_group import EncryptedLogGroup
from .lake_role import LakeRole

MIGRATION_TYPE = "full-load-and-cdc"
# The endpoint settings block that carries the secret, for each engine of the config.
ENGINE_SETTINGS = {
    "mysql": ("my_sql_settings", dms.CfnEndpoint.MySqlSettingsProperty),
    "mariadb": ("my_sql_settings", dms.CfnEndpoint.MySqlSettingsProperty),
    "aurora": ("my_sql_settings", dms.CfnEndpoint.MySqlSettingsProperty),
    "postgres": ("postgre_sql_settings", dms.CfnEndpoint.PostgreSqlSettingsProperty),
    "aurora-postgresql": ("postgre_sql_settings", dms.CfnEndpoint.PostgreSqlSettingsProperty),
    "sqlserver": ("microsoft_sql_server_settings", dms.CfnEndpoint.MicrosoftSqlServerSettingsProperty),
    "oracle": ("oracle_settings", dms.CfnEndpoint.OracleSettingsProperty),
}
LOG_COMPONENTS = ("SOURCE_CAPTURE", "SOURCE_UNLOAD", "TARGET_APPLY", "TARGET_LOAD", "TASK_MANAGER")


def replication_identifier(name_prefix: str, source: str) -> str:
    """The identifier of the task (or serverless replication) of the source `source`: '<prefix>-<source>'."""
    return f"{name_prefix}-{source}"


# DMS's replication task metrics, by replication instance and task (Metrics Insights schema).
DMS_SCHEMA = 'SCHEMA("AWS/DMS", ReplicationInstanceIdentifier, ReplicationTaskIdentifier)'


def cdc_latency(metric: str, period: Duration, task: str | None = None) -> cw.MathExpression:
    """A Metrics Insights query of a DMS latency metric ('CDCLatencySource', 'CDCLatencyTarget'):
    the task `task`'s, or every task's, a series per task.

    A query, because a task's metrics also carry the replication instance's identifier, which
    the naming contract does not fix; the task identifier alone selects its series here.
    """
    where = "" if task is None else f" WHERE ReplicationTaskIdentifier = '{task}'"
    group = " GROUP BY ReplicationTaskIdentifier" if task is None else ""
    return cw.MathExpression(
        expression=f"SELECT MAX({metric}) FROM {DMS_SCHEMA}{where}{group}",
        using_metrics={},
        period=period,
        # Grouped series keep their own labels (the task identifiers).
        label=None if task is None else f"{task} {metric}",
    )


def table_mappings(source: DmsSource) -> dict[str, Any]:
    """The DMS table-mapping document: one selection rule per configured table, in order, then one
    rename rule per schema, table or column rename (the only transformations DMS applies here)."""
    rules: list[dict[str, Any]] = []

    def add(rule: dict[str, Any]) -> None:
        rule_id = str(len(rules) + 1)
        rules.append({"rule-id": rule_id, "rule-name": f"{rule['rule-type']}-{rule_id}", **rule})

    for table in source.tables:
        add(
            {
                "rule-type": "selection",
                "object-locator": {"schema-name": table.schema_name, "table-name": table.table_name},
                "rule-action": "include" if table.include else "exclude",
            }
        )
    for table in source.tables:
        locator = {"schema-name": table.schema_name, "table-name": table.table_name}
        for column, new_name in table.rename_columns.items():
            add(_rename("column", {**locator, "column-name": column}, new_name))
        if table.rename_table is not None:
            add(_rename("table", locator, table.rename_table))
    for schema, new_name in source.schema_renames.items():
        add(_rename("schema", {"schema-name": schema}, new_name))
    return {"rules": rules}


def _rename(target: str, locator: dict[str, str], value: str) -> dict[str, Any]:
    return {
        "rule-type": "transformation",
        "rule-target": target,
        "object-locator": locator,
        "rule-action": "rename",
        "value": value,
    }


def task_settings() -> dict[str, Any]:
    """Replication settings: every component logs to CloudWatch, and a (re)load never deletes raw
    files (the raw zone is append-only; a reload writes new files beside the old ones)."""
    return {
        "Logging": {
            "EnableLogging": True,
            "LogComponents": [{"Id": component, "Severity": "LOGGER_SEVERITY_DEFAULT"} for component in LOG_COMPONENTS],
        },
        "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
    }


class DmsCapacity(Construct):
    """Where replication runs: a security group and a replication subnet group on `subnets`
    (private workload subnets), and, for `capacity: instance`, a replication instance: never
    publicly accessible, its storage encrypted with `key`, multi-AZ as configured, its task logs
    in a log group encrypted with `key` (DMS writes to `dms-tasks-<instance id>`).

    The security group allows no inbound traffic; outbound only to each source's networks on its
    port, HTTPS to the VPC (interface endpoints), and HTTPS to S3 (its prefix list when configured).

    Attributes: `security_group`, `subnet_group`, `instance` and `log_group` (None for serverless).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DmsConfig,
        name_prefix: str,
        vpc: ec2.IVpc,
        vpc_cidr: str,
        subnets: ec2.SubnetSelection,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"DMS replication of {name_prefix}: egress to the sources and AWS over HTTPS only",
            allow_all_outbound=False,
        )
        for source in config.sources:
            for cidr in source.egress_cidrs:
                self.security_group.add_egress_rule(
                    ec2.Peer.ipv4(cidr), ec2.Port.tcp(source.port), f"{source.engine} source {source.name}"
                )
        allow_https_to_aws(self.security_group, vpc_cidr, config.s3_prefix_list_id)

        self.subnet_group = dms.CfnReplicationSubnetGroup(
            self,
            "SubnetGroup",
            replication_subnet_group_identifier=f"{name_prefix}-dms",
            replication_subnet_group_description=f"Private workload subnets of {name_prefix} for DMS replication",
            subnet_ids=vpc.select_subnets(subnet_group_name=subnets.subnet_group_name).subnet_ids,
        )

        self.instance = None
        self.log_group = None
        if config.capacity == "instance":
            instance_id = f"{name_prefix}-replication"
            self.log_group = EncryptedLogGroup(
                self,
                "TaskLogs",
                key=key,
                retention_days=config.log_retention_days,
                removal_policy=removal_policy,
                log_group_name=f"dms-tasks-{instance_id}",
            ).log_group
            spec = config.instance
            self.instance = dms.CfnReplicationInstance(
                self,
                "Instance",
                replication_instance_identifier=instance_id,
                replication_instance_class=spec.instance_class,
                allocated_storage=spec.allocated_storage_gb,
                multi_az=spec.multi_az,
                publicly_accessible=False,
                kms_key_id=key.key_arn,
                replication_subnet_group_identifier=self.subnet_group.ref,
                vpc_security_group_ids=[self.security_group.security_group_id],
                engine_version=spec.engine_version,
                preferred_maintenance_window=spec.preferred_maintenance_window,
                auto_minor_version_upgrade=True,
            )
            self.instance.node.add_dependency(self.log_group)


class DmsReplication(Construct):
    """One source replicated into `s3://<raw bucket>/dms/<source>/<schema>/<table>/`, full load then
    ongoing changes (every file carries the `Op` column: I, U or D).

    - Source endpoint: credentials from the source's Secrets Manager secret, read by DMS through a
      role that may read that one secret (and decrypt it with its key, when configured); TLS as
      configured. No user name, password, server or port in the template: DMS reads them from the secret.
    - Target endpoint: Parquet (or CSV with a header line), gzip, SSE-KMS with `key`, change files
      partitioned by commit date; written through a role that may write only under the source's
      prefix and use only `key`.
    - A replication task `<prefix>-<source>` on `capacity.instance`, or a DMS Serverless replication
      config of that name with the configured capacity range; table mappings from the config.

    Attributes: `source_endpoint`, `target_endpoint`, `secret_role`, `target_role`, and
    `task` (instance) or `replication_config` (serverless); `log_group` for serverless.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: DmsSource,
        config: DmsConfig,
        name_prefix: str,
        capacity: DmsCapacity,
        raw_bucket: s3.IBucket,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        identifier = replication_identifier(name_prefix, source.name)
        stack = Stack.of(self)

        # DMS assumes a Secrets Manager access role through its regional service principal.
        self.secret_role = LakeRole(
            self,
            "SecretRole",
            assumed_by=iam.ServicePrincipal(f"dms.{stack.region}.amazonaws.com"),
            description=f"Lets DMS read the credentials of source {source.name}",
        )
        self.secret_role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[source.secret_arn],
            )
        )
        if source.secret_kms_key_arn is not None:
            self.secret_role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[source.secret_kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}},
                )
            )
        settings_key, settings_type = ENGINE_SETTINGS[source.engine]
        secret_settings = settings_type(
            secrets_manager_access_role_arn=self.secret_role.role_arn, secrets_manager_secret_id=source.secret_arn
        )
        self.source_endpoint = dms.CfnEndpoint(
            self,
            "SourceEndpoint",
            endpoint_identifier=f"{identifier}-source",
            endpoint_type="source",
            engine_name=source.engine,
            database_name=source.database,
            ssl_mode=source.ssl_mode,
            certificate_arn=source.certificate_arn,
            kms_key_id=key.key_arn,
            **{settings_key: secret_settings},
            # Where the database runs (rds or on_premises): what an operator checks connectivity against.
            tags=[CfnTag(key="source-location", value=source.location)],
        )
        self.source_endpoint.node.add_dependency(self.secret_role.policy)

        self.target_role = LakeRole(
            self,
            "TargetRole",
            assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
            description=f"Lets DMS write source {source.name} under {source.raw_prefix} of the raw bucket",
        )
        self.target_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"],
                resources=[raw_bucket.arn_for_objects(f"{source.raw_prefix}*")],
            )
        )
        self.target_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[raw_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [source.raw_prefix, f"{source.raw_prefix}*"]}},
            )
        )
        self.target_role.add_to_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn])
        )
        acknowledge(
            self.target_role.policy,
            f"DMS writes one object per table file under its source's own prefix {source.raw_prefix} of the raw "
            "bucket; the object names (schema, table, date, file number) are chosen by DMS at run time",
            wildcard_finding(self, raw_bucket.arn_for_objects(f"{source.raw_prefix}*")),
        )

        output = source.output
        csv = output.format == "csv"
        self.target_endpoint = dms.CfnEndpoint(
            self,
            "TargetEndpoint",
            endpoint_identifier=f"{identifier}-raw",
            endpoint_type="target",
            engine_name="s3",
            kms_key_id=key.key_arn,
            s3_settings=dms.CfnEndpoint.S3SettingsProperty(
                bucket_name=raw_bucket.bucket_name,
                bucket_folder=source.raw_prefix.rstrip("/"),
                expected_bucket_owner=Aws.ACCOUNT_ID,
                service_access_role_arn=self.target_role.role_arn,
                data_format=output.format,
                parquet_version=None if csv else "parquet-2-0",
                enable_statistics=None if csv else True,
                add_column_name=True if csv else None,
                csv_delimiter="," if csv else None,
                compression_type=output.compression.upper(),
                encryption_mode="SSE_KMS",
                server_side_encryption_kms_key_id=key.key_arn,
                date_partition_enabled=output.date_partitioning,
                date_partition_sequence="YYYYMMDD" if output.date_partitioning else None,
                date_partition_delimiter="SLASH" if output.date_partitioning else None,
                include_op_for_full_load=True,
                timestamp_column_name=output.timestamp_column,
                cdc_max_batch_interval=output.cdc_max_batch_interval_seconds,
                cdc_min_file_size=output.cdc_min_file_size_kb,
            ),
        )
        self.target_endpoint.node.add_dependency(self.target_role.policy)

        self.task = None
        self.replication_config = None
        self.log_group = None
        if capacity.instance is not None:
            self.task = dms.CfnReplicationTask(
                self,
                "Task",
                replication_task_identifier=identifier,
                # The ARN (and the task's metrics and events) then end in the readable identifier.
                resource_identifier=identifier,
                migration_type=MIGRATION_TYPE,
                replication_instance_arn=capacity.instance.ref,
                source_endpoint_arn=self.source_endpoint.ref,
                target_endpoint_arn=self.target_endpoint.ref,
                table_mappings=json.dumps(table_mappings(source), sort_keys=True),
                replication_task_settings=json.dumps(task_settings(), sort_keys=True),
            )
        else:
            # DMS Serverless logs to dms-serverless-replication-<resource identifier>.
            self.log_group = EncryptedLogGroup(
                self,
                "Logs",
                key=key,
                retention_days=config.log_retention_days,
                removal_policy=removal_policy,
                log_group_name=f"dms-serverless-replication-{identifier}",
            ).log_group
            serverless = config.serverless
            self.replication_config = dms.CfnReplicationConfig(
                self,
                "ReplicationConfig",
                replication_config_identifier=identifier,
                resource_identifier=identifier,
                replication_type=MIGRATION_TYPE,
                source_endpoint_arn=self.source_endpoint.ref,
                target_endpoint_arn=self.target_endpoint.ref,
                table_mappings=table_mappings(source),
                replication_settings=task_settings(),
                compute_config=dms.CfnReplicationConfig.ComputeConfigProperty(
                    min_capacity_units=serverless.min_capacity_units,
                    max_capacity_units=serverless.max_capacity_units,
                    multi_az=serverless.multi_az,
                    replication_subnet_group_id=capacity.subnet_group.ref,
                    vpc_security_group_ids=[capacity.security_group.security_group_id],
                    kms_key_id=key.key_arn,
                ),
            )
            self.replication_config.node.add_dependency(self.log_group)
