"""Ingestion layer: DMS replication of relational sources, and scheduled JDBC extracts, into the raw zone.

DMS sources land under `s3://<raw bucket>/dms/<source>/<schema>/<table>/`; JDBC extracts under
`s3://<raw bucket>/jdbc/<extract>/ingest_date=<date>/`. A DMS table can feed a dataset of the catalog
(`dataset:`), which the platform then crawls and curates like any other; the link is checked against
the catalog when the whole config is validated (`check_datasets`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, LogRetentionDays, StrictModel, ipv4_network, located_error, require_unique
from .cron import GlueCron

if TYPE_CHECKING:
    from .catalog import CatalogConfig, DatasetSpec
    from .network import NetworkConfig

SOURCE_NAME = r"^[a-z](-?[a-z0-9])+$"  # DMS identifiers refuse "--" and a trailing "-"
DMS_RESOURCE_IDENTIFIER_MAX = 31
EXTRACT_NAME = r"^[a-z][a-z0-9_]*$"
SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
)
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key/[0-9a-f-]{36}$")
DMS_CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:dms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:cert:[A-Za-z0-9-]+$")
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
# DMS object names: letters, digits, '_', '$', and the '%' wildcard of selection rules.
OBJECT_NAME = r"^[A-Za-z0-9_$%#.-]+$"

DmsEngine = Literal["mysql", "mariadb", "postgres", "aurora", "aurora-postgresql", "sqlserver", "oracle"]
SslMode = Literal["none", "require", "verify-ca", "verify-full"]
# The SSL modes DMS accepts for each engine as a source.
SSL_MODES: dict[str, tuple[str, ...]] = {
    "mysql": ("none", "require", "verify-ca", "verify-full"),
    "mariadb": ("none", "require", "verify-ca", "verify-full"),
    "aurora": ("none", "require", "verify-ca", "verify-full"),
    "postgres": ("none", "require", "verify-ca", "verify-full"),
    "aurora-postgresql": ("none", "require", "verify-ca", "verify-full"),
    "sqlserver": ("none", "require"),
    "oracle": ("none", "verify-ca"),
}
# Engines whose DMS endpoint connects to one named database (MySQL-compatible ones reach every schema).
NEEDS_DATABASE = ("postgres", "aurora-postgresql", "sqlserver", "oracle")
# DMS Serverless capacity units (DCU) it accepts.
DCU_VALUES = (1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384)

# Interface endpoints each path needs in a VPC without NAT (S3 goes through the gateway endpoint):
# DMS reads the source's secret and uses the key; Glue also calls Glue, STS, CloudWatch and Logs.
DMS_ENDPOINTS = ("secretsmanager", "kms")
GLUE_ENDPOINTS = ("glue", "secretsmanager", "kms", "logs", "monitoring", "sts")

JdbcEngine = Literal["postgresql", "mysql", "sqlserver", "oracle"]


class _Database(StrictModel):
    """Where a database is and how to reach it; shared by DMS sources and JDBC extracts."""

    host: str = Field(description="Host name or IPv4 address of the database, as the VPC reaches it.")
    port: int = Field(ge=1, le=65535, description="TCP port of the database.")
    secret_arn: str = Field(description="ARN of the existing Secrets Manager secret with the credentials.")
    secret_kms_key_arn: str | None = Field(
        default=None, description="ARN of the KMS key the secret is encrypted with, if not the AWS managed key."
    )
    cidrs: list[str] | None = Field(
        default=None,
        description="Networks the database's address is in, for the egress rule; default: the host, if an address.",
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            if not HOST_NAME.match(value):
                raise ValueError("not a host name or IPv4 address") from None
        return value

    @field_validator("secret_arn")
    @classmethod
    def _secret_arn(cls, value: str) -> str:
        if not SECRET_ARN.match(value):
            raise ValueError(
                "not the complete ARN of a Secrets Manager secret; expected "
                "'arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>' (as the console shows it)"
            )
        return value

    @field_validator("secret_kms_key_arn")
    @classmethod
    def _kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.match(value):
            raise ValueError("not the ARN of a KMS key; expected 'arn:aws:kms:<region>:<account>:key/<key id>'")
        return value

    @field_validator("cidrs")
    @classmethod
    def _cidrs(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("give at least one network, or leave `cidrs` out to use the host's own address")
        for cidr in value:
            ipv4_network(cidr)
        return value

    @model_validator(mode="after")
    def _egress_known(self):
        self.egress_cidrs  # noqa: B018 - raises when the host is a name and no cidrs are given
        return self

    @property
    def egress_cidrs(self) -> list[str]:
        """The networks the security group may reach: as configured, else the host itself."""
        if self.cidrs is not None:
            return self.cidrs
        try:
            return [f"{ipaddress.IPv4Address(self.host)}/32"]
        except ValueError:
            raise ValueError(
                f"host {self.host!r} is a name, not an address: give `cidrs` (the networks it resolves into), "
                "so the security group allows egress to it and nowhere else"
            ) from None


class TableMapping(StrictModel):
    """Tables of a source to include (or exclude), with the renames DMS can apply on the way.

    DMS renames schemas, tables and columns; it does no other transformation of the data, so
    anything else belongs in the dataset's ETL.
    """

    schema_name: str = Field(pattern=OBJECT_NAME, description="Schema (MySQL: database) name; '%' is a wildcard.")
    table_name: str = Field(default="%", pattern=OBJECT_NAME, description="Table name; '%' is a wildcard.")
    include: bool = Field(default=True, description="False excludes the tables matched (after broader includes).")
    rename_schema: str | None = Field(
        default=None, pattern=OBJECT_NAME, description="Name of the schema in the target; its folder under the prefix."
    )
    rename_table: str | None = Field(
        default=None, pattern=OBJECT_NAME, description="Name of the table in the target; its folder under the schema."
    )
    rename_columns: dict[str, str] = Field(
        default_factory=dict, description="Column renames, source name -> target name."
    )
    dataset: str | None = Field(
        default=None,
        description="Catalog dataset these files feed; its raw_prefix must be this table's folder "
        "'dms/<source>/<schema>/<table>/' (after renames).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TableMapping:
        wildcard = "%" in self.table_name
        if not self.include and (self.rename_schema, self.rename_table, self.dataset) != (None, None, None):
            raise ValueError("an excluded table cannot be renamed or feed a dataset")
        if not self.include and self.rename_columns:
            raise ValueError("an excluded table cannot have column renames")
        if wildcard and (self.rename_table is not None or self.rename_columns or self.dataset is not None):
            raise ValueError(
                f"table_name {self.table_name!r} is a pattern: rename_table, rename_columns and dataset "
                "apply to one table; name it exactly"
            )
        if "%" in self.schema_name and (self.rename_schema is not None or self.dataset is not None):
            raise ValueError(
                f"schema_name {self.schema_name!r} is a pattern: rename_schema and dataset need one schema"
            )
        for source, target in self.rename_columns.items():
            for name in (source, target):
                if not re.fullmatch(r"[A-Za-z0-9_$#]+", name):
                    raise ValueError(f"column rename {source!r} -> {target!r}: {name!r} is not a column name")
        return self

    @property
    def target_table(self) -> str:
        return self.table_name if self.rename_table is None else self.rename_table


class S3Output(StrictModel):
    """How DMS writes a source's tables into the raw zone."""

    format: Literal["parquet", "csv"] = Field(
        default="parquet", description="parquet, or csv (comma-delimited, with a header line)."
    )
    compression: Literal["gzip", "none"] = Field(default="gzip", description="Compression of the files written.")
    date_partitioning: bool = Field(
        default=True, description="Change files go under <table>/<yyyy>/<mm>/<dd>/ by commit date."
    )
    cdc_max_batch_interval_seconds: int = Field(
        default=60, ge=1, le=3600, description="Longest wait before DMS writes a change file."
    )
    cdc_min_file_size_kb: int = Field(
        default=32000, ge=1, le=1048576, description="Size at which DMS writes a change file sooner."
    )
    timestamp_column: str | None = Field(
        default="dms_commit_ts",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Column DMS adds with each row's commit time (full load: load time); null adds none.",
    )


