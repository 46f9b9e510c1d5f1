"""Properties every stack of every environment (and of every fixture config) must have, whichever
layer it belongs to."""

import pytest

from .conftest import PLATFORMS

# Resources whose loss is data loss: they must outlive their stack unless the env is ephemeral.
STATEFUL_TYPES = {
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::Glue::Database",
    "AWS::Redshift::Cluster",
    "AWS::Logs::LogGroup",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPool",
}


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
