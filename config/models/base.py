"""Shared base for every config model: unknown keys are errors, values are immutable."""

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class StrictModel(BaseModel):
    """A config section. A key that is not declared here is a typo, and is rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LayerSwitch(StrictModel):
    """A layer that can be switched off. Off by default: a layer is deployed only when asked for."""

    # The smallest section that switches the layer on; a layer whose defaults are not enough overrides
    # it. The test suite's `full` fixture switches on with it each layer the fixture leaves out.
    example: ClassVar[dict[str, Any] | None] = {"enabled": True}

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


def located_error(problems: list[tuple[tuple[str | int, ...], Any, str]]) -> ValidationError:
    """One error per (location, value given, message), raised from a validator: pydantic reports
    each at its location under the validated field, so the loader names the exact key and line."""
    return ValidationError.from_exception_data(
        "PlatformConfig",
        [
            {"type": "value_error", "loc": loc, "input": given, "ctx": {"error": ValueError(message)}}
            for loc, given, message in problems
        ],
    )


def run_checks(value: Any, *checks: Callable[[], None]) -> None:
    """Run every check of a validated `value` and raise all their problems at once: a check raises
    ValueError (located at `value` itself) or a located_error."""
    problems: list[tuple[tuple[str | int, ...], Any, str]] = []
    for check in checks:
        try:
            check()
        except ValidationError as error:
            problems += [(e["loc"], e["input"], e["msg"].removeprefix("Value error, ")) for e in error.errors()]
        except ValueError as error:
            problems.append(((), value, str(error)))
    if problems:
        raise located_error(problems)


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
