"""What a security reviewer and a user rely on in the warehouse layer, asserted exactly."""

import json

import pytest

from lake_constructs.grants import CATALOG_READ
from lake_constructs.redshift_cluster import AUDIT_LOGS

from ..fixtures import fixture_config
from .test_network import subnets

FULL = fixture_config("full")


@pytest.fixture(params=["full", "retained"])
def synth(request, fixtures):
    return fixtures[request.param]


def one(synth, type_: str) -> tuple[str, dict]:
    (found,) = synth.resources("warehouse", type_).items()
    return found


def cluster(synth) -> dict:
    return one(synth, "AWS::Redshift::Cluster")[1]


def role_by_service(synth, service: str) -> tuple[str, dict]:
    for logical_id, role in synth.resources("warehouse", "AWS::IAM::Role").items():
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": service}:
            return logical_id, role
    raise AssertionError(f"no role trusted by {service}")


def policy_of(synth, role_id: str) -> list[dict]:
    for policy in synth.resources("warehouse", "AWS::IAM::ManagedPolicy").values():
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]:
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(f"no managed policy on {role_id}")


def network_output(value) -> str:
    return value["Fn::GetStackOutput"]["OutputName"]


def test_minimal_has_no_warehouse(minimal):
    assert "warehouse" not in minimal.stacks


def test_the_cluster_is_private_encrypted_with_the_platform_key_and_routes_through_the_vpc(synth):
    properties = cluster(synth)["Properties"]
    assert properties["ClusterIdentifier"] == f"{synth.config.name_prefix}-warehouse"
    assert properties["PubliclyAccessible"] is False
    assert properties["Encrypted"] is True
    assert properties["KmsKeyId"]["Fn::GetStackOutput"]["OutputName"].startswith("PublishOutputFnGetAttLakeKey")
    assert properties["EnhancedVpcRouting"] is True
    assert properties["ClusterType"] == "multi-node"


def test_node_type_and_count_come_from_config(synth):
    properties, warehouse = cluster(synth)["Properties"], synth.config.warehouse
    assert (properties["NodeType"], properties["NumberOfNodes"]) == (warehouse.node_type, warehouse.node_count)
    assert properties["NumberOfNodes"] >= 2 and properties["NodeType"].startswith("ra3.")


def test_the_admin_password_is_generated_and_kept_by_redshift_never_in_the_template(synth):
    properties = cluster(synth)["Properties"]
    assert properties["ManageMasterPassword"] is True
    assert "MasterUserPassword" not in properties
    assert properties["MasterPasswordSecretKmsKeyId"] == properties["KmsKeyId"]
    assert properties["MasterUsername"] != "awsuser"
    assert not synth.resources("warehouse", "AWS::SecretsManager::Secret")


def test_the_subnet_group_is_on_the_isolated_data_subnets(synth):
    (group_id, group) = one(synth, "AWS::Redshift::ClusterSubnetGroup")
    assert cluster(synth)["Properties"]["ClusterSubnetGroupName"] == {"Ref": group_id}
    outputs = [network_output(subnet) for subnet in group["Properties"]["SubnetIds"]]
    assert len(outputs) == (2 if synth.name == "full" else 3)
    assert all(output.startswith("PublishOutputRefNetworkVpcisolatedSubnet") for output in outputs)


def test_the_parameter_group_requires_ssl_and_logs_user_activity(synth):
    (group_id, group) = one(synth, "AWS::Redshift::ClusterParameterGroup")
    assert cluster(synth)["Properties"]["ClusterParameterGroupName"] == {"Ref": group_id}
    parameters = {p["ParameterName"]: p["ParameterValue"] for p in group["Properties"]["Parameters"]}
    assert parameters == {"require_ssl": "true", "enable_user_activity_logging": "true"}


