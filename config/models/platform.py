"""The root of an environment's config: everything the platform is built from."""

import re

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .analytics import AnalyticsConfig
from .base import StrictModel
from .catalog import CatalogConfig
from .ingestion import IngestionConfig
from .labeling import LabelingConfig
from .monitoring import MonitoringConfig
from .network import NetworkConfig
from .pipeline import PipelineConfig
from .processing import ProcessingConfig, check_processing
from .storage import StorageConfig
from .warehouse import WarehouseConfig

NAME_PATTERN = r"^[a-z][a-z0-9-]*[a-z0-9]$"
BUCKET_NAME_MAX = 63
# Bucket names end in -<zone>-<account>-<region>; the longest zone and region set the budget.
LONGEST_ZONE = "athena-results"
LONGEST_REGION = 14  # e.g. ap-southeast-2
ACCOUNT_DIGITS = 12


class PlatformConfig(StrictModel):
    """One environment of the platform. Every layer but storage and catalog can be switched off."""

    project: str = Field(
        min_length=2, max_length=24, pattern=NAME_PATTERN, description="Prefix of every resource name."
    )
    environment: str = Field(
        min_length=2, max_length=16, pattern=NAME_PATTERN, description="Environment name: dev, prod, ..."
    )
    ephemeral: bool = Field(
        default=False,
        description="True lets stateful resources (buckets, keys, databases) be destroyed with the stack.",
    )
    account: str | None = Field(default=None, pattern=r"^\d{12}$", description="AWS account id; optional.")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="AWS region; optional.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags put on every resource.")

    network: NetworkConfig = NetworkConfig()
    storage: StorageConfig = StorageConfig()
    catalog: CatalogConfig = CatalogConfig()
    analytics: AnalyticsConfig = AnalyticsConfig()
    warehouse: WarehouseConfig = WarehouseConfig()
    processing: ProcessingConfig = ProcessingConfig()
    ingestion: IngestionConfig = IngestionConfig()
    labeling: LabelingConfig = LabelingConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    pipeline: PipelineConfig = PipelineConfig()

    @field_validator("tags")
    @classmethod
    def _valid_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} must be 1 to 128 characters and not start with 'aws:'")
            if len(value) > 256:
                raise ValueError(f"tag {key!r} has a value longer than 256 characters")
        return tags

    @model_validator(mode="after")
    def _bucket_names_fit(self) -> "PlatformConfig":
        prefix = self.bucket_prefix
        if not re.fullmatch(NAME_PATTERN, prefix) or "--" in prefix or prefix.startswith("xn-"):
            raise ValueError(
                f"storage.bucket_prefix {prefix!r} would make an invalid bucket name: use lowercase "
                "letters, digits and single hyphens, starting with a letter and ending with a letter or digit"
            )
        longest = (
            len(f"{prefix}-{LONGEST_ZONE}-")
            + ACCOUNT_DIGITS
            + 1
            + (LONGEST_REGION if self.region is None else len(self.region))
        )
        if longest > BUCKET_NAME_MAX:
            raise ValueError(
                f"storage.bucket_prefix {prefix!r} is too long: the longest bucket name "
                f"('{prefix}-{LONGEST_ZONE}-<account>-<region>') would have {longest} characters, "
                f"S3 allows {BUCKET_NAME_MAX}; shorten it by {longest - BUCKET_NAME_MAX}"
            )
        return self

    @field_validator("warehouse")
    @classmethod
    def _warehouse_reaches_its_network(cls, warehouse: WarehouseConfig, info: ValidationInfo) -> WarehouseConfig:
        # `network` is declared first, so it is validated by now (absent if it was invalid itself).
        if "network" in info.data:
            warehouse.check_network(info.data["network"])
        return warehouse

    @model_validator(mode="after")
    def _processing_fits(self) -> "PlatformConfig":
        check_processing(self.processing, network=self.network, datasets=self.catalog.datasets)
        return self

    @model_validator(mode="after")
    def _ingestion_fits(self) -> "PlatformConfig":
        if self.ingestion.enabled:
            self.ingestion.check_network(self.network)
            self.ingestion.check_datasets(self.catalog)
            self.ingestion.link_cdc(self.catalog)
        return self

    @property
    def bucket_prefix(self) -> str:
        if self.storage.bucket_prefix is not None:
            return self.storage.bucket_prefix
        return f"{self.project}-{self.environment}"

    def bucket_name(self, zone: str, account: str, region: str) -> str:
        """The bucket of `zone` ('raw', 'curated', 'access-logs', ...): '<bucket prefix>-<zone>-<account>-<region>',
        unique worldwide and readable in the console. The storage stack creates the buckets by this
        rule; the other stacks and the tools find them by it (account and region may be CDK tokens)."""
        return f"{self.bucket_prefix}-{zone}-{account}-{region}"

    @property
    def name_prefix(self) -> str:
        """Prefix of resource names that are not buckets: '<project>-<environment>'."""
        return f"{self.project}-{self.environment}"

    def database_name(self, zone: str) -> str:
        """Glue database of a zone ('raw', 'curated'): '<project>_<environment>_<zone>'."""
        return f"{self.project}_{self.environment}_{zone}".replace("-", "_")
