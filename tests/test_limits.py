"""The deploy-time limits check: each limit refuses a template past it, naming the resource, the
limit and the figure, with tokens resolved to their worst-case lengths.

Templates are written here, shaped like what the CDK writes (a manifest, templates, construct paths
in the metadata), so each limit is tested at its edge without a synth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lake_constructs import limits
from lake_constructs.limits import check_assembly, exceeded

APP = "acme-test"


def write_assembly(directory: Path, stacks: dict[str, dict], nested: dict[str, dict] | None = None) -> Path:
    """A cloud assembly of `stacks` (layer -> template) named '<APP>-<layer>', written as the CDK writes
    one: construct paths '/<APP>/<layer>/<logical id>' in the metadata, and each template of `nested`
    (by the logical id of its AWS::CloudFormation::Stack resource in a parent) as a file asset whose
    object key is in the parent's TemplateURL."""
    artifacts, files = {}, {}
    nested = nested or {}
    for layer, template in stacks.items():
        artifact = f"{APP}{layer}"
        (directory / f"{artifact}.template.json").write_text(json.dumps(template))
        stack_path = f"/{APP}/{layer}"
        metadata = {stack_path: [{"type": "aws:cdk:templateFile", "data": f"{artifact}.template.json"}]}

        def describe(path: str, resources: dict, metadata: dict = metadata) -> None:
            for logical_id, resource in resources.items():
                if logical_id in nested:
                    file = f"{logical_id}.nested.template.json"
                    (directory / file).write_text(json.dumps(nested[logical_id]))
                    files[logical_id] = {
                        "source": {"path": file},
                        "destinations": {"d": {"objectKey": f"{logical_id}.json"}},
                    }
                    resource.setdefault("Properties", {})["TemplateURL"] = f"https://bucket/{logical_id}.json"
                    resource_path = f"{path}/{logical_id}.NestedStack/{logical_id}.NestedStackResource"
                    metadata[resource_path] = [{"type": "aws:cdk:logicalId", "data": logical_id}]
                    metadata[f"{path}/{logical_id}"] = [{"type": "aws:cdk:templateFile", "data": file}]
                    describe(f"{path}/{logical_id}", nested[logical_id].get("Resources", {}), metadata)
                else:
                    metadata[f"{path}/{logical_id}/Resource"] = [{"type": "aws:cdk:logicalId", "data": logical_id}]

        describe(stack_path, template.get("Resources", {}))
        (directory / f"{artifact}.template.json").write_text(json.dumps(template))
        (directory / f"{artifact}.metadata.json").write_text(json.dumps(metadata))
        (directory / f"{artifact}.assets.json").write_text(json.dumps({"files": files}))
        artifacts[artifact] = {
            "type": "aws:cloudformation:stack",
            "displayName": f"{APP}/{layer}",
            "additionalMetadataFile": f"{artifact}.metadata.json",
            "properties": {"templateFile": f"{artifact}.template.json", "stackName": f"{APP}-{layer}"},
        }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return directory


def refusals(directory: Path) -> list[str]:
    return [usage.message() for usage in exceeded(check_assembly(directory, account=None, region=None))]


def resources(count: int, kind: str = "AWS::SNS::Topic", **properties) -> dict:
    return {f"Thing{i}": {"Type": kind, "Properties": dict(properties)} for i in range(count)}


def policy(statements: int, resource="arn:aws:s3:::bucket/prefix-000000000000000000000000000000000000/*") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
            for i in range(statements)
        ],
    }


def size(document) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def statements_for(limit: int, resource=None) -> int:
    """The number of statements of `policy` that first passes `limit` characters."""
    count = 1
    while size(policy(count) if resource is None else policy(count, resource)) <= limit:
        count += 1
    return count