def test_audit_logs_go_to_encrypted_log_groups_created_beforehand(synth):
    resource = cluster(synth)
    assert resource["Properties"]["LoggingProperties"] == {
        "LogDestinationType": "cloudwatch",
        "LogExports": ["connectionlog", "userlog", "useractivitylog"],
    }
    groups = {
        group["Properties"]["LogGroupName"]: (logical_id, group)
        for logical_id, group in synth.resources("warehouse", "AWS::Logs::LogGroup").items()
        if "LogGroupName" in group["Properties"]
    }
    for log in AUDIT_LOGS:
        logical_id, group = groups[f"/aws/redshift/cluster/{synth.config.name_prefix}-warehouse/{log}"]
        assert "KmsKeyId" in group["Properties"]
        assert group["Properties"]["RetentionInDays"] == synth.config.warehouse.audit_log_retention_days
        assert logical_id in resource["DependsOn"]


def test_snapshots_and_maintenance_come_from_config(synth):
    properties, warehouse = cluster(synth)["Properties"], synth.config.warehouse
    assert properties["AutomatedSnapshotRetentionPeriod"] == warehouse.automated_snapshot_retention_days
    assert properties["PreferredMaintenanceWindow"] == warehouse.maintenance_window
    assert properties["AllowVersionUpgrade"] is True


def test_prod_takes_a_final_snapshot_and_dev_deletes(full, retained):
    assert cluster(retained)["DeletionPolicy"] == cluster(retained)["UpdateReplacePolicy"] == "Snapshot"
    assert cluster(full)["DeletionPolicy"] == "Delete"
    retained = [g["DeletionPolicy"] for g in retained.resources("warehouse", "AWS::Logs::LogGroup").values()]
    assert set(retained) == {"Retain"}


def test_only_the_workload_subnets_reach_the_cluster_port(synth):
    groups = synth.resources("warehouse", "AWS::EC2::SecurityGroup")
    (group_id,) = [k for k, g in groups.items() if "clients from the workload" in g["Properties"]["GroupDescription"]]
    rules = groups[group_id]["Properties"]["SecurityGroupIngress"]
    port = synth.config.warehouse.port
    assert port != 5439
    assert all((r["FromPort"], r["ToPort"], r["IpProtocol"]) == (port, port, "tcp") for r in rules)
    assert sorted(r["CidrIp"] for r in rules) == sorted(
        s["Properties"]["CidrBlock"] for s in subnets(synth, "private").values()
    )
    assert cluster(synth)["Properties"]["VpcSecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
    egress = groups[group_id]["Properties"]["SecurityGroupEgress"]
    assert [(r["FromPort"], r["ToPort"]) for r in egress] == [(443, 443)]


def test_the_spectrum_role_is_attached_and_trusted_by_redshift(synth):
    role_id, _ = role_by_service(synth, "redshift.amazonaws.com")
    assert cluster(synth)["Properties"]["IamRoles"] == [{"Fn::GetAtt": [role_id, "Arn"]}]


def test_the_spectrum_role_reads_the_curated_catalog_and_tables_and_unloads_to_raw_only(full):
    role_id, _ = role_by_service(full, "redshift.amazonaws.com")
    statements = policy_of(full, role_id)
    by_sid = {s.get("Sid"): s for s in statements}
    catalog = by_sid["ReadTheCuratedCatalog"]
    assert catalog["Action"] == list(CATALOG_READ)
    database = FULL.database_name("curated")
    # Every table of the curated database and every object of the curated zone but its '_' folders
    # (the quarantine), by pattern: the policy does not grow with the datasets.
    assert sorted(r["Fn::Join"][1][-1] for r in catalog["Resource"]) == sorted(
        [":catalog", f":database/{database}", f":table/{database}/*"]
    )
    curated = FULL.bucket_name("curated", "", "").rstrip("-")
    gets = {s["Effect"]: s["Resource"] for s in statements if s["Action"] == "s3:GetObject"}
    assert {effect: r["Fn::Join"][1][2] for effect, r in gets.items()} == {
        "Allow": f":s3:::{curated}-",
        "Deny": f":s3:::{curated}-",
    }
    assert {effect: r["Fn::Join"][1][-1] for effect, r in gets.items()} == {"Allow": "/*", "Deny": "/_*"}
    unload = by_sid["UnloadToTheRawZone"]
    assert sorted(unload["Action"]) == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert unload["Resource"]["Fn::Join"][1][2] == f":s3:::{FULL.bucket_prefix}-raw-"
    assert unload["Resource"]["Fn::Join"][1][-1] == "/redshift_unload/*"
    assert by_sid["ListTheUnloadPrefix"]["Condition"] == {
        "StringLike": {"s3:prefix": ["redshift_unload/", "redshift_unload/*"]}
    }
    key = by_sid["DecryptReadsEncryptUnloads"]
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    writes = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in writes if a.startswith("glue:") and not a.startswith(("glue:Get", "glue:BatchGet"))]


