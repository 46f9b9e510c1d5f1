"""What an operator and a security reviewer rely on in the monitoring layer, asserted exactly.

Each layer adds what it watches (its stack class's `watch`); the `retained` fixture enables every
layer (DMS on a replication instance, so its tasks get latency alarms), and variants built here
switch layers off.
"""

from __future__ import annotations

import json

import pytest
import yaml
from aws_cdk import App, RemovalPolicy
from aws_cdk.assertions import Template

from config import PlatformConfig
from lake_constructs.retention import removal_policy
from lake_constructs.watch import Watch
from stacks.analytics import AnalyticsStack
from stacks.catalog import CatalogStack
from stacks.ingestion import IngestionStack, dms_task_identifiers
from stacks.labeling import LabelingStack
from stacks.monitoring import MonitoringStack
from stacks.processing import ProcessingStack
from stacks.warehouse import WarehouseStack

from ..fixtures import fixture_config, fixture_file

FULL = fixture_config("full")
RETAINED = fixture_config("retained")

# The layers that watch something, by config section, in the platform's order.
WATCHED = {
    "catalog": CatalogStack,
    "analytics": AnalyticsStack,
    "warehouse": WarehouseStack,
    "processing": ProcessingStack,
    "ingestion": IngestionStack,
    "labeling": LabelingStack,
}
# The rule each layer gets, by layer; the catalog (Glue) is always on.
RULES_BY_LAYER = {
    "catalog": ("glue-job-failed", "glue-crawler-failed"),
    "ingestion": ("dms-task-failed",),
    "processing": ("emr-cluster-failed",),
    "labeling": ("labeling-job-failed",),
}


def config_with(name: str, **overrides) -> PlatformConfig:
    """A fixture config with some sections replaced."""
    data = yaml.safe_load(fixture_file(name).read_text())
    data.setdefault("environment", name)
    data.update(overrides)
    return PlatformConfig.model_validate(data)


def monitoring_template(config: PlatformConfig) -> Template:
    """The monitoring stack of `config` alone, watching its enabled layers as the platform does."""
    layers = [cls for section, cls in WATCHED.items() if section == "catalog" or getattr(config, section).enabled]
    stack = MonitoringStack(
        App(), "monitoring", config=config, layers=layers, removal_policy=removal_policy(config.ephemeral)
    )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def everything_on(retained) -> tuple[PlatformConfig, Template]:
    config = retained.config
    assert all(getattr(config, section).enabled for section in WATCHED if section != "catalog")
    assert dms_task_identifiers(config), "the retained fixture should replicate through DMS tasks"
    return config, retained.template("monitoring")


def resources(template: Template, type_: str) -> dict[str, dict]:
    return template.find_resources(type_)


def rules_by_name(template: Template) -> dict[str, dict]:
    return {r["Properties"]["Name"]: r["Properties"] for r in resources(template, "AWS::Events::Rule").values()}


def alarms_by_name(template: Template) -> dict[str, dict]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"] for r in resources(template, "AWS::CloudWatch::Alarm").values()
    }


@pytest.fixture(params=["full", "retained"])
def synth(request, fixtures):
    return fixtures[request.param]


def test_minimal_has_no_monitoring_stack(minimal):
    assert "monitoring" not in minimal.stacks


