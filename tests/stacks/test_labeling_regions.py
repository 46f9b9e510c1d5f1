"""A config that names its region gets the built-in function ARNs of that region written out, and a
region without them is refused at synth. Built in-process once per case, without the rule packs
(the shipped environments cover those)."""

from __future__ import annotations

import pytest
from aws_cdk import App

from app import feature_flags
from config import load_config
from lake_constructs.ground_truth_functions import function_arn
from stacks.platform import DataPlatform


def labeling_template(region: str) -> dict:
    config = load_config("dev").model_copy(update={"region": region, "account": "111122223333"})
    app = App(context=feature_flags())
    platform = DataPlatform(app, "test", config=config)
    return app.synth().get_stack_by_name(platform.labeling.stack_name).template


def test_a_known_region_gets_its_own_function_arns_and_no_mapping():
    template = labeling_template("eu-west-1")
    assert "Mappings" not in template
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    statement = next(
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "InvokeBuiltInTaskFunctions"
    )
    # With the account and region known, the partition is too: the ARNs are plain strings.
    resolved = sorted(statement["Resource"])
    assert resolved == sorted(
        function_arn(kind, task, "eu-west-1") for kind in ("PRE", "ACS") for task in ("image", "text")
    )


def test_a_region_without_the_built_in_functions_is_refused_at_synth():
    with pytest.raises(Exception, match="not published in region 'eu-north-1'"):
        labeling_template("eu-north-1")
