"""Least-privilege building blocks for reading the lake: catalog ARNs and zone-wide S3 statements.

Every consumer of the curated zone (Athena users, the Redshift Spectrum role) reads the same way:
the Glue catalog entries of one database and its tables, and the objects of the tables' prefixes,
granted by the naming contract's patterns (every table of the database, every prefix of the zone
but its service folders), so a consumer's policy keeps its size whatever the number of datasets.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

# In the curated zone, a dataset's table is under '<dataset>/' (a name that starts with a letter, see
# config.models.catalog.SNAKE_CASE) and the zone's own folders (the quarantine, `_quarantine/`) start with '_'.
CURATED_SERVICE_FOLDERS = "_"

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


def zone_read_statements(bucket: s3.IBucket, *, hidden: str) -> list[iam.PolicyStatement]:
    """Read (get and list) the objects of `bucket`, but not those whose key starts with `hidden`.

    For a zone whose layout the naming contract fixes (one prefix per dataset, service folders
    starting with `hidden`), so the grant is a pattern whose size does not grow with the datasets.
    Listing needs a prefix, and one that does not start with `hidden` (an empty prefix would list
    the hidden keys too); reading them is denied explicitly.
    """
    hidden_prefixes = ["", f"{hidden}*"]
    return [
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")]),
        iam.PolicyStatement(
            effect=iam.Effect.DENY, actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{hidden}*")]
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"Null": {"s3:prefix": "false"}, "StringNotLike": {"s3:prefix": hidden_prefixes}},
        ),
        # GetBucketLocation carries no prefix: a separate statement, or the condition above would deny it.
        iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn]),
    ]