class DmsSource(_Database):
    """A relational database replicated by DMS (full load, then ongoing changes) into the raw zone.

    Credentials stay in an existing Secrets Manager secret (JSON with username, password, host,
    port; dbname for engines that need it): DMS reads it through a role, and no password appears
    in a template.
    """

    name: str = Field(
        pattern=SOURCE_NAME, max_length=40, description="lowercase-with-hyphens, unique; the raw prefix is dms/<name>/."
    )
    engine: DmsEngine = Field(description="mysql, mariadb, postgres, aurora, aurora-postgresql, sqlserver or oracle.")
    database: str | None = Field(
        default=None,
        description="Database to connect to; required for postgres, aurora-postgresql, sqlserver, oracle (SID or "
        "service name).",
    )
    ssl_mode: SslMode = Field(
        default="require", description="TLS to the database: none, require, verify-ca, verify-full (per engine)."
    )
    certificate_arn: str | None = Field(
        default=None, description="ARN of the DMS certificate (CA) to verify the server with; for verify-ca/-full."
    )
    location: Literal["on_premises", "rds"] = Field(
        default="rds",
        description="Where the database runs: rds (in this or a peered VPC) or on_premises (through VPN or "
        "Direct Connect attached to the VPC). Documents connectivity; the deployment is the same.",
    )
    tables: list[TableMapping] = Field(min_length=1, description="Selection rules, in order; at least one include.")
    output: S3Output = S3Output()

    @field_validator("certificate_arn")
    @classmethod
    def _certificate_arn(cls, value: str | None) -> str | None:
        if value is not None and not DMS_CERTIFICATE_ARN.match(value):
            raise ValueError("not the ARN of a DMS certificate; expected 'arn:aws:dms:<region>:<account>:cert:<id>'")
        return value

    @model_validator(mode="after")
    def _fits_the_engine(self) -> DmsSource:
        allowed = SSL_MODES[self.engine]
        if self.ssl_mode not in allowed:
            raise ValueError(
                f"ssl_mode {self.ssl_mode!r} is not supported by DMS for {self.engine}; allowed: {', '.join(allowed)}"
            )
        if self.ssl_mode.startswith("verify") and self.certificate_arn is None:
            raise ValueError(f"ssl_mode {self.ssl_mode!r} needs certificate_arn (the CA DMS verifies the server with)")
        if self.engine in NEEDS_DATABASE and self.database is None:
            raise ValueError(f"a {self.engine} source needs `database` (the database DMS connects to)")
        if not any(table.include for table in self.tables):
            raise ValueError("tables has no include rule: DMS would replicate nothing")
        renames: dict[str, set[str]] = {}
        for table in self.tables:
            if table.rename_schema is not None:
                renames.setdefault(table.schema_name, set()).add(table.rename_schema)
        clashing = {schema: names for schema, names in renames.items() if len(names) > 1}
        if clashing:
            schema, names = next(iter(clashing.items()))
            raise ValueError(
                f"schema {schema!r} is renamed to {' and '.join(sorted(names))}: DMS renames a schema once"
            )
        return self

    @property
    def schema_renames(self) -> dict[str, str]:
        """Source schema -> target schema, for every schema a table mapping renames."""
        return {t.schema_name: t.rename_schema for t in self.tables if t.rename_schema is not None}

    @property
    def raw_prefix(self) -> str:
        return f"dms/{self.name}/"

    def table_prefix(self, table: TableMapping) -> str:
        """Folder of one table's files in the raw bucket (DMS writes <folder>/<schema>/<table>/)."""
        schema = self.schema_renames.get(table.schema_name, table.schema_name)
        return f"{self.raw_prefix}{schema}/{table.target_table}/"


