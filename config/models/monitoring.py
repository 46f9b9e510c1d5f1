"""Monitoring layer: alarm topic, failure rules, alarms, dashboard, budget."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, StrictModel, require_unique

# Deliberately loose: SNS and Budgets do the real check; this catches typos such as a missing '@'.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A Budgets notification has at most 10 e-mail subscribers besides the SNS topic, and a budget at
# most 5 notifications (one per threshold here).
MAX_BUDGET_EMAILS = 10
MAX_BUDGET_NOTIFICATIONS = 5
# CloudWatch evaluates an alarm over at most 7 days (period x evaluation periods).
MAX_RUN_WINDOW_HOURS = 7 * 24


def _emails(value: list[str]) -> list[str]:
    invalid = [address for address in value if not EMAIL.match(address)]
    if invalid:
        raise ValueError(f"not an e-mail address: {', '.join(invalid)}")
    require_unique(value)
    return value


def _percents(value: list[float]) -> list[float]:
    if sorted(set(value)) != list(value):
        raise ValueError("thresholds must be listed once each, in increasing order")
    return value


class BudgetConfig(StrictModel):
    """A monthly AWS Budgets cost budget with alerts on actual and forecasted spend."""

    enabled: bool = Field(default=True, description="Create the budget (only with monitoring enabled).")
    monthly_limit_usd: float = Field(default=100.0, gt=0, description="Monthly cost limit, in US dollars.")
    actual_thresholds_percent: list[float] = Field(
        default_factory=lambda: [80.0, 100.0],
        description="Alert when actual spend passes each of these percentages of the limit.",
    )
    forecasted_thresholds_percent: list[float] = Field(
        default_factory=lambda: [100.0],
        description="Alert when the month's forecasted spend passes each of these percentages of the limit.",
    )
    emails: list[str] = Field(
        default_factory=list,
        description="E-mail addresses Budgets notifies directly, besides the alarm topic (at most 10).",
    )
    # Off by default: a tag-filtered budget reads 0 until both tags are activated as cost allocation tags,
    # which CloudFormation cannot do (it has no resource for it; the Cost Explorer API
    # UpdateCostAllocationTagsStatus works only in the management account, and only for tag keys that
    # billing has already seen, up to 24 hours after they are first used). See docs/cost.md.
    filter_by_tags: bool = Field(
        default=False,
        description="Count only costs tagged project=<project> and environment=<environment>; both tags "
        "must first be activated as cost allocation tags (management account). False (default): the "
        "costs of the account the budget is deployed in.",
    )

    @field_validator("actual_thresholds_percent", "forecasted_thresholds_percent")
    @classmethod
    def _valid_percents(cls, value: list[float]) -> list[float]:
        out_of_range = [p for p in value if not 0 < p <= 1000]
        if out_of_range:
            raise ValueError(f"percentages must be above 0 and at most 1000, got {out_of_range}")
        return _percents(value)

    @field_validator("emails")
    @classmethod
    def _valid_emails(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_BUDGET_EMAILS:
            raise ValueError(f"a budget notification has at most {MAX_BUDGET_EMAILS} e-mail subscribers")
        return _emails(value)

    @model_validator(mode="after")
    def _some_alert(self) -> BudgetConfig:
        count = len(self.actual_thresholds_percent) + len(self.forecasted_thresholds_percent)
        if self.enabled and count == 0:
            raise ValueError("a budget needs at least one actual or forecasted threshold to alert on")
        if count > MAX_BUDGET_NOTIFICATIONS:
            raise ValueError(
                f"{count} thresholds in all; AWS Budgets allows {MAX_BUDGET_NOTIFICATIONS} notifications per "
                "budget (actual_thresholds_percent and forecasted_thresholds_percent together)"
            )
        return self


class MonitoringConfig(LayerSwitch):
    """Alarms and failure notifications to one SNS topic, a dashboard and a cost budget.

    Each alarm and rule exists only when the layer it watches is enabled."""

    alarm_emails: list[str] = Field(
        default_factory=list,
        description="E-mail addresses subscribed to the alarm topic (each must confirm the subscription).",
    )
    quarantine_share_percent: float = Field(
        default=5.0,
        gt=0,
        le=100,
        description="Alarm when an ETL run sends more than this percentage of a dataset's rows to quarantine.",
    )
    run_window_hours: int = Field(
        default=26,
        ge=1,
        le=MAX_RUN_WINDOW_HOURS,
        description="Alarm when a dataset with a schedule has had no ETL run for this many hours.",
    )
    redshift_cpu_percent: float = Field(
        default=90.0, gt=0, le=100, description="Alarm when the warehouse's CPU stays above this for 15 minutes."
    )
    redshift_disk_percent: float = Field(
        default=80.0, gt=0, le=100, description="Alarm when the warehouse uses more than this share of its disk."
    )
    dms_latency_seconds: int = Field(
        default=600, ge=1, description="Alarm when a DMS task's CDC source or target latency exceeds this."
    )
    dashboard: bool = Field(default=True, description="Create the platform's CloudWatch dashboard.")
    budget: BudgetConfig = Field(default_factory=BudgetConfig, description="The monthly cost budget.")

    @field_validator("alarm_emails")
    @classmethod
    def _valid_emails(cls, value: list[str]) -> list[str]:
        return _emails(value)
