"""Labeling layer: SageMaker Ground Truth private workforce."""

from .base import LayerSwitch


class LabelingConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