class ReplicationInstance(StrictModel):
    """A provisioned replication instance that runs every source's task."""

    instance_class: str = Field(
        default="dms.t3.medium", pattern=r"^dms\.[a-z0-9]+\.[a-z0-9]+$", description="e.g. dms.t3.medium, dms.r5.large."
    )
    allocated_storage_gb: int = Field(default=50, ge=5, le=6144, description="Storage for logs and cached changes.")
    multi_az: bool = Field(default=False, description="A standby in a second AZ (production).")
    engine_version: str | None = Field(default=None, description="DMS engine version; default: the current one.")
    preferred_maintenance_window: str | None = Field(
        default=None,
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$",
        description="ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:04:00-sun:04:30.",
    )


class ServerlessCapacity(StrictModel):
    """DMS Serverless: capacity scales between the bounds, in DMS capacity units (DCU)."""

    min_capacity_units: int = Field(default=1, description=f"One of {', '.join(map(str, DCU_VALUES))}.")
    max_capacity_units: int = Field(default=4, description=f"One of {', '.join(map(str, DCU_VALUES))}.")
    multi_az: bool = Field(default=False, description="A standby in a second AZ (production).")

    @field_validator("min_capacity_units", "max_capacity_units")
    @classmethod
    def _dcu(cls, value: int) -> int:
        if value not in DCU_VALUES:
            raise ValueError(f"DMS Serverless capacity units must be one of {', '.join(map(str, DCU_VALUES))}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ServerlessCapacity:
        if self.min_capacity_units > self.max_capacity_units:
            raise ValueError(
                f"min_capacity_units ({self.min_capacity_units}) exceeds max_capacity_units ({self.max_capacity_units})"
            )
        return self


class DmsConfig(StrictModel):
    """Replication of relational sources into the raw zone."""

    capacity: Literal["instance", "serverless"] = Field(
        default="serverless", description="instance (a replication instance) or serverless (DMS Serverless)."
    )
    instance: ReplicationInstance = ReplicationInstance()
    serverless: ServerlessCapacity = ServerlessCapacity()
    owns_account_roles: bool = Field(
        default=False,
        description="Create the account-wide roles DMS requires by fixed name (dms-vpc-role, "
        "dms-cloudwatch-logs-role). They exist once per account: true in exactly one deployment.",
    )
    s3_prefix_list_id: str | None = Field(
        default=None,
        pattern=r"^pl-[0-9a-f]+$",
        description="Id of the region's S3 prefix list (com.amazonaws.<region>.s3); when given, HTTPS egress to "
        "S3 is limited to it instead of any address.",
    )
    log_retention_days: LogRetentionDays = Field(default=365, description="Days DMS task logs are kept.")
    sources: list[DmsSource] = Field(default_factory=list, description="The databases to replicate.")

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[DmsSource]) -> list[DmsSource]:
        require_unique([s.name for s in sources], "DMS source names")
        return sources


