"""Pipeline layer: CDK Pipelines deploying the platform per environment."""

from .base import LayerSwitch


class PipelineConfig(LayerSwitch):
    """Switched off unless `enabled: true`."""
