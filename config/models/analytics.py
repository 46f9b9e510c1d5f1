"""Analytics layer: Athena workgroup and named queries over the curated catalog."""

from pydantic import Field

from .base import LayerSwitch

# Athena refuses a per-query data usage control below 10 MB.
MIN_BYTES_SCANNED_CUTOFF_MB = 10


class AnalyticsConfig(LayerSwitch):
    """The Athena workgroup `<prefix>-analytics`, its named queries and the policy of its users."""

    bytes_scanned_cutoff_mb: int = Field(
        default=10240,
        ge=MIN_BYTES_SCANNED_CUTOFF_MB,
        description="A query that would scan more than this many MiB is cancelled (Athena's minimum is 10).",
    )
    preview_rows: int = Field(
        default=10, ge=1, le=1000, description="Rows the generated preview query of each curated table returns."
    )