@pytest.mark.parametrize(
    "section, limit, message",
    [
        ("Resources", limits.RESOURCES, "resources per stack 501 of 500 resources"),
        ("Outputs", limits.OUTPUTS, "outputs per stack 201 of 200 outputs"),
        ("Parameters", limits.PARAMETERS, "parameters per stack 201 of 200 parameters"),
        ("Mappings", limits.MAPPINGS, "mappings per stack 201 of 200 mappings"),
    ],
)
def test_template_sections_are_counted_per_stack(tmp_path, section, limit, message):
    at_limit = {
        "Resources": resources(limit.maximum),
        "Outputs": {f"O{i}": {"Value": "x"} for i in range(limit.maximum)},
        "Parameters": {f"P{i}": {"Type": "String"} for i in range(limit.maximum)},
        "Mappings": {f"M{i}": {"k": {"v": "x"}} for i in range(limit.maximum)},
    }[section]
    assert refusals(write_assembly(tmp_path, {"catalog": {section: at_limit}})) == []
    past = {**at_limit, "Extra": {"Type": "AWS::SNS::Topic"} if section == "Resources" else {"Value": "x"}}
    if section == "Parameters":
        past["Extra"] = {"Type": "String"}
    if section == "Mappings":
        past["Extra"] = {"k": {"v": "x"}}
    assert refusals(write_assembly(tmp_path, {"catalog": {section: past}})) == [f"`{APP}-catalog`: {message}"]


def test_a_template_over_one_megabyte_is_refused(tmp_path):
    template = {"Resources": {"Big": {"Type": "AWS::SNS::Topic", "Metadata": {"pad": "x" * 1_000_100}}}}
    [message] = refusals(write_assembly(tmp_path, {"catalog": template}))
    assert message.startswith(f"`{APP}-catalog`: template 1,000,")
    assert message.endswith("of 1,000,000 bytes")


def test_a_managed_policy_is_measured_after_resolving_tokens_to_their_longest(tmp_path):
    # The unresolved template is shorter than the policy IAM receives: '${AWS::AccountId}' is 17
    # characters, an account 12, but '${AWS::Region}' (14) may become 'ap-southeast-2' (14), and a
    # Ref to a job with a generated name becomes 64 characters.
    arn = {"Fn::Sub": "arn:${AWS::Partition}:s3:::lake-${AWS::AccountId}-${AWS::Region}/${Reader}/*"}
    resolved = "arn:aws:s3:::lake-123456789012-ap-southeast-2/" + "x" * 64 + "/*"
    count = statements_for(6_144, resolved)
    template = {
        "Resources": {
            "Reader": {"Type": "AWS::Glue::Job", "Properties": {}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": policy(count, arn), "Roles": [{"Ref": "Role"}]},
            },
        }
    }
    [message] = refusals(write_assembly(tmp_path, {"processing": template}))
    expected = size(policy(count, resolved))
    assert message == (
        f"`{APP}-processing/Policy`: managed policy {expected:,} of 6,144 characters after resolving tokens"
    )


def test_cross_stack_and_nested_values_resolve_through_their_producer(tmp_path):
    producer = {
        "Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy(1)}}},
        "Outputs": {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
    }
    nested = {
        "Parameters": {"KeyArn": {"Type": "String"}},
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": policy(1, {"Ref": "KeyArn"})},
            }
        },
    }
    consumer = {
        "Resources": {
            "Dataset": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {
                    "Parameters": {
                        "KeyArn": {
                            "Fn::GetStackOutput": {"StackName": f"{APP}-storage", "OutputName": "KeyArn", "Region": "x"}
                        }
                    }
                },
            }
        }
    }
    directory = write_assembly(tmp_path, {"storage": producer, "datasets": consumer}, {"Dataset": nested})
    usages = [
        u
        for u in check_assembly(directory, account="111122223333", region="eu-west-1")
        if u.limit.what == "managed policy"
    ]
    key_arn = "arn:aws:kms:eu-west-1:111122223333:key/" + "0" * 36
    assert [u.figure for u in usages] == [size(policy(1, key_arn))]
    assert usages[0].where == f"{APP}-datasets/Dataset/Policy"


@pytest.mark.parametrize(
    "kind, key, limit",
    [
        ("AWS::S3::BucketPolicy", "PolicyDocument", limits.BUCKET_POLICY),
        ("AWS::KMS::Key", "KeyPolicy", limits.KEY_POLICY),
        ("AWS::SNS::TopicPolicy", "PolicyDocument", limits.TOPIC_POLICY),
    ],
)
def test_resource_policies_are_held_to_their_service_limit(tmp_path, kind, key, limit):
    count = statements_for(limit.maximum)
    template = {"Resources": {"Policy": {"Type": kind, "Properties": {key: policy(count)}}}}
    [message] = refusals(write_assembly(tmp_path, {"storage": template}))
    figure = size(policy(count))
    assert message == f"`{APP}-storage/Policy`: {limit.what} {figure:,} of {limit.maximum:,} {limit.unit}"
    template["Resources"]["Policy"]["Properties"][key] = policy(count - 1)
    assert refusals(write_assembly(tmp_path, {"storage": template})) == []


