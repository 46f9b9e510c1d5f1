"""Monitoring layer: the alarm topic and the cost budget, and the dashboard assembled from what each
enabled layer watches (its failure rules, alarms and widgets: the layer's own `watch`, see
lake_constructs/watch.py).

Everything here is derived from the config and the platform's naming contract, never from other
stacks' objects: the stack deploys on its own, and watches a layer only when that layer is enabled.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from config import PlatformConfig
from glue_jobs.lake_etl.contract import METRICS_NAMESPACE
from lake_constructs.alarm_topic import AlarmTopic
from lake_constructs.cost_budget import CostBudget
from lake_constructs.failure_rule import FailureRule
from lake_constructs.limits import ALARM_WIDGET_ALARMS
from lake_constructs.watch import Watch, WatchedLayer

from .layers import LayerRow


def topic_name(config: PlatformConfig) -> str:
    """The SNS topic every alarm, rule and budget of the platform notifies: '<prefix>-alarms'."""
    return f"{config.name_prefix}-alarms"


class MonitoringStack(Stack):
    """`layers`: the enabled layers (their stack classes); each one with a `watch` adds its rules,
    alarms and widgets, in this order. `removal_policy`: the platform's (the storage stack's), for
    the topic's key.

    Attributes: `alarm_topic` (the AlarmTopic), `topic`, `watch` (the Watch the layers filled),
    `rules` and `alarms` (by name without the prefix), `dashboard` and `budget` (None when switched off).
    """

    row = LayerRow(
        position=110,
        layer="monitoring",
        holds="alarm topic, failure rules, ETL/warehouse/DMS alarms, dashboard, budget",
        switch="`monitoring.enabled`",
        docs="[monitoring](docs/monitoring.md)",
    )
    stateful_types = frozenset({"AWS::KMS::Key"})
    stateless_types = frozenset(
        {
            *("AWS::Budgets::Budget", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::Events::Rule"),
            *("AWS::KMS::Alias", "AWS::SNS::Subscription", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy"),
        }
    )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        layers: Sequence[type],
        removal_policy: RemovalPolicy,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        prefix = config.name_prefix
        monitoring = config.monitoring

        self.alarm_topic = AlarmTopic(
            self,
            "Alarms",
            topic_name=topic_name(config),
            emails=monitoring.alarm_emails,
            removal_policy=removal_policy,
        )
        self.topic = self.alarm_topic.topic
        self.watch = Watch(self, config=config, topic=self.topic, topic_name=topic_name(config))
        for layer in layers:
            if isinstance(layer, WatchedLayer):
                layer.watch(self.watch)
        self.rules: dict[str, FailureRule] = self.watch.rules
        self.alarms: dict[str, cw.Alarm] = self.watch.alarms

        self.dashboard = self._dashboard() if monitoring.dashboard else None
        budget = monitoring.budget
        self.budget = (
            CostBudget(
                self,
                "Budget",
                budget_name=f"{prefix}-monthly",
                limit_usd=budget.monthly_limit_usd,
                actual_percents=budget.actual_thresholds_percent,
                forecasted_percents=budget.forecasted_thresholds_percent,
                topic=self.topic,
                emails=budget.emails,
                tags={"project": config.project, "environment": config.environment} if budget.filter_by_tags else None,
            )
            if budget.enabled
            else None
        )

    def _dashboard(self) -> cw.Dashboard:
        """A title, the status of every alarm, then the layers' rows and their graphs side by side."""
        config = self.config
        dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.name_prefix}-platform",
            default_interval=Duration.days(7),
        )
        dashboard.add_widgets(
            cw.TextWidget(
                markdown=f"# {config.project} {config.environment}\nETL runs and rows per dataset "
                f"(`{METRICS_NAMESPACE}`), and the health of each enabled layer. Alarms notify "
                f"the SNS topic `{topic_name(config)}`.",
                width=24,
                height=2,
            )
        )
        # An alarm status widget shows at most 100 alarms: as many widgets as that takes.
        alarms = self.watch.alarm_status
        step = ALARM_WIDGET_ALARMS.maximum
        for start in range(0, len(alarms), step):
            title = "Alarms" if len(alarms) <= step else f"Alarms {start + 1}-{min(start + step, len(alarms))}"
            dashboard.add_widgets(
                cw.AlarmStatusWidget(title=title, alarms=alarms[start : start + step], width=24, height=3)
            )
        for row in self.watch.rows:
            dashboard.add_widgets(*row)
        if self.watch.graphs:
            dashboard.add_widgets(*self.watch.graphs)
        return dashboard
