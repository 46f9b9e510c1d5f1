"""Governance layer: Lake Formation settings, registered locations and LF-tags; the account's Data
Catalog encryption settings. Deployed before the catalog, whose databases and grants need them."""

from __future__ import annotations

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from constructs import Construct

from config import PlatformConfig
from lake_constructs import lake_formation as lf
from lake_constructs.compliance import acknowledge, wildcard_finding
from lake_constructs.construct_ids import construct_id
from lake_constructs.lake_role import LakeRole

from .layers import LayerRow
from .storage import StorageStack


def bootstrap_role_arns(stack: Stack, qualifier: str) -> list[str]:
    """The CDK bootstrap roles that deploy the platform: the deploy role (`cdk deploy`, the
    pipeline's CloudFormation actions) and the CloudFormation execution role that creates the
    resources. Named by the bootstrap template's convention `cdk-<qualifier>-<role>-<account>-<region>`."""
    return [
        f"arn:{stack.partition}:iam::{stack.account}:role/cdk-{qualifier}-{role}-{stack.account}-{stack.region}"
        for role in ("deploy-role", "cfn-exec-role")
    ]


class GovernanceStack(Stack):
    """Deployed when `governance.mode` is hybrid or lake_formation, or the platform owns the
    account's catalog encryption settings. Attributes (None where not made):

    - `settings` (AWS::LakeFormation::DataLakeSettings): the deployment roles and `governance.admins`
      added as data lake administrators (MutationType APPEND: the account's other administrators stay);
    - `registration_role` (a LakeRole) and `locations` by zone (AWS::LakeFormation::Resource): the
      raw and curated buckets registered through the role, in hybrid access mode in `hybrid`;
    - `lf_tags` by key (AWS::LakeFormation::Tag): zone, dataset, classification and `governance.lf_tags`;
    - `catalog_encryption` (glue.CfnDataCatalogEncryptionSettings).
    """

    row = LayerRow(
        position=40,
        layer="governance",
        holds="Lake Formation administrators, registered locations, LF-tags, consumers' grants and data "
        "filters; the account's catalog encryption",
        switch="`governance.mode` not `iam`, or `governance.catalog_encryption.managed`",
        docs="[governance](docs/governance.md)",
    )
    stateless_types = frozenset(
        {
            *("AWS::Glue::DataCatalogEncryptionSettings", "AWS::LakeFormation::DataLakeSettings"),
            *("AWS::LakeFormation::Resource", "AWS::LakeFormation::Tag"),
        }
    )

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        governance = config.governance
        key = storage.key
        self.settings = self.registration_role = None
        self.locations: dict[str, CfnResource] = {}
        self.lf_tags: dict[str, CfnResource] = {}
        self.consumer_grants: dict[str, list[CfnResource]] = {}
        self.data_filters: dict[tuple[str, str], CfnResource] = {}
        self.catalog_encryption = None

        if governance.governed:
            self._lake_formation(config, storage)
        if governance.catalog_encryption.managed:
            # Account-wide (one per account and region): metadata written from now on is encrypted with
            # the platform key, and Glue returns connection passwords encrypted (CloudFormation
            # AWS::Glue::DataCatalogEncryptionSettings; Glue developer guide, "Encrypting your Data
            # Catalog"). In SSE-KMS mode Glue uses the caller's credentials on the key: every catalog
            # user needs kms:Decrypt (readers) and kms:GenerateDataKey/Encrypt (writers) on it
            # (Athena user guide, "Access from Athena to encrypted metadata in the Data Catalog");
            # the platform's roles get them from their policies, consumers from the key policy.
            self.catalog_encryption = glue.CfnDataCatalogEncryptionSettings(
                self,
                "CatalogEncryption",
                catalog_id=self.account,
                data_catalog_encryption_settings=glue.CfnDataCatalogEncryptionSettings.DataCatalogEncryptionSettingsProperty(
                    encryption_at_rest=glue.CfnDataCatalogEncryptionSettings.EncryptionAtRestProperty(
                        catalog_encryption_mode="SSE-KMS", sse_aws_kms_key_id=key.key_arn
                    ),
                    connection_password_encryption=glue.CfnDataCatalogEncryptionSettings.ConnectionPasswordEncryptionProperty(
                        return_connection_password_encrypted=True, kms_key_id=key.key_arn
                    ),
                ),
            )

    def _lake_formation(self, config: PlatformConfig, storage: StorageStack) -> None:
        governance = config.governance
        admins = [*bootstrap_role_arns(self, governance.bootstrap_qualifier), *governance.admins]
        # PutDataLakeSettings replaces the whole administrator list (API reference); the CloudFormation
        # resource's MutationType APPEND adds these values to the current settings instead of replacing
        # them, so the account's existing administrators and defaults are kept. The CloudFormation
        # execution role must be an administrator before the catalog stack creates databases and grants.
        self.settings = CfnResource(
            self,
            "DataLakeSettings",
            type="AWS::LakeFormation::DataLakeSettings",
            properties={
                "Admins": [{"DataLakePrincipalIdentifier": arn} for arn in admins],
                "MutationType": "APPEND",
            },
        )

        # A role of our own, not the service-linked role: Lake Formation assumes it to vend credentials
        # for the locations, and it must be able to use the platform key, which a role of ours gets in
        # its own policy (developer guide, "Requirements for roles used to register locations": trusted
        # by lakeformation.amazonaws.com, S3 read/write on the location; a user-defined role is required
        # for locations EMR reads, and "Registering an encrypted Amazon S3 location").
        self.registration_role = LakeRole(
            self,
            "RegistrationRole",
            assumed_by=iam.ServicePrincipal("lakeformation.amazonaws.com"),
            description="Lake Formation vends credentials for the raw and curated buckets through this role",
        )
        buckets = {zone: storage.bucket_name(config, zone) for zone in lf.ZONES}
        bucket_arns = {zone: f"arn:{self.partition}:s3:::{name}" for zone, name in buckets.items()}
        object_arns = [f"{arn}/*" for arn in bucket_arns.values()]
        self.registration_role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadWriteRegisteredLocations",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=object_arns,
            )
        )
        self.registration_role.add_to_policy(
            iam.PolicyStatement(
                sid="ListRegisteredLocations", actions=["s3:ListBucket"], resources=list(bucket_arns.values())
            )
        )
        self.registration_role.add_to_policy(
            iam.PolicyStatement(
                sid="UseThePlatformKey",
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                resources=[storage.key.key_arn],
            )
        )
        acknowledge(
            self.registration_role.policy,
            "Lake Formation reads and writes any object of the two registered buckets (raw, curated) on "
            "behalf of the principals it has granted: the registered location is the whole bucket, and the "
            "objects below it are chosen by those grants at run time",
            *(wildcard_finding(self, arn) for arn in object_arns),
        )
        for zone, arn in bucket_arns.items():
            location = CfnResource(
                self,
                f"{zone.capitalize()}Location",
                type="AWS::LakeFormation::Resource",
                properties={
                    "ResourceArn": arn,
                    "RoleArn": self.registration_role.role_arn,
                    "UseServiceLinkedRole": False,
                    # Hybrid access mode: principals not opted in keep their IAM access to the tables
                    # there (developer guide, "Hybrid access mode").
                    "HybridAccessEnabled": governance.mode == "hybrid",
                },
            )
            location.node.add_dependency(self.registration_role.policy, self.settings)
            self.locations[zone] = location

        values = {
            lf.ZONE: list(lf.ZONES),
            lf.DATASET: [dataset.name for dataset in config.catalog.datasets],
            lf.CLASSIFICATION: sorted({governance.default_classification, *governance.classifications.values()}),
            **governance.lf_tags,
        }
        for key, tag_values in values.items():
            if not tag_values:
                continue
            tag = CfnResource(
                self,
                f"Tag{construct_id(key)}",
                type="AWS::LakeFormation::Tag",
                properties={"CatalogId": self.account, "TagKey": key, "TagValues": sorted(tag_values)},
            )
            tag.node.add_dependency(self.settings)
            self.lf_tags[key] = tag

        curated = config.database_name("curated")
        for consumer in governance.consumers:
            scope = Construct(self, f"Consumer{construct_id(consumer.name)}")
            if not consumer.data_filters:
                grants = lf.grant_zone_read(
                    scope,
                    "Curated",
                    principal_arn=consumer.principal_arn,
                    zone="curated",
                    classifications=consumer.classifications,
                )
            else:
                # Only through its filters: a tag grant on the tables as well would show every row.
                grants = [
                    lf.grant_on_tags(
                        scope,
                        "CuratedDatabase",
                        principal_arn=consumer.principal_arn,
                        resource_type="DATABASE",
                        expression={lf.ZONE: ["curated"]},
                        permissions=lf.READ_DATABASE,
                    )
                ]
                for data_filter in consumer.data_filters:
                    cells = lf.data_cells_filter(
                        scope,
                        f"Filter{construct_id(data_filter.name)}",
                        database_name=curated,
                        table_name=data_filter.dataset,
                        name=data_filter.name,
                        row_filter=data_filter.row_filter,
                        columns=data_filter.columns,
                        excluded_columns=data_filter.excluded_columns,
                    )
                    cells.node.add_dependency(self.settings)
                    self.data_filters[(data_filter.dataset, data_filter.name)] = cells
                    grant = lf.grant_on_data_filter(
                        scope,
                        f"Select{construct_id(data_filter.name)}",
                        principal_arn=consumer.principal_arn,
                        database_name=curated,
                        table_name=data_filter.dataset,
                        name=data_filter.name,
                    )
                    grant.node.add_dependency(cells)
                    grants.append(grant)
            for grant in grants:
                grant.node.add_dependency(*self.lf_tags.values())
            self.consumer_grants[consumer.name] = grants