def test_a_role_is_refused_past_ten_managed_policies_or_10240_characters_inline(tmp_path):
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "ManagedPolicyArns": ["arn"] * 3}}
    attached = {
        f"Attached{i}": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": policy(1), "Roles": [{"Ref": "Role"}]},
        }
        for i in range(8)
    }
    half = statements_for(5_120)
    inline = {
        f"Inline{i}": {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyDocument": policy(half), "Roles": [{"Ref": "Role"}]},
        }
        for i in range(2)
    }
    messages = refusals(write_assembly(tmp_path, {"processing": {"Resources": {"Role": role, **attached, **inline}}}))
    assert messages == [
        f"`{APP}-processing/Role`: inline policies of the role {2 * size(policy(half)):,} of 10,240 characters "
        "after resolving tokens",
        f"`{APP}-processing/Role`: managed policies attached to the role 11 of 10 policies",
    ]


def test_event_patterns_and_alarms_are_held_to_their_limits(tmp_path):
    pattern = {"source": ["aws.glue"], "detail": {"jobName": [f"job-{i:04d}" for i in range(300)]}}
    alarm_metrics = [{"Id": f"m{i}", "MetricStat": {}} for i in range(11)]
    insights = {"Metrics": [{"Id": "q", "Expression": "SELECT MAX(CDCLatencySource) FROM x"}]}
    template = {
        "Resources": {
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": pattern}},
            "Wide": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": alarm_metrics}},
            **{f"Insights{i}": {"Type": "AWS::CloudWatch::Alarm", "Properties": insights} for i in range(201)},
        }
    }
    assert refusals(write_assembly(tmp_path, {"monitoring": template})) == [
        f"`{APP}-monitoring/Rule`: event pattern {size(pattern):,} of 2,048 characters after resolving tokens",
        f"`{APP}-monitoring/Wide`: metrics in one alarm 11 of 10 metrics",
        f"`{APP}`: Metrics Insights alarms in the app 201 of 200 alarms (per Region)",
    ]


def test_a_dashboard_is_held_to_widget_metric_and_alarm_counts(tmp_path):
    metric = ["MLDataLake/ETL", "RowsIn", "Dataset", "x"]
    widgets = [{"type": "metric", "properties": {"metrics": [metric] * 501}}]
    widgets += [{"type": "alarm", "properties": {"alarms": ["arn"] * 101}}]
    widgets += [{"type": "metric", "properties": {"metrics": [metric] * 500}} for _ in range(4)]
    widgets += [{"type": "text", "properties": {"markdown": "x"}}] * 495
    body = {"Fn::Join": ["", [json.dumps({"widgets": widgets})]]}
    template = {
        "Resources": {"Dashboard": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": body}}}
    }
    assert refusals(write_assembly(tmp_path, {"monitoring": template})) == [
        f"`{APP}-monitoring/Dashboard`: dashboard widgets 501 of 500 widgets",
        f"`{APP}-monitoring/Dashboard widget 1`: metrics in one dashboard widget 501 of 500 metrics",
        f"`{APP}-monitoring/Dashboard widget 2`: alarms in one alarm status widget 101 of 100 alarms",
        f"`{APP}-monitoring/Dashboard`: dashboard metrics 2,501 of 2,500 metrics",
    ]


@pytest.mark.parametrize("kind", sorted(limits.GLUE_ACCOUNT))
def test_glue_account_quotas_count_across_stacks(tmp_path, kind):
    stacks = {f"datasets{i}": {"Resources": resources(334 if i == 0 else 333, kind)} for i in range(3)}
    assert refusals(write_assembly(tmp_path, stacks)) == []
    stacks["datasets2"]["Resources"]["One"] = {"Type": kind, "Properties": {}}
    limit = limits.GLUE_ACCOUNT[kind]
    assert refusals(write_assembly(tmp_path, stacks)) == [f"`{APP}`: {limit.what} 1,001 of 1,000 {limit.unit}"]


def test_stacks_are_counted_with_their_nested_stacks(tmp_path):
    nested = {f"Nested{i}": {"Resources": {}} for i in range(2_000)}
    parent = {"Resources": {name: {"Type": "AWS::CloudFormation::Stack"} for name in nested}}
    messages = refusals(write_assembly(tmp_path, {"datasets": parent}, nested))
    assert f"`{APP}`: stacks in the app 2,001 of 2,000 stacks (the account's stack quota per Region)" in messages
