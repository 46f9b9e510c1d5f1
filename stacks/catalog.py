"""Catalog layer: Glue databases, and per dataset a classifier, a raw crawler, an ETL job and a workflow."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.construct_ids import construct_id
from lake_constructs.curation_job import CurationJob
from lake_constructs.dataset_classifier import DatasetClassifier
from lake_constructs.dataset_crawler import DatasetCrawler
from lake_constructs.dataset_workflow import DatasetWorkflow
from lake_constructs.etl_job_code import EtlJobCode
from lake_constructs.glue_security_configuration import GlueSecurityConfiguration

from .storage import StorageStack

ZONES = ("raw", "curated")


class CatalogStack(Stack):
    """Always deployed. Attributes:

    - `raw_database`, `curated_database` (glue.Database), `databases` by zone;
    - `security_configuration` (GlueSecurityConfiguration; its `.security_configuration` is the
      glue.SecurityConfiguration), `job_code` (EtlJobCode);
    - by dataset name: `classifiers` (DatasetClassifier), `crawlers` (DatasetCrawler: `.crawler`,
      `.role`, `.table_name`), `jobs` (CurationJob: `.job`, `.role`, `.arguments`), `workflows`
      (DatasetWorkflow), and the roles alone in `crawler_roles` and `job_roles`.
    """

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

        self.security_configuration = GlueSecurityConfiguration(
            self, "SecurityConfiguration", name=f"{prefix}-glue", key=key, removal_policy=removal_policy
        )
        self.job_code = EtlJobCode(self, "JobCode")

        self.classifiers: dict[str, DatasetClassifier] = {}
        self.crawlers: dict[str, DatasetCrawler] = {}
        self.jobs: dict[str, CurationJob] = {}
        self.workflows: dict[str, DatasetWorkflow] = {}
        etl = config.catalog.etl
        for dataset in config.catalog.datasets:
            scope = Construct(self, construct_id(dataset.name))
            classifier = DatasetClassifier(scope, "Classifier", name=f"{prefix}-{dataset.name}", dataset=dataset)
            crawler = DatasetCrawler(
                scope,
                "RawCrawler",
                name=f"{prefix}-{dataset.name}-raw",
                dataset=dataset,
                raw_bucket=buckets["raw"],
                database=self.raw_database,
                classifier_name=classifier.classifier_name,
                security_configuration=self.security_configuration,
                key=key,
                log_retention_days=etl.log_retention_days,
                removal_policy=removal_policy,
            )
            crawler.crawler.node.add_dependency(classifier.classifier)
            job = CurationJob(
                scope,
                "EtlJob",
                name=f"{prefix}-{dataset.name}-etl",
                dataset=dataset,
                settings=config.catalog.job_settings(dataset.name),
                code=self.job_code,
                raw_bucket=buckets["raw"],
                curated_bucket=buckets["curated"],
                artifacts_bucket=buckets["artifacts"],
                curated_database=self.curated_database,
                security_configuration=self.security_configuration,
                key=key,
                environment=config.environment,
                log_retention_days=etl.log_retention_days,
                removal_policy=removal_policy,
            )
            workflow = DatasetWorkflow(
                scope,
                "Workflow",
                name=f"{prefix}-{dataset.name}",
                crawler=crawler.crawler,
                job=job.job,
                schedule=dataset.schedule,
                description=f"Curates the new raw files of {dataset.name} and crawls the raw zone",
                on_arrival=dataset.on_arrival,
                raw_bucket_name=buckets["raw"].bucket_name,
                raw_prefix=dataset.raw_location,
            )
            self.classifiers[dataset.name] = classifier
            self.crawlers[dataset.name] = crawler
            self.jobs[dataset.name] = job
            self.workflows[dataset.name] = workflow

        self.crawler_roles = {name: crawler.role for name, crawler in self.crawlers.items()}
        self.job_roles = {name: job.role for name, job in self.jobs.items()}
