"""The crawler that keeps a dataset's raw table in the catalog in step with the files that land."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.models.catalog import DatasetSpec

from . import grants
from . import lake_formation as lf
from .encrypted_log_group import EncryptedLogGroup
from .glue_security_configuration import GlueSecurityConfiguration
from .lake_role import LakeRole

# Files that writers leave beside data and that are not records.
EXCLUSIONS = ["**/_SUCCESS", "**/_temporary/**", "**.crc", "**/.*"]


class DatasetCrawler(Construct):
    """A crawler named `name` over `s3://<raw bucket>/<dataset.raw_location>`, writing the table
    `dataset.raw_table` in `database`, with the dataset's `classifier` tried first.

    Decisions:
    - No schedule of its own: the dataset's workflow starts it (on the dataset's schedule or on
      demand), because only a crawl inside the workflow run can trigger the ETL job.
    - Recrawl everything: files may land in folders that were crawled before (a flat prefix), which
      an incremental crawl (CRAWL_NEW_FOLDERS_ONLY) skips; and an incremental crawl cannot follow a
      schema change. A crawl covers one dataset's prefix, so it stays small.
    - Schema changes: new columns are merged into the table (UPDATE_IN_DATABASE with
      MergeNewColumns), so existing columns keep their types and queries keep working; a table whose
      files are gone is only logged, never deleted or deprecated (DeleteBehavior LOG).
    - One table per dataset: the table sits at the level of the raw prefix, so sub-folders
      (e.g. `ingest_date=.../`) become partitions, with the table's schema (InheritFromTable).
    - Runs with the platform's security configuration; logs to its own encrypted log group with the
      configured retention, created ahead under the name Glue derives from the role and the
      security configuration.
    - IAM (`role`, a LakeRole): list and read the raw prefix only; decrypt with the key (and encrypt,
      when `catalog_encrypted`); read and write only its raw table and its partition index (and read the
      database); write only its log group.
    - Lake Formation (with `lake_formation`): CREATE_TABLE on the raw zone's database and access to
      the raw location (`grants`); the raw table it creates is its own (implicit permissions).

    Attributes: `crawler` (CfnCrawler), `crawler_name`, `role`, `log_group`, `raw_path`,
    `database_name`, `table_name`, `grants` (Lake Formation grants; empty without `lake_formation`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        dataset: DatasetSpec,
        raw_bucket: s3.IBucket,
        database: glue.Database,
        classifier_name: str,
        security_configuration: GlueSecurityConfiguration,
        key: kms.IKey,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
        lake_formation: lf.LakeFormationAccess | None = None,
        catalog_encrypted: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.crawler_name = name
        self.database_name = database.database_name
        self.table_name = dataset.raw_table
        self.raw_path = raw_bucket.s3_url_for_object(dataset.raw_location)

        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"Crawler {name}: reads {dataset.raw_location} of the raw bucket, writes its raw table",
        )
        self.log_group = EncryptedLogGroup(
            self,
            "Logs",
            key=key,
            retention_days=log_retention_days,
            removal_policy=removal_policy,
            log_group_name=security_configuration.crawler_log_group_name(self.role.role_name),
        ).log_group

        grants.grant_prefixes(
            self.role.policy,
            read=[(raw_bucket, dataset.raw_location)],
            reason=f"Read of the objects under this dataset's raw prefix ({dataset.raw_location}) only",
        )
        # Writing table definitions into a catalog encrypted with the key encrypts them with it.
        self.role.add_to_policy(grants.use_key(key, encrypt=catalog_encrypted))
        tables = grants.catalog_arns(self, self.database_name, [self.table_name])
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[*grants.CATALOG_READ, *grants.CATALOG_WRITE, *grants.PARTITION_INDEX],
                resources=tables,
            )
        )
        self.role.add_to_policy(grants.write_log_groups([self.log_group.log_group_arn]))
        self.grants = (
            []
            if lake_formation is None
            else lf.grant_table_create(
                self,
                "LakeFormation",
                principal_arn=self.role.role_arn,
                zone="raw",
                location_arn=lake_formation.location_arn,
            )
        )

        self.crawler = glue.CfnCrawler(
            self,
            "Crawler",
            name=name,
            description=f"Catalogs the raw files of {dataset.name} as {self.database_name}.{self.table_name}",
            role=self.role.role_arn,
            database_name=self.database_name,
            targets=glue.CfnCrawler.TargetsProperty(
                s3_targets=[glue.CfnCrawler.S3TargetProperty(path=self.raw_path, exclusions=EXCLUSIONS)]
            ),
            classifiers=[classifier_name],
            # By reference, so the crawler is created after the security configuration it names.
            crawler_security_configuration=security_configuration.security_configuration.security_configuration_name,
            schema_change_policy=glue.CfnCrawler.SchemaChangePolicyProperty(
                update_behavior="UPDATE_IN_DATABASE", delete_behavior="LOG"
            ),
            recrawl_policy=glue.CfnCrawler.RecrawlPolicyProperty(recrawl_behavior="CRAWL_EVERYTHING"),
            configuration=json.dumps(
                {
                    "Version": 1.0,
                    "CrawlerOutput": {
                        "Partitions": {"AddOrUpdateBehavior": "InheritFromTable"},
                        "Tables": {"AddOrUpdateBehavior": "MergeNewColumns"},
                    },
                    "Grouping": {
                        "TableGroupingPolicy": "CombineCompatibleSchemas",
                        # Level 1 is the bucket; the table sits at the last folder of the raw prefix.
                        "TableLevelConfiguration": dataset.raw_location.count("/") + 1,
                    },
                },
                sort_keys=True,
            ),
        )
        # The crawler must not start before its role can read the prefix and write its logs.
        self.crawler.node.add_dependency(self.role.policy)
        self.crawler.node.add_dependency(self.log_group, *self.grants)
