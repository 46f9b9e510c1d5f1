"""Dataset stacks: each dataset's resources in a nested stack of its own, when the catalog config asks for it
(`catalog.stack_per_dataset`).

Why one nested stack per dataset: CloudFormation refuses a stack of more than 500 resources, and a
dataset brings about 20 (roles, policies, log groups, classifier, crawler, job, workflow and its
triggers, saved queries, alarms). A stack per dataset stays far below the limit whatever the number
of datasets, while the parent stack holds one resource per dataset.

Why the assignment is stable: a dataset's nested stack is named after the dataset alone (its
construct id is derived from the dataset name, never from its position or from the other datasets),
so adding or removing a dataset adds or removes that one nested stack and changes no other
dataset's template, logical ids or parent resource.
"""

from __future__ import annotations

from aws_cdk import Arn, ArnFormat, NestedStack, Stack
from aws_cdk import aws_sns as sns
from constructs import Construct

from config import PlatformConfig
from config.models.catalog import DatasetSpec
from lake_constructs.construct_ids import construct_id
from lake_constructs.dataset_alarms import add_dataset_alarms
from lake_constructs.dataset_queries import DatasetQueries

from .analytics import workgroup_name
from .catalog import CatalogStack
from .layers import LayerRow
from .monitoring import topic_name


class DatasetStack(NestedStack):
    """One dataset: its `CuratedDataset` (`dataset`), its saved Athena queries (`queries`, None
    without the analytics layer) and its alarms (`alarms` by name, empty without monitoring).

    The workgroup and the alarm topic are named by the naming contract, not referenced: the parent
    stack deploys after the analytics and monitoring stacks.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: PlatformConfig, dataset: DatasetSpec, catalog: CatalogStack
    ) -> None:
        super().__init__(scope, id, description=f"{config.project} {config.environment}: dataset {dataset.name}")
        prefix = config.name_prefix
        self.dataset = catalog.add_dataset(self, dataset)
        self.queries = (
            DatasetQueries(
                self,
                "Queries",
                workgroup=workgroup_name(config),
                database=config.database_name("curated"),
                datasets=[dataset],
                preview_rows=config.analytics.preview_rows,
            )
            if config.analytics.enabled
            else None
        )
        self.alarms = {}
        if config.monitoring.enabled:
            topic_arn = Arn.format(
                {"service": "sns", "resource": topic_name(config), "arn_format": ArnFormat.NO_RESOURCE_NAME},
                Stack.of(self),
            )
            self.alarms = add_dataset_alarms(
                self,
                prefix=prefix,
                environment=config.environment,
                dataset=dataset,
                monitoring=config.monitoring,
                topic=sns.Topic.from_topic_arn(self, "AlarmTopic", topic_arn),
            )


class DatasetsStack(Stack):
    """The parent of one `DatasetStack` per dataset (`datasets`, by dataset name)."""

    row = LayerRow(
        position=50,
        layer="datasets",
        holds="one nested stack per dataset: its crawler, job, workflow, saved queries, alarms",
        switch="`catalog.stack_per_dataset`",
        docs="[scaling](docs/scaling.md)",
    )
    # The parent holds the nested stacks; each nested stack holds what the catalog, analytics and
    # monitoring layers make per dataset (its templates are checked against these in test_datasets.py).
    stateful_types = CatalogStack.stateful_types
    stateless_types = frozenset(
        {
            "AWS::CloudFormation::Stack",
            "AWS::Athena::NamedQuery",
            "AWS::CloudWatch::Alarm",
            *CatalogStack.stateless_types,
        }
    )

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, catalog: CatalogStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.datasets = {
            dataset.name: DatasetStack(
                self, construct_id(dataset.name), config=config, dataset=dataset, catalog=catalog
            )
            for dataset in config.catalog.datasets
        }
