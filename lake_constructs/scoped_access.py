"""IAM statements scoped to what one crawler or job touches: S3 prefixes, catalog tables, the key.

Shared by the crawler and job constructs, so both scope access the same way.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from .compliance import nag_text

# What a crawler or job needs to read a table's definition and its partitions.
CATALOG_READ = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)
# What it needs to create a table, follow its schema and add partitions; never to delete.
CATALOG_WRITE = (
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
)


# Crawlers create a partition index on the tables they create (their default), and read it back.
PARTITION_INDEX = ("glue:CreatePartitionIndex", "glue:GetPartitionIndexes")


def catalog_table_arns(scope: IConstruct, database: str, table: str) -> list[str]:
    """The catalog, the database and the table: Glue checks all three for a table operation."""
    stack = Stack.of(scope)
    return [
        stack.format_arn(service="glue", resource="catalog"),
        stack.format_arn(service="glue", resource="database", resource_name=database),
        stack.format_arn(service="glue", resource="table", resource_name=f"{database}/{table}"),
    ]


def read_prefix(bucket: s3.IBucket, prefix: str) -> list[iam.PolicyStatement]:
    """List and get the objects under `prefix` ('name/'), and nothing else in `bucket`."""
    return [
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
        ),
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{prefix}*")]),
    ]


def write_prefixes(bucket: s3.IBucket, prefixes: list[str]) -> list[iam.PolicyStatement]:
    """List, read, write and delete the objects under each prefix ('name/'): Spark replaces a
    partition by deleting its files, and commits through a `_temporary/` folder under the prefix.
    Also the exact `<folder>_$folder$` marker objects that Glue's S3 file system writes beside a
    folder it creates."""
    objects = []
    for prefix in prefixes:
        objects += [bucket.arn_for_objects(f"{prefix}*"), bucket.arn_for_objects(f"{prefix.rstrip('/')}_$folder$")]
    return [
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [p for prefix in prefixes for p in (prefix, f"{prefix}*")]}},
        ),
        iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=objects),
    ]


def use_key(key: kms.IKey, *, encrypt: bool) -> iam.PolicyStatement:
    """Decrypt with the platform key (reading SSE-KMS objects), and encrypt when `encrypt` (writing)."""
    actions = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypt else [])
    return iam.PolicyStatement(actions=actions, resources=[key.key_arn])


def write_log_groups(log_group_arns: list[str]) -> iam.PolicyStatement:
    """Write to log groups created ahead. Glue may still try to create a group and to associate the
    security configuration's key with it; scoped to these groups, that allows nothing beyond them."""
    return iam.PolicyStatement(
        actions=["logs:CreateLogGroup", "logs:AssociateKmsKey", "logs:CreateLogStream", "logs:PutLogEvents"],
        resources=log_group_arns,
    )


def object_prefix_findings(scope: IConstruct, statements: list[iam.PolicyStatement]) -> list[str]:
    """The AwsSolutions-IAM5 finding ids of the object-prefix resources (`.../prefix/*`) in
    `statements`, written as cdk-nag writes them, so they can be acknowledged one by one."""
    texts = [nag_text(scope, resource) for statement in statements for resource in statement.resources]
    return [f"AwsSolutions-IAM5[Resource::{text}]" for text in texts if text.endswith("*") and text != "*"]
