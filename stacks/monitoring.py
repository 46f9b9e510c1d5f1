"""Monitoring layer: the alarm topic, failure rules, alarms, dashboard and cost budget.

Everything here is derived from the config and the platform's naming contract (resource names and
the ETL metrics), never from other stacks' objects: the stack deploys on its own, and watches a layer
only when that layer is enabled.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from constructs import Construct

from config import PlatformConfig
from lake_constructs.alarm_topic import AlarmTopic
from lake_constructs.construct_ids import construct_id
from lake_constructs.cost_budget import CostBudget
from lake_constructs.dataset_alarms import ETL_METRICS, ETL_NAMESPACE, add_dataset_alarms, alarm_names
from lake_constructs.failure_rule import FailureRule
from lake_constructs.limits import ALARM_WIDGET_ALARMS

# How long a failing value must last before the warehouse and DMS alarms fire.
SUSTAINED = 3
FIVE_MINUTES = Duration.minutes(5)
DMS_SCHEMA = 'SCHEMA("AWS/DMS", ReplicationInstanceIdentifier, ReplicationTaskIdentifier)'


class MonitoringStack(Stack):
    """Attributes: `alarm_topic` (the AlarmTopic), `topic`, `rules` and `alarms` (by name),
    `dashboard` and `budget` (None when switched off).

    `dms_tasks` overrides the DMS replication task identifiers to alarm on; by default they are
    `<prefix>-<source name>` for each source the ingestion config declares.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        dms_tasks: list[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        self.prefix = config.name_prefix
        monitoring = config.monitoring
        self.dms_tasks = dms_task_identifiers(config) if dms_tasks is None else dms_tasks

        self.topic_name = f"{self.prefix}-alarms"
        self.alarm_topic = AlarmTopic(
            self,
            "Alarms",
            topic_name=self.topic_name,
            emails=monitoring.alarm_emails,
            removal_policy=RemovalPolicy.DESTROY if config.ephemeral else RemovalPolicy.RETAIN,
        )
        self.topic = self.alarm_topic.topic
        self.rules: dict[str, FailureRule] = {}
        self.alarms: dict[str, cw.Alarm] = {}

        self._glue_rules()
        if config.ingestion.enabled:
            self._dms_rule()
        if config.processing.enabled:
            self._emr_rule()
        if config.labeling.enabled:
            self._labeling_rule()

        # With a stack per dataset, each dataset's alarms are in its own stack (stacks/datasets.py).
        if not config.catalog.stack_per_dataset:
            for dataset in config.catalog.datasets:
                self.alarms.update(
                    add_dataset_alarms(
                        self,
                        prefix=self.prefix,
                        environment=config.environment,
                        dataset=dataset,
                        monitoring=monitoring,
                        topic=self.topic,
                    )
                )
        if config.warehouse.enabled:
            self._warehouse_alarms()
        if config.ingestion.enabled:
            for task in self.dms_tasks:
                self._dms_alarms(task)

        self.dashboard = self._dashboard() if monitoring.dashboard else None
        budget = monitoring.budget
        self.budget = (
            CostBudget(
                self,
                "Budget",
                budget_name=f"{self.prefix}-monthly",
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

    # --- EventBridge rules -------------------------------------------------------------------

    def _rule(self, id: str, name: str, *, fields: dict[str, str], **props) -> None:
        # Every message says where it happened: `{account}` and `{region}` are always available.
        fields = {**fields, "account": "$.account", "region": "$.region"}
        rule = FailureRule(self, id, rule_name=f"{self.prefix}-{name}", topic=self.topic, fields=fields, **props)
        self.rules[name] = rule
        # A rule whose notification cannot be delivered (topic key or policy refusing EventBridge) is
        # otherwise silent: the alarm reaches the topic as CloudWatch, a publisher of its own.
        self._alarm(
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

    def _glue_rules(self) -> None:
        # Every Glue job and crawler of the platform is named '<prefix>-...'.
        platform_names = events.Match.prefix(f"{self.prefix}-")
        self._rule(
            "GlueJobFailed",
            "glue-job-failed",
            description="A Glue ETL job run of the platform failed, timed out or ended in error",
            source="aws.glue",
            detail_types=["Glue Job State Change"],
            detail={"jobName": platform_names, "state": ["FAILED", "TIMEOUT", "ERROR"]},
            message="Glue job {job} ended {state} (run {run}) in {account}/{region}: {reason}",
            fields={
                "job": "$.detail.jobName",
                "state": "$.detail.state",
                "run": "$.detail.jobRunId",
                "reason": "$.detail.message",
            },
        )
        self._rule(
            "GlueCrawlerFailed",
            "glue-crawler-failed",
            description="A Glue crawler of the platform failed",
            source="aws.glue",
            detail_types=["Glue Crawler State Change"],
            detail={"crawlerName": platform_names, "state": ["Failed"]},
            message="Glue crawler {crawler} failed in {account}/{region}: {reason}",
            fields={
                "crawler": "$.detail.crawlerName",
                "reason": "$.detail.errorMessage",
            },
        )

    def _dms_rule(self) -> None:
        # Not filtered by name: a task's ARN (the only identifier in its events) ends in a resource
        # id that DMS may generate, and a filter that never matches would hide the failures.
        # Both event families: tasks on a replication instance, and DMS Serverless replications.
        self._rule(
            "DmsTaskFailed",
            "dms-task-failed",
            description="A DMS replication task or serverless replication failed or stopped",
            source="aws.dms",
            detail_types=["DMS Replication Task State Change", "DMS Replication State Change"],
            detail={
                "eventType": [
                    "REPLICATION_TASK_FAILED",
                    "REPLICATION_TASK_STOPPED",
                    "REPLICATION_FAILED",
                    "REPLICATION_STOPPED",
                ]
            },
            message="DMS {resource} reported {event} in {account}/{region}: {reason}",
            fields={
                "resource": "$.resources[0]",
                "event": "$.detail.eventType",
                "reason": "$.detail.detailMessage",
            },
        )

    def _emr_rule(self) -> None:
        self._rule(
            "EmrClusterFailed",
            "emr-cluster-failed",
            description="The platform's EMR cluster terminated with errors",
            source="aws.emr",
            detail_types=["EMR Cluster State Change"],
            detail={"name": [f"{self.prefix}-processing"], "state": ["TERMINATED_WITH_ERRORS"]},
            message="EMR cluster {name} ({cluster}) terminated with errors in {account}/{region}: {reason}",
            fields={
                "name": "$.detail.name",
                "cluster": "$.detail.clusterId",
                "reason": "$.detail.message",
            },
        )

    def _labeling_rule(self) -> None:
        # Labeling jobs are started by operators at any time, under names the platform does not fix.
        self._rule(
            "LabelingJobFailed",
            "labeling-job-failed",
            description="A SageMaker Ground Truth labeling job failed",
            source="aws.sagemaker",
            detail_types=["SageMaker Ground Truth Labeling Job State Change"],
            detail={"LabelingJobStatus": ["Failed"]},
            message="Ground Truth labeling job {job} failed in {account}/{region}; "
            "see its FailureReason with: aws sagemaker describe-labeling-job",
            fields={"job": "$.resources[0]"},
        )

    # --- CloudWatch alarms -------------------------------------------------------------------

    def _alarm(self, id: str, name: str, **props) -> cw.Alarm:
        alarm = cw.Alarm(self, id, alarm_name=f"{self.prefix}-{name}", actions_enabled=True, **props)
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms[name] = alarm
        return alarm

    def redshift_metric(self, metric: str, statistic: str) -> cw.Metric:
        return cw.Metric(
            namespace="AWS/Redshift",
            metric_name=metric,
            dimensions_map={"ClusterIdentifier": f"{self.prefix}-warehouse"},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    def _warehouse_alarms(self) -> None:
        monitoring = self.config.monitoring
        # A paused cluster publishes no metrics: missing data is not a failure here.
        common = dict(evaluation_periods=SUSTAINED, treat_missing_data=cw.TreatMissingData.NOT_BREACHING)
        self._alarm(
            "WarehouseCpu",
            "warehouse-cpu",
            alarm_description=f"The warehouse's CPU has stayed above {monitoring.redshift_cpu_percent}% for 15 minutes",
            metric=self.redshift_metric("CPUUtilization", "Average"),
            threshold=monitoring.redshift_cpu_percent,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            **common,
        )
        self._alarm(
            "WarehouseDisk",
            "warehouse-disk",
            alarm_description=f"The warehouse uses more than {monitoring.redshift_disk_percent}% of its disk",
            metric=self.redshift_metric("PercentageDiskSpaceUsed", "Maximum"),
            threshold=monitoring.redshift_disk_percent,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            **common,
        )
        self._alarm(
            "WarehouseHealth",
            "warehouse-health",
            alarm_description="The warehouse has reported unhealthy (HealthStatus 0) for 15 minutes",
            metric=self.redshift_metric("HealthStatus", "Minimum"),
            threshold=1,
            comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            **common,
        )

    def dms_latency(self, metric: str, task: str | None = None) -> cw.MathExpression:
        """A Metrics Insights query of a DMS latency metric: one task's, or every task's by task.

        A query, because a task's metrics also carry the replication instance's identifier, which
        the naming contract does not fix; the task identifier alone selects its series here.
        """
        where = "" if task is None else f" WHERE ReplicationTaskIdentifier = '{task}'"
        group = " GROUP BY ReplicationTaskIdentifier" if task is None else ""
        return cw.MathExpression(
            expression=f"SELECT MAX({metric}) FROM {DMS_SCHEMA}{where}{group}",
            using_metrics={},
            period=FIVE_MINUTES,
            # Grouped series keep their own labels (the task identifiers).
            label=None if task is None else f"{task} {metric}",
        )

    def _dms_alarms(self, task: str) -> None:
        seconds = self.config.monitoring.dms_latency_seconds
        task_id = construct_id(task)
        for side in ("Source", "Target"):
            self._alarm(
                f"{task_id}CdcLatency{side}",
                f"{task.removeprefix(self.prefix + '-')}-cdc-latency-{side.lower()}",
                alarm_description=f"DMS task {task}: CDC {side.lower()} latency above {seconds} s for 15 minutes",
                metric=self.dms_latency(f"CDCLatency{side}", task),
                threshold=seconds,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=SUSTAINED,
                # A stopped task publishes nothing; the failure rule reports stops and failures.
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )

    # --- Dashboard ---------------------------------------------------------------------------

    def _dashboard(self) -> cw.Dashboard:
        config = self.config
        dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{self.prefix}-platform",
            default_interval=Duration.days(7),
        )
        dashboard.add_widgets(
            cw.TextWidget(
                markdown=f"# {config.project} {config.environment}\nETL runs and rows per dataset "
                f"(`{ETL_NAMESPACE}`), and the health of each enabled layer. Alarms notify "
                f"the SNS topic `{self.prefix}-alarms`.",
                width=24,
                height=2,
            )
        )
        # An alarm status widget shows at most 100 alarms: as many widgets as that takes.
        alarms = list(self.alarms.values())
        if config.catalog.stack_per_dataset:
            alarms += [
                cw.Alarm.from_alarm_name(self, f"{construct_id(name)}Alarm", name)
                for dataset in config.catalog.datasets
                for name in alarm_names(self.prefix, dataset)
            ]
        step = ALARM_WIDGET_ALARMS.maximum
        for start in range(0, len(alarms), step):
            title = "Alarms" if len(alarms) <= step else f"Alarms {start + 1}-{min(start + step, len(alarms))}"
            dashboard.add_widgets(
                cw.AlarmStatusWidget(title=title, alarms=alarms[start : start + step], width=24, height=3)
            )
        if config.catalog.datasets:
            # One search per graph, whatever the number of datasets: each dataset is a line of its own,
            # labelled with its name, and a new dataset shows up without a change to the dashboard.
            dashboard.add_widgets(
                cw.GraphWidget(
                    title="ETL runs per day, by dataset",
                    left=[self._etl_search("RowsIn", "SampleCount")],
                    width=24,
                    height=6,
                )
            )
            dashboard.add_widgets(
                *[
                    cw.GraphWidget(
                        title=f"{metric} per day, by dataset",
                        left=[self._etl_search(metric, "Sum")],
                        width=8,
                        height=6,
                    )
                    for metric in ETL_METRICS
                ]
            )
        row = []
        if config.analytics.enabled:
            workgroup = f"{self.prefix}-analytics"
            row.append(
                cw.GraphWidget(
                    title=f"Athena queries ({workgroup})",
                    left=[self._athena_search("TotalExecutionTime", "SampleCount", workgroup, "queries")],
                    right=[self._athena_search("ProcessedBytes", "Sum", workgroup, "bytes scanned")],
                    width=8,
                    height=6,
                )
            )
        if config.warehouse.enabled:
            row.append(
                cw.GraphWidget(
                    title=f"Redshift {self.prefix}-warehouse",
                    left=[
                        self.redshift_metric("CPUUtilization", "Average"),
                        self.redshift_metric("PercentageDiskSpaceUsed", "Maximum"),
                    ],
                    right=[self.redshift_metric("HealthStatus", "Minimum")],
                    width=8,
                    height=6,
                )
            )
        if config.processing.enabled:
            row.append(
                cw.GraphWidget(
                    title="EMR clusters",
                    left=[_emr_search("AppsRunning", "Maximum"), _emr_search("IsIdle", "Maximum")],
                    right=[_emr_search("HDFSUtilization", "Maximum")],
                    width=8,
                    height=6,
                )
            )
        if config.ingestion.enabled:
            row.append(
                cw.GraphWidget(
                    title="DMS CDC latency (s) by task",
                    left=[self.dms_latency("CDCLatencySource"), self.dms_latency("CDCLatencyTarget")],
                    width=8,
                    height=6,
                )
            )
        if row:
            dashboard.add_widgets(*row)
        return dashboard

    def _etl_search(self, metric: str, statistic: str) -> cw.MathExpression:
        search = (
            f'SEARCH(\'{{{ETL_NAMESPACE},Dataset,Environment}} Environment="{self.config.environment}" '
            f"MetricName=\"{metric}\"', '{statistic}', 86400)"
        )
        # Each series is labelled with its dataset (a dynamic label: the series' Dataset dimension).
        # A search returns up to 500 series (CDK SearchExpression, "It can return up to 500 time
        # series"): more datasets than one dataset stack per parent resource allows (about 480).
        return cw.MathExpression(
            expression=search, using_metrics={}, label="${PROP('Dim.Dataset')}", period=Duration.days(1)
        )

    @staticmethod
    def _athena_search(metric: str, statistic: str, workgroup: str, label: str) -> cw.MathExpression:
        # Athena publishes per workgroup, query state and query type; the search sums them all.
        search = (
            f'SEARCH(\'{{AWS/Athena,QueryState,QueryType,WorkGroup}} WorkGroup="{workgroup}" '
            f"MetricName=\"{metric}\"', '{statistic}', 3600)"
        )
        return cw.MathExpression(expression=f"SUM({search})", using_metrics={}, label=label, period=Duration.hours(1))


def _emr_search(metric: str, statistic: str) -> cw.MathExpression:
    # EMR's metrics carry only the cluster id (JobFlowId), which changes with every new cluster.
    return cw.MathExpression(
        expression=f"SEARCH('{{AWS/ElasticMapReduce,JobFlowId}} MetricName=\"{metric}\"', '{statistic}', 300)",
        using_metrics={},
        period=FIVE_MINUTES,
    )


def dms_task_identifiers(config: PlatformConfig) -> list[str]:
    """`<prefix>-<source name>` for each DMS source of the ingestion config (`ingestion.dms.sources`,
    the naming contract), when they replicate through tasks on a replication instance.

    DMS Serverless publishes its metrics per replication config, under a resource id rather than a
    task identifier; its failures and stops reach the topic through the DMS rule. The ingestion
    section is owned by that layer and read by name: a config without it has no task to alarm on.
    """
    dms = getattr(config.ingestion, "dms", None)
    if dms is None or getattr(dms, "capacity", "instance") != "instance":
        return []
    return [f"{config.name_prefix}-{source.name}" for source in getattr(dms, "sources", [])]
