"""The deployment pipeline: off in the shipped environments, so it is synthesized here once, from dev's
config with the pipeline switched on, through `app.build` with every check a normal synth runs.

The pipeline deploys environments of config/environments/ by name: this module needs `dev` and
`prod` there (a fork that renames them adapts PIPELINE); names are derived from their configs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from syrupy.extensions.json import JSONSnapshotExtension

from app import build
from config import PlatformConfig, environment_names, load_config
from config.loader import environment_file
from lake_constructs.resource_types import classification
from stacks.pipeline import GENERATED_WILDCARDS, PipelineStack

from ..synth import Synth
from ..test_snapshots import normalized

CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-1111-2222-3333-444455556666"
PIPELINE = {
    "enabled": True,
    "repository": "example-org/ml-data-lake",
    "branch": "main",
    "connection_arn": CONNECTION,
    "environments": ["dev", "prod"],
    "manual_approval": ["prod"],
}
ROOT = Path(__file__).resolve().parent.parent.parent

if not {"dev", "prod"} <= set(environment_names()):
    pytest.skip("the pipeline example deploys config/environments/dev and prod", allow_module_level=True)
STAGES = {env: load_config(env) for env in PIPELINE["environments"]}


def pipeline_config() -> PlatformConfig:
    data = yaml.safe_load(environment_file("dev").read_text())
    # No account or region, like the shipped environments: the pipeline deploys where it is deployed.
    data.update(environment="dev", pipeline=PIPELINE)
    return PlatformConfig.model_validate(data)


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Synth:
    outdir = tmp_path_factory.mktemp("pipeline")
    build(pipeline_config(), outdir=str(outdir)).synth()
    return Synth("dev", outdir)


@pytest.fixture(scope="module")
def config() -> PlatformConfig:
    return pipeline_config()


@pytest.fixture(scope="module")
def pipeline_stack(config) -> str:
    return f"{config.project}-pipeline"


@pytest.fixture(scope="module")
def template(synth, pipeline_stack) -> dict:
    return synth.stacks[pipeline_stack]


def of_type(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def pipeline_stages(template: dict) -> list[dict]:
    (pipeline,) = of_type(template, "AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]["Stages"]


def test_the_pipeline_sits_beside_the_platform_of_the_environment_that_enables_it(synth, synths, pipeline_stack):
    assert set(synth.stacks) == {*synths["dev"].stacks, pipeline_stack}


def test_the_stages_run_source_synth_self_update_assets_then_each_environment_in_order(template):
    names = [stage["Name"] for stage in pipeline_stages(template)]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "Dev", "Prod"]


def test_the_source_is_the_configured_connection_repository_and_branch(template):
    (action,) = pipeline_stages(template)[0]["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert action["Configuration"]["ConnectionArn"] == CONNECTION
    assert action["Configuration"]["FullRepositoryId"] == "example-org/ml-data-lake"
    assert action["Configuration"]["BranchName"] == "main"


def test_prod_waits_for_a_manual_approval_and_dev_does_not(template):
    stages = {stage["Name"]: stage for stage in pipeline_stages(template)}
    first = min(stages["Prod"]["Actions"], key=lambda a: a["RunOrder"])
    assert first["ActionTypeId"]["Category"] == "Approval"
    later = [a for a in stages["Prod"]["Actions"] if a is not first]
    assert all(a["RunOrder"] > first["RunOrder"] for a in later)
    assert not [a for a in stages["Dev"]["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]


def test_each_environment_stage_deploys_that_environments_stacks_by_their_usual_names(template, synths):
    stages = {stage["Name"]: stage for stage in pipeline_stages(template)}
    for env in ("dev", "prod"):
        deployed = {
            a["Configuration"]["StackName"]
            for a in stages[env.capitalize()]["Actions"]
            if "StackName" in a["Configuration"]
        }
        assert deployed == {f"{STAGES[env].name_prefix}-{layer}" for layer in synths[env].stacks}


def test_the_synth_step_runs_the_readme_commands_on_python_311_and_java_17(template):
    projects = of_type(template, "AWS::CodeBuild::Project")
    synth = next(p for k, p in projects.items() if "Synth" in k)["Properties"]
    spec = json.loads(synth["Source"]["BuildSpec"])
    assert spec["phases"]["build"]["commands"] == ["make test", "make synth ENV=dev"]
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11", "java": "corretto17"}
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    assert synth["Environment"]["Image"] == "aws/codebuild/standard:7.0"


def test_the_pipeline_updates_itself(template):
    (stage,) = [s for s in pipeline_stages(template) if s["Name"] == "UpdatePipeline"]
    (action,) = stage["Actions"]
    assert action["Name"] == "SelfMutate"


def test_artifacts_and_builds_are_encrypted_with_the_pipelines_own_rotating_key(template):
    (key_id, key) = next(iter(of_type(template, "AWS::KMS::Key").items()))
    assert key["Properties"]["EnableKeyRotation"] is True
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    for project in of_type(template, "AWS::CodeBuild::Project").values():
        assert project["Properties"]["EncryptionKey"] == key_arn
    (pipeline,) = of_type(template, "AWS::CodePipeline::Pipeline").values()
    store = pipeline["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"] == {"Id": key_arn, "Type": "KMS"}
    buckets = of_type(template, "AWS::S3::Bucket")
    artifacts = buckets[store["Location"]["Ref"]]["Properties"]
    assert artifacts["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "KMSMasterKeyID": key_arn,
        "SSEAlgorithm": "aws:kms",
    }
    assert artifacts["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "LoggingConfiguration" in artifacts


def test_every_resource_type_is_classified_by_the_pipeline_layer(template):
    stateful, stateless = classification(PipelineStack)
    unknown = {resource["Type"] for resource in template["Resources"].values()} - stateful - stateless
    assert not unknown, f"classify {sorted(unknown)} on PipelineStack in stacks/pipeline.py"


def test_every_finding_of_the_pipeline_app_is_fixed_or_acknowledged(synth):
    violations = [v["ruleName"] for r in synth.report["pluginReports"] for v in r.get("violations", [])]
    assert violations == []


def test_wildcards_are_acknowledged_one_by_one_and_only_of_the_known_kinds(synth, pipeline_stack):
    wildcard_acks = [
        (path, rule)
        for path, rule, _ in synth.acknowledgments
        if rule.startswith("AwsSolutions-IAM5") and path.startswith(f"/{pipeline_stack}/")
    ]
    assert wildcard_acks
    for path, rule in wildcard_acks:
        assert path.startswith(f"/{pipeline_stack}/Pipeline/") and path.endswith("/DefaultPolicy/Resource"), path
        assert any(re.fullmatch(pattern, rule) for pattern in GENERATED_WILDCARDS), rule


def test_no_acknowledgment_reaches_beyond_the_generated_constructs_and_the_two_buckets(synth, pipeline_stack):
    paths = {path for path, _, _ in synth.acknowledgments if path.startswith(f"/{pipeline_stack}/")}
    assert paths
    for path in paths:
        assert path.startswith(
            (f"/{pipeline_stack}/Pipeline/", f"/{pipeline_stack}/AccessLogs", f"/{pipeline_stack}/Artifacts")
        ), path


def test_the_pipeline_template_is_cfn_lint_clean_as_make_synth_lints_it(synth, pipeline_stack):
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--config-file",
            str(ROOT / ".cfnlintrc.yaml"),
            "--",
            str(next(synth.outdir.glob(f"{pipeline_stack}.template.json"))),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_pipeline_resource_ignores_a_cfn_lint_check(template):
    ignoring = {
        logical_id: resource["Metadata"]["cfn-lint"]
        for logical_id, resource in template["Resources"].items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    (pipeline_id,) = of_type(template, "AWS::CodePipeline::Pipeline")
    assert ignoring == {pipeline_id: {"config": {"ignore_checks": ["E3703"]}}}


def test_the_pipeline_template_matches_its_snapshot(template, snapshot):
    assert normalized(template, pipeline_config(), *STAGES.values()) == snapshot.use_extension(JSONSnapshotExtension)(
        name="pipeline"
    )
