"""Every IAM grant of the platform's roles and policies to the lake: S3 prefixes and zones, the Glue
catalog, the platform key, log groups and metrics.

One module, so that every principal reads the catalog with the same actions (`CATALOG_READ`) and
reaches S3 the same way. A `grant_*` function adds its statements to a customer-managed policy (a
`LakeRole`'s `policy`, or a `ManagedPolicy`) and acknowledges the rule-pack findings of exactly the
wildcards it adds, with the reason they are bounded; the other functions return statements and
leave the acknowledging to their caller.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from .compliance import acknowledge, acknowledge_wildcards, nag_text

# Reading table definitions, their versions and partitions, and the databases' functions: what
# query engines (Athena, Spectrum, Hive, Spark, Presto) and crawlers call to read the catalog.
CATALOG_READ = (
    "glue:BatchGetPartition",
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTableVersions",
    "glue:GetTables",
    "glue:GetUserDefinedFunctions",
)
# What a crawler needs to create a table, follow its schema and add partitions; never to delete.
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
# What an Iceberg commit through the Glue catalog calls: read the database and the table, create the
# table on the first run and commit by UpdateTable (new metadata_location, on the version it read).
ICEBERG_COMMIT = ("glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable")

# In the curated zone, a dataset's table is under '<dataset>/' (a name that starts with a letter, see
# config.models.catalog.SNAKE_CASE) and the zone's own folders (the quarantine, `_quarantine/`) start with '_'.
CURATED_SERVICE_FOLDERS = "_"


def catalog_arns(scope: IConstruct, database: str, tables: list[str]) -> list[str]:
    """The Data Catalog, one database and the named tables in it ('*': all of them): Glue checks all
    three for a table operation. Built from names (the naming contract): no cross-stack reference."""
    stack = Stack.of(scope)
    return [
        stack.format_arn(service="glue", resource="catalog"),
        stack.format_arn(service="glue", resource="database", resource_name=database),
        *(stack.format_arn(service="glue", resource="table", resource_name=f"{database}/{table}") for table in tables),
    ]


def grant_catalog_read(
    policy: iam.ManagedPolicy,
    *,
    databases: list[str],
    sid: str | None = None,
    tables: bool = True,
    functions: bool = False,
) -> iam.PolicyStatement:
    """Read `databases`, with `tables` every table in them, and with `functions` their user-defined
    functions (which Hive and Spark list at start). The wildcards are the tables (functions) of the
    lake's own databases, which hold only its datasets' tables by the naming contract: the grant
    keeps its size whatever their number."""
    stack = Stack.of(policy)

    def arn(resource: str, name: str | None = None) -> str:
        return stack.format_arn(service="glue", resource=resource, resource_name=name)

    wildcards = [
        *(arn("table", f"{database}/*") for database in databases if tables),
        *(arn("userDefinedFunction", f"{database}/*") for database in databases if functions),
    ]
    statement = iam.PolicyStatement(
        sid=sid,
        actions=list(CATALOG_READ),
        resources=[arn("catalog"), *(arn("database", database) for database in databases), *wildcards],
    )
    policy.add_statements(statement)
    if wildcards:
        acknowledge_wildcards(
            policy,
            f"Read only, of the tables{' and functions' if functions else ''} of the lake's own Glue "
            f"database(s) {', '.join(databases)}, which hold only the datasets' tables by the naming "
            "contract; a Glue ARN selects every table of a database only with a wildcard",
            wildcards,
        )
    return statement


def grant_iceberg_commit(
    policy: iam.ManagedPolicy, *, database: str, tables: list[str], sid: str | None = None
) -> iam.PolicyStatement:
    """Commit the Iceberg tables `tables` ('*': every table) of `database` through the Glue catalog."""
    statement = iam.PolicyStatement(
        sid=sid, actions=list(ICEBERG_COMMIT), resources=catalog_arns(policy, database, tables)
    )
    policy.add_statements(statement)
    if "*" in tables:
        acknowledge_wildcards(
            policy,
            f"Commits to the tables of {database}, every one a dataset's curated table by the naming contract "
            "(the ETL step may curate any dataset); a Glue ARN selects them all only with a wildcard",
            statement.resources,
        )
    return statement


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


def grant_prefixes(
    policy: iam.ManagedPolicy,
    *,
    read: list[tuple[s3.IBucket, str]] = (),
    write: list[tuple[s3.IBucket, list[str]]] = (),
    reason: str,
) -> list[iam.PolicyStatement]:
    """Read the objects under each (bucket, prefix) of `read` and write those under each (bucket,
    prefixes) of `write`, acknowledging exactly those prefixes' object wildcards for `reason` (which
    names them)."""
    statements = [
        *(statement for bucket, prefix in read for statement in read_prefix(bucket, prefix)),
        *(statement for bucket, prefixes in write for statement in write_prefixes(bucket, prefixes)),
    ]
    policy.add_statements(*statements)
    acknowledge(
        policy,
        f"{reason}: an S3 object ARN selects the objects of a prefix only with a trailing wildcard",
        *object_prefix_findings(policy, statements),
    )
    return statements


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


def grant_curated_read(policy: iam.ManagedPolicy, bucket: s3.IBucket, *, hidden: str) -> list[iam.PolicyStatement]:
    """`zone_read_statements` of the curated zone `bucket`, its object wildcard acknowledged."""
    statements = zone_read_statements(bucket, hidden=hidden)
    policy.add_statements(*statements)
    acknowledge_wildcards(
        policy,
        "The curated zone, whose every prefix is a curated table by the naming contract (<curated "
        f"bucket>/<dataset>/*; the {hidden}* service folders, quarantine included, denied); the keys below "
        "are chosen at run time by the ETL jobs (partitions, files)",
        [bucket.arn_for_objects("*")],
    )
    return statements


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


def put_metrics(*namespaces: str, sid: str | None = None) -> iam.PolicyStatement:
    """cloudwatch:PutMetricData (no resource-level permissions: '*') held to `namespaces`."""
    return iam.PolicyStatement(
        sid=sid,
        actions=["cloudwatch:PutMetricData"],
        resources=["*"],
        conditions={
            "StringEquals": {"cloudwatch:namespace": namespaces[0] if len(namespaces) == 1 else list(namespaces)}
        },
    )


def grant_put_metrics(policy: iam.ManagedPolicy, *namespaces: str, sid: str | None = None) -> iam.PolicyStatement:
    """`put_metrics(*namespaces)`, its resource '*' acknowledged."""
    statement = put_metrics(*namespaces, sid=sid)
    policy.add_statements(statement)
    acknowledge(
        policy,
        "cloudwatch:PutMetricData has no resource-level permissions (its resource is always '*'); the "
        f"statement allows it only for the {', '.join(namespaces)} namespace(s) (condition cloudwatch:namespace)",
        "AwsSolutions-IAM5[Resource::*]",
    )
    return statement


def grant_table_tagging(policy: iam.ManagedPolicy, *, sid: str | None = None) -> iam.PolicyStatement:
    """Put LF-tags on the tables the principal creates (an ETL run tags its curated table)."""
    statement = iam.PolicyStatement(
        sid=sid,
        actions=["lakeformation:AddLFTagsToResource", "lakeformation:GetResourceLFTags"],
        resources=["*"],
    )
    policy.add_statements(statement)
    acknowledge(
        policy,
        "lakeformation:AddLFTagsToResource and GetResourceLFTags have no resource-level IAM permissions: "
        "Lake Formation itself limits them to the tag values the principal may associate (ASSOCIATE on its "
        "datasets' values) and the tables it may alter",
        "AwsSolutions-IAM5[Resource::*]",
    )
    return statement


def object_prefix_findings(scope: IConstruct, statements: list[iam.PolicyStatement]) -> list[str]:
    """The AwsSolutions-IAM5 finding ids of the object-prefix resources (`.../prefix/*`) in
    `statements`, written as cdk-nag writes them, so they can be acknowledged one by one."""
    texts = [nag_text(scope, resource) for statement in statements for resource in statement.resources]
    return [f"AwsSolutions-IAM5[Resource::{text}]" for text in texts if text.endswith("*") and text != "*"]