def test_the_topic_is_named_by_contract_and_encrypted_with_a_rotating_key_of_its_own(synth):
    template = synth.template("monitoring")
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    (key_id, key) = next(iter(resources(template, "AWS::KMS::Key").items()))
    template.has_resource_properties(
        "AWS::SNS::Topic",
        {"TopicName": f"{synth.config.name_prefix}-alarms", "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}},
    )
    assert key["Properties"]["EnableKeyRotation"] is True
    assert topic_id


def test_only_alarms_rules_and_budgets_may_use_the_key_and_only_for_this_topic(synth):
    (key,) = resources(synth.template("monitoring"), "AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    services = {
        s["Principal"]["Service"]: s
        for s in statements
        if isinstance(s["Principal"], dict) and "Service" in s["Principal"]
    }
    assert set(services) == {"events.amazonaws.com", "cloudwatch.amazonaws.com", "budgets.amazonaws.com"}
    topic = f"{synth.config.name_prefix}-alarms"
    for statement in services.values():
        assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
        context = json.dumps(statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"])
        assert context.endswith(f':{topic}"]]}}'), context
    # SNS guide: aws:SourceAccount / aws:SourceArn are not supported in the key policy for EventBridge;
    # with them, every failure rule's delivery is refused.
    events = json.dumps(services["events.amazonaws.com"]["Condition"])
    assert "aws:Source" not in events
    for service, marker in (("cloudwatch.amazonaws.com", ":alarm:*"), ("budgets.amazonaws.com", ":budget/*")):
        condition = services[service]["Condition"]
        assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert marker in json.dumps(condition["ArnLike"]["aws:SourceArn"])


def test_each_failure_rule_has_an_alarm_on_its_failed_deliveries(everything_on):
    _, template = everything_on
    rules = rules_by_name(template)
    alarms = alarms_by_name(template)
    assert rules
    for rule_name in rules:
        alarm = alarms[f"{rule_name}-failed-delivery"]
        assert alarm["Namespace"] == "AWS/Events" and alarm["MetricName"] == "FailedInvocations"
        assert alarm["Dimensions"] == [{"Name": "RuleName", "Value": rule_name}]
        assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_topic_denies_publishing_without_tls_and_allows_only_this_accounts_services(synth):
    (policy,) = resources(synth.template("monitoring"), "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and deny["Principal"] == "*"
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allows} == {
        "events.amazonaws.com",
        "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com",
    }
    for statement in allows:
        assert statement["Action"] == "sns:Publish"
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
        source_arn = json.dumps(statement["Condition"]["ArnLike"]["aws:SourceArn"])
        assert '{"Ref": "AWS::AccountId"}' in source_arn
    assert any(":rule/*" in json.dumps(s["Condition"]) for s in allows)
    assert any(":alarm:*" in json.dumps(s["Condition"]) for s in allows)


def test_each_configured_email_is_subscribed(synth):
    subscriptions = resources(synth.template("monitoring"), "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == sorted(synth.config.monitoring.alarm_emails)
    assert {s["Properties"]["Protocol"] for s in subscriptions} == {"email"}


def test_glue_rules_match_only_the_platforms_jobs_and_crawlers(synth):
    rules = rules_by_name(synth.template("monitoring"))
    prefix = [{"prefix": f"{synth.config.name_prefix}-"}]
    job = rules[f"{synth.config.name_prefix}-glue-job-failed"]["EventPattern"]
    assert job == {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": prefix, "state": ["FAILED", "TIMEOUT", "ERROR"]},
    }
    crawler = rules[f"{synth.config.name_prefix}-glue-crawler-failed"]["EventPattern"]
    assert crawler == {
        "source": ["aws.glue"],
        "detail-type": ["Glue Crawler State Change"],
        "detail": {"crawlerName": prefix, "state": ["Failed"]},
    }


def test_every_rule_sends_a_readable_sentence_to_the_topic(everything_on):
    _, template = everything_on
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    for name, rule in rules_by_name(template).items():
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Ref": topic_id}, name
        transformer = target["InputTransformer"]
        sentence = json.loads(transformer["InputTemplate"])
        placeholders = {f"<{key}>" for key in transformer["InputPathsMap"]}
        assert all(p in sentence for p in placeholders), name
        assert sentence.split()[0] in ("Glue", "DMS", "EMR", "Ground"), sentence


@pytest.mark.parametrize("env", ["full", "retained"])
def test_every_enabled_layer_has_its_rule_and_no_other(env, fixtures):
    config = fixtures[env].config
    expected = {
        f"{config.name_prefix}-{rule}"
        for layer, names in RULES_BY_LAYER.items()
        if layer == "catalog" or getattr(config, layer).enabled
        for rule in names
    }
    assert set(rules_by_name(fixtures[env].template("monitoring"))) == expected


def test_with_every_layer_on_every_layer_has_its_rule(everything_on):
    config, template = everything_on
    expected = {f"{config.name_prefix}-{rule}" for names in RULES_BY_LAYER.values() for rule in names}
    assert set(rules_by_name(template)) == expected


def test_dms_emr_and_labeling_rules_match_failures(everything_on):
    config, template = everything_on
    prefix = config.name_prefix
    rules = rules_by_name(template)
    dms = rules[f"{prefix}-dms-task-failed"]["EventPattern"]
    assert dms["source"] == ["aws.dms"]
    assert set(dms["detail-type"]) == {"DMS Replication Task State Change", "DMS Replication State Change"}
    assert set(dms["detail"]["eventType"]) == {
        "REPLICATION_TASK_FAILED",
        "REPLICATION_TASK_STOPPED",
        "REPLICATION_FAILED",
        "REPLICATION_STOPPED",
    }
    assert rules[f"{prefix}-emr-cluster-failed"]["EventPattern"] == {
        "source": ["aws.emr"],
        "detail-type": ["EMR Cluster State Change"],
        "detail": {"name": [f"{prefix}-processing"], "state": ["TERMINATED_WITH_ERRORS"]},
    }
    assert rules[f"{prefix}-labeling-job-failed"]["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Ground Truth Labeling Job State Change"],
        "detail": {"LabelingJobStatus": ["Failed"]},
    }


def test_quarantine_share_alarm_per_dataset_uses_the_etl_metrics_and_the_configured_threshold(full):
    config = FULL
    alarms = alarms_by_name(full.template("monitoring"))
    for dataset in config.catalog.datasets:
        alarm = alarms[f"{FULL.name_prefix}-{dataset.name}-quarantine-share"]
        assert alarm["Threshold"] == config.monitoring.quarantine_share_percent
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        by_id = {m["Id"]: m for m in alarm["Metrics"]}
        expression = next(m for m in alarm["Metrics"] if "Expression" in m)
        assert expression["Expression"] == "IF(rowsin > 0, 100 * quarantined / rowsin, 0)"
        for metric_id, name in (("rowsin", "RowsIn"), ("quarantined", "RowsQuarantined")):
            stat = by_id[metric_id]["MetricStat"]
            assert stat["Metric"]["Namespace"] == "MLDataLake/ETL"
            assert stat["Metric"]["MetricName"] == name
            assert sorted(stat["Metric"]["Dimensions"], key=lambda d: d["Name"]) == [
                {"Name": "Dataset", "Value": dataset.name},
                {"Name": "Environment", "Value": FULL.environment},
            ]
            assert stat["Stat"] == "Sum"


def test_a_missed_run_alarm_exists_exactly_for_scheduled_datasets(full):
    config = FULL
    alarms = alarms_by_name(full.template("monitoring"))
    scheduled = {d.name for d in config.catalog.datasets if d.schedule is not None}
    assert scheduled, "dev should declare at least one scheduled dataset"
    assert {
        name.removeprefix(f"{FULL.name_prefix}-").removesuffix("-no-run") for name in alarms if name.endswith("-no-run")
    } == (scheduled)
    for name in scheduled:
        alarm = alarms[f"{FULL.name_prefix}-{name}-no-run"]
        (query,) = alarm["Metrics"]
        stat = query["MetricStat"]
        assert stat["Metric"]["MetricName"] == "RowsIn" and stat["Metric"]["Namespace"] == "MLDataLake/ETL"
        assert {"Name": "Dataset", "Value": name} in stat["Metric"]["Dimensions"]
        assert stat["Stat"] == "SampleCount"
        assert stat["Period"] == config.monitoring.run_window_hours * 3600
        assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 1
        # No datapoint in the window is exactly a missed run.
        assert alarm["TreatMissingData"] == "breaching"


def test_every_alarm_notifies_the_topic_on_alarm_and_on_recovery(everything_on):
    _, template = everything_on
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    alarms = alarms_by_name(template)
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["ActionsEnabled"] is True, name
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["OKActions"] == [{"Ref": topic_id}], name


def test_warehouse_alarms_watch_the_contract_cluster_with_configured_thresholds(everything_on):
    config, template = everything_on
    alarms = alarms_by_name(template)
    expected = {
        "warehouse-cpu": ("CPUUtilization", config.monitoring.redshift_cpu_percent, "GreaterThanThreshold"),
        "warehouse-disk": ("PercentageDiskSpaceUsed", config.monitoring.redshift_disk_percent, "GreaterThanThreshold"),
        "warehouse-health": ("HealthStatus", 1, "LessThanThreshold"),
    }
    for name, (metric, threshold, operator) in expected.items():
        alarm = alarms[f"{config.name_prefix}-{name}"]
        assert alarm["Namespace"] == "AWS/Redshift" and alarm["MetricName"] == metric
        assert alarm["Dimensions"] == [{"Name": "ClusterIdentifier", "Value": f"{config.name_prefix}-warehouse"}]
        assert alarm["Threshold"] == threshold and alarm["ComparisonOperator"] == operator
        assert alarm["EvaluationPeriods"] == 3 and alarm["Period"] == 300


def test_dms_latency_alarms_select_the_task_by_its_identifier(everything_on):
    config, template = everything_on
    alarms = alarms_by_name(template)
    for source in config.ingestion.dms.sources:
        for side in ("Source", "Target"):
            alarm = alarms[f"{config.name_prefix}-{source.name}-cdc-latency-{side.lower()}"]
            (query,) = alarm["Metrics"]
            assert query["Expression"] == (
                f"SELECT MAX(CDCLatency{side}) FROM "
                'SCHEMA("AWS/DMS", ReplicationInstanceIdentifier, ReplicationTaskIdentifier) '
                f"WHERE ReplicationTaskIdentifier = '{config.name_prefix}-{source.name}'"
            )
            assert query["Period"] == 300
            assert alarm["Threshold"] == config.monitoring.dms_latency_seconds


def test_no_warehouse_or_dms_alarm_when_those_layers_are_off(retained):
    # The retained fixture replicates through DMS tasks (which get CDC latency alarms) and runs a
    # warehouse: the same config with both layers off must have neither kind of alarm.
    on = alarms_by_name(retained.template("monitoring"))
    assert [n for n in on if "-warehouse-" in n] and [n for n in on if "-cdc-latency-" in n]
    config = config_with("retained", warehouse={"enabled": False}, ingestion={"enabled": False})
    off = alarms_by_name(monitoring_template(config))
    assert off and not [n for n in off if "-warehouse-" in n or "-cdc-latency-" in n]


def dashboard_widgets(template: Template) -> list[dict]:
    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else "token" for part in parts))["widgets"]


