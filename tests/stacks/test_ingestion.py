"""What a security reviewer or a user relies on in the ingestion layer, asserted exactly.

dev replicates with DMS Serverless and owns the account-wide DMS roles; prod runs a multi-AZ
replication instance. A third variant, built here once, runs an instance without owning the roles,
with the engines whose settings blocks differ (SQL Server, Oracle) and an S3 prefix list.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from app import build
from config import PlatformConfig, load_config
from lake_constructs.dms_replication import table_mappings
from tests.synth import Synth

SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:{}-AbCdEf"
VARIANT_SOURCES = [
    {
        "name": "erp",
        "engine": "sqlserver",
        "host": "10.50.1.10",
        "port": 1433,
        "database": "erp",
        "secret_arn": SECRET.format("erp"),
        "location": "on_premises",
        "tables": [{"schema_name": "dbo", "table_name": "invoices", "rename_schema": "finance"}],
    },
    {
        "name": "billing",
        "engine": "oracle",
        "host": "billing.example.internal",
        "cidrs": ["10.60.0.0/24", "10.60.1.0/24"],
        "port": 1521,
        "database": "BILLING",
        "secret_arn": SECRET.format("billing"),
        "secret_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        "ssl_mode": "verify-ca",
        "certificate_arn": "arn:aws:dms:eu-west-1:111122223333:cert:BILLINGCA",
        "tables": [{"schema_name": "BILL", "table_name": "%"}],
    },
]


@pytest.fixture(scope="module")
def variant_config() -> PlatformConfig:
    """dev, but on a replication instance, not owning the account roles, without JDBC extracts."""
    data = load_config("dev").model_dump(mode="json")
    data["catalog"]["datasets"] = [d for d in data["catalog"]["datasets"] if d["name"] != "crm_customers"]
    data["ingestion"]["dms"].update(
        capacity="instance",
        owns_account_roles=False,
        s3_prefix_list_id="pl-6da54004",
        instance={"instance_class": "dms.t3.medium", "allocated_storage_gb": 50, "multi_az": False},
        sources=VARIANT_SOURCES,
    )
    data["ingestion"]["jdbc"]["extracts"] = []
    return PlatformConfig.model_validate(data)


@pytest.fixture(scope="module")
def variant(variant_config, tmp_path_factory) -> Synth:
    outdir = tmp_path_factory.mktemp("ingestion-variant")
    build(variant_config, str(outdir)).synth()
    return Synth("variant", outdir)


def props(synth: Synth, type_: str) -> list[dict]:
    return [r["Properties"] for r in synth.resources("ingestion", type_).values()]


def one(synth: Synth, type_: str, **match) -> tuple[str, dict]:
    found = [
        (logical_id, r)
        for logical_id, r in synth.resources("ingestion", type_).items()
        if all(r["Properties"].get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"{type_} {match}: {len(found)} found"
    return found[0]


def policy_of_role(synth: Synth, role_id: str) -> list[dict]:
    for policy in synth.resources("ingestion", "AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(f"no managed policy attached to {role_id}")


def joined(value) -> str:
    """A Fn::Join of strings and references, rendered as text ('<AWS::AccountId>' for a Ref)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(joined(part) for part in value["Fn::Join"][1])
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return json.dumps(value, sort_keys=True)


RAW = "mlake-dev-raw-<AWS::AccountId>-<AWS::Region>"


# --- which environments have the layer -------------------------------------------------------------


def test_minimal_has_no_ingestion(minimal):
    assert "ingestion" not in minimal.stacks


def test_dev_and_prod_have_ingestion(dev, prod):
    assert "ingestion" in dev.stacks and "ingestion" in prod.stacks


# --- endpoints ----------------------------------------------------------------------------------------


