"""Pipeline config: off unless complete; environments must exist; approvals name deployed environments."""

from config import environment_names, load_config
from tests.synth import run_app

from .test_loader import error_for, write

CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-1111-2222-3333-444455556666"
COMPLETE = {"enabled": True, "repository": "example-org/ml-data-lake", "connection_arn": CONNECTION}


def test_the_shipped_environments_leave_the_pipeline_off():
    for env in environment_names():
        assert load_config(env).pipeline.enabled is False


def test_a_complete_pipeline_defaults_to_dev_then_prod_with_approval_before_prod(tmp_path):
    pipeline = load_config(path=write(tmp_path, {"pipeline": COMPLETE})).pipeline
    assert pipeline.environments == ["dev", "prod"] and pipeline.manual_approval == ["prod"]
    assert pipeline.branch == "main"


def test_an_enabled_pipeline_needs_a_repository_and_a_connection(tmp_path):
    message = error_for(tmp_path, {"pipeline": {"enabled": True}})
    assert "pipeline" in message and "an enabled pipeline needs repository and connection_arn" in message


def test_an_unknown_environment_lists_the_known_ones(tmp_path):
    message = error_for(tmp_path, {"pipeline": {**COMPLETE, "environments": ["dev", "staging"]}})
    assert "pipeline.environments" in message and "no such environment: staging" in message
    assert ", ".join(environment_names()) in message


def test_an_environment_listed_twice(tmp_path):
    message = error_for(tmp_path, {"pipeline": {**COMPLETE, "environments": ["dev", "dev"]}})
    assert "listed more than once: dev" in message


def test_an_approval_for_an_environment_not_deployed(tmp_path):
    message = error_for(tmp_path, {"pipeline": {**COMPLETE, "environments": ["dev"], "manual_approval": ["prod"]}})
    assert "manual_approval names prod, which the pipeline does not deploy" in message


def test_a_malformed_connection_arn(tmp_path):
    message = error_for(tmp_path, {"pipeline": {**COMPLETE, "connection_arn": "arn:aws:s3:::bucket"}})
    assert "pipeline.connection_arn" in message and "arn:aws:s3:::bucket" in message


def test_a_repository_must_be_owner_slash_name(tmp_path):
    message = error_for(tmp_path, {"pipeline": {**COMPLETE, "repository": "https://github.com/a/b"}})
    assert "pipeline.repository" in message


def test_a_pipeline_config_outside_the_environments_folder_is_refused_by_the_app(tmp_path):
    path = write(tmp_path, {"pipeline": COMPLETE})
    result = run_app(str(path), tmp_path / "out")
    assert result.returncode == 2
    assert "pipeline.enabled needs the file in config/environments/" in result.stderr
    assert "Traceback" not in result.stderr