LAYER_GRAPHS = {
    "analytics": "Athena queries ({prefix}-analytics)",
    "warehouse": "Redshift {prefix}-warehouse",
    "processing": "EMR clusters",
    "ingestion": "DMS CDC latency (s) by task",
}


def test_the_dashboard_shows_each_dataset_each_alarm_and_each_enabled_layer(everything_on):
    config, template = everything_on
    widgets = dashboard_widgets(template)
    graphs = {w["properties"].get("title"): w["properties"].get("metrics") for w in widgets}
    # The datasets through one search per graph (each dataset a line), whatever their number.
    assert config.catalog.datasets
    for metric in ("RowsIn", "RowsCurated", "RowsQuarantined"):
        ((search,),) = graphs[f"{metric} per day, by dataset"]
        assert search["expression"] == (
            "SEARCH('{MLDataLake/ETL,Dataset,Environment} "
            f'Environment="{config.environment}" MetricName="{metric}"\', '
            "'Sum', 86400)"
        )
    assert not [title for title in graphs if any(d.name in str(title) for d in config.catalog.datasets)]
    for title in LAYER_GRAPHS.values():
        assert title.format(prefix=config.name_prefix) in graphs
    # Every alarm of the stack (and, with a stack per dataset, the datasets' alarms) on the status.
    shown = [alarm for w in widgets if w["type"] == "alarm" for alarm in w["properties"]["alarms"]]
    assert len(shown) >= len(alarms_by_name(template))