def plan_of(synth) -> tuple[dict, dict]:
    """The SQL function's plan (its PLAN variable) and the resource's Plan property, both as Fn::Join."""
    (resource,) = synth.resources("warehouse", "Custom::RedshiftSql").values()
    (_, function) = one(synth, "AWS::Lambda::Function")
    return function["Properties"]["Environment"]["Variables"]["PLAN"], resource["Properties"]["Plan"]


def test_the_external_schema_is_created_by_a_deploy_user_with_create_only(synth):
    warehouse = synth.config.warehouse
    (resource,) = synth.resources("warehouse", "Custom::RedshiftSql").values()
    cluster_id, _ = one(synth, "AWS::Redshift::Cluster")
    assert resource["Properties"]["ClusterIdentifier"] == {"Ref": cluster_id}
    function_plan, resource_plan = plan_of(synth)
    # What runs is the function's own plan; the resource carries the same, to update on change.
    assert function_plan == resource_plan
    assert set(resource["Properties"]) == {"ServiceToken", "ClusterIdentifier", "Plan"}
    spectrum_id, _ = role_by_service(synth, "redshift.amazonaws.com")
    parts = function_plan["Fn::Join"][1]
    assert {"Fn::GetAtt": [spectrum_id, "Arn"]} in parts
    text = "".join(p if isinstance(p, str) else "<role>" for p in parts)
    plan = json.loads(text)
    admin, deployer, database = warehouse.admin_username, warehouse.deploy_username, warehouse.database_name
    assert admin != deployer
    assert plan["database"] == database
    assert plan["steps"] == [
        {"user": admin, "sql": f'CREATE USER "{deployer}" PASSWORD DISABLE', "tolerate": "already exists"},
        {"user": admin, "sql": f'GRANT CREATE ON DATABASE "{database}" TO "{deployer}"'},
        {
            "user": deployer,
            "sql": f"CREATE EXTERNAL SCHEMA IF NOT EXISTS {warehouse.external_schema} FROM DATA CATALOG DATABASE "
            f"'{synth.config.database_name('curated')}' IAM_ROLE '<role>'",
        },
    ]


def test_the_sql_handler_runs_in_the_workload_subnets_with_https_out_only(synth):
    (_, function) = one(synth, "AWS::Lambda::Function")
    properties = function["Properties"]
    assert properties["Runtime"].startswith("python3.")
    outputs = [network_output(subnet) for subnet in properties["VpcConfig"]["SubnetIds"]]
    assert all(output.startswith("PublishOutputRefNetworkVpcprivateSubnet") for output in outputs)
    (group_ref,) = properties["VpcConfig"]["SecurityGroupIds"]
    group = synth.resources("warehouse", "AWS::EC2::SecurityGroup")[group_ref["Fn::GetAtt"][0]]
    assert "SecurityGroupIngress" not in group["Properties"]
    assert [(r["FromPort"], r["ToPort"]) for r in group["Properties"]["SecurityGroupEgress"]] == [(443, 443)]
    log_group = synth.resources("warehouse", "AWS::Logs::LogGroup")[properties["LoggingConfig"]["LogGroup"]["Ref"]]
    assert "KmsKeyId" in log_group["Properties"]


def test_the_sql_handler_may_run_statements_on_this_cluster_as_its_two_users_only(synth):
    role_id, _ = role_by_service(synth, "lambda.amazonaws.com")
    by_sid = {s.get("Sid"): s for s in policy_of(synth, role_id)}
    execute = by_sid["RunStatementsOnTheCluster"]
    assert execute["Action"] == "redshift-data:ExecuteStatement"
    assert execute["Resource"]["Fn::Join"][1][-1] == f":cluster:{synth.config.name_prefix}-warehouse"
    credentials = by_sid["TemporaryCredentialsOfTheDeployUser"]
    assert credentials["Action"] == "redshift:GetClusterCredentials"
    assert sorted(r["Fn::Join"][1][-1] for r in credentials["Resource"]) == [
        f":dbname:{synth.config.name_prefix}-warehouse/lake",
        f":dbuser:{synth.config.name_prefix}-warehouse/lakeadmin",
        f":dbuser:{synth.config.name_prefix}-warehouse/lakedeployer",
    ]
    follow = by_sid["FollowOwnStatements"]
    assert follow["Condition"] == {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}
    assert not any("secretsmanager" in str(s["Action"]) for s in by_sid.values())