class JdbcExtract(_Database):
    """A SQL query run on a schedule against a database over JDBC, its result written as Parquet
    to `s3://<raw bucket>/jdbc/<name>/ingest_date=<date>/` (what the course does with AWS Data
    Pipeline's SqlActivity, done with a Glue job in the VPC)."""

    name: str = Field(pattern=EXTRACT_NAME, max_length=48, description="lower_snake_case, unique.")
    engine: JdbcEngine = Field(description="postgresql, mysql, sqlserver or oracle.")
    database: str = Field(min_length=1, description="Database (Oracle: service name) to connect to.")
    query: str = Field(min_length=1, description="The SELECT whose result is extracted (Spark JDBC `query`).")
    schedule: GlueCron = Field(description="Glue cron expression, e.g. 'cron(0 3 * * ? *)'.")
    enforce_ssl: bool = Field(default=True, description="The Glue connection requires TLS to the database.")
    worker_type: Literal["G.1X", "G.2X"] = Field(default="G.1X", description="Glue worker type.")
    workers: int = Field(default=2, ge=2, le=100, description="Number of Glue workers.")
    timeout_minutes: int = Field(default=60, ge=1, le=2880, description="A run taking longer is stopped.")

    @field_validator("query")
    @classmethod
    def _select(cls, value: str) -> str:
        # Spark wraps the query as a subquery; a trailing ';' or a statement that is not a query breaks it.
        stripped = value.strip()
        if stripped.endswith(";"):
            raise ValueError("leave out the trailing ';': Spark runs the query as a subquery")
        if not re.match(r"(?is)^(select|with)\b", stripped):
            raise ValueError("the query must be a SELECT (or WITH ... SELECT); extracts only read")
        return stripped

    @property
    def raw_prefix(self) -> str:
        return f"jdbc/{self.name}/"


class JdbcConfig(StrictModel):
    """Scheduled SQL extracts over JDBC, run by Glue in the VPC."""

    glue_log_retention_days: LogRetentionDays = Field(default=365, description="Days the extract jobs' logs are kept.")
    extracts: list[JdbcExtract] = Field(default_factory=list, description="The queries to extract.")

    @field_validator("extracts")
    @classmethod
    def _unique_names(cls, extracts: list[JdbcExtract]) -> list[JdbcExtract]:
        require_unique([e.name for e in extracts], "JDBC extract names")
        return extracts