def test_the_dashboard_shows_no_graph_of_a_layer_that_is_off():
    config = config_with(
        "retained", **{section: {"enabled": False} for section in LAYER_GRAPHS if section != "warehouse"}
    )
    graphs = {w["properties"].get("title") for w in dashboard_widgets(monitoring_template(config))}
    for section, title in LAYER_GRAPHS.items():
        assert (title.format(prefix=config.name_prefix) in graphs) == (section == "warehouse"), title


def test_a_layer_is_watched_through_its_own_watch_without_registration():
    class NewLayer:
        @staticmethod
        def watch(watch: Watch) -> None:
            watch.on_failure(
                "NewFailed",
                "new-failed",
                description="A new layer's resource failed",
                source="aws.new",
                detail_types=["New State Change"],
                detail={"state": ["FAILED"]},
                message="{thing} failed in {account}/{region}",
                fields={"thing": "$.resources[0]"},
            )

    config = config_with("minimal", monitoring={"enabled": True})
    stack = MonitoringStack(
        App(), "monitoring", config=config, layers=[CatalogStack, NewLayer], removal_policy=RemovalPolicy.DESTROY
    )
    template = Template.from_stack(stack)
    assert f"{config.name_prefix}-new-failed" in rules_by_name(template)
    assert f"{config.name_prefix}-new-failed-failed-delivery" in alarms_by_name(template)
    assert set(stack.rules) == {"glue-job-failed", "glue-crawler-failed", "new-failed"}


