"""An EventBridge rule that turns a service's failure event into a readable alarm notification."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from .alarm_topic import TopicTarget


class FailureRule(Construct):
    """A rule on the default event bus matching `source`, `detail_types` and `detail`, whose target
    publishes `message` to `topic`.

    `message` is text with `{name}` placeholders, each filled from the event at `fields[name]`
    (a JSONPath such as '$.detail.jobName') by an input transformer, so the e-mail reads as a
    sentence rather than as the raw event. The rule is enabled and named `rule_name`.

    A delivery that fails (the topic's key or policy refusing the publish, say) is visible only in
    the rule's `FailedInvocations` metric: `failed_deliveries` is that metric, for an alarm that
    reaches the operators by another path (CloudWatch alarms publish to the topic themselves).

    Attributes: `rule`, `rule_name`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rule_name: str,
        description: str,
        source: str,
        detail_types: list[str],
        detail: dict,
        message: str,
        fields: dict[str, str],
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, id)
        self.rule_name = rule_name
        text = message.format(**{name: events.EventField.from_path(path) for name, path in fields.items()})
        self.rule = events.Rule(
            self,
            "Rule",
            rule_name=rule_name,
            description=description,
            event_pattern=events.EventPattern(source=[source], detail_type=detail_types, detail=detail),
            targets=[TopicTarget(topic, events.RuleTargetInput.from_text(text))],
        )

    def failed_deliveries(self, period: Duration) -> cw.Metric:
        """The rule's target invocations that failed (AWS/Events `FailedInvocations`, by `RuleName`)."""
        return cw.Metric(
            namespace="AWS/Events",
            metric_name="FailedInvocations",
            dimensions_map={"RuleName": self.rule_name},
            statistic="Sum",
            period=period,
        )
