"""The root of an environment's config: everything the platform is built from."""

import difflib
import functools
import re

from pydantic import Field, ValidationInfo, field_validator

from .analytics import AnalyticsConfig
from .base import StrictModel, located_error, run_checks
from .catalog import CatalogConfig
from .governance import GovernanceConfig
from .ingestion import IngestionConfig
from .labeling import LabelingConfig, check_domain_prefix, default_domain_prefix
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
    region: str | None = Field(default=None, description="AWS region, one the CDK knows (e.g. eu-west-1); optional.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags put on every resource.")

    network: NetworkConfig = NetworkConfig()
    storage: StorageConfig = StorageConfig()
    catalog: CatalogConfig = CatalogConfig()
    governance: GovernanceConfig = GovernanceConfig()
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

    @field_validator("project", "environment")
    @classmethod
    def _single_hyphens(cls, value: str, info: ValidationInfo) -> str:
        # The name goes into Redshift cluster and DMS identifiers, which "cannot end with a hyphen or
        # contain two consecutive hyphens" (Redshift CreateCluster ClusterIdentifier, DMS
        # CreateEndpoint EndpointIdentifier constraints).
        if "--" in value:
            raise ValueError(
                f"{info.field_name} goes into Redshift and DMS identifiers, which refuse two consecutive hyphens"
            )
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        if value is not None and value not in known_regions():
            close = difflib.get_close_matches(value, known_regions(), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"not a region the CDK knows{hint} Known: {', '.join(known_regions())}")
        return value

    # Checks across layers are field validators of the later layer, reading the earlier ones from
    # `info.data` (absent if invalid themselves): each layer's problems are reported even when
    # another layer is wrong too.

    @field_validator("storage")
    @classmethod
    def _bucket_names_fit(cls, storage: StorageConfig, info: ValidationInfo) -> StorageConfig:
        if "project" not in info.data or "environment" not in info.data:
            return storage
        prefix = storage.bucket_prefix or f"{info.data['project']}-{info.data['environment']}"
        given = storage.bucket_prefix is not None
        what = "bucket_prefix" if given else "the default bucket prefix (<project>-<environment>)"
        problem = None
        if not re.fullmatch(NAME_PATTERN, prefix) or "--" in prefix or prefix.startswith("xn-"):
            problem = (
                f"{what} {prefix!r} would make an invalid bucket name: use lowercase letters, digits and "
                "single hyphens, starting with a letter and ending with a letter or digit"
            )
        region = info.data.get("region")
        longest = (
            len(f"{prefix}-{LONGEST_ZONE}-") + ACCOUNT_DIGITS + 1 + (LONGEST_REGION if region is None else len(region))
        )
        if problem is None and longest > BUCKET_NAME_MAX:
            problem = (
                f"{what} {prefix!r} is too long: the longest bucket name "
                f"('{prefix}-{LONGEST_ZONE}-<account>-<region>') would have {longest} characters, "
                f"S3 allows {BUCKET_NAME_MAX}; shorten it by {longest - BUCKET_NAME_MAX}"
            )
        if problem is not None:
            raise located_error([(("bucket_prefix",) if given else (), prefix, problem)])
        return storage

    @field_validator("warehouse")
    @classmethod
    def _warehouse_reaches_its_network(cls, warehouse: WarehouseConfig, info: ValidationInfo) -> WarehouseConfig:
        if "network" in info.data:
            warehouse.check_network(info.data["network"])
        return warehouse

    @field_validator("processing")
    @classmethod
    def _processing_fits(cls, processing: ProcessingConfig, info: ValidationInfo) -> ProcessingConfig:
        if "network" in info.data and "catalog" in info.data:
            governance = info.data.get("governance")
            check_processing(
                processing,
                network=info.data["network"],
                datasets=info.data["catalog"].datasets,
                governed=governance is not None and governance.governed,
            )
        return processing

    @field_validator("governance")
    @classmethod
    def _governance_fits(cls, governance: GovernanceConfig, info: ValidationInfo) -> GovernanceConfig:
        if "catalog" in info.data:
            governance.check_datasets(
                {dataset.name: [column.name for column in dataset.columns] for dataset in info.data["catalog"].datasets}
            )
        return governance

    @field_validator("ingestion")
    @classmethod
    def _ingestion_fits(cls, ingestion: IngestionConfig, info: ValidationInfo) -> IngestionConfig:
        if not ingestion.enabled:
            return ingestion
        data = info.data
        run_checks(
            ingestion,
            lambda: ingestion.check_network(data["network"]) if "network" in data else None,
            lambda: ingestion.check_datasets(data["catalog"]) if "catalog" in data else None,
            lambda: ingestion.link_cdc(data["catalog"]) if "catalog" in data else None,
            lambda: (
                ingestion.check_identifiers(f"{data['project']}-{data['environment']}")
                if "project" in data and "environment" in data
                else None
            ),
        )
        return ingestion

    @field_validator("labeling")
    @classmethod
    def _labeling_domain(cls, labeling: LabelingConfig, info: ValidationInfo) -> LabelingConfig:
        if (
            labeling.enabled
            and labeling.domain_prefix is None
            and "project" in info.data
            and "environment" in info.data
        ):
            # The account may be left to the deploy-time environment: checked with a 12-digit id.
            account = info.data.get("account") or "123456789012"
            default = default_domain_prefix(f"{info.data['project']}-{info.data['environment']}", account)
            try:
                check_domain_prefix(default)
            except ValueError as error:
                message = (
                    f"the default (<project>-<environment>-labeling-<account id>) is refused: {error}; "
                    "set domain_prefix"
                )
                raise located_error([(("domain_prefix",), default, message)]) from None
        return labeling

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

    def labeling_domain_prefix(self, account: str) -> str:
        """Cognito hosted-domain prefix of the labeling workforce: `labeling.domain_prefix`, else
        '<prefix>-labeling-<account id>' (checked at load like a given one; `account` may be a token)."""
        if self.labeling.domain_prefix is not None:
            return self.labeling.domain_prefix
        return default_domain_prefix(self.name_prefix, account)

    def database_name(self, zone: str) -> str:
        """Glue database of a zone ('raw', 'curated'): '<project>_<environment>_<zone>'."""
        return f"{self.project}_{self.environment}_{zone}".replace("-", "_")


@functools.cache
def known_regions() -> tuple[str, ...]:
    """The regions the CDK's region table knows (aws_cdk.region_info), imported only when a region is given."""
    from aws_cdk.region_info import RegionInfo

    return tuple(sorted(region.name for region in RegionInfo.regions))
