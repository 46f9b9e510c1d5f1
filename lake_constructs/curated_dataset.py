"""Everything the catalog layer makes for one dataset: its classifier, raw crawler, ETL job and workflow."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.models.catalog import DatasetSpec, EtlJobSettings, TableMaintenance
from config.models.governance import GovernanceConfig

from . import lake_formation as lf
from .curation_job import CurationJob
from .dataset_classifier import DatasetClassifier
from .dataset_crawler import DatasetCrawler
from .dataset_workflow import DatasetWorkflow
from .etl_job_code import EtlJobCode
from .glue_security_configuration import GlueSecurityConfiguration


@dataclass(frozen=True)
class CatalogShared:
    """What every dataset of the catalog shares: the lake's buckets (`raw`, `curated`, `artifacts`,
    imported by name in the stack that uses them), its databases, key, Glue security configuration,
    job code, and the settings that come from the catalog config."""

    buckets: dict[str, s3.IBucket]
    raw_database: glue.Database
    curated_database: glue.Database
    security_configuration: GlueSecurityConfiguration
    job_code: EtlJobCode
    key: kms.IKey
    environment: str
    log_retention_days: int
    removal_policy: RemovalPolicy
    governance: GovernanceConfig
    maintenance: TableMaintenance | None = None

    def lake_formation(self, zone: str, dataset: str) -> lf.LakeFormationAccess | None:
        """What a dataset's crawler (raw) or job (curated) needs for its Lake Formation grants; None in iam mode."""
        if not self.governance.governed:
            return None
        return lf.LakeFormationAccess(
            location_arn=self.buckets[zone].bucket_arn, classification=self.governance.classification(dataset)
        )


class CuratedDataset(Construct):
    """One dataset's pipeline, named `<prefix>-<dataset>...`: a classifier, a crawler of its raw
    prefix, the ETL job that curates it, and the workflow that runs them when files land.

    The construct ids below it (`Classifier`, `RawCrawler`, `EtlJob`, `Workflow`) make the logical
    ids: keep them, or CloudFormation replaces the dataset's resources.

    Attributes: `classifier` (DatasetClassifier), `crawler` (DatasetCrawler), `job` (CurationJob),
    `workflow` (DatasetWorkflow).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        dataset: DatasetSpec,
        settings: EtlJobSettings,
        shared: CatalogShared,
    ) -> None:
        super().__init__(scope, id)
        self.classifier = DatasetClassifier(self, "Classifier", name=f"{prefix}-{dataset.name}", dataset=dataset)
        self.crawler = DatasetCrawler(
            self,
            "RawCrawler",
            name=f"{prefix}-{dataset.name}-raw",
            dataset=dataset,
            raw_bucket=shared.buckets["raw"],
            database=shared.raw_database,
            classifier_name=self.classifier.classifier_name,
            security_configuration=shared.security_configuration,
            key=shared.key,
            log_retention_days=shared.log_retention_days,
            removal_policy=shared.removal_policy,
            lake_formation=shared.lake_formation("raw", dataset.name),
            catalog_encrypted=shared.governance.catalog_encryption.managed,
        )
        self.crawler.crawler.node.add_dependency(self.classifier.classifier)
        self.job = CurationJob(
            self,
            "EtlJob",
            name=f"{prefix}-{dataset.name}-etl",
            dataset=dataset,
            settings=settings,
            code=shared.job_code,
            raw_bucket=shared.buckets["raw"],
            curated_bucket=shared.buckets["curated"],
            artifacts_bucket=shared.buckets["artifacts"],
            curated_database=shared.curated_database,
            security_configuration=shared.security_configuration,
            key=shared.key,
            environment=shared.environment,
            log_retention_days=shared.log_retention_days,
            removal_policy=shared.removal_policy,
            maintenance=shared.maintenance,
            lake_formation=shared.lake_formation("curated", dataset.name),
        )
        self.workflow = DatasetWorkflow(
            self,
            "Workflow",
            name=f"{prefix}-{dataset.name}",
            crawler=self.crawler.crawler,
            job=self.job.job,
            schedule=dataset.schedule,
            description=f"Curates the new raw files of {dataset.name} and crawls the raw zone",
            on_arrival=dataset.on_arrival,
            raw_bucket_name=shared.buckets["raw"].bucket_name,
            raw_prefix=dataset.raw_location,
        )