def test_source_endpoints_read_credentials_from_secrets_manager_only(dev, variant, configs, variant_config):
    for synth, config in ((dev, configs["dev"]), (variant, variant_config)):
        for source in config.ingestion.dms.sources:
            _, endpoint = one(synth, "AWS::DMS::Endpoint", EndpointIdentifier=f"mlake-dev-{source.name}-source")
            properties = endpoint["Properties"]
            assert not {"Password", "Username", "ServerName", "Port"} & set(properties)
            (settings_key,) = [k for k in properties if k.endswith("Settings")]
            settings = properties[settings_key]
            assert set(settings) == {"SecretsManagerAccessRoleArn", "SecretsManagerSecretId"}
            assert settings["SecretsManagerSecretId"] == source.secret_arn
            assert {"Key": "source-location", "Value": source.location} in properties["Tags"]


def test_each_engine_uses_its_own_settings_block(dev, variant):
    blocks = {
        p["EngineName"]: next(k for k in p if k.endswith("Settings"))
        for synth in (dev, variant)
        for p in props(synth, "AWS::DMS::Endpoint")
        if p["EndpointType"] == "source"
    }
    assert blocks == {
        "mysql": "MySqlSettings",
        "postgres": "PostgreSqlSettings",
        "sqlserver": "MicrosoftSqlServerSettings",
        "oracle": "OracleSettings",
    }


def test_source_endpoints_use_tls_as_configured(dev, variant):
    _, crm = one(dev, "AWS::DMS::Endpoint", EndpointIdentifier="mlake-dev-crm-source")
    assert crm["Properties"]["SslMode"] == "require"
    _, billing = one(variant, "AWS::DMS::Endpoint", EndpointIdentifier="mlake-dev-billing-source")
    assert billing["Properties"]["SslMode"] == "verify-ca"
    assert billing["Properties"]["CertificateArn"] == "arn:aws:dms:eu-west-1:111122223333:cert:BILLINGCA"
    assert billing["Properties"]["DatabaseName"] == "BILLING"


def test_target_endpoints_write_to_the_raw_bucket_under_the_sources_prefix_with_sse_kms(dev, configs):
    for source in configs["dev"].ingestion.dms.sources:
        _, endpoint = one(dev, "AWS::DMS::Endpoint", EndpointIdentifier=f"mlake-dev-{source.name}-raw")
        properties = endpoint["Properties"]
        assert properties["EngineName"] == "s3" and properties["EndpointType"] == "target"
        s3 = properties["S3Settings"]
        assert joined(s3["BucketName"]) == RAW
        assert s3["BucketFolder"] == f"dms/{source.name}"
        assert s3["EncryptionMode"] == "SSE_KMS"
        assert "lake" in json.dumps(s3["ServerSideEncryptionKmsKeyId"]).lower()
        assert s3["ExpectedBucketOwner"] == {"Ref": "AWS::AccountId"}
        assert s3["DatePartitionEnabled"] is True and s3["DatePartitionSequence"] == "YYYYMMDD"
        assert s3["IncludeOpForFullLoad"] is True
        assert s3["CdcMaxBatchInterval"] == 60
        assert s3["ServiceAccessRoleArn"]["Fn::GetAtt"][1] == "Arn"


def test_parquet_by_default_csv_with_a_header_when_asked(dev):
    _, shop = one(dev, "AWS::DMS::Endpoint", EndpointIdentifier="mlake-dev-shop-raw")
    assert shop["Properties"]["S3Settings"]["DataFormat"] == "parquet"
    assert shop["Properties"]["S3Settings"]["ParquetVersion"] == "parquet-2-0"
    _, crm = one(dev, "AWS::DMS::Endpoint", EndpointIdentifier="mlake-dev-crm-raw")
    assert crm["Properties"]["S3Settings"]["DataFormat"] == "csv"
    assert crm["Properties"]["S3Settings"]["AddColumnName"] is True
    assert crm["Properties"]["S3Settings"]["CsvDelimiter"] == ","


# --- replication: tasks, mappings, settings --------------------------------------------------------------


