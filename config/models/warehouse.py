"""Warehouse layer: Redshift cluster with Spectrum over the curated catalog."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, LogRetentionDays, StrictModel
from .cron import RedshiftCron
from .network import NetworkConfig

# Current-generation node types, and the most nodes a cluster of each can be created with.
# (Elastic resize can grow some of them further; that is an operation, not a deployment.)
MAX_NODES = {"ra3.large": 16, "ra3.xlplus": 16, "ra3.4xlarge": 32, "ra3.16xlarge": 128}
NodeType = Literal[tuple(MAX_NODES)]  # type: ignore[valid-type]

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
MAINTENANCE_WINDOW = re.compile(rf"^{DAY}:([01]\d|2[0-3]):[0-5]\d-{DAY}:([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_WEEK = 7 * 24 * 60
MIN_MAINTENANCE_MINUTES = 30


class PauseResumeSchedule(StrictModel):
    """Pauses the cluster outside working hours (compute is not billed while paused; storage is)."""

    enabled: bool = Field(default=False, description="Create the two scheduled actions.")
    pause: RedshiftCron = Field(
        default="cron(0 19 ? * MON-FRI *)", description="When to pause: Redshift cron in UTC (weekday evenings)."
    )
    resume: RedshiftCron = Field(
        default="cron(0 7 ? * MON-FRI *)", description="When to resume: Redshift cron in UTC (weekday mornings)."
    )


class WarehouseConfig(LayerSwitch):
    """A provisioned Redshift cluster `<prefix>-warehouse` in the isolated subnets, with Spectrum
    over the curated Glue database and UNLOAD back to the raw zone. Needs the network layer."""

    node_type: NodeType = Field(default="ra3.large", description=f"One of {', '.join(MAX_NODES)}.")
    node_count: int = Field(
        default=2, ge=2, description="Nodes of the cluster; at least 2 (a multi-node cluster, as in the course)."
    )
    port: int = Field(
        default=5440, ge=1150, le=65535, description="Port clients connect to; not Redshift's well-known 5439."
    )
    database_name: str = Field(
        default="lake", pattern=IDENTIFIER, max_length=64, description="The database created with the cluster."
    )
    admin_username: str = Field(
        default="lakeadmin",
        pattern=IDENTIFIER,
        max_length=128,
        description="Admin user; its password is generated and kept by Redshift in Secrets Manager.",
    )
    deploy_username: str = Field(
        default="lakedeployer",
        pattern=IDENTIFIER,
        max_length=128,
        description="Database user that runs the platform's deploy-time SQL (the external schema), with only "
        "CREATE on the database; created by the admin user at deploy, temporary credentials only.",
    )
    external_schema: str = Field(
        default="curated",
        pattern=IDENTIFIER,
        max_length=127,
        description="Spectrum schema over the curated Glue database: `SELECT * FROM curated.<dataset>`.",
    )
    automated_snapshot_retention_days: int = Field(
        default=7, ge=1, le=35, description="Days automated snapshots are kept (1 to 35)."
    )
    maintenance_window: str = Field(
        default="sun:03:00-sun:03:30", description="Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi in UTC."
    )
    audit_log_retention_days: LogRetentionDays = Field(
        default=365, description="Days the connection, user and user-activity logs are kept in CloudWatch Logs."
    )
    pause_resume: PauseResumeSchedule = PauseResumeSchedule()

    @field_validator("admin_username")
    @classmethod
    def _not_the_default_user(cls, value: str) -> str:
        if value == "awsuser":
            raise ValueError("'awsuser' is the name every scanner tries first; choose another admin name")
        return value

    @model_validator(mode="after")
    def _distinct_users(self):
        if self.deploy_username == self.admin_username:
            raise ValueError("deploy_username must differ from admin_username: the deploy user has only CREATE")
        return self

    @field_validator("maintenance_window")
    @classmethod
    def _window(cls, value: str) -> str:
        if not MAINTENANCE_WINDOW.fullmatch(value):
            raise ValueError("a window like 'sun:03:00-sun:03:30' (ddd:hh24:mi-ddd:hh24:mi, UTC)")
        start, end = (_minute_of_week(part) for part in value.split("-"))
        if (end - start) % MINUTES_PER_WEEK < MIN_MAINTENANCE_MINUTES:
            raise ValueError(f"a maintenance window lasts at least {MIN_MAINTENANCE_MINUTES} minutes")
        return value

    @model_validator(mode="after")
    def _nodes_fit_the_type(self) -> WarehouseConfig:
        if self.node_count > MAX_NODES[self.node_type]:
            raise ValueError(
                f"node_count ({self.node_count}) exceeds what a {self.node_type} cluster can be created with "
                f"({MAX_NODES[self.node_type]})"
            )
        return self

    def check_network(self, network: NetworkConfig) -> None:
        """The warehouse lives in the VPC, and its deploy-time SQL reaches the Redshift Data API from there."""
        if not self.enabled:
            return
        if not network.enabled:
            raise ValueError("warehouse.enabled needs network.enabled: the cluster lives in the VPC's isolated subnets")
        missing = [] if "redshift-data" in network.interface_endpoints else ["redshift-data"]
        # With enhanced VPC routing, Spectrum reaches the Glue catalog from the VPC: an endpoint, or NAT.
        if network.nat_gateways == 0 and "glue" not in network.interface_endpoints:
            missing.append("glue")
        if missing:
            raise ValueError(
                f"warehouse.enabled needs network.interface_endpoints to include {', '.join(missing)} "
                f"(given {', '.join(network.interface_endpoints) or 'none'}): the external schema is created "
                "through the Redshift Data API from inside the VPC, and Spectrum reads the Glue catalog through it"
            )


def _minute_of_week(moment: str) -> int:
    day, hours, minutes = moment.split(":")
    return DAYS.index(day) * 24 * 60 + int(hours) * 60 + int(minutes)
