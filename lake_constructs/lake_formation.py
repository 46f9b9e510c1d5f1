"""Lake Formation grants, by LF-tag expression: the one module every layer grants through.

A grant names a tag expression, never a table, so the grants of a shared role do not grow with the
datasets. Tags (docs: "LF-tag expressions", AWS::LakeFormation::PrincipalPermissions LFTagPolicy,
ResourceType DATABASE | TABLE, 1 to 5 conditions): `zone` (raw, curated) on the databases, inherited
by every table in them; `dataset` and `classification` on each curated table, put there by the ETL
job that creates it (glue_jobs/lake_etl/governance.py).

Implicit permissions (Lake Formation developer guide, "Implicit Lake Formation permissions"): the
creator of a table has all permissions on it. Crawlers create their raw tables and ETL jobs their
curated tables; the grants below let them create one, and the tag grants keep the ETL job's access
to its table if the table was created by someone else (a migration, a role replaced).
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from .compliance import acknowledge

ZONE = "zone"
DATASET = "dataset"
CLASSIFICATION = "classification"
ZONES = ("raw", "curated")


def dataset_tags(dataset: str, classification: str) -> dict[str, str]:
    """The LF-tags an ETL run puts on the curated table it creates, so tag-based grants reach it."""
    return {DATASET: dataset, CLASSIFICATION: classification}


# What each Glue Data Catalog call needs from Lake Formation on the resource it names (developer
# guide, "Lake Formation permissions reference": DESCRIBE to read a definition, SELECT to read
# partitions, INSERT to add them, ALTER to change the table or a partition, DELETE to drop
# partitions, CREATE_TABLE on the database to create a table in it).
DATABASE_PERMISSION = {
    "glue:GetDatabase": "DESCRIBE",
    "glue:GetDatabases": "DESCRIBE",
    "glue:CreateTable": "CREATE_TABLE",
}
TABLE_PERMISSION = {
    "glue:GetTable": "DESCRIBE",
    "glue:GetTables": "DESCRIBE",
    "glue:GetTableVersions": "DESCRIBE",
    "glue:GetPartitionIndexes": "DESCRIBE",
    "glue:GetPartition": "SELECT",
    "glue:GetPartitions": "SELECT",
    "glue:BatchGetPartition": "SELECT",
    "glue:CreatePartition": "INSERT",
    "glue:BatchCreatePartition": "INSERT",
    "glue:UpdateTable": "ALTER",
    "glue:CreatePartitionIndex": "ALTER",
    "glue:UpdatePartition": "ALTER",
    "glue:BatchUpdatePartition": "ALTER",
    "glue:BatchDeletePartition": "DELETE",
    "glue:DeletePartition": "DELETE",
}
# A reader of a zone: see its database and tables, read their data.
READ_DATABASE = ["DESCRIBE"]
READ_TABLES = ["DESCRIBE", "SELECT"]
# A writer of its own table: everything the ETL job and the crawler call (see the maps above).
WRITE_DATABASE = ["CREATE_TABLE", "DESCRIBE"]
WRITE_TABLES = ["ALTER", "DELETE", "DESCRIBE", "INSERT", "SELECT"]


def catalog_id(scope: Construct) -> str:
    return Stack.of(scope).account


def grant(scope: Construct, id: str, *, principal_arn: str, resource: dict, permissions: list[str]) -> CfnResource:
    """AWS::LakeFormation::PrincipalPermissions: `permissions` (without grant option) on `resource`
    (its CloudFormation form: LFTagPolicy, DataLocation, LFTag, DataCellsFilter) to one principal."""
    return CfnResource(
        scope,
        id,
        type="AWS::LakeFormation::PrincipalPermissions",
        properties={
            "Principal": {"DataLakePrincipalIdentifier": principal_arn},
            "Resource": resource,
            "Permissions": sorted(permissions),
            "PermissionsWithGrantOption": [],
        },
    )


def grant_on_tags(
    scope: Construct,
    id: str,
    *,
    principal_arn: str,
    resource_type: str,
    expression: dict[str, Iterable[str]],
    permissions: list[str],
) -> CfnResource:
    """Grant `permissions` on every DATABASE or TABLE whose LF-tags match `expression` (each key
    having one of its values): an LFTagPolicy resource."""
    policy = {
        "CatalogId": catalog_id(scope),
        "ResourceType": resource_type,
        "Expression": [{"TagKey": key, "TagValues": sorted(values)} for key, values in expression.items()],
    }
    return grant(scope, id, principal_arn=principal_arn, resource={"LFTagPolicy": policy}, permissions=permissions)


def grant_on_location(scope: Construct, id: str, *, principal_arn: str, location_arn: str) -> CfnResource:
    """DATA_LOCATION_ACCESS on a registered location: creating a table (or a crawler's table) whose
    data lives there needs it (developer guide, "Underlying data access control")."""
    location = {"CatalogId": catalog_id(scope), "ResourceArn": location_arn}
    return grant(
        scope,
        id,
        principal_arn=principal_arn,
        resource={"DataLocation": location},
        permissions=["DATA_LOCATION_ACCESS"],
    )


def grant_tag_association(scope: Construct, id: str, *, principal_arn: str, key: str, values: list[str]) -> CfnResource:
    """ASSOCIATE (and DESCRIBE) on the values of one LF-tag: the principal may attach them to the
    resources it may ALTER, as the ETL job does to the table it creates."""
    tag = {"CatalogId": catalog_id(scope), "TagKey": key, "TagValues": sorted(values)}
    return grant(scope, id, principal_arn=principal_arn, resource={"LFTag": tag}, permissions=["ASSOCIATE", "DESCRIBE"])


def tag_database(scope: Construct, id: str, *, database_name: str, tags: dict[str, str]) -> CfnResource:
    """Attach LF-tags to a database; its tables inherit them (AWS::LakeFormation::TagAssociation)."""
    return CfnResource(
        scope,
        id,
        type="AWS::LakeFormation::TagAssociation",
        properties={
            "Resource": {"Database": {"CatalogId": catalog_id(scope), "Name": database_name}},
            "LFTags": [
                {"CatalogId": catalog_id(scope), "TagKey": key, "TagValues": [value]} for key, value in tags.items()
            ],
        },
    )


def data_cells_filter(
    scope: Construct,
    id: str,
    *,
    database_name: str,
    table_name: str,
    name: str,
    row_filter: str | None,
    columns: list[str] | None,
    excluded_columns: list[str] | None,
) -> CfnResource:
    """A row and column filter of one table (AWS::LakeFormation::DataCellsFilter): the rows matching
    `row_filter` (all rows without one), the `columns` listed, or all columns but `excluded_columns`.
    The table must exist when the filter is created."""
    properties: dict = {
        "TableCatalogId": catalog_id(scope),
        "DatabaseName": database_name,
        "TableName": table_name,
        "Name": name,
        "RowFilter": {"AllRowsWildcard": {}} if row_filter is None else {"FilterExpression": row_filter},
    }
    if columns is not None:
        properties["ColumnNames"] = columns
    else:
        properties["ColumnWildcard"] = {"ExcludedColumnNames": excluded_columns or []}
    return CfnResource(scope, id, type="AWS::LakeFormation::DataCellsFilter", properties=properties)


def grant_on_data_filter(
    scope: Construct, id: str, *, principal_arn: str, database_name: str, table_name: str, name: str
) -> CfnResource:
    """SELECT through a data cells filter: the principal reads that table's filtered rows and columns."""
    cells = {"TableCatalogId": catalog_id(scope), "DatabaseName": database_name, "TableName": table_name, "Name": name}
    return grant(scope, id, principal_arn=principal_arn, resource={"DataCellsFilter": cells}, permissions=["SELECT"])


def _zone_database(scope: Construct, principal_arn: str, zone: str, permissions: list[str]) -> CfnResource:
    return grant_on_tags(
        scope,
        "Database",
        principal_arn=principal_arn,
        resource_type="DATABASE",
        expression={ZONE: [zone]},
        permissions=permissions,
    )


def grant_zone_read(
    scope: Construct, id: str, *, principal_arn: str, zone: str, classifications: list[str] | None = None
) -> list[CfnResource]:
    """DESCRIBE on the zone's database, DESCRIBE and SELECT on its tables (of `classifications` only,
    when given): what Athena, Redshift Spectrum and EMR need to query a zone."""
    scope = Construct(scope, id)
    tables: dict[str, Iterable[str]] = {ZONE: [zone]}
    if classifications is not None:
        tables[CLASSIFICATION] = classifications
    read_tables = grant_on_tags(
        scope, "Tables", principal_arn=principal_arn, resource_type="TABLE", expression=tables, permissions=READ_TABLES
    )
    return [_zone_database(scope, principal_arn, zone, READ_DATABASE), read_tables]


def grant_table_create(
    scope: Construct, id: str, *, principal_arn: str, zone: str, location_arn: str
) -> list[CfnResource]:
    """CREATE_TABLE on the zone's database and DATA_LOCATION_ACCESS on its location: a crawler's
    grants; the raw table it creates is its own (implicit permissions)."""
    scope = Construct(scope, id)
    return [
        _zone_database(scope, principal_arn, zone, WRITE_DATABASE),
        grant_on_location(scope, "Location", principal_arn=principal_arn, location_arn=location_arn),
    ]


def grant_dataset_write(
    scope: Construct,
    id: str,
    *,
    principal_arn: str,
    zone: str,
    dataset: str,
    classification: str,
    location_arn: str,
) -> list[CfnResource]:
    """What writing one dataset's table of `zone` needs: creating a table there (`grant_table_create`),
    the table permissions on the tables tagged with the dataset, and ASSOCIATE on the dataset's tag
    values (to tag the table it creates)."""
    create = grant_table_create(scope, id, principal_arn=principal_arn, zone=zone, location_arn=location_arn)
    scope = create[0].node.scope
    write_table = grant_on_tags(
        scope,
        "Table",
        principal_arn=principal_arn,
        resource_type="TABLE",
        expression={ZONE: [zone], DATASET: [dataset]},
        permissions=WRITE_TABLES,
    )
    return [
        create[0],
        write_table,
        create[1],
        grant_tag_association(scope, "DatasetTag", principal_arn=principal_arn, key=DATASET, values=[dataset]),
        grant_tag_association(
            scope, "ClassificationTag", principal_arn=principal_arn, key=CLASSIFICATION, values=[classification]
        ),
    ]


GET_DATA_ACCESS = "lakeformation:GetDataAccess"


def lake_formation_data_access() -> iam.PolicyStatement:
    """The IAM side of reading a registered location through Lake Formation: the engine (Athena,
    Redshift Spectrum) asks Lake Formation for temporary credentials with the caller's identity
    (Athena user guide, "Identity-based permissions for Lake Formation and Athena")."""
    return iam.PolicyStatement(sid="LakeFormationDataAccess", actions=[GET_DATA_ACCESS], resources=["*"])


def acknowledge_data_access(policy: IConstruct) -> None:
    acknowledge(
        policy,
        "lakeformation:GetDataAccess has no resource-level permissions (its resource is always '*'); what "
        "the credentials it vends may read is decided by the Lake Formation grants on each table",
        "AwsSolutions-IAM5[Resource::*]",
    )


class LakeFormationAccess:
    """What a per-dataset construct needs to grant its role through Lake Formation: the registered
    location of the zone it writes (an S3 bucket ARN) and the dataset's classification."""

    def __init__(self, *, location_arn: str, classification: str) -> None:
        self.location_arn = location_arn
        self.classification = classification
