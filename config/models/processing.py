"""Processing layer: EMR cluster on the Glue Data Catalog."""

from .base import LayerSwitch


class ProcessingConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
