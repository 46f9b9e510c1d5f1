"""Governance: who may read and write the lake's catalog (IAM alone, or AWS Lake Formation), and the
account's Data Catalog encryption settings.

The default mode is `iam`: what a fresh account needs to work unchanged. A new account's Lake
Formation settings give `IAMAllowedPrincipals` every permission on new databases and tables, so IAM
policies alone decide, and a deployment that changed the account's data lake settings (its
administrators, its registered locations) would touch account-wide state nobody asked it to.
`hybrid` and `lake_formation` are for accounts that govern with Lake Formation (docs/governance.md).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import StrictModel, require_unique

GovernanceMode = Literal["iam", "lake_formation", "hybrid"]
# An IAM role or user of any account and partition: Lake Formation principals are IAM ARNs.
PRINCIPAL_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[A-Za-z0-9_+=,.@/-]+$"
# LF-tag keys and values: 1-128 and 1-256 characters of the Lake Formation pattern (letters, digits,
# spaces and _ . : / = + - @ %); the platform's own keys are reserved.
TAG_KEY = r"^[A-Za-z0-9_.:/=+\-@%]{1,128}$"
TAG_VALUE = r"^[A-Za-z0-9_.:/=+\-@% ]{1,256}$"
RESERVED_TAG_KEYS = ("zone", "dataset", "classification")
# A data cells filter's row filter is a SQL condition over the table's columns.
ROW_FILTER_MAX = 2048


class DataFilter(StrictModel):
    """A row and column filter of one curated table for one consumer (a Lake Formation data cells filter).

    The consumer is granted SELECT on the filter instead of the whole table: it sees only the rows
    matching `row_filter` and only the listed columns (or every column but `excluded_columns`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=255, description="Filter name, unique per table.")
    dataset: str = Field(description="The dataset whose curated table is filtered.")
    row_filter: str | None = Field(
        default=None,
        max_length=ROW_FILTER_MAX,
        description="A row filter expression, e.g. \"country = 'DE'\"; default: every row.",
    )
    columns: list[str] | None = Field(default=None, description="The only columns visible; default: all.")
    excluded_columns: list[str] | None = Field(
        default=None, description="Columns hidden (every other column visible); not with `columns`."
    )

    @model_validator(mode="after")
    def _one_column_rule(self) -> DataFilter:
        if self.columns is not None and self.excluded_columns is not None:
            raise ValueError("give either columns or excluded_columns, not both")
        return self


class Consumer(StrictModel):
    """A principal outside the platform that reads the curated zone: an analyst role, a SageMaker
    execution role. It gets DESCRIBE and SELECT by LF-tag on the curated zone, or only its data filters."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64, description="A name for the grants.")
    principal_arn: str = Field(pattern=PRINCIPAL_ARN, description="ARN of the IAM role or user.")
    classifications: list[str] | None = Field(
        default=None,
        description="Read only curated tables of these classifications; default: every classification.",
    )
    data_filters: list[DataFilter] = Field(
        default_factory=list,
        description="Row and column filters; the consumer reads the filtered tables only through them.",
    )


class CatalogEncryption(StrictModel):
    """The account's Data Catalog encryption settings (one per account and region)."""

    managed: bool = Field(
        default=False,
        description="The platform owns the account's Data Catalog settings: metadata is encrypted with "
        "the platform key and connection passwords are encrypted. Account-wide: turn on in one "
        "deployment per account and region only.",
    )


