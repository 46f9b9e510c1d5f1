"""The role a Redshift cluster uses to read the curated lake (Spectrum) and write back to the raw zone (UNLOAD)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import grants
from .compliance import acknowledge, wildcard_finding
from .lake_formation import acknowledge_data_access, lake_formation_data_access
from .lake_role import LakeRole


class SpectrumRole(Construct):
    """A role trusted by Redshift, to attach to a cluster. It may:

    - read the Glue catalog entries of `database` and its tables (the external schema and its tables);
    - read the objects of `data_bucket` but those under `hidden_prefix` (the curated tables, by the
      naming contract: the same policy whatever the number of datasets) and decrypt them with `key`;
    - write (UNLOAD) under `unload_prefix` of `unload_bucket`, encrypting with `key`, and list that prefix.

    Nothing else: no catalog writes (the ETL jobs own the tables), no other prefix. Pass buckets
    imported by name (`s3.Bucket.from_bucket_name`), so the object wildcards can be acknowledged exactly.

    With `lake_formation`, also `lakeformation:GetDataAccess` (Spectrum reads tables of registered
    locations with credentials Lake Formation vends); without `direct_reads` (where Lake Formation
    alone decides), no S3 read of the curated zone.

    Attributes: `role` (a LakeRole), `unload_prefix`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: str,
        data_bucket: s3.IBucket,
        hidden_prefix: str,
        unload_bucket: s3.IBucket,
        unload_prefix: str,
        key: kms.IKey,
        lake_formation: bool = False,
        direct_reads: bool = True,
    ) -> None:
        super().__init__(scope, id)
        self.unload_prefix = unload_prefix
        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("redshift.amazonaws.com"),
            description=f"Redshift Spectrum over {database}, and UNLOAD to {unload_prefix} of the raw zone",
        )
        grants.grant_catalog_read(self.role.policy, databases=[database], sid="ReadTheCuratedCatalog")
        if direct_reads:
            grants.grant_curated_read(self.role.policy, data_bucket, hidden=hidden_prefix)
        if lake_formation:
            self.role.add_to_policy(lake_formation_data_access())
            acknowledge_data_access(self.role.policy)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="UnloadToTheRawZone",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[unload_bucket.arn_for_objects(f"{unload_prefix}*")],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ListTheUnloadPrefix",
                actions=["s3:ListBucket"],
                resources=[unload_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [unload_prefix, f"{unload_prefix}*"]}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="LocateTheUnloadBucket", actions=["s3:GetBucketLocation"], resources=[unload_bucket.bucket_arn]
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DecryptReadsEncryptUnloads",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
            )
        )
        acknowledge(
            self.role.policy,
            f"<raw bucket>/{unload_prefix}* is written by UNLOAD, which chooses the keys below it at run time "
            "(one per slice)",
            wildcard_finding(self, unload_bucket.arn_for_objects(f"{unload_prefix}*")),
        )
