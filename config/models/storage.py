"""Storage layer: the lake's buckets and how long their objects live."""

import itertools

from pydantic import Field, model_validator

from .base import StrictModel

# S3 accepts a transition to STANDARD_IA only for objects at least 30 days old.
MIN_DAYS_TO_INFREQUENT_ACCESS = 30


class ZoneLifecycle(StrictModel):
    """Lifecycle of one bucket's current objects. A missing value means the step is skipped."""

    infrequent_access_after_days: int | None = Field(
        default=None, ge=MIN_DAYS_TO_INFREQUENT_ACCESS, description="Move to STANDARD_IA after N days."
    )
    glacier_after_days: int | None = Field(
        default=None, ge=1, description="Move to GLACIER (Flexible Retrieval) after N days."
    )
    expire_after_days: int | None = Field(default=None, ge=1, description="Delete current objects after N days.")

    @model_validator(mode="after")
    def _days_in_order(self) -> "ZoneLifecycle":
        steps = [
            (name, getattr(self, name))
            for name in ("infrequent_access_after_days", "glacier_after_days", "expire_after_days")
            if getattr(self, name) is not None
        ]
        for (earlier, earlier_days), (later, later_days) in itertools.pairwise(steps):
            if later_days <= earlier_days:
                raise ValueError(
                    f"lifecycle days must increase: {later} ({later_days}) must be greater than "
                    f"{earlier} ({earlier_days})"
                )
        return self


class Lifecycles(StrictModel):
    """One lifecycle per bucket of the lake."""

    raw: ZoneLifecycle = ZoneLifecycle(infrequent_access_after_days=30, glacier_after_days=90)
    curated: ZoneLifecycle = ZoneLifecycle(infrequent_access_after_days=90)
    artifacts: ZoneLifecycle = ZoneLifecycle()
    athena_results: ZoneLifecycle = ZoneLifecycle(expire_after_days=30)
    access_logs: ZoneLifecycle = ZoneLifecycle(glacier_after_days=90, expire_after_days=365)


class StorageConfig(StrictModel):
    """The lake's buckets. Always deployed: every other layer reads or writes here."""

    bucket_prefix: str | None = Field(
        default=None,
        description="Start of every bucket name; default '<project>-<environment>'. Names end in "
        "'-<zone>-<account>-<region>' so they are unique worldwide.",
    )
    lifecycle: Lifecycles = Lifecycles()
    noncurrent_version_expiration_days: int = Field(
        default=90, ge=1, description="Delete versions that were overwritten or deleted after N days."
    )
    abort_incomplete_multipart_upload_days: int = Field(
        default=7, ge=1, description="Abort multipart uploads left unfinished after N days."
    )
