"""Monitoring layer: alarm topic, failure rules, alarms, dashboard, budget."""

from .base import LayerSwitch


class MonitoringConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
