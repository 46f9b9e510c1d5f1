"""Ingestion layer: DMS replication of relational sources, and scheduled JDBC extracts, into the raw zone."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.construct_ids import construct_id
from lake_constructs.dms_replication import DmsCapacity, DmsReplication, cdc_latency, replication_identifier
from lake_constructs.jdbc_extract import JdbcExtractJob
from lake_constructs.watch import FIVE_MINUTES, SUSTAINED, Watch

from .layers import LayerRow
from .network import NetworkStack
from .storage import StorageStack


class IngestionStack(Stack):
    """Attributes: `capacity` (None without
    DMS sources), `replications` and `extracts` by source/extract name, `security_configuration`
    (None without extracts)."""

    row = LayerRow(
        position=90,
        layer="ingestion",
        holds="DMS replication (instance or serverless), Glue JDBC extracts",
        switch="`ingestion.enabled`",
        docs="[ingestion](docs/ingestion.md)",
    )
    stateless_types = frozenset(
        {
            *("AWS::DMS::Endpoint", "AWS::DMS::ReplicationConfig", "AWS::DMS::ReplicationInstance"),
            *("AWS::DMS::ReplicationSubnetGroup", "AWS::DMS::ReplicationTask"),
            *("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress"),
            *("AWS::Glue::Connection", "AWS::Glue::Job", "AWS::Glue::SecurityConfiguration", "AWS::Glue::Trigger"),
        }
    )

    @staticmethod
    def watch(watch: Watch) -> None:
        """DMS tasks and serverless replications that fail or stop; each task's CDC latency (alarms
        above `monitoring.dms_latency_seconds`, and a graph of every task's)."""
        # Not filtered by name: a task's ARN (the only identifier in its events) ends in a resource
        # id that DMS may generate, and a filter that never matches would hide the failures.
        # Both event families: tasks on a replication instance, and DMS Serverless replications.
        watch.on_failure(
            "DmsTaskFailed",
            "dms-task-failed",
            description="A DMS replication task or serverless replication failed or stopped",
            source="aws.dms",
            detail_types=["DMS Replication Task State Change", "DMS Replication State Change"],
            detail={
                "eventType": [
                    "REPLICATION_TASK_FAILED",
                    "REPLICATION_TASK_STOPPED",
                    "REPLICATION_FAILED",
                    "REPLICATION_STOPPED",
                ]
            },
            message="DMS {resource} reported {event} in {account}/{region}: {reason}",
            fields={
                "resource": "$.resources[0]",
                "event": "$.detail.eventType",
                "reason": "$.detail.detailMessage",
            },
        )
        seconds = watch.config.monitoring.dms_latency_seconds
        for task in dms_task_identifiers(watch.config):
            for side in ("Source", "Target"):
                watch.alarm(
                    f"{construct_id(task)}CdcLatency{side}",
                    f"{task.removeprefix(watch.prefix + '-')}-cdc-latency-{side.lower()}",
                    alarm_description=f"DMS task {task}: CDC {side.lower()} latency above {seconds} s for 15 minutes",
                    metric=cdc_latency(f"CDCLatency{side}", FIVE_MINUTES, task),
                    threshold=seconds,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=SUSTAINED,
                    # A stopped task publishes nothing; the failure rule reports stops and failures.
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
        watch.add_graph(
            "DMS CDC latency (s) by task",
            left=[cdc_latency("CDCLatencySource", FIVE_MINUTES), cdc_latency("CDCLatencyTarget", FIVE_MINUTES)],
        )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        network: NetworkStack,
        storage: StorageStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        ingestion = config.ingestion
        dms_config = ingestion.dms
        lake_network = network.network
        common = dict(key=storage.key, removal_policy=storage.removal_policy)
        # The raw bucket by its name (derived from the config, as the storage stack derives it), so
        # policies and endpoints name it plainly instead of through a cross-stack reference.
        raw_bucket = s3.Bucket.from_bucket_name(self, "RawBucket", storage.bucket_name(config, "raw"))

        # The account-wide roles DMS needs (dms-vpc-role, ...) are in their own stack, deployed before
        # this one when this deployment owns them (stacks/dms_roles.py says why).

        self.capacity = None
        self.replications: dict[str, DmsReplication] = {}
        if dms_config.sources:
            self.capacity = DmsCapacity(
                self,
                "DmsCapacity",
                config=dms_config,
                name_prefix=config.name_prefix,
                vpc=lake_network.vpc,
                vpc_cidr=config.network.cidr,
                subnets=lake_network.workload_subnets,
                **common,
            )
            for source in dms_config.sources:
                self.replications[source.name] = DmsReplication(
                    self,
                    f"Dms-{source.name}",
                    source=source,
                    config=dms_config,
                    name_prefix=config.name_prefix,
                    capacity=self.capacity,
                    raw_bucket=raw_bucket,
                    **common,
                )

        self.security_configuration = None
        self.extracts: dict[str, JdbcExtractJob] = {}
        if ingestion.jdbc.extracts:
            self.security_configuration = glue.SecurityConfiguration(
                self,
                "GlueSecurityConfiguration",
                security_configuration_name=f"{config.name_prefix}-ingestion",
                cloud_watch_encryption=glue.CloudWatchEncryption.kms(storage.key),
                job_bookmarks_encryption=glue.JobBookmarksEncryption.client_side_kms(storage.key),
                s3_encryption=glue.S3Encryption.kms(storage.key),
                # Fixed name: kept with the lake's stateful resources, but an ephemeral destroy must
                # remove it, or the next deploy collides with it (default RETAIN).
                removal_policy=storage.removal_policy,
            )
            # A Glue connection lives in one subnet; the first workload subnet is as good as any.
            subnet = lake_network.vpc.select_subnets(subnet_group_name=lake_network.workload_subnets.subnet_group_name)
            for extract in ingestion.jdbc.extracts:
                self.extracts[extract.name] = JdbcExtractJob(
                    self,
                    f"Jdbc-{extract.name}",
                    extract=extract,
                    name_prefix=config.name_prefix,
                    vpc=lake_network.vpc,
                    vpc_cidr=config.network.cidr,
                    subnet=subnet.subnets[0],
                    raw_bucket=raw_bucket,
                    security_configuration=self.security_configuration,
                    log_retention_days=ingestion.jdbc.glue_log_retention_days,
                    s3_prefix_list_id=dms_config.s3_prefix_list_id,
                    **common,
                )


def dms_task_identifiers(config: PlatformConfig) -> list[str]:
    """The identifiers of the DMS replication tasks of the ingestion config (`<prefix>-<source name>`
    for each of `ingestion.dms.sources`), when they replicate through tasks on a replication instance.

    DMS Serverless publishes its metrics per replication config, under a resource id rather than a
    task identifier; its failures and stops reach the topic through the DMS rule.
    """
    dms = config.ingestion.dms
    if not config.ingestion.enabled or dms.capacity != "instance":
        return []
    return [replication_identifier(config.name_prefix, source.name) for source in dms.sources]