def test_dev_replicates_with_serverless_configs_named_by_the_contract(dev, configs):
    assert not dev.resources("ingestion", "AWS::DMS::ReplicationInstance")
    assert not dev.resources("ingestion", "AWS::DMS::ReplicationTask")
    capacity = configs["dev"].ingestion.dms.serverless
    for source in configs["dev"].ingestion.dms.sources:
        _, replication = one(dev, "AWS::DMS::ReplicationConfig", ReplicationConfigIdentifier=f"mlake-dev-{source.name}")
        properties = replication["Properties"]
        assert properties["ReplicationType"] == "full-load-and-cdc"
        assert properties["TableMappings"] == table_mappings(source)
        compute = properties["ComputeConfig"]
        assert compute["MinCapacityUnits"] == capacity.min_capacity_units
        assert compute["MaxCapacityUnits"] == capacity.max_capacity_units
        assert "ReplicationSubnetGroupId" in compute and len(compute["VpcSecurityGroupIds"]) == 1
        assert "lake" in json.dumps(compute["KmsKeyId"]).lower()
        assert properties["ReplicationSettings"]["Logging"]["EnableLogging"] is True


def test_prod_replicates_with_tasks_on_one_instance(prod, configs):
    assert not prod.resources("ingestion", "AWS::DMS::ReplicationConfig")
    ((instance_id, _),) = prod.resources("ingestion", "AWS::DMS::ReplicationInstance").items()
    for source in configs["prod"].ingestion.dms.sources:
        _, task = one(prod, "AWS::DMS::ReplicationTask", ReplicationTaskIdentifier=f"mlake-prod-{source.name}")
        properties = task["Properties"]
        # The task's ARN, events and metrics carry the readable identifier the alarms look for.
        assert properties["ResourceIdentifier"] == f"mlake-prod-{source.name}"
        assert properties["MigrationType"] == "full-load-and-cdc"
        assert properties["ReplicationInstanceArn"] == {"Ref": instance_id}
        assert json.loads(properties["TableMappings"]) == table_mappings(source)
        settings = json.loads(properties["ReplicationTaskSettings"])
        assert settings["Logging"]["EnableLogging"] is True
        # A reload never deletes what is already in the raw zone.
        assert settings["FullLoadSettings"]["TargetTablePrepMode"] == "DO_NOTHING"


def test_table_mappings_select_in_order_then_rename():
    source = load_config("dev").ingestion.dms.sources[0]
    rules = table_mappings(source)["rules"]
    assert [r["rule-id"] for r in rules] == [str(i) for i in range(1, len(rules) + 1)]
    assert [(r["rule-type"], r.get("rule-action")) for r in rules] == [
        ("selection", "include"),
        ("selection", "exclude"),
        ("transformation", "rename"),
    ]
    assert rules[1]["object-locator"] == {"schema-name": "crm", "table-name": "audit_%"}
    assert rules[2]["rule-target"] == "column"
    assert rules[2]["object-locator"] == {"schema-name": "crm", "table-name": "customers", "column-name": "signup_dt"}
    assert rules[2]["value"] == "signup_date"


def test_schema_and_table_renames_become_transformation_rules(dev, variant, configs):
    shop = next(s for s in configs["dev"].ingestion.dms.sources if s.name == "shop")
    renames = [r for r in table_mappings(shop)["rules"] if r["rule-type"] == "transformation"]
    assert renames == [
        {
            "rule-id": "3",
            "rule-name": "transformation-3",
            "rule-type": "transformation",
            "rule-target": "table",
            "object-locator": {"schema-name": "public", "table-name": "order_items"},
            "rule-action": "rename",
            "value": "order_lines",
        }
    ]
    _, erp = one(variant, "AWS::DMS::ReplicationTask", ReplicationTaskIdentifier="mlake-dev-erp")
    rules = json.loads(erp["Properties"]["TableMappings"])["rules"]
    assert rules[-1]["rule-target"] == "schema" and rules[-1]["value"] == "finance"
    assert rules[-1]["object-locator"] == {"schema-name": "dbo"}


