"""Many datasets: a stack per dataset, stable when datasets come and go, shared policies that keep
their size, and the limits check refusing a config that a deploy would fail on.

Configs are generated the way the scale benchmark does it (benchmarks/synth_scale.py: the shipped
datasets cloned under new names); names are derived from the config.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, RemovalPolicy
from aws_cdk.assertions import Template

from app import feature_flags
from benchmarks.synth_scale import scaled_config, synthesize, write_config
from config import PlatformConfig
from lake_constructs.dataset_alarms import alarm_names
from lake_constructs.limits import check_assembly, read_assembly
from lake_constructs.resource_types import classification
from stacks.catalog import CatalogStack
from stacks.datasets import DatasetsStack
from stacks.monitoring import MonitoringStack
from stacks.platform import DataPlatform

# Past what one catalog stack holds (CloudFormation's 500 resources), so the dataset stacks matter.
MANY = 40
# Layers without per-dataset resources, off where a test builds the platform in-process.
UNRELATED_LAYERS = ("network", "warehouse", "processing", "ingestion", "labeling")


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """dev with MANY datasets, one stack per dataset, synthesized with every check (app.py)."""
    directory = tmp_path_factory.mktemp("many")
    config = write_config(directory, "dev", MANY)
    outdir = directory / "cdk.out"
    result = synthesize(config, outdir)
    assert result.returncode == 0, result.stderr[-4000:]
    return PlatformConfig.model_validate(scaled_config("dev", MANY)), outdir


def templates(outdir) -> dict[str, dict]:
    """Every template of an assembly (nested ones too), by '<stack name>[/<nested construct path>]'."""
    (group,) = read_assembly(outdir)
    return {template.stack_name: template.body for template in group}


def test_each_dataset_has_a_nested_stack_of_its_own_and_the_catalog_keeps_only_what_is_shared(many):
    config, outdir = many
    found = templates(outdir)
    prefix = config.name_prefix
    parent = found[f"{prefix}-datasets"]["Resources"]
    assert [r["Type"] for r in parent.values()] == ["AWS::CloudFormation::Stack"] * MANY
    for dataset in config.catalog.datasets:
        nested = found[f"{prefix}-datasets/{''.join(p.capitalize() for p in dataset.name.split('_'))}"]
        names = {
            resource["Properties"].get("Name") for resource in nested["Resources"].values() if "Properties" in resource
        }
        assert f"{prefix}-{dataset.name}-etl" in names and f"{prefix}-{dataset.name}-raw" in names
        kinds = [resource["Type"] for resource in nested["Resources"].values()]
        assert "AWS::Athena::NamedQuery" in kinds and "AWS::CloudWatch::Alarm" in kinds
    for layer in ("catalog", "analytics", "monitoring"):
        kinds = {resource["Type"] for resource in found[f"{prefix}-{layer}"]["Resources"].values()}
        assert not kinds & {"AWS::Glue::Job", "AWS::Glue::Crawler", "AWS::Athena::NamedQuery"}, layer
    alarms = [r for r in found[f"{prefix}-monitoring"]["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert not [a for a in alarms if "quarantine-share" in a["Properties"]["AlarmName"]]


def test_dataset_alarms_notify_the_platform_topic_by_its_name(many):
    config, outdir = many
    nested = templates(outdir)[f"{config.name_prefix}-datasets/Houses"]
    alarms = [r["Properties"] for r in nested["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    topic = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":sns:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{config.name_prefix}-alarms",
            ],
        ]
    }
    assert alarms and all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms)


def test_the_dashboard_lists_every_dataset_alarm_at_most_100_to_a_widget(many):
    config, outdir = many
    (dashboard,) = [
        r
        for r in templates(outdir)[f"{config.name_prefix}-monitoring"]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    widgets = body.count('\\"type\\":\\"alarm\\"')
    expected = [f"{config.name_prefix}-{d.name}-quarantine-share" for d in config.catalog.datasets]
    assert all(f":alarm:{name}" in body for name in expected)
    assert widgets == -(-(len(expected) + sum(d.schedule is not None for d in config.catalog.datasets)) // 100)
    assert "SEARCH(" in body and "rows per day" not in body


def test_alarm_widgets_split_at_100_alarms():
    # Monitoring alone is cheap to build: with a stack per dataset it names the dataset alarms.
    config = PlatformConfig.model_validate(only_datasets_layers(150))
    stack = MonitoringStack(
        App(context=feature_flags()),
        "monitoring",
        config=config,
        layers=[CatalogStack],
        removal_policy=RemovalPolicy.DESTROY,
    )
    (dashboard,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    # Each alarm is an ARN made of tokens: count the alarm names in the text around them.
    text = "".join(part if isinstance(part, str) else "" for part in parts)
    names = [name for dataset in config.catalog.datasets for name in alarm_names(config.name_prefix, dataset)]
    assert len(names) > 100
    chunks = text.split('"type":"alarm"')[1:]
    assert len(chunks) == -(-len(names) // 100)
    for chunk in chunks:
        assert chunk.count(":alarm:") <= 100
    assert sum(chunk.count(":alarm:") for chunk in chunks) == len(names)


def policy_sizes(outdir) -> dict[str, int]:
    """Resolved size of every IAM policy (managed, and each role's inline total), by construct path."""
    kinds = ("managed policy", "inline policies of the role")
    return {u.where: u.figure for u in check_assembly(outdir, account=None, region=None) if u.limit.what in kinds}


def test_shared_policies_have_the_same_size_whatever_the_number_of_datasets(many, synths):
    # `many` scales the shipped dev environment (as the scale benchmark does): compare with its synth.
    dev = synths["dev"]
    config, outdir = many
    assert len(config.catalog.datasets) > len(dev.config.catalog.datasets)
    shipped, scaled = policy_sizes(dev.outdir), policy_sizes(outdir)
    shared = sorted(set(shipped) & set(scaled))
    prefix = config.name_prefix
    for policy in (
        f"{prefix}-processing/Processing/InstanceRole/Policy",
        f"{prefix}-analytics/Workgroup/QueryPolicy",
        f"{prefix}-warehouse/Spectrum/Role/Policy",
    ):
        assert policy in shared
    assert {where: scaled[where] for where in shared} == {where: shipped[where] for where in shared}


def test_the_dataset_stacks_classify_their_types_and_keep_the_removal_policy(many):
    config, outdir = many
    stateful, stateless = classification(DatasetsStack)
    prefix = config.name_prefix
    for name, template in templates(outdir).items():
        if name != f"{prefix}-datasets" and not name.startswith(f"{prefix}-datasets/"):
            continue
        for logical_id, resource in template["Resources"].items():
            assert resource["Type"] in stateful | stateless, f"{name}: classify {resource['Type']} on DatasetsStack"
            if resource["Type"] in stateful:  # dev is ephemeral: stateful resources go with the stack
                assert resource.get("DeletionPolicy", "Delete") == "Delete", f"{name}/{logical_id}"


def in_process(data: dict, outdir) -> dict[str, dict]:
    config = PlatformConfig.model_validate(data)
    app = App(outdir=str(outdir), context=feature_flags())
    DataPlatform(app, config.name_prefix, config=config)
    return templates(Path(app.synth().directory))


def only_datasets_layers(count: int, names: list[str] | None = None, *, stack_per_dataset: bool = True) -> dict:
    """dev's catalog, analytics and monitoring with `scaled_config('dev', count)`'s datasets (those of
    `names` only, in that order, when given); the layers without per-dataset resources are off."""
    data = scaled_config("dev", count, stack_per_dataset=stack_per_dataset)
    for layer in UNRELATED_LAYERS:
        data[layer] = {"enabled": False}
    if names is not None:
        by_name = {dataset["name"]: dataset for dataset in data["catalog"]["datasets"]}
        data["catalog"]["datasets"] = [by_name[name] for name in names]
    data["catalog"].get("etl", {}).pop("datasets", None)
    return data


def test_adding_or_removing_a_dataset_moves_no_other_dataset(tmp_path):
    names = [dataset["name"] for dataset in scaled_config("dev", 10)["catalog"]["datasets"]]
    before, after = names[:6], [*names[:2], *names[3:6], names[9]]  # one removed in the middle, one added
    first = in_process(only_datasets_layers(10, before), tmp_path / "a")
    second = in_process(only_datasets_layers(10, after), tmp_path / "b")
    kept = set(before) & set(after)
    datasets_stack = next(name for name in first if name.endswith("-datasets"))
    for template in (first, second):
        assert len(template[datasets_stack]["Resources"]) == len(template) - len([n for n in template if "/" not in n])
    nested_first = {n: t for n, t in first.items() if n.startswith(datasets_stack + "/")}
    nested_second = {n: t for n, t in second.items() if n.startswith(datasets_stack + "/")}
    for name in kept:
        key = f"{datasets_stack}/{''.join(p.capitalize() for p in name.split('_'))}"
        # The same template, resource for resource: nothing of a kept dataset is replaced or moved.
        assert nested_first[key] == nested_second[key], name
    # ...and its nested stack is the same resource of the parent.
    stacks_first = set(first[datasets_stack]["Resources"])
    stacks_second = set(second[datasets_stack]["Resources"])
    assert len(stacks_first & stacks_second) == len(kept)
    # The shared stacks do not change with the datasets.
    for layer in ("catalog", "analytics"):
        stack = datasets_stack.replace("-datasets", f"-{layer}")
        assert first[stack]["Resources"].keys() == second[stack]["Resources"].keys(), layer


def test_a_config_past_a_limit_is_refused_before_anything_is_deployed(tmp_path):
    # One catalog stack for every dataset: past 500 resources.
    data = only_datasets_layers(MANY, stack_per_dataset=False)
    path = tmp_path / "dev.yaml"
    path.write_text(json.dumps(data))
    result = synthesize(path, tmp_path / "cdk.out")
    config = PlatformConfig.model_validate(data)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("limit exceeded:")]
    catalog = f"limit exceeded: `{config.name_prefix}-catalog`: "
    (resources,) = [line for line in lines if line.startswith(f"{catalog}resources per stack ")]
    assert " of 500 resources (https://docs.aws.amazon.com/AWSCloudFormation/" in resources
    # Every figure past its limit at once: the catalog's template is past 1 MB as well.
    assert [line for line in lines if line.startswith(f"{catalog}template ")]
    assert f"{len(lines)} deploy-time limit(s) exceeded: nothing was deployed" in result.stderr
