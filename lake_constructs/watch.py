"""How a layer watches itself: its failure rules, alarms and dashboard widgets, all notifying one topic.

The monitoring stack makes one `Watch` and hands it to each enabled layer that has something to
watch (a stack class with a static `watch(watch)`, see `WatchedLayer`); the layer adds what it
watches, finding its resources by the naming contract (names derived from the config), never by
object, so the monitoring stack references no other stack. The monitoring stack then assembles the
dashboard from what the layers added.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from config import PlatformConfig

from .construct_ids import construct_id
from .failure_rule import FailureRule

FIVE_MINUTES = Duration.minutes(5)
# How many periods a failing value must last before a layer's health alarm fires.
SUSTAINED = 3
# A layer's health graph: a third of the dashboard's width, side by side with the other layers'.
GRAPH_WIDTH, GRAPH_HEIGHT = 8, 6


class Watch:
    """What the layers add to, in `scope` (the monitoring stack): `rules` and `alarms` by name
    without the prefix, `alarm_status` (every alarm the dashboard shows, the dataset stacks' alarms
    included), `rows` (full-width dashboard rows) and `graphs` (one per layer, shown side by side).

    `config`, `prefix` (`config.name_prefix`), `topic` and `topic_name` are the layers' to use.
    """

    def __init__(self, scope: Construct, *, config: PlatformConfig, topic: sns.ITopic, topic_name: str) -> None:
        self.scope = scope
        self.config = config
        self.prefix = config.name_prefix
        self.topic = topic
        self.topic_name = topic_name
        self.rules: dict[str, FailureRule] = {}
        self.alarms: dict[str, cw.Alarm] = {}
        self.alarm_status: list[cw.IAlarm] = []
        self.rows: list[list[cw.IWidget]] = []
        self.graphs: list[cw.IWidget] = []

    def on_failure(self, id: str, name: str, *, fields: dict[str, str], **rule_props) -> FailureRule:
        """A `FailureRule` `<prefix>-<name>` (`rule_props`: its description, source, detail_types,
        detail and message) notifying the topic, and an alarm on its failed deliveries."""
        # Every message says where it happened: `{account}` and `{region}` are always available.
        fields = {**fields, "account": "$.account", "region": "$.region"}
        rule = FailureRule(
            self.scope, id, rule_name=f"{self.prefix}-{name}", fields=fields, topic=self.topic, **rule_props
        )
        self.rules[name] = rule
        # A rule whose notification cannot be delivered (topic key or policy refusing EventBridge) is
        # otherwise silent: the alarm reaches the topic as CloudWatch, a publisher of its own.
        self.alarm(
            f"{id}FailedDelivery",
            f"{name}-failed-delivery",
            alarm_description=f"The rule {rule.rule_name} matched an event but could not deliver its "
            f"notification to {self.topic_name} (see the rule's FailedInvocations metric)",
            metric=rule.failed_deliveries(FIVE_MINUTES),
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            # The rule publishes the metric only when it matches something.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        return rule

    def alarm(self, id: str, name: str, **props) -> cw.Alarm:
        """An alarm `<prefix>-<name>` (`props` as for `cw.Alarm`) notifying the topic on ALARM and OK."""
        alarm = cw.Alarm(self.scope, id, alarm_name=f"{self.prefix}-{name}", actions_enabled=True, **props)
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.add_alarms({name: alarm})
        return alarm

    def add_alarms(self, alarms: dict[str, cw.Alarm]) -> None:
        """Alarms made elsewhere in the monitoring stack (by name without the prefix)."""
        self.alarms.update(alarms)
        self.alarm_status.extend(alarms.values())

    def show_alarms(self, names: list[str]) -> None:
        """Alarms of other stacks, by full name, on the dashboard's alarm status."""
        self.alarm_status.extend(
            cw.Alarm.from_alarm_name(self.scope, f"{construct_id(name)}Alarm", name) for name in names
        )

    def add_row(self, *widgets: cw.IWidget) -> None:
        """A full-width row of the dashboard."""
        self.rows.append(list(widgets))

    def add_graph(self, title: str, *, left: list[cw.IMetric], right: list[cw.IMetric] | None = None) -> None:
        """The layer's health graph, beside the other layers' in one row."""
        self.graphs.append(cw.GraphWidget(title=title, left=left, right=right, width=GRAPH_WIDTH, height=GRAPH_HEIGHT))


@runtime_checkable
class WatchedLayer(Protocol):
    """A layer (its stack class) with something to watch: it adds its rules, alarms and widgets."""

    @staticmethod
    def watch(watch: Watch) -> None: ...