def test_only_renames_are_generated_as_transformations(dev, prod, variant):
    """DMS does no other transformation: whatever else a dataset needs belongs in its ETL."""
    for synth in (dev, prod, variant):
        for p in props(synth, "AWS::DMS::ReplicationConfig"):
            assert {r["rule-action"] for r in p["TableMappings"]["rules"]} <= {"include", "exclude", "rename"}
        for p in props(synth, "AWS::DMS::ReplicationTask"):
            rules = json.loads(p["TableMappings"])["rules"]
            assert {r["rule-action"] for r in rules} <= {"include", "exclude", "rename"}


def test_task_logs_go_to_log_groups_encrypted_with_the_platform_key(dev, prod, configs):
    for synth, env in ((dev, "dev"), (prod, "prod")):
        names = {
            p["LogGroupName"]: p
            for p in props(synth, "AWS::Logs::LogGroup")
            if p.get("LogGroupName", "").startswith("dms-")
        }
        expected = (
            {f"dms-serverless-replication-mlake-dev-{s.name}" for s in configs[env].ingestion.dms.sources}
            if env == "dev"
            else {"dms-tasks-mlake-prod-replication"}
        )
        assert set(names) == expected
        for log_group in names.values():
            assert "KmsKeyId" in log_group
            assert log_group["RetentionInDays"] == configs[env].ingestion.dms.log_retention_days


# --- capacity: instance and subnet group ------------------------------------------------------------------


def test_the_replication_instance_is_private_encrypted_and_multi_az_in_prod(prod, configs):
    (instance,) = props(prod, "AWS::DMS::ReplicationInstance")
    spec = configs["prod"].ingestion.dms.instance
    assert instance["PubliclyAccessible"] is False
    assert instance["MultiAZ"] is True
    assert instance["ReplicationInstanceClass"] == spec.instance_class
    assert instance["AllocatedStorage"] == spec.allocated_storage_gb
    assert instance["ReplicationInstanceIdentifier"] == "mlake-prod-replication"
    assert "lake" in json.dumps(instance["KmsKeyId"]).lower()
    assert instance["ReplicationSubnetGroupIdentifier"]["Ref"].startswith("DmsCapacitySubnetGroup")


def test_no_environment_has_a_public_replication_instance(synths, variant):
    for synth in [*synths.values(), variant]:
        if "ingestion" in synth.stacks:
            for instance in props(synth, "AWS::DMS::ReplicationInstance"):
                assert instance["PubliclyAccessible"] is False


def test_the_replication_subnet_group_is_on_the_private_workload_subnets(dev, prod, configs):
    for synth in (dev, prod):
        (group,) = props(synth, "AWS::DMS::ReplicationSubnetGroup")
        outputs = [s["Fn::GetStackOutput"]["OutputName"] for s in group["SubnetIds"]]
        # One private subnet per AZ, each imported from the network stack's "private" subnet group.
        assert len(outputs) == configs[synth.env].network.az_count
        assert all("Vpcprivate" in name for name in outputs), outputs


def test_the_variant_runs_tasks_on_a_single_az_instance(variant):
    (instance,) = props(variant, "AWS::DMS::ReplicationInstance")
    assert instance["MultiAZ"] is False and instance["PubliclyAccessible"] is False
    assert len(props(variant, "AWS::DMS::ReplicationTask")) == 2
    assert not props(variant, "AWS::DMS::ReplicationConfig")


# --- security groups ------------------------------------------------------------------------------------------


def dms_security_group(synth: Synth) -> dict:
    (group,) = [p for p in props(synth, "AWS::EC2::SecurityGroup") if p["GroupDescription"].startswith("DMS")]
    return group