def test_pause_resume_schedule_in_dev_only(full, retained):
    assert not retained.resources("warehouse", "AWS::Redshift::ScheduledAction")
    actions = {
        a["Properties"]["ScheduledActionName"]: a
        for a in full.resources("warehouse", "AWS::Redshift::ScheduledAction").values()
    }
    assert set(actions) == {f"{FULL.name_prefix}-warehouse-pause", f"{FULL.name_prefix}-warehouse-resume"}
    cluster_id, _ = one(full, "AWS::Redshift::Cluster")
    schedule = FULL.warehouse.pause_resume
    pause, resume = actions[f"{FULL.name_prefix}-warehouse-pause"], actions[f"{FULL.name_prefix}-warehouse-resume"]
    assert pause["Properties"]["Schedule"] == schedule.pause
    assert pause["Properties"]["TargetAction"] == {"PauseCluster": {"ClusterIdentifier": {"Ref": cluster_id}}}
    assert resume["Properties"]["Schedule"] == schedule.resume
    assert resume["Properties"]["TargetAction"] == {"ResumeCluster": {"ClusterIdentifier": {"Ref": cluster_id}}}
    role_id, _ = role_by_service(full, "scheduler.redshift.amazonaws.com")
    assert pause["Properties"]["IamRole"] == {"Fn::GetAtt": [role_id, "Arn"]}
    (allowed,) = policy_of(full, role_id)
    assert allowed["Action"] == ["redshift:PauseCluster", "redshift:ResumeCluster"]
    assert allowed["Resource"]["Fn::Join"][1][-1] == f":cluster:{FULL.name_prefix}-warehouse"


def test_outputs_give_the_unload_example_and_where_the_secret_is(full):
    outputs = full.stacks["warehouse"]["Outputs"]
    assert outputs["AdminSecretArn"]["Value"] == {
        "Fn::GetAtt": [one(full, "AWS::Redshift::Cluster")[0], "MasterPasswordSecretArn"]
    }
    parts = outputs["UnloadExample"]["Value"]["Fn::Join"][1]
    assert parts[0] == f"UNLOAD ('SELECT * FROM curated.characters') TO 's3://{FULL.bucket_prefix}-raw-"
    assert "/redshift_unload/characters/' IAM_ROLE '" in parts
    assert "' FORMAT AS PARQUET KMS_KEY_ID '" in parts and parts[-1] == "' ENCRYPTED"


def test_wildcards_are_acknowledged_one_resource_at_a_time(full):
    acknowledged = [
        (path, rule) for path, rule, _ in full.acknowledgments if "/warehouse/" in path or "/analytics/" in path
    ]
    wildcards = [(path, rule) for path, rule in acknowledged if rule.startswith("AwsSolutions-IAM5")]
    assert all(rule.startswith("AwsSolutions-IAM5[Resource::") for _, rule in wildcards)
    # The deploy-time SQL function's network interfaces, and lakeformation:GetDataAccess (dev is
    # governed by Lake Formation), which have no resource-level permissions.
    assert sorted(path for path, rule in wildcards if rule == "AwsSolutions-IAM5[Resource::*]") == [
        f"/{FULL.name_prefix}/analytics/Workgroup/QueryPolicy",
        f"/{FULL.name_prefix}/warehouse/ExternalSchema/Role/Policy",
        f"/{FULL.name_prefix}/warehouse/Spectrum/Role/Policy",
    ]
    others = {rule.split("-", 1)[1] for _, rule in acknowledged if not rule.startswith("AwsSolutions-IAM5")}
    assert others == {"LambdaDLQ", "LambdaConcurrency"}
