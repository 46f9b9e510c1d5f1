"""A bucket of the lake, with every decision the platform makes for buckets taken once."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.models.storage import ZoneLifecycle


class LakeBucket(Construct):
    """A versioned bucket that blocks public access, denies requests without TLS (1.2 or later),
    enforces bucket-owner object ownership and expires old versions.

    Encryption: SSE-KMS with `key` and S3 bucket keys; without `key`, SSE-S3 (only for the
    access-logs bucket, because S3 server access log delivery cannot write to SSE-KMS buckets).
    Access logs go to `access_logs` under `<bucket name>/`, when given.
    Removal: `removal_policy` (lake_constructs/retention.py); with DESTROY, emptied and deleted with the stack.
    `event_bridge`: the bucket sends its object events to Amazon EventBridge (the raw zone: a
    dataset's workflow starts when its files land), set natively in CloudFormation
    (NotificationConfiguration.EventBridgeConfiguration), so no notification custom resource.

    Attributes: `bucket`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        lifecycle: ZoneLifecycle,
        noncurrent_version_expiration_days: int,
        abort_incomplete_multipart_upload_days: int,
        removal_policy: RemovalPolicy,
        key: kms.IKey | None = None,
        access_logs: s3.IBucket | None = None,
        event_bridge: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED if key is None else s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=key is not None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=None if access_logs is None else f"{bucket_name}/",
            lifecycle_rules=[
                _lifecycle_rule(lifecycle, noncurrent_version_expiration_days, abort_incomplete_multipart_upload_days)
            ],
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        if event_bridge:
            cfn = self.bucket.node.default_child
            assert isinstance(cfn, s3.CfnBucket)
            cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
            )


def _lifecycle_rule(lifecycle: ZoneLifecycle, noncurrent_days: int, multipart_days: int) -> s3.LifecycleRule:
    transitions = []
    if lifecycle.infrequent_access_after_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(lifecycle.infrequent_access_after_days),
            )
        )
    if lifecycle.glacier_after_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER, transition_after=Duration.days(lifecycle.glacier_after_days)
            )
        )
    return s3.LifecycleRule(
        id="zone-lifecycle",
        transitions=transitions or None,
        expiration=None if lifecycle.expire_after_days is None else Duration.days(lifecycle.expire_after_days),
        noncurrent_version_expiration=Duration.days(noncurrent_days),
        abort_incomplete_multipart_upload_after=Duration.days(multipart_days),
    )
