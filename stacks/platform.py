"""The whole platform for one environment: one stack per layer, wired from one config."""

from __future__ import annotations

from aws_cdk import Environment, Tags
from constructs import Construct

from config import PlatformConfig

from .analytics import AnalyticsStack
from .catalog import CatalogStack
from .datasets import DatasetsStack
from .dms_roles import DmsRolesStack
from .governance import GovernanceStack
from .ingestion import IngestionStack
from .labeling import LabelingStack
from .monitoring import MonitoringStack
from .network import NetworkStack
from .processing import ProcessingStack
from .storage import StorageStack
from .warehouse import WarehouseStack


class DataPlatform(Construct):
    """Every enabled layer of `config`, as stacks named `<project>-<environment>-<layer>`.

    A construct rather than a Stage, so that the stacks stay in the app's top-level assembly
    (`cdk deploy --all` selects them); the deployment pipeline wraps it in a Stage of its own.

    Attributes: one per layer (`storage`, `network`, ...); None where the layer is switched off;
    `datasets` (the DatasetsStack, a nested stack per dataset) with `catalog.stack_per_dataset`.
    `stacks` lists the stacks that exist.
    """

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig) -> None:
        super().__init__(scope, id)
        self.config = config
        env = Environment(account=config.account, region=config.region)
        self.stacks = []

        def stack(cls, layer: str, **props):
            created = cls(
                self,
                layer,
                config=config,
                env=env,
                stack_name=f"{config.name_prefix}-{layer}",
                description=f"{config.project} {config.environment}: {layer} layer of the ML data lake",
                **props,
            )
            self.stacks.append(created)
            return created

        self.storage = stack(StorageStack, "storage")
        self.network = (
            stack(NetworkStack, "network", key=self.storage.key, removal_policy=self.storage.removal_policy)
            if config.network.enabled
            else None
        )
        governance = config.governance
        # Before the catalog: its databases and grants need the deployment roles to be data lake
        # administrators and the LF-tags to exist.
        self.governance = (
            stack(GovernanceStack, "governance", storage=self.storage)
            if governance.governed or governance.catalog_encryption.managed
            else None
        )
        self.catalog = stack(CatalogStack, "catalog", storage=self.storage)
        if self.governance is not None:
            self.catalog.add_dependency(self.governance)
        self.analytics = stack(AnalyticsStack, "analytics", storage=self.storage) if config.analytics.enabled else None
        self.warehouse = (
            stack(WarehouseStack, "warehouse", storage=self.storage, network=self.network)
            if config.warehouse.enabled
            else None
        )
        self.processing = (
            stack(ProcessingStack, "processing", storage=self.storage, network=self.network)
            if config.processing.enabled
            else None
        )
        # Consumers of the curated catalog name its databases and tables (saved queries, Spectrum's
        # external schema, EMR's metastore): they deploy once the catalog stack has.
        for consumer in (self.analytics, self.warehouse, self.processing):
            if consumer is not None:
                consumer.add_dependency(self.catalog)
        self.ingestion = (
            stack(IngestionStack, "ingestion", network=self.network, storage=self.storage)
            if config.ingestion.enabled
            else None
        )
        # DMS's fixed-name account roles: deployed (and propagated in IAM) before ingestion needs them.
        self.dms_roles = None
        if self.ingestion is not None and config.ingestion.dms.owns_account_roles:
            self.dms_roles = stack(DmsRolesStack, "dms-roles")
            self.ingestion.add_dependency(self.dms_roles)
        self.labeling = stack(LabelingStack, "labeling", storage=self.storage) if config.labeling.enabled else None
        # Each enabled layer adds what it watches (its stack class's `watch`), by name only (the naming
        # contract): the monitoring stack references none of the other stacks.
        self.monitoring = (
            stack(
                MonitoringStack,
                "monitoring",
                layers=[type(layer) for layer in self.stacks],
                removal_policy=self.storage.removal_policy,
            )
            if config.monitoring.enabled
            else None
        )
        # Last: each dataset's stack names the workgroup its saved queries go in and the topic its
        # alarms notify, so it deploys after the analytics and monitoring stacks.
        self.datasets = None
        if config.catalog.stack_per_dataset:
            self.datasets = stack(DatasetsStack, "datasets", catalog=self.catalog)
            for layer in (self.analytics, self.monitoring):
                if layer is not None:
                    self.datasets.add_dependency(layer)

        for key, value in config.tags.items():
            Tags.of(self).add(key, value)
        Tags.of(self).add("project", config.project)
        Tags.of(self).add("environment", config.environment)