def test_the_budget_has_the_configured_limit_thresholds_and_counts_the_account_without_tags(synth):
    budget_config = synth.config.monitoring.budget
    (budget,) = resources(synth.template("monitoring"), "AWS::Budgets::Budget").values()
    data = budget["Properties"]["Budget"]
    assert data["BudgetLimit"] == {"Amount": budget_config.monthly_limit_usd, "Unit": "USD"}
    assert data["BudgetType"] == "COST" and data["TimeUnit"] == "MONTHLY"
    # No tag filter: a tag Budgets has not been told to use (an inactive cost allocation tag) reads 0,
    # and nothing at deploy can activate one in a fresh account (docs/cost.md).
    assert synth.config.monitoring.budget.filter_by_tags is False
    assert "FilterExpression" not in data
    notifications = budget["Properties"]["NotificationsWithSubscribers"]
    assert sorted((n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in notifications) == (
        sorted(
            [("ACTUAL", p) for p in budget_config.actual_thresholds_percent]
            + [("FORECASTED", p) for p in budget_config.forecasted_thresholds_percent]
        )
    )
    (topic_id,) = resources(synth.template("monitoring"), "AWS::SNS::Topic")
    for notification in notifications:
        subscribers = notification["Subscribers"]
        assert {"SubscriptionType": "SNS", "Address": {"Ref": topic_id}} in subscribers
        assert sorted(s["Address"] for s in subscribers if s["SubscriptionType"] == "EMAIL") == sorted(
            budget_config.emails
        )


def test_budget_and_dashboard_can_be_switched_off():
    config = config_with("full", monitoring={"enabled": True, "dashboard": False, "budget": {"enabled": False}})
    template = monitoring_template(config)
    template.resource_count_is("AWS::Budgets::Budget", 0)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)


def test_a_tag_filtered_budget_is_opt_in_and_needs_both_tags():
    config = config_with("full", monitoring={"enabled": True, "budget": {"filter_by_tags": True}})
    template = monitoring_template(config)
    template.has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": {
                "FilterExpression": {
                    "And": [
                        {"Tags": {"Key": "project", "MatchOptions": ["EQUALS"], "Values": [config.project]}},
                        {"Tags": {"Key": "environment", "MatchOptions": ["EQUALS"], "Values": [config.environment]}},
                    ]
                }
            }
        },
    )


def test_dms_tasks_follow_the_naming_contract_and_skip_serverless():
    def config(**dms) -> PlatformConfig:
        ingestion = RETAINED.ingestion.model_dump(mode="json")
        ingestion["dms"].update(dms)
        return config_with("retained", ingestion=ingestion)

    sources = RETAINED.ingestion.dms.sources
    assert RETAINED.ingestion.dms.capacity == "instance" and sources
    assert dms_task_identifiers(RETAINED) == [f"{RETAINED.name_prefix}-{source.name}" for source in sources]
    assert dms_task_identifiers(config(capacity="serverless")) == []
    assert dms_task_identifiers(config_with("retained", ingestion={"enabled": False})) == []
