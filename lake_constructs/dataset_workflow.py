"""The Glue workflow that runs a dataset's pipeline: curate what landed, and crawl the raw zone beside it."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from constructs import Construct

from config.models.catalog import ArrivalTrigger

from .lake_role import LakeRole, service_of_this_account


class DatasetWorkflow(Construct):
    """A workflow named `name` whose one start trigger, `<name>-start`, runs the ETL `job` and the
    raw `crawler` side by side:

    - with `on_arrival`: an EVENT trigger. An EventBridge rule sends the raw bucket's "Object
      Created" events under `raw_prefix` to the workflow (the bucket sends its events to EventBridge,
      see LakeBucket); Glue starts a run once `batch_size` events arrived, or `batch_window_seconds`
      after the first one (EventBatchingCondition). A `schedule`, when given too, is a second rule
      whose event starts a run the same way, so quiet days still get their run.
    - without it: on `schedule` (a Glue cron expression) when given, else on demand.

    The job does not wait for the crawl: it reads the files it has not curated yet by itself (their
    list is the raw prefix), and writes the curated Iceberg table, which the Glue catalog learns of
    at commit. The crawl only keeps the raw table catalogued for ad hoc queries. The trigger is
    activated on creation (CloudFormation leaves scheduled and event triggers inactive otherwise).
    One run at a time: events arriving meanwhile start the next run.

    Attributes: `workflow`, `workflow_name`, `start_trigger` (CfnTrigger), `rules` (EventBridge
    rules feeding an EVENT trigger), `events_role`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        crawler: glue.CfnCrawler,
        job: glue.IJob,
        schedule: str | None,
        description: str,
        on_arrival: ArrivalTrigger | None = None,
        raw_bucket_name: str | None = None,
        raw_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.workflow_name = name
        self.workflow = glue.Workflow(
            self, "Workflow", workflow_name=name, description=description, max_concurrent_runs=1
        )
        actions = [glue.Action.job(job), glue.Action.crawler(crawler)]
        self.rules: list[events.CfnRule] = []
        self.events_role: LakeRole | None = None
        if on_arrival is not None:
            self.start_trigger = self.workflow.add_event_trigger(
                "Start",
                name=f"{name}-start",
                description=f"Curates and crawls when {on_arrival.batch_size} file(s) landed under {raw_prefix} "
                f"or {on_arrival.batch_window_seconds} s after the first",
                actions=actions,
                event_batching_condition=glue.EventBatchingCondition(
                    batch_size=on_arrival.batch_size, batch_window=Duration.seconds(on_arrival.batch_window_seconds)
                ),
            )
            self._event_rules(name, raw_bucket_name, raw_prefix, schedule)
        elif schedule is None:
            self.start_trigger = self.workflow.add_on_demand_trigger(
                "Start", name=f"{name}-start", description="Curates and crawls on demand", actions=actions
            )
        else:
            self.start_trigger = self.workflow.add_scheduled_trigger(
                "Start",
                name=f"{name}-start",
                description=f"Curates and crawls on {schedule}",
                actions=actions,
                schedule=glue.TriggerSchedule.expression(schedule),
                start_on_creation=True,
            )
            # The L2 gives every trigger an event batching condition; only EVENT triggers batch events.
            self.start_trigger.add_property_deletion_override("EventBatchingCondition")

    def _event_rules(self, name: str, bucket: str | None, prefix: str | None, schedule: str | None) -> None:
        if bucket is None or prefix is None:
            raise ValueError("an arrival trigger needs raw_bucket_name and raw_prefix")
        stack = Stack.of(self)
        workflow_arn = stack.format_arn(service="glue", resource="workflow", resource_name=name)
        # EventBridge starts a Glue workflow through a role allowed glue:notifyEvent on it (AWS Glue
        # developer guide, "Starting an AWS Glue workflow with an Amazon EventBridge event").
        self.events_role = LakeRole(
            self,
            "EventsRole",
            assumed_by=service_of_this_account(self, "events.amazonaws.com"),
            description=f"EventBridge notifies the {name} workflow of raw files landing",
        )
        self.events_role.add_to_policy(iam.PolicyStatement(actions=["glue:notifyEvent"], resources=[workflow_arn]))
        target = events.CfnRule.TargetProperty(arn=workflow_arn, id="Workflow", role_arn=self.events_role.role_arn)
        arrived = events.CfnRule(
            self,
            "OnArrival",
            name=f"{name}-arrival",
            description=f"Files landing under s3://{bucket}/{prefix} start the {name} workflow",
            event_pattern={
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": prefix}]}},
            },
            targets=[target],
        )
        self.rules.append(arrived)
        if schedule is not None:
            self.rules.append(
                events.CfnRule(
                    self,
                    "OnSchedule",
                    name=f"{name}-schedule",
                    description=f"Starts the {name} workflow on {schedule} as well",
                    schedule_expression=schedule,
                    targets=[target],
                )
            )
        for rule in self.rules:
            rule.node.add_dependency(self.events_role.policy)
