"""The SNS topic every alarm, failure rule and budget of the platform notifies."""

from __future__ import annotations

import jsii
from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from .lake_key import rotating_key

# The AWS services that publish to the topic, and the ARN pattern of what publishes (in this account).
PUBLISHERS = {
    "events.amazonaws.com": ("events", "rule", "*", ArnFormat.SLASH_RESOURCE_NAME),
    "cloudwatch.amazonaws.com": ("cloudwatch", "alarm", "*", ArnFormat.COLON_RESOURCE_NAME),
    "budgets.amazonaws.com": ("budgets", "budget", "*", ArnFormat.SLASH_RESOURCE_NAME),
}
# Publishers whose KMS requests (made by SNS on their behalf) carry no aws:SourceAccount / aws:SourceArn:
# the SNS developer guide, "Enable compatibility between event sources from AWS services and encrypted
# topics" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services),
# says those condition keys are not supported in the key policy for EventBridge publishing to an encrypted
# topic. A key statement conditioned on them denies every delivery, seen only in the rule's FailedInvocations.
NO_SOURCE_CONDITIONS_IN_KEY_POLICY = frozenset({"events.amazonaws.com"})


class AlarmTopic(Construct):
    """An SNS topic encrypted with a key of its own, that only EventBridge rules, CloudWatch alarms
    and AWS Budgets budgets of this account may publish to, over TLS only, with e-mail subscribers.

    Why a key of its own rather than the platform key: publishing AWS services must be allowed to
    use the topic's key, and the platform key encrypts the lake's data. A separate key keeps those
    services out of the data key's policy, and lets the storage stack stay free of references to
    monitoring (about 1 USD a month).

    Key: rotated yearly; its policy lets the three publishing services generate data keys and
    decrypt only for this topic (`kms:EncryptionContext:aws:sns:topicArn`, the context SNS puts on
    every KMS request of an encrypted topic). CloudWatch alarms and budgets are further held to
    alarms and budgets of this account (`aws:SourceArn`, `aws:SourceAccount`), as the SNS guide's
    key policy for AWS event sources shows; EventBridge is not, because the SNS guide says those
    keys are not supported in the key policy for EventBridge (its deliveries would all fail).
    Topic policy: the same services may `sns:Publish` only from an EventBridge rule, alarm or budget
    of this account (`aws:SourceArn` and `aws:SourceAccount`, which SNS evaluates for each of them);
    any request without TLS is denied.

    Attributes: `key`, `topic`, `subscriptions` (one per e-mail).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        topic_name: str,
        emails: list[str],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = rotating_key(
            self,
            "Key",
            alias=f"alias/{topic_name}",
            description=f"Encrypts the alarm topic {topic_name}",
            removal_policy=removal_policy,
        )
        # Built from the name, not the topic's Ref: the topic already refers to the key.
        topic_arn = stack.format_arn(service="sns", resource=topic_name)
        for service, (arn_service, resource, name, arn_format) in PUBLISHERS.items():
            conditions: dict = {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}}
            if service not in NO_SOURCE_CONDITIONS_IN_KEY_POLICY:
                conditions["StringEquals"]["aws:SourceAccount"] = stack.account
                conditions["ArnLike"] = {"aws:SourceArn": _source_arn(stack, arn_service, resource, name, arn_format)}
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{service.split('.')[0].capitalize()}ToEncryptNotifications",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],
                    conditions=conditions,
                )
            )

        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name=topic_name,
            master_key=self.key,
            enforce_ssl=True,
        )
        for service, (arn_service, resource, name, arn_format) in PUBLISHERS.items():
            source_arn = _source_arn(stack, arn_service, resource, name, arn_format)
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{arn_service.capitalize()}ToPublish",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions={
                        "ArnLike": {"aws:SourceArn": source_arn},
                        "StringEquals": {"aws:SourceAccount": stack.account},
                    },
                )
            )
        self.subscriptions = [
            sns.Subscription(
                self,
                f"Email{index}",
                topic=self.topic,
                protocol=sns.SubscriptionProtocol.EMAIL,
                endpoint=address,
            )
            for index, address in enumerate(emails)
        ]


def _source_arn(stack: Stack, service: str, resource: str, name: str, arn_format: ArnFormat) -> str:
    return stack.format_arn(
        service=service,
        resource=resource,
        resource_name=name,
        arn_format=arn_format,
        # Budgets ARNs have no region.
        region="" if service == "budgets" else None,
    )


@jsii.implements(events.IRuleTarget)
class TopicTarget:
    """An EventBridge rule target that publishes `message` to `topic`, relying on the topic's own
    policy (see AlarmTopic) instead of adding an unconditioned `events.amazonaws.com` grant, as
    `aws_events_targets.SnsTopic` does."""

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

    def bind(self, _rule: events.IRule, _id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)
