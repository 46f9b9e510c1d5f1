"""A monthly AWS Budgets cost budget that alerts on actual and forecasted spend."""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_sns as sns
from constructs import Construct


class CostBudget(Construct):
    """A COST budget named `budget_name` of `limit_usd` a month.

    One notification per threshold: `actual_percents` compare the month's actual spend, and
    `forecasted_percents` the month's forecast, with the limit. Each notifies `topic` and up to
    10 `emails` directly (a Budgets limit, validated in config).

    `tags`, when given, restrict the budget to costs carrying every one of those tags (an AND of
    tag filters). Budgets sees a tag only after it is activated as a cost allocation tag in the
    Billing console, and only for costs incurred after that: until then, a tag-filtered budget
    reads 0.

    Attributes: `budget`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        budget_name: str,
        limit_usd: float,
        actual_percents: list[float],
        forecasted_percents: list[float],
        topic: sns.ITopic,
        emails: list[str],
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)]
        subscribers += [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=address) for address in emails
        ]
        notifications = [
            budgets.CfnBudget.NotificationWithSubscribersProperty(
                notification=budgets.CfnBudget.NotificationProperty(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                ),
                subscribers=subscribers,
            )
            for kind, percents in (("ACTUAL", actual_percents), ("FORECASTED", forecasted_percents))
            for percent in percents
        ]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
                filter_expression=None if not tags else _all_tags(tags),
            ),
            notifications_with_subscribers=notifications,
        )


def _all_tags(tags: dict[str, str]) -> budgets.CfnBudget.ExpressionProperty:
    expressions = [
        budgets.CfnBudget.ExpressionProperty(
            tags=budgets.CfnBudget.TagValuesProperty(key=key, values=[value], match_options=["EQUALS"])
        )
        for key, value in tags.items()
    ]
    return expressions[0] if len(expressions) == 1 else budgets.CfnBudget.ExpressionProperty(and_=expressions)
