"""Least-privilege building blocks for reading the lake: catalog ARNs and prefix-scoped S3 statements.

Every consumer of the curated zone (Athena users, the Redshift Spectrum role) reads the same way:
the Glue catalog entries of one database and its tables, and the objects under the tables' prefixes.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Reading table definitions and partitions; query engines call these with the caller's credentials.
CATALOG_READ_ACTIONS = [
    "glue:BatchGetPartition",
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
]


def glue_catalog_arns(scope: Construct, database: str, tables: list[str]) -> list[str]:
    """ARNs of the Data Catalog, one database and the named tables in it: what reading those tables needs.

    Built from names (the naming contract), so no reference to the stack that creates them is needed.
    """
    stack = Stack.of(scope)
    arn = f"arn:{stack.partition}:glue:{stack.region}:{stack.account}"
    return [f"{arn}:catalog", f"{arn}:database/{database}", *(f"{arn}:table/{database}/{table}" for table in tables)]


def prefix_read_statements(bucket: s3.IBucket, prefixes: list[str]) -> list[iam.PolicyStatement]:
    """Read (get and list) the objects under `prefixes` of `bucket`, and nothing else there."""
    if not prefixes:
        return []
    return [
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes]
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [*prefixes, *(f"{prefix}*" for prefix in prefixes)]}},
        ),
        # GetBucketLocation carries no prefix: a separate statement, or the condition above would deny it.
        iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn]),
    ]
