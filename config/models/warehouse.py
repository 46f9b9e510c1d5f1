"""Warehouse layer: Redshift cluster with Spectrum over the curated catalog."""

from .base import LayerSwitch


class WarehouseConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