class IngestionConfig(LayerSwitch):
    """Switched off unless `enabled: true`. Needs the network layer (DMS and Glue run in the VPC)."""

    dms: DmsConfig = DmsConfig()
    jdbc: JdbcConfig = JdbcConfig()

    def check_network(self, network: NetworkConfig) -> None:
        """DMS and the Glue jobs run in the VPC's private subnets; without NAT they reach AWS only
        through interface endpoints, so the ones they call must be configured."""
        if not network.enabled:
            raise ValueError("ingestion.enabled needs network.enabled: DMS and the Glue JDBC jobs run in the VPC")
        if network.nat_gateways > 0:
            return
        needed = set()
        if self.dms.sources:
            needed |= set(DMS_ENDPOINTS)
        if self.jdbc.extracts:
            needed |= set(GLUE_ENDPOINTS)
        missing = sorted(needed - set(network.interface_endpoints))
        if missing:
            raise ValueError(
                "without NAT gateways, ingestion reaches AWS through interface endpoints only; add "
                f"{', '.join(missing)} to network.interface_endpoints (or configure network.nat_gateways)"
            )

    def check_identifiers(self, name_prefix: str) -> None:
        """Each source's task (or serverless replication) is identified as '<prefix>-<source>', also
        as the ARN's resource identifier, which "can have up to 31 characters" (DMS CreateEndpoint /
        CreateReplicationTask ResourceIdentifier)."""
        too_long = [
            (
                ("dms", "sources", s, "name"),
                source.name,
                f"'{name_prefix}-{source.name}' ({len(name_prefix) + 1 + len(source.name)} characters) "
                f"is this source's DMS resource identifier, which DMS limits to {DMS_RESOURCE_IDENTIFIER_MAX}; "
                "shorten the source name (or the project/environment name)",
            )
            for s, source in enumerate(self.dms.sources)
            if len(name_prefix) + 1 + len(source.name) > DMS_RESOURCE_IDENTIFIER_MAX
        ]
        if too_long:
            raise located_error(too_long)

    def check_datasets(self, catalog: CatalogConfig) -> None:
        """Every DMS table that names a dataset feeds one the catalog declares, from the table's own
        folder, in the format DMS writes. Raises a ValidationError located at the table's `dataset`
        (so the loader names the field and its line) otherwise."""
        declared = {dataset.name: dataset for dataset in catalog.datasets}
        problems = [
            (("dms", "sources", s, "tables", t, "dataset"), table.dataset, problem)
            for s, source in enumerate(self.dms.sources)
            for t, table in enumerate(source.tables)
            if table.dataset is not None and (problem := _link_problem(source, table, declared)) is not None
        ]
        if problems:
            raise located_error(problems)

    def link_cdc(self, catalog: CatalogConfig) -> None:
        """A dataset fed by a DMS table applies its changes (`cdc`), unless it declares its own: the
        operation column DMS writes (Op) and, as sequence, the commit-time column the source adds."""
        for source in self.dms.sources:
            sequence = source.output.timestamp_column
            if sequence is None:
                continue
            for table in source.tables:
                for i, dataset in enumerate(catalog.datasets):
                    if dataset.name == table.dataset and dataset.cdc is None:
                        from .catalog import CdcSpec  # catalog imports this module

                        cdc = CdcSpec(operation_column="Op", sequence_column=sequence)
                        catalog.datasets[i] = dataset.model_copy(update={"cdc": cdc})


def _link_problem(source: DmsSource, table: TableMapping, declared: dict[str, DatasetSpec]) -> str | None:
    dataset = declared.get(table.dataset)
    if dataset is None:
        return f"no such dataset in catalog.datasets; declared: {', '.join(declared) or '(none)'}"
    expected = source.table_prefix(table)
    if dataset.raw_location != expected:
        return (
            f"dataset {dataset.name!r} reads raw files from {dataset.raw_location!r}, but DMS writes "
            f"{table.schema_name}.{table.table_name} to {expected!r}; set the dataset's raw_prefix to that"
        )
    if dataset.format != source.output.format:
        return (
            f"dataset {dataset.name!r} has format {dataset.format!r}, but source {source.name!r} writes "
            f"{source.output.format!r}; set the source's output.format to match"
        )
    if dataset.format == "csv" and (dataset.options.delimiter != "," or not dataset.options.header):
        return (
            f"DMS writes comma-delimited CSV with a header line; dataset {dataset.name!r} must read it with "
            "options.delimiter ',' and options.header true"
        )
    return None