def test_dms_security_group_reaches_only_the_sources_and_https(dev, configs):
    group = dms_security_group(dev)
    assert "SecurityGroupIngress" not in group
    egress = {(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in group["SecurityGroupEgress"]}
    expected = {(cidr, s.port, s.port) for s in configs["dev"].ingestion.dms.sources for cidr in s.egress_cidrs}
    expected |= {("10.20.0.0/16", 443, 443), ("0.0.0.0/0", 443, 443)}
    assert egress == expected


def test_with_a_prefix_list_https_egress_goes_to_s3_only(variant):
    rules = dms_security_group(variant)["SecurityGroupEgress"]
    assert {(r["CidrIp"], r["FromPort"]) for r in rules} == {
        ("10.50.1.10/32", 1433),
        ("10.60.0.0/24", 1521),
        ("10.60.1.0/24", 1521),
        ("10.20.0.0/16", 443),
    }
    (to_s3,) = [p for p in props(variant, "AWS::EC2::SecurityGroupEgress") if "DestinationPrefixListId" in p]
    assert (to_s3["DestinationPrefixListId"], to_s3["IpProtocol"], to_s3["FromPort"], to_s3["ToPort"]) == (
        "pl-6da54004",
        "tcp",
        443,
        443,
    )


# --- roles and their scope ---------------------------------------------------------------------------------------


def role_with_policy_description(synth: Synth, text: str) -> str:
    for policy in synth.resources("ingestion", "AWS::IAM::ManagedPolicy").values():
        if text in policy["Properties"].get("Description", ""):
            (role,) = policy["Properties"]["Roles"]
            return role["Ref"]
    raise AssertionError(f"no policy described as {text!r}")


def test_the_secret_role_reads_only_its_sources_secret(dev, configs):
    crm = configs["dev"].ingestion.dms.sources[0]
    role_id = role_with_policy_description(dev, "credentials of source crm")
    role = dev.resources("ingestion", "AWS::IAM::Role")[role_id]["Properties"]
    (principal,) = [s["Principal"]["Service"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert joined(principal) == "dms.<AWS::Region>.amazonaws.com"
    (statement,) = policy_of_role(dev, role_id)
    assert statement["Resource"] == crm.secret_arn
    assert sorted(statement["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]


def test_a_secret_key_is_usable_only_through_secrets_manager(variant):
    role_id = role_with_policy_description(variant, "credentials of source billing")
    decrypt = [s for s in policy_of_role(variant, role_id) if s["Action"] == "kms:Decrypt"]
    assert decrypt[0]["Resource"].startswith("arn:aws:kms:eu-west-1:111122223333:key/")
    assert (
        joined(decrypt[0]["Condition"]["StringEquals"]["kms:ViaService"])
        == "secretsmanager.<AWS::Region>.amazonaws.com"
    )


def test_the_target_role_writes_only_under_its_prefix_with_the_platform_key(dev):
    role_id = role_with_policy_description(dev, "write source crm under dms/crm/")
    role = dev.resources("ingestion", "AWS::IAM::Role")[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "dms.amazonaws.com"}
    statements = policy_of_role(dev, role_id)
    objects, listing, kms = statements
    assert joined(objects["Resource"]) == f"arn:<AWS::Partition>:s3:::{RAW}/dms/crm/*"
    assert sorted(objects["Action"]) == ["s3:DeleteObject", "s3:PutObject", "s3:PutObjectTagging"]
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["dms/crm/", "dms/crm/*"]}}
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert "LakeKey" in json.dumps(kms["Resource"])


# --- account-wide roles ------------------------------------------------------------------------------------------


def test_owned_account_roles_have_their_fixed_names_and_managed_policies(dev):
    roles = {
        r["Properties"].get("RoleName"): r["Properties"] for r in dev.resources("dms-roles", "AWS::IAM::Role").values()
    }
    assert joined(roles["dms-vpc-role"]["ManagedPolicyArns"][0]).endswith(
        ":iam::aws:policy/service-role/AmazonDMSVPCManagementRole"
    )
    assert joined(roles["dms-cloudwatch-logs-role"]["ManagedPolicyArns"][0]).endswith(
        ":iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"
    )
    for role in ("dms-vpc-role", "dms-cloudwatch-logs-role"):
        assert roles[role]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "dms.amazonaws.com"}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_account_roles_are_deployed_in_a_stack_before_ingestion_not_beside_its_subnet_group(synths, configs, env):
    """IAM propagation: a subnet group created in the same stack as dms-vpc-role fails on a first
    deploy. The roles' stack completes before ingestion's deployment starts."""
    synth = synths[env]
    assert configs[env].ingestion.dms.owns_account_roles
    assert not [p for p in props(synth, "AWS::IAM::Role") if p.get("RoleName", "").startswith("dms-")], (
        "a fixed-name DMS role in the ingestion stack"
    )
    artifacts = synth.manifest["artifacts"]
    by_layer = {
        a["displayName"].rsplit("/", 1)[-1]: name
        for name, a in artifacts.items()
        if a["type"] == "aws:cloudformation:stack"
    }
    assert by_layer["dms-roles"] in artifacts[by_layer["ingestion"]]["dependencies"]
    assert {r["Properties"].get("RoleName") for r in synth.resources("dms-roles", "AWS::IAM::Role").values()} == {
        "dms-vpc-role",
        "dms-cloudwatch-logs-role",
    }


def test_without_ownership_no_fixed_name_role_is_created(variant):
    assert not [p for p in props(variant, "AWS::IAM::Role") if p.get("RoleName", "").startswith("dms-")]
    assert "dms-roles" not in variant.stacks


def test_the_fixed_name_roles_are_acknowledged_for_their_managed_policies_only(dev):
    found = {(path.rsplit("/", 1)[-1], rule) for path, rule, _ in dev.acknowledgments if "DmsAccountRoles" in path}
    assert found == {
        (
            "VpcRole",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonDMSVPCManagementRole]",
        ),
        (
            "CloudWatchLogsRole",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole]",
        ),
    }


