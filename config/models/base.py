"""Shared base for every config model: unknown keys are errors, values are immutable."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A config section. A key that is not declared here is a typo, and is rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LayerSwitch(StrictModel):
    """A layer that can be switched off. Off by default: a layer is deployed only when asked for."""

    enabled: bool = Field(default=False, description="Deploy this layer.")


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
