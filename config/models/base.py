"""Shared base for every config model: unknown keys are errors, values are immutable."""

import ipaddress
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A config section. A key that is not declared here is a typo, and is rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LayerSwitch(StrictModel):
    """A layer that can be switched off. Off by default: a layer is deployed only when asked for."""

    enabled: bool = Field(default=False, description="Deploy this layer.")


def require_unique(values: Sequence[str], what: str | None = None) -> None:
    """Reject values given more than once, naming each of them.

    With `what` (e.g. "dataset names") the message reads "<what> must be unique; repeated: a, b";
    without it, "listed more than once: a, b" (for a plain list of values)."""
    repeated = ", ".join(sorted({value for value in values if values.count(value) > 1}))
    if not repeated:
        return
    if what is None:
        raise ValueError(f"listed more than once: {repeated}")
    raise ValueError(f"{what} must be unique; repeated: {repeated}")


# The cron expressions of Glue triggers and Redshift schedules: six fields, evaluated in UTC.
CRON = re.compile(r"cron\((\S+\s+){5}\S+\)")


def require_cron(value: str, service: str) -> None:
    """Reject a schedule of `service` (Glue, Redshift) that is not a six-field cron expression."""
    if not CRON.fullmatch(value):
        raise ValueError(
            f"a {service} schedule is cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), in UTC"
        )


def ipv4_network(cidr: str) -> ipaddress.IPv4Network:
    """`cidr` as a network; a host address with a prefix ('10.0.0.1/24') or a bad prefix is rejected."""
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as error:
        raise ValueError(f"{cidr!r} is not a valid IPv4 network in CIDR notation ({error})") from None


# The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
LogRetentionDays = Literal[LOG_RETENTION_DAYS]  # type: ignore[valid-type]
