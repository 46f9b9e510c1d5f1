"""Properties every stack of every environment (and of every fixture config) must have, whichever
layer it belongs to."""

import pytest
import yaml
from aws_cdk import App, Stack

from app import feature_flags
from config import load_config
from lake_constructs.resource_types import classification
from stacks.layers import stack_classes
from stacks.platform import DataPlatform

from .conftest import PLATFORMS
from .fixtures import every_layer_on, fixture_config, fixture_file, layer_switches


def module_file(cls: type) -> str:
    return f"{cls.__module__.replace('.', '/')}.py"


@pytest.fixture(scope="module")
def layers(platform_synths, tmp_path_factory) -> dict[str, dict[str, type[Stack]]]:
    """The stack class of each layer of each platform, from the platform built (not synthesized) from its config."""
    found = {}
    for env, synth in platform_synths.items():
        app = App(context=feature_flags(), outdir=str(tmp_path_factory.mktemp("layers")))
        platform = DataPlatform(app, synth.config.name_prefix, config=synth.config)
        found[env] = {stack.node.id: type(stack) for stack in platform.stacks}
    return found


@pytest.mark.parametrize("env", PLATFORMS)
def test_every_resource_type_is_classified_by_its_layer(platform_synths, layers, env):
    for layer, template in platform_synths[env].stacks.items():
        stack = layers[env][layer]
        stateful, stateless = classification(stack)
        unknown = {resource["Type"] for resource in template["Resources"].values()} - stateful - stateless
        assert not unknown, (
            f"{env}/{layer}: classify {sorted(unknown)} on {stack.__name__} in {module_file(stack)}: in "
            "stateful_types if deleting one loses data (it must then take the stack's removal policy), "
            "else in stateless_types (see lake_constructs/resource_types.py)"
        )


def test_no_type_is_both_stateful_and_stateless():
    declared = {stack: classification(stack) for stack in stack_classes()}

    def where(type_: str, kind: int) -> str:
        """The modules whose stack classes declare `type_` stateful (kind 0) or stateless (1)."""
        return ", ".join(sorted({module_file(stack) for stack, types in declared.items() if type_ in types[kind]}))

    for type_ in set().union(*(stateful for stateful, _ in declared.values())):
        assert not where(type_, 1), f"{type_} is stateful in {where(type_, 0)}, stateless in {where(type_, 1)}"


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
def test_stateful_resources_survive_unless_the_environment_is_ephemeral(platform_synths, layers, env):
    synth = platform_synths[env]
    ephemeral = synth.config.ephemeral
    for layer, template in synth.stacks.items():
        stateful, _ = classification(layers[env][layer])
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] not in stateful:
                continue
            policy = resource.get("DeletionPolicy", "Delete")
            where = f"{env}/{layer}/{logical_id} ({resource['Type']})"
            if ephemeral:
                assert policy == "Delete", where
            else:
                assert policy in ("Retain", "RetainExceptOnCreate", "Snapshot"), where
                assert resource.get("UpdateReplacePolicy") in ("Retain", "Snapshot"), where


def test_every_layer_is_on_in_the_full_fixture():
    full = fixture_config("full")
    layers = [name for name, model in layer_switches().items() if model.example is not None]
    off = [name for name in layers if not getattr(full, name).enabled]
    assert not off, f"layers off in the full fixture: {', '.join(off)}; their models' `example` must switch them on"


def test_a_layer_the_full_fixture_leaves_out_is_switched_on_by_its_example(tmp_path):
    given = yaml.safe_load(fixture_file("full").read_text())
    del given["analytics"]
    (tmp_path / "full.yaml").write_text(yaml.safe_dump(given))
    assert load_config(path=every_layer_on(tmp_path / "full.yaml")).analytics.enabled
