"""Analytics layer: Athena workgroup and named queries over the curated catalog."""

from .base import LayerSwitch


class AnalyticsConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
