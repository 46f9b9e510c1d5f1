"""Storage layer: the platform key and the lake's buckets."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config import PlatformConfig
from lake_constructs.compliance import acknowledge
from lake_constructs.construct_ids import construct_id
from lake_constructs.lake_bucket import LakeBucket
from lake_constructs.lake_key import LakeKey
from lake_constructs.retention import removal_policy

from .layers import LayerRow

# The zones of the lake, in the order their buckets are created. Access logs come first: every
# other bucket sends its server access logs there.
ZONES = ("raw", "curated", "artifacts", "athena-results")


class StorageStack(Stack):
    """Attributes: `key`, `access_logs_bucket`, and `buckets` by zone (raw, curated, artifacts,
    athena-results), plus one attribute per zone (`raw_bucket`, ...)."""

    row = LayerRow(
        position=10,
        layer="storage",
        holds="platform KMS key; buckets raw, curated, artifacts, athena-results, access-logs",
        switch="always on",
        docs="[storage](docs/storage.md)",
    )
    stateful_types = frozenset({"AWS::KMS::Key", "AWS::S3::Bucket"})
    stateless_types = frozenset({"AWS::KMS::Alias", "AWS::S3::BucketPolicy", "Custom::S3AutoDeleteObjects"})

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        # The one removal policy of the platform's stateful resources; the other stacks take it from here.
        self.removal_policy = removal_policy(config.ephemeral)
        self.key = LakeKey(
            self, "LakeKey", alias=f"alias/{config.name_prefix}-lake", removal_policy=self.removal_policy
        ).key

        governance = config.governance
        consumers = [consumer.principal_arn for consumer in governance.consumers]
        if governance.catalog_encryption.managed and consumers:
            # With the catalog encrypted by this key, Glue decrypts table definitions with the caller's
            # credentials (Glue developer guide, "Encrypting your Data Catalog"): the consumers outside
            # the platform may decrypt through Glue, and only through Glue.
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="ConsumersReadTheEncryptedCatalog",
                    principals=[iam.ArnPrincipal(arn) for arn in consumers],
                    actions=["kms:Decrypt", "kms:DescribeKey"],
                    resources=["*"],
                    conditions={"StringEquals": {"kms:ViaService": f"glue.{self.region}.amazonaws.com"}},
                )
            )

        storage = config.storage
        common = dict(
            noncurrent_version_expiration_days=storage.noncurrent_version_expiration_days,
            abort_incomplete_multipart_upload_days=storage.abort_incomplete_multipart_upload_days,
            removal_policy=self.removal_policy,
        )
        access_logs = LakeBucket(
            self,
            "AccessLogs",
            bucket_name=self.bucket_name(config, "access-logs"),
            lifecycle=storage.lifecycle.access_logs,
            **common,
        )
        self.access_logs_bucket = access_logs.bucket
        acknowledge(
            access_logs,
            "This bucket receives the other buckets' server access logs, and S3 server access log "
            "delivery writes only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS",
            "HIPAA.Security-S3DefaultEncryptionKMS",
            "NIST.800.53.R5-S3DefaultEncryptionKMS",
            "PCI.DSS.321-S3DefaultEncryptionKMS",
        )

        self.buckets = {
            zone: LakeBucket(
                self,
                construct_id(zone),
                bucket_name=self.bucket_name(config, zone),
                key=self.key,
                access_logs=self.access_logs_bucket,
                lifecycle=getattr(storage.lifecycle, zone.replace("-", "_")),
                event_bridge=zone == "raw",  # datasets' workflows start when their files land
                **common,
            ).bucket
            for zone in ZONES
        }
        self.raw_bucket = self.buckets["raw"]
        self.curated_bucket = self.buckets["curated"]
        self.artifacts_bucket = self.buckets["artifacts"]
        self.athena_results_bucket = self.buckets["athena-results"]
        if config.labeling.enabled:
            # Labeling workers' browsers load images straight from the raw bucket (through URLs that
            # Ground Truth presigns), so the bucket answers CORS requests from the labeling portal, as
            # Ground Truth requires for image jobs created through the API. It grants no access by
            # itself: every request still needs a signature.
            self.raw_bucket.add_cors_rule(
                allowed_methods=[s3.HttpMethods.GET],
                allowed_origins=[f"https://*.labeling.{self.region}.sagemaker.aws"],
                exposed_headers=["Access-Control-Allow-Origin"],
                max_age=3000,
            )

        acknowledge(
            self,
            "Cross-region replication is a disaster-recovery decision per deployment (a second region, "
            "its own key and cost); every bucket here is versioned, retained outside ephemeral "
            "environments, and its lifecycle keeps deleted versions for the configured days",
            "HIPAA.Security-S3BucketReplicationEnabled",
            "NIST.800.53.R5-S3BucketReplicationEnabled",
            "PCI.DSS.321-S3BucketReplicationEnabled",
        )

    def bucket_name(self, config: PlatformConfig, zone: str) -> str:
        """The name of the bucket of `zone` in this stack's account and region (PlatformConfig.bucket_name)."""
        return config.bucket_name(zone, self.account, self.region)
