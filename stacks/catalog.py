"""Catalog layer: Glue databases, and per dataset a classifier, a raw crawler, an ETL job and a workflow
(here, or in the dataset's own stack when `catalog.stack_per_dataset` is on: stacks/datasets.py)."""

from __future__ import annotations

import dataclasses

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from config.models.catalog import DatasetSpec
from lake_constructs import lake_formation as lf
from lake_constructs.compliance import acknowledge
from lake_constructs.construct_ids import construct_id
from lake_constructs.curated_dataset import CatalogShared, CuratedDataset
from lake_constructs.curation_job import CurationJob
from lake_constructs.dataset_alarms import watch_datasets
from lake_constructs.dataset_classifier import DatasetClassifier
from lake_constructs.dataset_crawler import DatasetCrawler
from lake_constructs.dataset_workflow import DatasetWorkflow
from lake_constructs.etl_job_code import EtlJobCode
from lake_constructs.glue_security_configuration import GlueSecurityConfiguration
from lake_constructs.watch import Watch

from .layers import LayerRow
from .storage import StorageStack

ZONES = ("raw", "curated")


class CatalogStack(Stack):
    """Always deployed. Attributes:

    - `raw_database`, `curated_database` (glue.Database), `databases` by zone;
    - `security_configuration` (GlueSecurityConfiguration; its `.security_configuration` is the
      glue.SecurityConfiguration), `job_code` (EtlJobCode);
    - `shared` (CatalogShared): what every dataset's resources are built from;
    - by dataset name: `classifiers` (DatasetClassifier), `crawlers` (DatasetCrawler: `.crawler`,
      `.role`, `.table_name`), `jobs` (CurationJob: `.job`, `.role`, `.arguments`), `workflows`
      (DatasetWorkflow), and the roles alone in `crawler_roles` and `job_roles`, wherever the
      dataset's resources are (`add_dataset` fills them).
    """

    row = LayerRow(
        position=30,
        layer="catalog",
        holds="Glue databases, security configuration; per dataset a classifier, crawler, ETL job, workflow",
        switch="always on",
        docs="[catalog](docs/catalog.md), [ETL](docs/etl.md)",
    )
    stateful_types = frozenset({"AWS::Glue::Database"})
    stateless_types = frozenset(
        {
            *("AWS::Events::Rule", "AWS::Glue::Classifier", "AWS::Glue::Crawler", "AWS::Glue::Job"),
            *("AWS::Glue::SecurityConfiguration", "AWS::Glue::Trigger", "AWS::Glue::Workflow"),
            *("AWS::LakeFormation::PrincipalPermissions", "AWS::LakeFormation::TagAssociation"),
        }
    )

    @staticmethod
    def watch(watch: Watch) -> None:
        """Failed runs of the platform's Glue jobs and crawlers (all named '<prefix>-...'), each
        dataset's alarms, and the ETL runs and rows by dataset."""
        platform_names = events.Match.prefix(f"{watch.prefix}-")
        watch.on_failure(
            "GlueJobFailed",
            "glue-job-failed",
            description="A Glue ETL job run of the platform failed, timed out or ended in error",
            source="aws.glue",
            detail_types=["Glue Job State Change"],
            detail={"jobName": platform_names, "state": ["FAILED", "TIMEOUT", "ERROR"]},
            message="Glue job {job} ended {state} (run {run}) in {account}/{region}: {reason}",
            fields={
                "job": "$.detail.jobName",
                "state": "$.detail.state",
                "run": "$.detail.jobRunId",
                "reason": "$.detail.message",
            },
        )
        watch.on_failure(
            "GlueCrawlerFailed",
            "glue-crawler-failed",
            description="A Glue crawler of the platform failed",
            source="aws.glue",
            detail_types=["Glue Crawler State Change"],
            detail={"crawlerName": platform_names, "state": ["Failed"]},
            message="Glue crawler {crawler} failed in {account}/{region}: {reason}",
            fields={
                "crawler": "$.detail.crawlerName",
                "reason": "$.detail.errorMessage",
            },
        )
        watch_datasets(watch)

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        prefix = config.name_prefix
        key = storage.key
        removal_policy = storage.removal_policy
        # The lake's buckets by name, not by cross-stack reference: the name is derived from the
        # config exactly as the storage stack names them, and IAM resources built from a name can be
        # checked (and their findings acknowledged) one prefix at a time.
        buckets = {
            zone: s3.Bucket.from_bucket_name(self, f"{zone.capitalize()}Bucket", storage.bucket_name(config, zone))
            for zone in ("raw", "curated", "artifacts")
        }

        self.databases = {
            zone: glue.Database(
                self,
                f"{zone.capitalize()}Database",
                database_name=config.database_name(zone),
                description=f"The {zone} zone of the {prefix} lake",
                location_uri=buckets[zone].s3_url_for_object(),
                removal_policy=removal_policy,
            )
            for zone in ZONES
        }
        self.raw_database = self.databases["raw"]
        self.curated_database = self.databases["curated"]
        governance = config.governance
        self.database_tags: dict[str, object] = {}
        if governance.governed:
            for zone, database in self.databases.items():
                # Every table inherits the database's tags: the zone, and a classification its own
                # table-level value overrides (lake_formation.py).
                association = lf.tag_database(
                    self,
                    f"{zone.capitalize()}DatabaseTags",
                    database_name=database.database_name,
                    tags={lf.ZONE: zone, lf.CLASSIFICATION: governance.default_classification},
                )
                association.node.add_dependency(database)
                self.database_tags[zone] = association
        if governance.enforced:
            # Tables created from now on get no IAMAllowedPrincipals grant (Glue DatabaseInput
            # CreateTableDefaultPermissions, empty): Lake Formation alone decides who reads them.
            for database in self.databases.values():
                database.node.default_child.add_property_override("DatabaseInput.CreateTableDefaultPermissions", [])

        self.security_configuration_name = f"{prefix}-glue"
        self.security_configuration = GlueSecurityConfiguration(
            self, "SecurityConfiguration", name=self.security_configuration_name, key=key, removal_policy=removal_policy
        )
        self.job_code = EtlJobCode(self, "JobCode")

        self.shared = CatalogShared(
            buckets=buckets,
            raw_database=self.raw_database,
            curated_database=self.curated_database,
            security_configuration=self.security_configuration,
            job_code=self.job_code,
            key=key,
            environment=config.environment,
            log_retention_days=config.catalog.etl.log_retention_days,
            removal_policy=removal_policy,
            maintenance=config.catalog.etl.maintenance,
            governance=governance,
        )
        self.config = config
        self.classifiers: dict[str, DatasetClassifier] = {}
        self.crawlers: dict[str, DatasetCrawler] = {}
        self.jobs: dict[str, CurationJob] = {}
        self.workflows: dict[str, DatasetWorkflow] = {}
        self.crawler_roles: dict[str, iam.IRole] = {}
        self.job_roles: dict[str, iam.IRole] = {}
        if not config.catalog.stack_per_dataset:
            for dataset in config.catalog.datasets:
                self.add_dataset(self, dataset)

    def add_dataset(self, scope: Construct, dataset: DatasetSpec) -> CuratedDataset:
        """The dataset's classifier, crawler, job and workflow, in `scope`: this stack, or a dataset
        stack (stacks/datasets.py), where the lake's buckets are imported by name again."""
        shared = self.shared
        stack = Stack.of(scope)
        if stack is not self:
            shared = dataclasses.replace(
                shared,
                buckets={
                    zone: s3.Bucket.from_bucket_name(
                        stack, f"{zone.capitalize()}Bucket", self.config.bucket_name(zone, stack.account, stack.region)
                    )
                    for zone in shared.buckets
                },
            )
        curated = CuratedDataset(
            scope,
            construct_id(dataset.name) if stack is self else "Catalog",
            prefix=self.config.name_prefix,
            dataset=dataset,
            settings=self.config.catalog.job_settings(dataset.name),
            shared=shared,
        )
        if stack is not self:
            for resource, rules in (
                (curated.crawler.crawler, ["AwsSolutions-GL1"]),
                (curated.job.job, ["AwsSolutions-GL1", "AwsSolutions-GL3"]),
            ):
                acknowledge(
                    resource,
                    f"Runs with the platform's Glue security configuration {self.security_configuration_name} (S3 "
                    "SSE-KMS, CloudWatch logs SSE-KMS, job bookmarks CSE-KMS, see GlueSecurityConfiguration), "
                    "which the catalog stack defines and this dataset stack receives as a parameter: the rule "
                    "looks for the configuration in the resource's own stack only",
                    *rules,
                )
        self.classifiers[dataset.name] = curated.classifier
        self.crawlers[dataset.name] = curated.crawler
        self.jobs[dataset.name] = curated.job
        self.workflows[dataset.name] = curated.workflow
        self.crawler_roles[dataset.name] = curated.crawler.role
        self.job_roles[dataset.name] = curated.job.role
        return curated