class GovernanceConfig(StrictModel):
    """How access to the catalog is governed, and the account-wide catalog settings."""

    mode: GovernanceMode = Field(
        default="iam",
        description="iam: IAM policies alone (a fresh account's default). hybrid: Lake Formation grants "
        "as well, locations in hybrid access mode, so IAM-only users keep working while principals are "
        "opted in. lake_formation: Lake Formation enforces; IAM policies keep only what it does not cover.",
    )
    admins: list[str] = Field(
        default_factory=list,
        description="Data lake administrators besides the deployment roles (added, never replacing others).",
    )
    bootstrap_qualifier: str = Field(
        default="hnb659fds",
        pattern=r"^[a-z0-9]{1,10}$",
        description="Qualifier of the CDK bootstrap stack: its deploy and CloudFormation execution roles "
        "become data lake administrators, so deployments (by hand or by the pipeline) keep working.",
    )
    revoke_iam_allowed_principals: bool = Field(
        default=False,
        description="lake_formation only: new tables of the platform's databases get no IAMAllowedPrincipals "
        "grant and the databases' grant is revoked, so Lake Formation alone decides.",
    )
    default_classification: str = Field(
        default="internal", pattern=TAG_VALUE, description="Classification of a dataset not listed below."
    )
    classifications: dict[str, str] = Field(
        default_factory=dict, description="Classification (LF-tag value) by dataset name."
    )
    lf_tags: dict[str, list[str]] = Field(
        default_factory=dict,
        description="More LF-tags (key: allowed values) to create beside zone, dataset and classification.",
    )
    consumers: list[Consumer] = Field(default_factory=list, description="Readers of the curated zone.")
    catalog_encryption: CatalogEncryption = CatalogEncryption()

    @field_validator("admins")
    @classmethod
    def _admin_arns(cls, value: list[str]) -> list[str]:
        bad = [arn for arn in value if not re.fullmatch(PRINCIPAL_ARN, arn)]
        if bad:
            raise ValueError(f"not an IAM role or user ARN: {', '.join(bad)}")
        require_unique(value)
        return value

    @field_validator("lf_tags")
    @classmethod
    def _tags(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in value.items():
            if key in RESERVED_TAG_KEYS:
                raise ValueError(f"LF-tag key {key!r} is the platform's own ({', '.join(RESERVED_TAG_KEYS)})")
            if not re.fullmatch(TAG_KEY, key):
                raise ValueError(f"LF-tag key {key!r} must match {TAG_KEY}")
            if not values or any(not re.fullmatch(TAG_VALUE, v) for v in values):
                raise ValueError(f"LF-tag {key!r} needs 1 or more values matching {TAG_VALUE}")
            require_unique(values)
        return value

    @field_validator("consumers")
    @classmethod
    def _unique_consumers(cls, value: list[Consumer]) -> list[Consumer]:
        require_unique([c.name for c in value], "consumer names")
        require_unique([c.principal_arn for c in value], "consumer principal ARNs")
        return value

    @model_validator(mode="after")
    def _revoke_needs_lake_formation(self) -> GovernanceConfig:
        if self.revoke_iam_allowed_principals and self.mode != "lake_formation":
            raise ValueError(
                f"revoke_iam_allowed_principals needs mode lake_formation (mode is {self.mode}): "
                "revoking it in iam or hybrid mode would cut off every IAM-only user"
            )
        return self

    @model_validator(mode="after")
    def _known_classifications(self) -> GovernanceConfig:
        known = {self.default_classification, *self.classifications.values()}
        for consumer in self.consumers:
            unknown = sorted(set(consumer.classifications or []) - known)
            if unknown:
                raise ValueError(
                    f"consumers[{consumer.name}].classifications: no dataset is classified {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
        return self

    @property
    def governed(self) -> bool:
        """Lake Formation permissions are granted (hybrid or lake_formation)."""
        return self.mode != "iam"

    @property
    def enforced(self) -> bool:
        """Lake Formation alone decides for the platform's tables: their data is read through
        credentials it vends, so consumers' IAM policies need no S3 read of the curated zone."""
        return self.mode == "lake_formation" and self.revoke_iam_allowed_principals

    def classification(self, dataset: str) -> str:
        return self.classifications.get(dataset, self.default_classification)

    def check_datasets(self, datasets: dict[str, list[str]]) -> None:
        """Every dataset named here exists; every filter's columns are columns of its dataset.
        `datasets` maps each dataset name to its curated column names."""
        unknown = sorted(set(self.classifications) - set(datasets))
        if unknown:
            raise ValueError(f"governance.classifications names unknown datasets: {', '.join(unknown)}")
        require_unique(
            [f"{f.dataset}.{f.name}" for consumer in self.consumers for f in consumer.data_filters],
            "data filter names per dataset",
        )
        for consumer in self.consumers:
            for data_filter in consumer.data_filters:
                where = f"governance.consumers[{consumer.name}].data_filters[{data_filter.name}]"
                if data_filter.dataset not in datasets:
                    raise ValueError(f"{where}: no dataset {data_filter.dataset!r}")
                columns = [*(data_filter.columns or []), *(data_filter.excluded_columns or [])]
                missing = [c for c in columns if c not in datasets[data_filter.dataset]]
                if missing:
                    raise ValueError(f"{where}: {data_filter.dataset} has no column {', '.join(missing)}")
