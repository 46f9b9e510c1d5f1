"""CloudWatch metrics of a run: RowsIn, RowsCurated, RowsQuarantined (Count), one datapoint each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .contract import metric_dimensions


def publish(
    cloudwatch: Any, namespace: str, environment: str, dataset: str, counts: dict[str, int], at: datetime
) -> list[dict[str, Any]]:
    dimensions = [{"Name": key, "Value": value} for key, value in metric_dimensions(environment, dataset).items()]
    data = [
        {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Value": float(value), "Unit": "Count"}
        for name, value in counts.items()
    ]
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)
    return data
