"""Processing layer: an EMR cluster (Spark, Hive, Presto, TensorFlow, MXNet, JupyterHub) on the Glue Data Catalog.

The release label and the applications are checked against what each supported EMR release line ships,
as the EMR Release Guide lists it ("Application versions in Amazon EMR 6.x / 7.x releases" and each
application's release history), so an impossible pair fails at config time, not at deploy time.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, StrictModel, require_unique
from .catalog import DatasetSpec
from .network import NetworkConfig

RELEASE_LABEL = re.compile(r"^emr-(\d+)\.(\d+)\.(\d+)$")

# The oldest release accepted: idle auto-termination, which every cluster here gets, needs emr-6.4.0 or
# later in the 6.x line (managed scaling needs 6.1.0). Both lines are covered by the table below.
FIRST_SUPPORTED = {6: (6, 4, 0), 7: (7, 0, 0)}
LAST_6X_RELEASE = "emr-6.15.0"

# Application -> the release lines that ship it, with the first and last release of each line that has it
# (None: from the start of the line / still shipped). An application absent from a line is not in it.
APPLICATION_RELEASES: dict[str, dict[int, tuple[str | None, str | None]]] = {
    "Hadoop": {6: (None, None), 7: (None, None)},
    "Spark": {6: (None, None), 7: (None, None)},
    "Hive": {6: (None, None), 7: (None, None)},
    "HCatalog": {6: (None, None), 7: (None, None)},
    "Tez": {6: (None, None), 7: (None, None)},
    "Pig": {6: (None, None), 7: (None, None)},
    "Presto": {6: (None, None), 7: (None, None)},
    "Trino": {6: (None, None), 7: (None, None)},
    "TensorFlow": {6: (None, None), 7: (None, None)},
    # MXNet 1.9.1 is the last MXNet on EMR: emr-7.2.0 is the last release that ships it.
    "MXNet": {6: (None, None), 7: (None, "emr-7.2.0")},
    "JupyterHub": {6: (None, None), 7: (None, None)},
    "JupyterEnterpriseGateway": {6: (None, None), 7: (None, None)},
    "Livy": {6: (None, None), 7: (None, None)},
    "Hue": {6: (None, None), 7: (None, None)},
    "Zeppelin": {6: (None, None), 7: (None, None)},
    "HBase": {6: (None, None), 7: (None, None)},
    "ZooKeeper": {6: (None, None), 7: (None, None)},
    "Flink": {6: (None, None), 7: (None, None)},
    "Iceberg": {6: ("emr-6.5.0", None), 7: (None, None)},
    "Delta": {6: ("emr-6.9.0", None), 7: (None, None)},
    # Ganglia was retired with the 6.x line; 7.x ships the CloudWatch agent instead.
    "Ganglia": {6: (None, None)},
    "AmazonCloudWatchAgent": {7: (None, None)},
}
KNOWN_APPLICATIONS = tuple(APPLICATION_RELEASES)

# The applications the course shows on one cluster, on the most recent release that still ships them all.
DEFAULT_RELEASE = "emr-7.2.0"
DEFAULT_APPLICATIONS = ("Hadoop", "Spark", "Hive", "Presto", "TensorFlow", "MXNet", "JupyterHub", "Livy")

Application = Literal[KNOWN_APPLICATIONS]  # type: ignore[valid-type]

# What a private subnet without NAT needs to reach for the cluster to start and be reachable through
# Session Manager (S3 comes through the gateway endpoint every VPC here has).
ENDPOINTS_WITHOUT_NAT = ("elasticmapreduce", "ec2messages", "glue", "kms", "logs", "ssm", "ssmmessages", "sts")

INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$"

# The ETL example step runs the Glue job's code, written for Glue 5.1's Python 3.11. EMR ships Python 3.11
# beside the default 3.9 from emr-7.1.0 (EMR Release Guide, "Application versions in Amazon EMR 7.x
# releases"); emr-7.0.0 and the 6.x line have no 3.11.
FIRST_RELEASE_WITH_PYTHON_311 = (7, 1, 0)


def release_version(label: str) -> tuple[int, int, int]:
    match = RELEASE_LABEL.match(label)
    if match is None:
        raise ValueError(f"{label!r} is not a release label like 'emr-7.2.0'")
    return int(match[1]), int(match[2]), int(match[3])


def unavailable_reason(application: str, label: str) -> str | None:
    """Why `application` is not shipped in release `label`, or None when it is."""
    version = release_version(label)
    lines = APPLICATION_RELEASES[application]
    if version[0] not in lines:
        last = max(lines)
        last_release = lines[last][1] if lines[last][1] is not None else (LAST_6X_RELEASE if last == 6 else None)
        where = f"; the last release that has it is {last_release}" if last_release is not None else ""
        return f"{application} is not shipped in the EMR {version[0]}.x line{where}"
    first, last = lines[version[0]]
    if first is not None and version < release_version(first):
        return f"{application} is shipped from {first} on, not in {label}"
    if last is not None and version > release_version(last):
        return (
            f"{application} is not shipped after {last} (the last release that has it); "
            f"use {last} or drop {application}"
        )
    return None


class InstanceGroupConfig(StrictModel):
    """One instance group of the cluster: on-demand instances of one type, each with a gp3 data volume."""

    instance_type: str = Field(default="m5.xlarge", pattern=INSTANCE_TYPE, description="EC2 instance type.")
    count: int = Field(default=1, ge=1, le=500, description="Instances in the group at launch.")
    ebs_volume_gb: int = Field(default=64, ge=10, le=16384, description="gp3 data volume per instance, in GiB.")


class ManagedScalingConfig(StrictModel):
    """EMR managed scaling limits, in instances of the core and task groups."""

    minimum_units: int = Field(default=1, ge=1, description="Fewest core + task instances the cluster shrinks to.")
    maximum_units: int = Field(default=4, ge=1, le=2000, description="Most core + task instances it grows to.")
    maximum_core_units: int | None = Field(
        default=None, ge=1, description="Most core instances (the rest are task instances); default: maximum_units."
    )
    maximum_on_demand_units: int | None = Field(
        default=None, ge=0, description="Most on-demand instances; default: maximum_units (all on demand)."
    )

    @model_validator(mode="after")
    def _limits_in_order(self) -> ManagedScalingConfig:
        if self.maximum_units < self.minimum_units:
            raise ValueError(
                f"maximum_units ({self.maximum_units}) must be at least minimum_units ({self.minimum_units})"
            )
        for name in ("maximum_core_units", "maximum_on_demand_units"):
            value = getattr(self, name)
            if value is not None and value > self.maximum_units:
                raise ValueError(f"{name} ({value}) cannot exceed maximum_units ({self.maximum_units})")
        return self

    @property
    def core_limit(self) -> int:
        return self.maximum_units if self.maximum_core_units is None else self.maximum_core_units


class ExampleStepsConfig(StrictModel):
    """Steps the cluster runs once when it starts; none unless a dataset is named."""

    etl_dataset: str | None = Field(
        default=None,
        description="Run the Glue ETL script of this catalog dataset unchanged as a Spark step (spark-submit).",
    )
    training_dataset: str | None = Field(
        default=None,
        description="Train a small TensorFlow model on this labeled dataset's curated table.",
    )


class ProcessingConfig(LayerSwitch):
    """Switched off unless `enabled: true`. Needs the network layer (the cluster runs in its private subnets)."""

    release_label: str = Field(
        default=DEFAULT_RELEASE,
        description=f"EMR release, e.g. 'emr-7.2.0'; supported lines 6.x (from emr-6.4.0) and 7.x. "
        f"Default {DEFAULT_RELEASE}: the most recent release that ships MXNet.",
    )
    applications: list[Application] = Field(
        default_factory=lambda: list(DEFAULT_APPLICATIONS),
        description="Applications installed on the cluster; each must be shipped in release_label.",
    )
    primary: InstanceGroupConfig = Field(
        default=InstanceGroupConfig(), description="Primary node group: 1 instance, or 3 for high availability."
    )
    core: InstanceGroupConfig = Field(
        default=InstanceGroupConfig(count=2), description="Core group: HDFS and YARN capacity."
    )
    task: InstanceGroupConfig | None = Field(
        default=None, description="Optional task group: YARN capacity only, without HDFS."
    )
    managed_scaling: ManagedScalingConfig | None = Field(
        default=ManagedScalingConfig(),
        description="Managed scaling limits; null keeps the instance counts fixed.",
    )
    idle_timeout_minutes: int = Field(
        default=60, ge=1, le=10080, description="The cluster terminates itself after this long without work."
    )
    ec2_key_name: str | None = Field(
        default=None,
        description="EC2 key pair for SSH; default none: shell access is through Session Manager only.",
    )
    in_transit_certificates: str | None = Field(
        default=None,
        description="s3://bucket/key.zip of the PEM files (privateKey.pem, certificateChain.pem, "
        "trustedCertificates.pem) that switch on in-transit encryption; default none.",
    )
    example_steps: ExampleStepsConfig = Field(
        default=ExampleStepsConfig(), description="Example steps run at cluster start."
    )

    @field_validator("release_label")
    @classmethod
    def _supported_release(cls, label: str) -> str:
        version = release_version(label)
        first = FIRST_SUPPORTED.get(version[0])
        if first is None:
            raise ValueError(
                f"EMR {version[0]}.x is not supported; supported release lines: 6.x (from emr-6.4.0) and 7.x"
            )
        if version < first:
            raise ValueError(f"the 6.x line is supported from emr-6.4.0 (idle auto-termination) on, not {label}")
        return label

    @field_validator("applications")
    @classmethod
    def _unique(cls, applications: list[str]) -> list[str]:
        require_unique(applications)
        if not applications:
            raise ValueError("at least one application is needed, e.g. Spark")
        return applications

    @field_validator("in_transit_certificates")
    @classmethod
    def _s3_zip(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S+\.zip", value):
            raise ValueError("the certificates are a zip in S3: 's3://<bucket>/<key>.zip'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ProcessingConfig:
        problems = [
            reason
            for reason in (unavailable_reason(name, self.release_label) for name in self.applications)
            if reason is not None
        ]
        if problems:
            raise ValueError(f"release_label {self.release_label}: {'; '.join(problems)}")
        if self.example_steps.etl_dataset is not None and release_version(self.release_label) < (
            FIRST_RELEASE_WITH_PYTHON_311
        ):
            raise ValueError(
                f"release_label {self.release_label}: the ETL example step runs the Glue job's Python 3.11 "
                "code, and EMR ships Python 3.11 from emr-7.1.0; use emr-7.1.0 or later, or drop "
                "example_steps.etl_dataset"
            )
        if "Presto" in self.applications and "Trino" in self.applications:
            raise ValueError("Presto and Trino cannot be installed on the same cluster: choose one")
        if self.primary.count not in (1, 3):
            raise ValueError(f"primary.count must be 1, or 3 for high availability; given {self.primary.count}")
        scaling = self.managed_scaling
        if scaling is not None:
            if not scaling.minimum_units <= self.core.count <= scaling.core_limit:
                raise ValueError(
                    f"core.count ({self.core.count}) must lie within the managed scaling limits "
                    f"({scaling.minimum_units} to {scaling.core_limit} core instances)"
                )
            if self.task is not None and self.core.count + self.task.count > scaling.maximum_units:
                raise ValueError(
                    f"core.count + task.count ({self.core.count + self.task.count}) exceeds "
                    f"managed_scaling.maximum_units ({scaling.maximum_units})"
                )
        return self


def check_processing(
    processing: ProcessingConfig, *, network: NetworkConfig, datasets: list[DatasetSpec], governed: bool = False
) -> None:
    """What the processing layer needs from the rest of the config; raises ValueError naming the gap.
    `governed`: Lake Formation grants are in play (the ETL step then tags its table through Lake Formation's API)."""
    if not processing.enabled:
        return
    if not network.enabled:
        raise ValueError("processing needs network.enabled: true (the cluster runs in the VPC's private subnets)")
    if network.nat_gateways == 0:
        needed = [*ENDPOINTS_WITHOUT_NAT]
        if governed and processing.example_steps.etl_dataset is not None:
            needed.append("lakeformation")
        missing = [name for name in needed if name not in network.interface_endpoints]
        if missing:
            raise ValueError(
                "processing in private subnets without NAT (network.nat_gateways: 0) needs these "
                f"network.interface_endpoints too: {', '.join(missing)}"
            )
    by_name = {dataset.name: dataset for dataset in datasets}
    steps = processing.example_steps
    for field, name in (("etl_dataset", steps.etl_dataset), ("training_dataset", steps.training_dataset)):
        if name is not None and name not in by_name:
            declared = ", ".join(by_name) if by_name else "none"
            raise ValueError(
                f"processing.example_steps.{field} {name!r} is not a catalog dataset; declared: {declared}"
            )
    if steps.training_dataset is not None and by_name[steps.training_dataset].label is None:
        labeled = ", ".join(d.name for d in datasets if d.label is not None) or "none"
        raise ValueError(
            f"processing.example_steps.training_dataset {steps.training_dataset!r} has no label to learn; "
            f"labeled datasets: {labeled}"
        )
