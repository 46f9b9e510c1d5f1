"""Analytics layer: the Athena workgroup over the curated catalog, its saved queries and its users' policy."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.athena_workgroup import AthenaWorkgroup, workgroup_search
from lake_constructs.dataset_queries import DatasetQueries
from lake_constructs.grants import CURATED_SERVICE_FOLDERS
from lake_constructs.watch import Watch

from .layers import LayerRow
from .storage import StorageStack


def workgroup_name(config: PlatformConfig) -> str:
    """The Athena workgroup, '<prefix>-analytics' (the dataset stacks' saved queries and the graph name it)."""
    return f"{config.name_prefix}-analytics"


class AnalyticsStack(Stack):
    """Attributes: `workgroup` (the AthenaWorkgroup), `queries` (the DatasetQueries; None with a stack
    per dataset, where each dataset's stack holds its own)."""

    row = LayerRow(
        position=60,
        layer="analytics",
        holds="Athena workgroup (engine 3, enforced), saved queries, a query-only user policy",
        switch="`analytics.enabled`",
        docs="[analytics](docs/analytics.md)",
    )
    stateless_types = frozenset({"AWS::Athena::NamedQuery", "AWS::Athena::WorkGroup"})

    @staticmethod
    def watch(watch: Watch) -> None:
        """The workgroup's queries and the bytes they scan."""
        workgroup = workgroup_name(watch.config)
        watch.add_graph(
            f"Athena queries ({workgroup})",
            left=[workgroup_search(workgroup, "TotalExecutionTime", "SampleCount", "queries")],
            right=[workgroup_search(workgroup, "ProcessedBytes", "Sum", "bytes scanned")],
        )

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        database = config.database_name("curated")
        datasets = config.catalog.datasets
        self.workgroup = AthenaWorkgroup(
            self,
            "Workgroup",
            name=workgroup_name(config),
            # Imported by name (the naming contract): the policy's object wildcards are then plain ARNs.
            results_bucket=s3.Bucket.from_bucket_name(
                self, "ResultsBucket", storage.bucket_name(config, "athena-results")
            ),
            key=storage.key,
            bytes_scanned_cutoff_mb=config.analytics.bytes_scanned_cutoff_mb,
            database=database,
            data_bucket=(
                s3.Bucket.from_bucket_name(self, "CuratedBucket", storage.bucket_name(config, "curated"))
                if datasets
                else None
            ),
            # Curated tables only: the quarantine (_quarantine/) holds rejected rows, not for querying.
            hidden_prefix=CURATED_SERVICE_FOLDERS,
            # Where Lake Formation alone decides, Athena reads the tables with the credentials it vends.
            lake_formation=config.governance.governed,
            direct_reads=not config.governance.enforced,
        )
        # With a stack per dataset, each dataset's saved queries are in its own stack (stacks/datasets.py).
        self.queries = (
            None
            if config.catalog.stack_per_dataset
            else DatasetQueries(
                self,
                "Queries",
                workgroup=self.workgroup.workgroup,
                database=database,
                datasets=datasets,
                preview_rows=config.analytics.preview_rows,
            )
        )
        CfnOutput(self, "WorkgroupName", value=self.workgroup.name, description="Athena workgroup of the curated lake")
        CfnOutput(
            self,
            "QueryPolicyArn",
            value=self.workgroup.query_policy.managed_policy_arn,
            description="Attach to the roles or groups of the people who query the lake",
        )
