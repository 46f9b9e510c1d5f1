"""Ingestion layer: DMS replication and JDBC ingestion into the raw zone."""

from .base import LayerSwitch


class IngestionConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
