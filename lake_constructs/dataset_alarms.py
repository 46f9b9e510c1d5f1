"""A dataset's alarms, on the metrics its ETL job publishes (the naming contract's namespace and dimensions)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from config.models.catalog import DatasetSpec
from config.models.monitoring import MonitoringConfig

from .construct_ids import construct_id
from .curation_job import METRICS_NAMESPACE as ETL_NAMESPACE

# The ETL job's metrics (the job publishes one datapoint of each per run).
ETL_METRICS = ("RowsIn", "RowsCurated", "RowsQuarantined")


def etl_metric(environment: str, dataset: str, metric: str, statistic: str, period: Duration) -> cw.Metric:
    return cw.Metric(
        namespace=ETL_NAMESPACE,
        metric_name=metric,
        dimensions_map={"Environment": environment, "Dataset": dataset},
        statistic=statistic,
        period=period,
        label=f"{dataset} {metric}",
    )


def alarm_names(prefix: str, dataset: DatasetSpec) -> list[str]:
    """Names of the alarms `add_dataset_alarms` makes for `dataset`, so a dashboard can show them by name."""
    return [f"{prefix}-{dataset.name}-quarantine-share"] + (
        [] if dataset.schedule is None else [f"{prefix}-{dataset.name}-no-run"]
    )


def add_dataset_alarms(
    scope: Construct,
    *,
    prefix: str,
    environment: str,
    dataset: DatasetSpec,
    monitoring: MonitoringConfig,
    topic: sns.ITopic,
) -> dict[str, cw.Alarm]:
    """In `scope`: an alarm when too large a share of a run's rows went to quarantine, and, for a
    scheduled dataset, one when no run reported rows in the run window. Both notify `topic` on
    ALARM and OK. Returned by name without the prefix (e.g. 'houses-no-run')."""
    dataset_id = construct_id(dataset.name)
    hour = Duration.hours(1)
    action = cw_actions.SnsAction(topic)
    alarms: dict[str, cw.Alarm] = {}

    def alarm(id: str, name: str, **props) -> None:
        created = cw.Alarm(scope, id, alarm_name=f"{prefix}-{name}", actions_enabled=True, **props)
        created.add_alarm_action(action)
        created.add_ok_action(action)
        alarms[name] = created

    alarm(
        f"{dataset_id}QuarantineShare",
        f"{dataset.name}-quarantine-share",
        alarm_description=f"More than {monitoring.quarantine_share_percent}% of the rows of an ETL run of "
        f"{dataset.name} went to quarantine (s3://<curated>/_quarantine/{dataset.name}/)",
        metric=cw.MathExpression(
            # A run with no input rows has no share to judge.
            expression="IF(rowsin > 0, 100 * quarantined / rowsin, 0)",
            using_metrics={
                "rowsin": etl_metric(environment, dataset.name, "RowsIn", "Sum", hour),
                "quarantined": etl_metric(environment, dataset.name, "RowsQuarantined", "Sum", hour),
            },
            period=hour,
            label=f"{dataset.name} quarantined %",
        ),
        threshold=monitoring.quarantine_share_percent,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        # No run in the hour: nothing to judge (the no-run alarm covers missing runs).
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )
    if dataset.schedule is not None:
        window = Duration.hours(monitoring.run_window_hours)
        alarm(
            f"{dataset_id}NoRun",
            f"{dataset.name}-no-run",
            alarm_description=f"No ETL run of {dataset.name} (scheduled {dataset.schedule}) reported rows "
            f"in the last {monitoring.run_window_hours} hours",
            metric=etl_metric(environment, dataset.name, "RowsIn", "SampleCount", window),
            threshold=1,
            comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=1,
            # The job publishes RowsIn once per run: no datapoint in the window is no run.
            treat_missing_data=cw.TreatMissingData.BREACHING,
        )
    return alarms
