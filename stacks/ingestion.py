"""Ingestion layer: DMS replication of relational sources, and scheduled JDBC extracts, into the raw zone."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.dms_replication import DmsCapacity, DmsReplication
from lake_constructs.jdbc_extract import JdbcExtractJob

from .network import NetworkStack
from .storage import StorageStack


class IngestionStack(Stack):
    """Attributes: `capacity` (None without
    DMS sources), `replications` and `extracts` by source/extract name, `security_configuration`
    (None without extracts)."""

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
