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


# Spark on Glue 5.1 reads and writes S3 through Hadoop's S3A file system (its default connector). To tell
# a file from a directory, S3A HEADs the path's key without a trailing slash, then lists `<key>/`; before
# it creates a directory, it HEADs each ancestor's key to make sure none is a file. A HEAD is authorized
# as s3:GetObject on that exact key, and a HEAD that is not authorized fails the job with 403, not 404
# (S3 API Reference, HeadObject: "To use HEAD, you must have the s3:GetObject permission"). The bare keys
# are objects that should not exist; read access to them reveals nothing.


def probed_keys(prefix: str) -> list[str]:
    """The keys S3A HEADs around `prefix` ('a/b/'): the prefix and each ancestor without the slash
    ('a/b', 'a')."""
    parts = prefix.strip("/").split("/")
    return ["/".join(parts[:end]) for end in range(len(parts), 0, -1)]


def head_probes(bucket: s3.IBucket, prefixes: list[str]) -> iam.PolicyStatement:
    """HEAD (s3:GetObject) of exactly the keys S3A probes around each prefix, for Spark jobs."""
    keys = dict.fromkeys(key for prefix in prefixes for key in probed_keys(prefix))
    return iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects(key) for key in keys])


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
    Large files are multipart uploads, which S3A aborts when a write fails (s3:AbortMultipartUpload).
    S3A writes no `_$folder$` markers (those were EMRFS's); its directory markers are `<dir>/`
    objects, under the prefix."""
    return [
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [p for prefix in prefixes for p in (prefix, f"{prefix}*")]}},
        ),
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes],
        ),
    ]


def use_key(key: kms.IKey, *, encrypt: bool) -> iam.PolicyStatement:
    """Decrypt with the platform key (reading SSE-KMS objects), and encrypt when `encrypt` (writing)."""
    actions = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypt else [])
    return iam.PolicyStatement(actions=actions, resources=[key.key_arn])


def write_log_groups(log_group_arns: list[str]) -> iam.PolicyStatement:
    """Write to log groups created ahead. A service may still try to create a group and to associate
    the security configuration's key with it; scoped to these groups, that allows nothing beyond them."""
    return iam.PolicyStatement(
        actions=["logs:CreateLogGroup", "logs:AssociateKmsKey", "logs:CreateLogStream", "logs:PutLogEvents"],
        resources=log_group_arns,
    )


def object_prefix_findings(scope: IConstruct, statements: list[iam.PolicyStatement]) -> list[str]:
    """The AwsSolutions-IAM5 finding ids of the object-prefix resources (`.../prefix/*`) in
    `statements`, written as cdk-nag writes them, so they can be acknowledged one by one."""
    texts = [nag_text(scope, resource) for statement in statements for resource in statement.resources]
    return [f"AwsSolutions-IAM5[Resource::{text}]" for text in texts if text.endswith("*") and text != "*"]
