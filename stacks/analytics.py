"""Analytics layer: the Athena workgroup over the curated catalog, its saved queries and its users' policy."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.athena_workgroup import AthenaWorkgroup
from lake_constructs.dataset_queries import DatasetQueries

from .storage import StorageStack


class AnalyticsStack(Stack):
    """Attributes: `workgroup` (the AthenaWorkgroup), `queries` (the DatasetQueries)."""

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        database = config.database_name("curated")
        datasets = config.catalog.datasets
        self.workgroup = AthenaWorkgroup(
            self,
            "Workgroup",
            name=f"{config.name_prefix}-analytics",
            # Imported by name (the naming contract): the policy's object wildcards are then plain ARNs.
            results_bucket=s3.Bucket.from_bucket_name(
                self, "ResultsBucket", storage.bucket_name(config, "athena-results")
            ),
            key=storage.key,
            bytes_scanned_cutoff_mb=config.analytics.bytes_scanned_cutoff_mb,
            database=database,
            tables=[dataset.name for dataset in datasets],
            data_bucket=s3.Bucket.from_bucket_name(self, "CuratedBucket", storage.bucket_name(config, "curated")),
            # Curated tables only: the quarantine prefix (_quarantine/) holds rejected rows, not for querying.
            # Where Lake Formation alone decides, Athena reads them with the credentials it vends.
            data_prefixes=[] if config.governance.enforced else [f"{dataset.name}/" for dataset in datasets],
            lake_formation=config.governance.governed,
        )
        self.queries = DatasetQueries(
            self,
            "Queries",
            workgroup=self.workgroup.workgroup,
            database=database,
            datasets=datasets,
            preview_rows=config.analytics.preview_rows,
        )
        CfnOutput(self, "WorkgroupName", value=self.workgroup.name, description="Athena workgroup of the curated lake")
        CfnOutput(
            self,
            "QueryPolicyArn",
            value=self.workgroup.query_policy.managed_policy_arn,
            description="Attach to the roles or groups of the people who query the lake",
        )