# --- datasets --------------------------------------------------------------------------------------------------------


def test_a_dms_table_feeds_its_dataset_from_its_own_folder(configs):
    config = configs["dev"]
    crm = next(s for s in config.ingestion.dms.sources if s.name == "crm")
    table = next(t for t in crm.tables if t.dataset is not None)
    dataset = config.catalog.dataset(table.dataset)
    assert dataset.raw_location == crm.table_prefix(table) == "dms/crm/crm/customers/"
    assert dataset.format == crm.output.format == "csv"


# --- JDBC extracts ----------------------------------------------------------------------------------------------------


def test_the_jdbc_connection_takes_its_credentials_from_secrets_manager(dev, configs):
    extract = configs["dev"].ingestion.jdbc.extracts[0]
    (connection,) = props(dev, "AWS::Glue::Connection")
    connection_input = connection["ConnectionInput"]
    assert connection_input["ConnectionType"] == "JDBC"
    assert connection_input["ConnectionProperties"] == {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://10.20.40.15:5432/listings",
        "JDBC_ENFORCE_SSL": "true",
        "SECRET_ID": extract.secret_arn,
    }
    requirements = connection_input["PhysicalConnectionRequirements"]
    assert "Vpcprivate" in requirements["SubnetId"]["Fn::GetStackOutput"]["OutputName"]


