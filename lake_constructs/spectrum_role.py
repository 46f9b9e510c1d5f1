"""The role a Redshift cluster uses to read the curated lake (Spectrum) and write back to the raw zone (UNLOAD)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .compliance import acknowledge, wildcard_finding
from .lake_access import CATALOG_READ_ACTIONS, glue_catalog_arns, prefix_read_statements
from .lake_formation import acknowledge_data_access, lake_formation_data_access
from .lake_role import LakeRole


class SpectrumRole(Construct):
    """A role trusted by Redshift, to attach to a cluster. It may:

    - read the Glue catalog entries of `database` and its `tables` (the external schema and its tables);
    - read the objects under `data_prefixes` of `data_bucket` (the curated tables) and decrypt them with `key`;
    - write (UNLOAD) under `unload_prefix` of `unload_bucket`, encrypting with `key`, and list that prefix.

    With `lake_formation`, also `lakeformation:GetDataAccess` (Spectrum reads tables of registered
    locations with credentials Lake Formation vends; pass no `data_prefixes` where it alone decides).

    Nothing else: no catalog writes (the ETL jobs own the tables), no other prefix. Pass buckets
    imported by name (`s3.Bucket.from_bucket_name`), so the object wildcards can be acknowledged exactly.

    Attributes: `role` (a LakeRole), `unload_prefix`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: str,
        tables: list[str],
        data_bucket: s3.IBucket,
        data_prefixes: list[str],
        unload_bucket: s3.IBucket,
        unload_prefix: str,
        key: kms.IKey,
        lake_formation: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.unload_prefix = unload_prefix
        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("redshift.amazonaws.com"),
            description=f"Redshift Spectrum over {database}, and UNLOAD to {unload_prefix} of the raw zone",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadTheCuratedCatalog",
                actions=CATALOG_READ_ACTIONS,
                resources=glue_catalog_arns(self, database, tables),
            )
        )
        for statement in prefix_read_statements(data_bucket, data_prefixes):
            self.role.add_to_policy(statement)
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
        if lake_formation:
            self.role.add_to_policy(lake_formation_data_access())
            acknowledge_data_access(self.role.policy)
        acknowledge(
            self.role.policy,
            "Each object wildcard is one curated table's prefix (<curated bucket>/<dataset>/*), read by "
            "Spectrum, or <raw bucket>/redshift_unload/*, written by UNLOAD; the keys below them are chosen at "
            "run time by the ETL jobs (partitions, part files) and by UNLOAD (one file per slice)",
            *(wildcard_finding(self, data_bucket.arn_for_objects(f"{prefix}*")) for prefix in data_prefixes),
            wildcard_finding(self, unload_bucket.arn_for_objects(f"{unload_prefix}*")),
        )
