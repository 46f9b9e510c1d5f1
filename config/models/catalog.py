"""Catalog layer: Glue databases, and the datasets the platform crawls and curates.

A dataset is declared once; its raw prefix, classifier, crawler, ETL job, curated table, quality
checks, ML-readiness profile and alarms are all derived from the declaration.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .base import LogRetentionDays, StrictModel, require_unique
from .cron import GlueCron
from .java_regex import check_pattern

SNAKE_CASE = r"^[a-z][a-z0-9_]*$"
DECIMAL_TYPE = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")
SIMPLE_TYPES = ("string", "int", "bigint", "double", "boolean", "date", "timestamp")
NUMERIC_TYPES = ("int", "bigint", "double")
# Delimiters the Glue CSV classifier accepts, as the course's classifier table lists them.
CSV_DELIMITERS = {",": "comma", "|": "pipe", "\t": "tab", ";": "semicolon", "\u0001": "Ctrl-A"}
# Encodings of CSV files: UTF-8 and the single-byte ones that exports from older systems use, by the
# names Java (Spark's `encoding` option) and Python both know. Multi-byte UTF-16 is left out: a file
# split at a line break would be cut inside a character.
CSV_ENCODINGS = ("UTF-8", "ISO-8859-1", "ISO-8859-15", "windows-1252")

DatasetFormat = Literal["csv", "json", "apache_log", "xml"]
# Glue worker types a Spark ETL job can run on (G.025X is for streaming jobs only).
GlueWorkerType = Literal["G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"]
# A batch Glue job may run at most 48 hours.
MAX_JOB_TIMEOUT_MINUTES = 2880


class ColumnSpec(StrictModel):
    """One column of the curated table, and the rules a raw value must pass to get there."""

    name: str = Field(pattern=SNAKE_CASE, max_length=128, description="Column name in the curated table.")
    source: str | None = Field(
        default=None, description="Field, header or capture-group name in the raw data; default: `name`."
    )
    type: str = Field(
        default="string", description="string, int, bigint, double, decimal(p,s), boolean, date or timestamp."
    )
    required: bool = Field(default=False, description="A missing value sends the row to quarantine.")
    allowed: list[Any] | None = Field(default=None, description="The only values accepted, after typing.")
    min: float | None = Field(default=None, description="Smallest value accepted (numbers, decimals).")
    max: float | None = Field(default=None, description="Largest value accepted (numbers, decimals).")
    pattern: str | None = Field(default=None, description="Regular expression a string value must match.")
    format: str | None = Field(default=None, description="Spark datetime pattern for date and timestamp values.")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        value = value.strip().lower()
        match = DECIMAL_TYPE.match(value)
        if match:
            precision, scale = int(match[1]), int(match[2])
            if not 1 <= precision <= 38 or scale > precision:
                raise ValueError("decimal(p,s) needs 1 <= p <= 38 and s <= p")
            return f"decimal({precision},{scale})"
        if value not in SIMPLE_TYPES:
            raise ValueError(f"unknown type; allowed: {', '.join(SIMPLE_TYPES)}, decimal(p,s)")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            check_pattern(value)
        return value

    @model_validator(mode="after")
    def _rules_fit_the_type(self) -> ColumnSpec:
        numeric = self.type in NUMERIC_TYPES or self.type.startswith("decimal")
        if (self.min is not None or self.max is not None) and not numeric:
            raise ValueError(f"min and max apply to numeric columns, not {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.pattern is not None and self.type != "string":
            raise ValueError(f"pattern applies to string columns, not {self.type}")
        if self.format is not None and self.type not in ("date", "timestamp"):
            raise ValueError(f"format applies to date and timestamp columns, not {self.type}")
        if self.allowed is not None:
            self._check_allowed(self.allowed)
        return self

    def _check_allowed(self, allowed: list[Any]) -> None:
        """`allowed` is compared with the typed value, so each entry must be a value of the column's
        type (and pass its other rules): a '1' for an int column, or 1 for a string column, would
        never match and every row would be quarantined."""
        for index, value in enumerate(allowed):
            problem = _not_of_type(value, self.type)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if (
                problem is None
                and numeric
                and ((self.min is not None and value < self.min) or (self.max is not None and value > self.max))
            ):
                problem = f"outside min/max ({self.min}, {self.max}), so no row could have it"
            if problem is None and self.pattern is not None and not re.search(self.pattern, value):
                problem = f"does not match pattern {self.pattern!r}, so no row could have it"
            if problem is not None:
                raise ValueError(f"allowed[{index}] {_short(value)}: {problem}")

    @property
    def source_name(self) -> str:
        return self.name if self.source is None else self.source


INT_RANGE = {"int": 2**31, "bigint": 2**63}


def _not_of_type(value: Any, type_: str) -> str | None:
    """Why `value` (as YAML read it) is not a value of a column of `type_`, or None."""
    kind = type(value).__name__
    if type_ == "string":
        return None if isinstance(value, str) else f"is a {kind}, the column is a string; quote it"
    if type_ == "boolean":
        return None if isinstance(value, bool) else f"is a {kind}, the column is boolean: true or false"
    if type_ in INT_RANGE:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"is a {kind}, the column is {type_}: a whole number, unquoted"
        bound = INT_RANGE[type_]
        return None if -bound <= value < bound else f"is outside the range of {type_}"
    if type_ == "double" or type_.startswith("decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"is a {kind}, the column is {type_}: a finite number, unquoted"
        match = DECIMAL_TYPE.match(type_)
        if match:
            precision, scale = int(match[1]), int(match[2])
            exact = Decimal(str(value))
            if exact != exact.quantize(Decimal(1).scaleb(-scale)) or abs(exact) >= Decimal(10) ** (precision - scale):
                return f"does not fit {type_}"
        return None
    # date, timestamp: YAML reads an unquoted ISO date or time as one; a quoted one Spark casts.
    parse = datetime.date.fromisoformat if type_ == "date" else datetime.datetime.fromisoformat
    wanted = datetime.date if type_ == "date" else datetime.datetime
    if isinstance(value, wanted) and (type_ == "timestamp" or not isinstance(value, datetime.datetime)):
        return None
    if isinstance(value, str):
        try:
            parse(value)
            return None
        except ValueError:
            pass
    return f"is not a {type_} (ISO format, e.g. {'2024-01-31' if type_ == 'date' else '2024-01-31 08:00:00'})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


class ReadOptions(StrictModel):
    """How the raw files are read; each option applies to the formats named."""

    delimiter: str = Field(default=",", description="csv: one of comma, pipe, tab, semicolon, Ctrl-A.")
    header: bool = Field(default=True, description="csv: the first line names the columns.")
    quote: str = Field(default='"', max_length=1, description="csv: the quote character.")
    multiline: bool = Field(
        default=False,
        description="csv: quoted fields may hold line breaks; each file is then read whole by one task "
        "(see docs/etl.md). Off: a file is split across tasks and a field cut by a line break is a parse_error.",
    )
    encoding: Literal[CSV_ENCODINGS] = Field(
        default="UTF-8",
        description="csv: the files' character encoding. JSON is UTF-8 (RFC 8259); an XML file names its own.",
    )
    decimal_separator: Literal[".", ","] = Field(
        default=".",
        description="every format: what separates a number's fraction; ',' reads 1.250,5 as 1250.5 (the "
        "thousands separator is then '.').",
    )
    json_root: str | None = Field(
        default=None, description="json: JSONPath of the records, e.g. '$.Characters[*]' for a root array."
    )
    row_tag: str | None = Field(
        default=None,
        description="xml: the element that holds one record; a column's source '@name' reads its attribute "
        "'name', any other source a child element.",
    )

    @field_validator("delimiter")
    @classmethod
    def _supported_delimiter(cls, value: str) -> str:
        if value not in CSV_DELIMITERS:
            allowed = ", ".join(f"{name} ({char!r})" for char, name in CSV_DELIMITERS.items())
            raise ValueError(f"unsupported delimiter; allowed: {allowed}")
        return value

    @field_validator("json_root")
    @classmethod
    def _json_path(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$"):
            raise ValueError("a JSONPath starts with '$', e.g. '$.Characters[*]'")
        return value


class MlReadinessThresholds(StrictModel):
    """When the curate job calls a dataset ready for ML (the course's "traits of good data")."""

    min_rows: int = Field(default=100, ge=0, description="Fewer curated rows than this is too small a dataset.")
    min_rows_per_feature: float = Field(
        default=10, ge=0, description="Rule of thumb: at least 10 rows per feature (label and key excluded)."
    )
    max_missing_share: float = Field(
        default=0.2, ge=0, le=1, description="Largest share of missing values accepted in any one column."
    )
    min_minority_share: float = Field(
        default=0.1, ge=0, le=1, description="Smallest share of the rarest label class (categorical labels)."
    )
    max_duplicate_share: float = Field(
        default=0.05, ge=0, le=1, description="Largest share of rows repeating another row's features and label."
    )


class CdcSpec(StrictModel):
    """Change data capture: how change rows (AWS DMS full load + ongoing changes) apply to the table."""

    operation_column: str = Field(
        default="Op", description="Column holding I, U or D; absent or empty in full-load files (inserts)."
    )
    sequence_column: str = Field(
        description="Column that orders the changes of a key (e.g. DMS's commit timestamp); latest wins."
    )


class ArrivalTrigger(StrictModel):
    """Start the dataset's workflow when raw files land (S3 -> EventBridge -> Glue EVENT trigger)."""

    batch_size: int = Field(
        default=1, ge=1, le=100, description="Files landed before a run starts (Glue's BatchSize, 1-100)."
    )
    batch_window_seconds: int = Field(
        default=900,
        ge=1,
        le=900,
        description="Longest wait after the first file before a run starts anyway (Glue's BatchWindow, 1-900 s).",
    )


class DatasetSpec(StrictModel):
    """A dataset: where it lands raw, how to read it, and what a curated row must look like."""

    name: str = Field(pattern=SNAKE_CASE, max_length=64, description="lower_snake_case, unique.")
    description: str | None = None
    format: DatasetFormat
    options: ReadOptions = ReadOptions()
    raw_prefix: str | None = Field(
        default=None,
        description="Prefix in the raw bucket the files land under; default '<name>/'. Ends with '/'.",
    )
    null_values: list[str] = Field(default_factory=lambda: [""], description="Raw tokens that mean 'missing'.")
    columns: list[ColumnSpec] = Field(min_length=1)
    primary_key: list[str] = Field(
        default_factory=list, description="Columns that identify a row; duplicates are quarantined."
    )
    label: str | None = Field(default=None, description="The column ML models learn to predict, if any.")
    partition_by: list[str] = Field(default_factory=list, description="Partition columns besides ingest_date.")
    schedule: GlueCron | None = Field(
        default=None, description="Glue cron expression for the crawl → ETL workflow, e.g. 'cron(0 2 * * ? *)'."
    )
    ml_readiness: MlReadinessThresholds = Field(
        default_factory=MlReadinessThresholds, description="Thresholds of the ML-readiness verdict in ml_profile.json."
    )
    on_existing_key: Literal["quarantine", "update"] = Field(
        default="quarantine",
        description="A valid row whose primary key the table already holds: quarantine it as duplicate_key, or "
        "update the stored row (MERGE INTO).",
    )
    cdc: CdcSpec | None = Field(
        default=None,
        description="Apply change rows (I/U/D per key, in sequence order); set for datasets fed by a DMS table.",
    )
    on_arrival: ArrivalTrigger | None = Field(
        default_factory=ArrivalTrigger,
        description="Start the workflow when files land, in batches; null: only on `schedule` or on demand.",
    )

    @field_validator("raw_prefix")
    @classmethod
    def _prefix_shape(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("/") or not value.endswith("/") or "//" in value):
            raise ValueError("a prefix like 'sales/orders/': no leading '/', ends with '/'")
        return value

    @model_validator(mode="after")
    def _columns_consistent(self) -> DatasetSpec:
        names = [column.name for column in self.columns]
        require_unique(names, "column names")
        for role, listed in (
            ("primary_key", self.primary_key),
            ("partition_by", self.partition_by),
            ("label", [] if self.label is None else [self.label]),
        ):
            unknown = [n for n in listed if n not in names]
            if unknown:
                raise ValueError(f"{role} names unknown column(s) {', '.join(unknown)}; columns: {', '.join(names)}")
        if "ingest_date" in names:
            raise ValueError("'ingest_date' is the partition every curated table gets; choose another column name")
        if (self.on_existing_key == "update" or self.cdc is not None) and not self.primary_key:
            raise ValueError("on_existing_key: update and cdc apply rows by key: declare a primary_key")
        if self.format != "csv" and self.options.encoding != "UTF-8":
            raise ValueError("options.encoding applies to csv only: JSON is UTF-8, an XML file names its own")
        if self.format == "xml" and self.options.row_tag is None:
            raise ValueError("an xml dataset needs options.row_tag (the element that holds one record)")
        return self

    @property
    def raw_location(self) -> str:
        """Prefix of the raw files in the raw bucket."""
        return f"{self.name}/" if self.raw_prefix is None else self.raw_prefix

    @property
    def raw_table(self) -> str:
        """Table the raw crawler writes in the raw database: named, as Glue crawlers do, after the last
        folder of the raw prefix, lowercased, other characters than letters, digits and '_' as '_'."""
        return re.sub(r"[^a-z0-9_]", "_", self.raw_location.rstrip("/").rsplit("/", 1)[-1].lower())


class EtlJobOverride(StrictModel):
    """Sizing of one dataset's ETL job; a missing value means the catalog-wide `etl` value."""

    worker_type: GlueWorkerType | None = Field(default=None, description="Glue worker type, e.g. G.1X, G.2X.")
    number_of_workers: int | None = Field(default=None, ge=2, le=1000, description="Workers, driver included.")
    timeout_minutes: int | None = Field(
        default=None, ge=1, le=MAX_JOB_TIMEOUT_MINUTES, description="A run longer than this is stopped."
    )
    max_retries: int | None = Field(default=None, ge=0, le=10, description="Retries of a failed run.")


class EtlJobSettings(StrictModel):
    """Sizing of a dataset's ETL job, after the dataset's override is applied."""

    worker_type: GlueWorkerType = Field(default="G.1X", description="Glue worker type, e.g. G.1X, G.2X.")
    number_of_workers: int = Field(default=2, ge=2, le=1000, description="Workers, driver included.")
    timeout_minutes: int = Field(
        default=60, ge=1, le=MAX_JOB_TIMEOUT_MINUTES, description="A run longer than this is stopped."
    )
    max_retries: int = Field(default=1, ge=0, le=10, description="Retries of a failed run.")


class TableMaintenance(StrictModel):
    """Upkeep of the curated Iceberg tables: a scheduled run of each dataset's job in maintenance mode
    (Iceberg's rewrite_data_files, expire_snapshots, remove_orphan_files). Pinned snapshots (tags) stay."""

    schedule: GlueCron | None = Field(
        default="cron(30 4 ? * SUN *)", description="Glue cron expression of the maintenance runs; null: none."
    )
    snapshot_retention_days: int = Field(default=7, ge=1, le=3650, description="Snapshots older than this expire.")
    snapshots_to_retain: int = Field(
        default=5, ge=1, le=1000, description="The latest snapshots kept whatever their age."
    )
    orphan_file_retention_days: int = Field(
        default=3, ge=1, le=3650, description="Files no snapshot references are deleted once older than this."
    )
    compaction: bool = Field(default=True, description="Rewrite small data files into larger ones first.")


class EtlSettings(EtlJobSettings):
    """Catalog-wide ETL job settings, and per-dataset overrides of the sizing."""

    log_retention_days: LogRetentionDays = Field(
        default=30, description="Days the jobs' and crawlers' CloudWatch logs are kept."
    )
    datasets: dict[str, EtlJobOverride] = Field(
        default_factory=dict,
        description="Sizing overrides by dataset name, e.g. {adult_census: {number_of_workers: 10}}.",
    )
    maintenance: TableMaintenance = Field(
        default_factory=TableMaintenance, description="Compaction, snapshot expiry and orphan-file removal."
    )


class CatalogConfig(StrictModel):
    """Always deployed: the Glue Data Catalog is what every consumer of the lake reads."""

    datasets: list[DatasetSpec] = Field(default_factory=list, description="The datasets the lake curates.")
    etl: EtlSettings = Field(default_factory=EtlSettings, description="Sizing, retries and log retention of ETL jobs.")
    stack_per_dataset: bool = Field(
        default=False,
        description="Each dataset's resources (crawler, job, workflow, saved queries, alarms) in a nested stack "
        "of its own under '<project>-<environment>-datasets', for any number of datasets; off, they are in "
        "the catalog, analytics and monitoring stacks, whose 500-resource limit allows about 30 datasets. "
        "Switching it moves (replaces) every dataset's resources: choose it when the environment is created.",
    )

    @field_validator("datasets")
    @classmethod
    def _unique_names(cls, datasets: list[DatasetSpec]) -> list[DatasetSpec]:
        require_unique([d.name for d in datasets], "dataset names")
        return datasets

    @model_validator(mode="after")
    def _etl_overrides_name_datasets(self) -> CatalogConfig:
        names = [d.name for d in self.datasets]
        unknown = sorted(set(self.etl.datasets) - set(names))
        if unknown:
            raise ValueError(
                f"etl.datasets names unknown dataset(s) {', '.join(unknown)}; declared: {', '.join(names) or 'none'}"
            )
        return self

    @model_validator(mode="after")
    def _raw_tables_unique(self) -> CatalogConfig:
        by_table: dict[str, list[str]] = {}
        for dataset in self.datasets:
            by_table.setdefault(dataset.raw_table, []).append(dataset.name)
        clashes = {table: names for table, names in by_table.items() if len(names) > 1}
        if clashes:
            described = "; ".join(f"{', '.join(names)} -> {table}" for table, names in sorted(clashes.items()))
            raise ValueError(
                "the crawler names a raw table after the last folder of raw_prefix, so these datasets would "
                f"share one raw table: {described}; give them raw prefixes that end in different folders"
            )
        return self

    def job_settings(self, name: str) -> EtlJobSettings:
        """The ETL job sizing of dataset `name`: its override where set, else the catalog-wide value."""
        override = self.etl.datasets.get(name, EtlJobOverride())
        return EtlJobSettings(
            **{
                field: getattr(self.etl, field) if getattr(override, field) is None else getattr(override, field)
                for field in EtlJobSettings.model_fields
            }
        )

    def dataset(self, name: str) -> DatasetSpec:
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise KeyError(f"no dataset {name!r}; declared: {', '.join(d.name for d in self.datasets)}")
