"""Labeling configs the shipped environments do not cover, built in-process once per case: a config
that names its region, one in a region without the built-in functions, and one that joins an
existing workforce and declares the portal URL."""

from __future__ import annotations

import pytest
from aws_cdk import App

from app import feature_flags
from lake_constructs.ground_truth_functions import function_arn
from stacks.platform import DataPlatform
from tests.fixtures import fixture_config


def labeling_template(region: str | None, **labeling) -> dict:
    config = fixture_config("full")
    config = config.model_copy(
        update={
            "region": region,
            "account": None if region is None else "111122223333",
            "labeling": config.labeling.model_copy(update=labeling),
        }
    )
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


def test_without_create_workforce_the_workteam_joins_the_accounts_workforce():
    portal = "https://abc123xyz.labeling.us-east-1.sagemaker.aws"
    template = labeling_template(None, create_workforce=False, worker_portal_url=portal)
    resources = template["Resources"]
    assert not [r for r in resources.values() if r["Type"] == "AWS::SageMaker::Workforce"]
    ((domain_id, _),) = [(k, r) for k, r in resources.items() if r["Type"] == "AWS::Cognito::UserPoolDomain"]
    (workteam,) = [r for r in resources.values() if r["Type"] == "AWS::SageMaker::Workteam"]
    assert "WorkforceName" not in workteam["Properties"]
    assert workteam["DependsOn"] == [domain_id]
    assert "WorkerPortalUrl" not in template["Outputs"]
    (client,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolClient"]
    assert client["CallbackURLs"] == [f"{portal}/oauth2/idpresponse"]
    assert client["LogoutURLs"] == [f"{portal}/logout"]
