"""The Glue workflow that runs a dataset's pipeline: crawl the raw zone, then curate."""

from __future__ import annotations

from aws_cdk import aws_glue as glue
from constructs import Construct


class DatasetWorkflow(Construct):
    """A workflow named `name` with two triggers:

    - `<name>-start`: starts the `crawler`, on `schedule` (a Glue cron expression) when given,
      else on demand (console, `aws glue start-workflow-run`, or an EventBridge rule);
    - `<name>-curate`: conditional, runs the `job` when that crawl SUCCEEDED. A failed or stopped
      crawl ends the run there, so the job never curates a half-catalogued raw zone.

    The job registers the curated table and its partitions itself, so the run ends with the job.
    Both triggers are activated on creation (a scheduled or conditional trigger created by
    CloudFormation stays inactive otherwise). One run at a time: an overlapping run would crawl
    and curate the same files twice.

    Attributes: `workflow`, `workflow_name`, `start_trigger`, `curate_trigger` (CfnTrigger).
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
    ) -> None:
        super().__init__(scope, id)
        self.workflow_name = name
        self.workflow = glue.Workflow(
            self, "Workflow", workflow_name=name, description=description, max_concurrent_runs=1
        )
        crawl = [glue.Action.crawler(crawler)]
        if schedule is None:
            self.start_trigger = self.workflow.add_on_demand_trigger(
                "Start", name=f"{name}-start", description="Starts the raw crawl on demand", actions=crawl
            )
        else:
            self.start_trigger = self.workflow.add_scheduled_trigger(
                "Start",
                name=f"{name}-start",
                description=f"Starts the raw crawl on {schedule}",
                actions=crawl,
                schedule=glue.TriggerSchedule.expression(schedule),
                start_on_creation=True,
            )
        self.curate_trigger = self.workflow.add_conditional_trigger(
            "Curate",
            name=f"{name}-curate",
            description="Runs the ETL job when the raw crawl succeeded",
            actions=[glue.Action.job(job)],
            predicate=glue.Predicate(
                conditions=[glue.Condition.crawler(crawler, glue.CrawlerState.SUCCEEDED)],
            ),
            start_on_creation=True,
        )
        # The L2 gives every trigger an event batching condition; only EVENT triggers batch events.
        self.curate_trigger.add_property_deletion_override("EventBatchingCondition")
        if schedule is not None:
            self.start_trigger.add_property_deletion_override("EventBatchingCondition")
