"""A dataset's alarms, on the metrics its ETL job publishes (the naming contract's namespace and dimensions)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from config.models.catalog import DatasetSpec
from config.models.monitoring import MonitoringConfig
from glue_jobs.lake_etl.contract import (
    DIMENSION_DATASET,
    DIMENSION_ENVIRONMENT,
    METRICS,
    METRICS_NAMESPACE,
    ROWS_IN,
    ROWS_QUARANTINED,
    metric_dimensions,
    quarantine_prefix,
)

from .construct_ids import construct_id
from .watch import Watch


def etl_metric(environment: str, dataset: str, metric: str, statistic: str, period: Duration) -> cw.Metric:
    return cw.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=metric,
        dimensions_map=metric_dimensions(environment, dataset),
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
        f"{dataset.name} went to quarantine (s3://<curated>/{quarantine_prefix(dataset.name)})",
        metric=cw.MathExpression(
            # A run with no input rows has no share to judge.
            expression="IF(rowsin > 0, 100 * quarantined / rowsin, 0)",
            using_metrics={
                "rowsin": etl_metric(environment, dataset.name, ROWS_IN, "Sum", hour),
                "quarantined": etl_metric(environment, dataset.name, ROWS_QUARANTINED, "Sum", hour),
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
            metric=etl_metric(environment, dataset.name, ROWS_IN, "SampleCount", window),
            threshold=1,
            comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=1,
            # The job publishes RowsIn once per run: no datapoint in the window is no run.
            treat_missing_data=cw.TreatMissingData.BREACHING,
        )
    return alarms


def etl_search(environment: str, metric: str, statistic: str) -> cw.MathExpression:
    """One ETL metric of every dataset of `environment`, a line per dataset labelled with its name, by day."""
    search = (
        f"SEARCH('{{{METRICS_NAMESPACE},{DIMENSION_DATASET},{DIMENSION_ENVIRONMENT}}} "
        f'{DIMENSION_ENVIRONMENT}="{environment}" MetricName="{metric}"\', \'{statistic}\', 86400)'
    )
    # Each series is labelled with its dataset (a dynamic label: the series' Dataset dimension).
    # A search returns up to 500 series (CDK SearchExpression, "It can return up to 500 time
    # series"): more datasets than one dataset stack per parent resource allows (about 480).
    return cw.MathExpression(
        expression=search, using_metrics={}, label=f"${{PROP('Dim.{DIMENSION_DATASET}')}}", period=Duration.days(1)
    )


def watch_datasets(watch: Watch) -> None:
    """Each dataset's alarms (made here, or shown by name when each dataset has a stack of its own,
    stacks/datasets.py), and the ETL runs and rows of every dataset: one search per graph, whatever
    the number of datasets, so a new dataset shows up without a change to the dashboard."""
    config = watch.config
    for dataset in config.catalog.datasets:
        if config.catalog.stack_per_dataset:
            watch.show_alarms(alarm_names(watch.prefix, dataset))
        else:
            watch.add_alarms(
                add_dataset_alarms(
                    watch.scope,
                    prefix=watch.prefix,
                    environment=config.environment,
                    dataset=dataset,
                    monitoring=config.monitoring,
                    topic=watch.topic,
                )
            )
    if not config.catalog.datasets:
        return
    environment = config.environment
    watch.add_row(
        cw.GraphWidget(
            title="ETL runs per day, by dataset",
            left=[etl_search(environment, ROWS_IN, "SampleCount")],
            width=24,
            height=6,
        )
    )
    watch.add_row(
        *[
            cw.GraphWidget(
                title=f"{metric} per day, by dataset", left=[etl_search(environment, metric, "Sum")], width=8, height=6
            )
            for metric in METRICS
        ]
    )