def test_the_jdbc_security_group_is_self_referencing_and_reaches_only_the_database_and_https(dev):
    (group_id, group) = next(
        (k, v)
        for k, v in dev.resources("ingestion", "AWS::EC2::SecurityGroup").items()
        if v["Properties"]["GroupDescription"].startswith("Glue JDBC")
    )
    (ingress,) = dev.resources("ingestion", "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert ingress["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (0, 65535)
    egress = {(r["CidrIp"], r["FromPort"]) for r in group["Properties"]["SecurityGroupEgress"]}
    assert egress == {("10.20.40.15/32", 5432), ("10.20.0.0/16", 443), ("0.0.0.0/0", 443)}


def test_the_extract_job_runs_on_glue_5_1_in_the_vpc_on_a_schedule(dev, configs):
    extract = configs["dev"].ingestion.jdbc.extracts[0]
    dev.template("ingestion").has_resource_properties(
        "AWS::Glue::Job",
        {
            "Name": "mlake-dev-house_sales-extract",
            "GlueVersion": "5.1",
            "Command": {"Name": "glueetl", "PythonVersion": "3", "ScriptLocation": Match.any_value()},
            "Connections": {"Connections": [{"Ref": Match.string_like_regexp("Connection")}]},
            "SecurityConfiguration": {"Ref": Match.string_like_regexp("GlueSecurityConfiguration")},
            "DefaultArguments": Match.object_like(
                {
                    "--engine": "postgresql",
                    "--query": extract.query,
                    "--output_path": {
                        "Fn::Join": [
                            "",
                            [
                                "s3://mlake-dev-raw-",
                                {"Ref": "AWS::AccountId"},
                                "-",
                                {"Ref": "AWS::Region"},
                                "/jdbc/house_sales/",
                            ],
                        ]
                    },
                }
            ),
        },
    )
    dev.template("ingestion").has_resource_properties(
        "AWS::Glue::Trigger",
        {
            "Type": "SCHEDULED",
            "Schedule": extract.schedule,
            "StartOnCreation": True,
            "Actions": [{"JobName": {"Ref": Match.string_like_regexp("Job")}}],
        },
    )


def test_the_glue_security_configuration_encrypts_everything_with_the_platform_key(dev):
    (configuration,) = props(dev, "AWS::Glue::SecurityConfiguration")
    encryption = configuration["EncryptionConfiguration"]
    assert encryption["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert encryption["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"
    assert encryption["S3Encryptions"][0]["S3EncryptionMode"] == "SSE-KMS"
    for key in (
        encryption["CloudWatchEncryption"]["KmsKeyArn"],
        encryption["JobBookmarksEncryption"]["KmsKeyArn"],
        encryption["S3Encryptions"][0]["KmsKeyArn"],
    ):
        assert "LakeKey" in json.dumps(key)


def test_the_extract_role_reads_its_secret_and_writes_only_its_prefix(dev, configs):
    extract = configs["dev"].ingestion.jdbc.extracts[0]
    role_id = role_with_policy_description(dev, "Glue JDBC extract")
    statements = policy_of_role(dev, role_id)
    by_action = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            by_action.setdefault(action, []).append(statement)
    assert [s["Resource"] for s in by_action["secretsmanager:GetSecretValue"]] == [extract.secret_arn]
    assert [joined(s["Resource"]) for s in by_action["s3:PutObject"]] == [
        f"arn:<AWS::Partition>:s3:::{RAW}/jdbc/house_sales/*"
    ]
    assert [joined(s["Resource"]) for s in by_action["s3:DeleteObject"]] == [
        f"arn:<AWS::Partition>:s3:::{RAW}/jdbc/house_sales/*"
    ]
    (put_metric,) = by_action["cloudwatch:PutMetricData"]
    assert put_metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Glue"}}
    # No statement grants a write action on everything.
    for statement in statements:
        if statement["Resource"] == "*":
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(a.startswith("ec2:Describe") or a == "cloudwatch:PutMetricData" for a in actions)


def test_no_extracts_no_glue_resources(variant):
    assert not variant.resources("ingestion", "AWS::Glue::Job")
    assert not variant.resources("ingestion", "AWS::Glue::SecurityConfiguration")


def test_the_extract_job_logs_where_glue_5_writes_and_may_write_only_there(dev, configs):
    from .test_catalog import assert_glue_5_logging

    config = configs["dev"]
    for extract in config.ingestion.jdbc.extracts:
        name = f"{config.name_prefix}-{extract.name}-extract"
        (job,) = [j for j in dev.resources("ingestion", "AWS::Glue::Job").values() if j["Properties"]["Name"] == name]
        assert_glue_5_logging(dev, "ingestion", job["Properties"]["DefaultArguments"], name)
    role_id = role_with_policy_description(dev, "Glue JDBC extract")
    logs = [s for s in policy_of_role(dev, role_id) if "logs:PutLogEvents" in json.dumps(s["Action"])]
    assert len(logs) == 1 and "aws-glue/jobs/*" not in json.dumps(logs)
