"""Properties every stack of every environment (and of every fixture config) must have, whichever
layer it belongs to."""

import pytest

from .conftest import PLATFORMS

# Every resource type the platform synthesizes is classified here; a type in neither set fails
# test_every_resource_type_is_classified, so a new layer decides whether its resources hold data.
# Stateful: their loss is data loss, so they outlive their stack unless the env is ephemeral.
STATEFUL_TYPES = {
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::Glue::Database",
    "AWS::Redshift::Cluster",
    "AWS::Logs::LogGroup",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPool",
}
# Stateless: configuration, compute, access and alarms, rebuilt from the config with nothing lost
# (an EMR cluster keeps no data of the lake: its input and output live in S3).
STATELESS_TYPES = {
    *("AWS::Athena::NamedQuery", "AWS::Athena::WorkGroup", "AWS::Budgets::Budget"),
    *("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm", "AWS::CloudWatch::Dashboard"),
    *("AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline"),
    *("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain", "AWS::Cognito::UserPoolGroup"),
    *("AWS::Cognito::UserPoolUser", "AWS::Cognito::UserPoolUserToGroupAttachment"),
    *("AWS::DMS::Endpoint", "AWS::DMS::ReplicationConfig", "AWS::DMS::ReplicationInstance"),
    *("AWS::DMS::ReplicationSubnetGroup", "AWS::DMS::ReplicationTask"),
    *("AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway"),
    *("AWS::EC2::Route", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress"),
    *("AWS::EC2::SecurityGroupIngress", "AWS::EC2::Subnet", "AWS::EC2::SubnetRouteTableAssociation"),
    *("AWS::EC2::VPC", "AWS::EC2::VPCEndpoint", "AWS::EC2::VPCGatewayAttachment"),
    *("AWS::EMR::Cluster", "AWS::EMR::SecurityConfiguration", "AWS::Events::Rule"),
    *("AWS::Glue::Classifier", "AWS::Glue::Connection", "AWS::Glue::Crawler", "AWS::Glue::Job"),
    *("AWS::Glue::SecurityConfiguration", "AWS::Glue::Trigger", "AWS::Glue::Workflow"),
    *("AWS::Glue::DataCatalogEncryptionSettings",),
    *("AWS::IAM::InstanceProfile", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role"),
    *("AWS::KMS::Alias", "AWS::Lambda::Function", "AWS::Lambda::Permission"),
    *("AWS::LakeFormation::DataLakeSettings", "AWS::LakeFormation::Permissions"),
    *("AWS::LakeFormation::PrincipalPermissions", "AWS::LakeFormation::Resource", "AWS::LakeFormation::Tag"),
    *("AWS::LakeFormation::TagAssociation",),
    *("AWS::Redshift::ClusterParameterGroup", "AWS::Redshift::ClusterSubnetGroup", "AWS::Redshift::ScheduledAction"),
    *("AWS::S3::BucketPolicy", "AWS::SNS::Subscription", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy"),
    *("AWS::SageMaker::Workforce", "AWS::SageMaker::Workteam"),
    *("Custom::EmrSecurityGroupRules", "Custom::RedshiftSql", "Custom::S3AutoDeleteObjects"),
    *("Custom::VpcRestrictDefaultSG",),
}


@pytest.mark.parametrize("env", PLATFORMS)
def test_every_resource_type_is_classified(platform_synths, env):
    built = {r["Type"] for template in platform_synths[env].stacks.values() for r in template["Resources"].values()}
    unknown = built - STATEFUL_TYPES - STATELESS_TYPES
    assert not unknown, (
        f"{env}: classify {sorted(unknown)} in tests/test_platform.py: STATEFUL_TYPES if deleting one loses "
        "data (it must then take the stack's removal policy), else STATELESS_TYPES"
    )


def test_no_type_is_both_stateful_and_stateless():
    assert not STATEFUL_TYPES & STATELESS_TYPES


@pytest.mark.parametrize("env", PLATFORMS)
def test_every_stack_is_named_for_its_project_environment_and_layer(platform_synths, env):
    synth = platform_synths[env]
    names = {
        a["displayName"]: a["properties"].get("stackName")
        for a in synth.manifest["artifacts"].values()
        if a["type"] == "aws:cloudformation:stack"
    }
    for display, stack_name in names.items():
        layer = display.rsplit("/", 1)[-1]
        assert stack_name == f"{synth.config.name_prefix}-{layer}"


@pytest.mark.parametrize("env", PLATFORMS)
def test_config_tags_are_on_every_taggable_resource(platform_synths, env):
    synth = platform_synths[env]
    config = synth.config
    expected = {**config.tags, "project": config.project, "environment": config.environment}
    for layer, template in synth.stacks.items():
        for logical_id, resource in template["Resources"].items():
            tags = resource.get("Properties", {}).get("Tags")
            if isinstance(tags, list):
                found = {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t}
            elif isinstance(tags, dict):
                found = tags
            else:
                continue
            missing = {k: v for k, v in expected.items() if found.get(k) != v}
            assert not missing, f"{env}/{layer}/{logical_id} ({resource['Type']}) lacks tags {missing}"


@pytest.mark.parametrize("env", PLATFORMS)
def test_stateful_resources_survive_unless_the_environment_is_ephemeral(platform_synths, env):
    synth = platform_synths[env]
    ephemeral = synth.config.ephemeral
    for layer, template in synth.stacks.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] not in STATEFUL_TYPES:
                continue
            policy = resource.get("DeletionPolicy", "Delete")
            where = f"{env}/{layer}/{logical_id} ({resource['Type']})"
            if ephemeral:
                assert policy == "Delete", where
            else:
                assert policy in ("Retain", "RetainExceptOnCreate", "Snapshot"), where
                assert resource.get("UpdateReplacePolicy") in ("Retain", "Snapshot"), where
