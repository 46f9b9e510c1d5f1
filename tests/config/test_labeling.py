"""Labeling config: a bad value names the field, what was given and what is allowed."""

from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config
from lake_constructs.ground_truth_functions import FUNCTION_ACCOUNTS, TASK_TYPES, UnsupportedRegion, function_arn

BASE = {"project": "mlake", "environment": "test"}


def load(tmp_path: Path, labeling: dict):
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump({**BASE, "labeling": {"enabled": True, **labeling}}, sort_keys=False))
    return load_config(path=path)


def error_for(tmp_path: Path, labeling: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, labeling)
    return str(caught.value)


def test_defaults_are_the_secure_ones(tmp_path):
    labeling = load(tmp_path, {}).labeling
    assert labeling.threat_protection is True and labeling.create_workforce is True
    assert labeling.password_minimum_length == 14 and labeling.workers == [] and labeling.source_ip_cidrs == []
    assert labeling.input_prefixes == ["unlabeled/"] and labeling.labels_prefix == "labels/"


def test_labeling_is_off_unless_asked_for(tmp_path):
    path = tmp_path / "off.yaml"
    path.write_text(yaml.safe_dump(BASE))
    assert load_config(path=path).labeling.enabled is False


def test_a_falsy_value_is_kept(tmp_path):
    labeling = load(tmp_path, {"threat_protection": False, "create_workforce": False}).labeling
    assert labeling.threat_protection is False and labeling.create_workforce is False


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "sp ace@example.com"])
def test_workers_must_be_email_addresses(tmp_path, email):
    message = error_for(tmp_path, {"workers": ["ok@example.com", email]})
    assert "labeling.workers" in message and f"not e-mail addresses: {email!r}" in message


def test_a_worker_listed_twice_is_refused(tmp_path):
    message = error_for(tmp_path, {"workers": ["Ann@example.com", "ann@example.com"]})
    assert "repeated: ann@example.com" in message


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("My_Domain", "lowercase letters, digits and hyphens"),
        ("-labeling", "lowercase letters, digits and hyphens"),
        ("mlake-aws-labeling", "containing 'aws'"),
        ("cognito-workers", "containing 'cognito'"),
    ],
)
def test_domain_prefix_must_be_one_cognito_accepts(tmp_path, prefix, expected):
    message = error_for(tmp_path, {"domain_prefix": prefix})
    assert "labeling.domain_prefix" in message and expected in message


def test_source_networks_are_ipv4_cidrs(tmp_path):
    message = error_for(tmp_path, {"source_ip_cidrs": ["10.0.0.0/33"]})
    assert "labeling.source_ip_cidrs" in message and "'10.0.0.0/33' is not a valid IPv4 network" in message


def test_at_most_ten_source_networks(tmp_path):
    message = error_for(tmp_path, {"source_ip_cidrs": [f"10.0.{i}.0/24" for i in range(11)]})
    assert "at most 10 CIDR blocks, given 11" in message


def test_password_shorter_than_twelve_is_refused(tmp_path):
    message = error_for(tmp_path, {"password_minimum_length": 8})
    assert "labeling.password_minimum_length" in message and "given 8" in message


def test_portal_url_has_the_shape_sagemaker_gives(tmp_path):
    message = error_for(tmp_path, {"worker_portal_url": "https://example.com"})
    assert "labeling.worker_portal_url" in message and "labeling.<region>.sagemaker.aws" in message
    url = "https://abc123xyz.labeling.us-east-1.sagemaker.aws"
    assert load(tmp_path, {"worker_portal_url": url}).labeling.worker_portal_url == url


@pytest.mark.parametrize("prefix", ["/unlabeled/", "unlabeled", "un//labeled/"])
def test_prefixes_look_like_prefixes(tmp_path, prefix):
    message = error_for(tmp_path, {"input_prefixes": [prefix]})
    assert "labeling.input_prefixes" in message and f"{prefix!r} is not a prefix" in message


def test_inputs_and_labels_do_not_overlap(tmp_path):
    message = error_for(tmp_path, {"input_prefixes": ["labels/raw/"], "labels_prefix": "labels/"})
    assert "overlap labels_prefix 'labels/'" in message


def test_unknown_key_is_named(tmp_path):
    message = error_for(tmp_path, {"worker": ["a@example.com"]})
    assert "labeling.worker" in message and "did you mean 'workers'?" in message


@pytest.mark.parametrize("region", sorted(FUNCTION_ACCOUNTS))
@pytest.mark.parametrize("task", sorted(TASK_TYPES))
def test_every_supported_region_has_both_functions_of_both_tasks(region, task):
    for kind in ("PRE", "ACS"):
        arn = function_arn(kind, task, region)
        assert (
            arn
            == f"arn:aws:lambda:{region}:{FUNCTION_ACCOUNTS[region]}:function:{kind}-{TASK_TYPES[task].function_suffix}"
        )


def test_an_unsupported_region_names_the_supported_ones():
    with pytest.raises(UnsupportedRegion, match="'eu-north-1'; supported regions: ap-northeast-1"):
        function_arn("PRE", "image", "eu-north-1")


def test_the_table_matches_the_arns_the_sagemaker_api_documents():
    import re

    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    documented = model.shape_for("HumanTaskConfig").members["PreHumanTaskLambdaArn"].documentation
    documented += (
        model.shape_for("AnnotationConsolidationConfig").members["AnnotationConsolidationLambdaArn"].documentation
    )
    for region in FUNCTION_ACCOUNTS:
        for task in TASK_TYPES:
            for kind in ("PRE", "ACS"):
                assert re.search(re.escape(function_arn(kind, task, region)) + r"\b(?!-)", documented), (
                    region,
                    task,
                    kind,
                )


def test_the_default_domain_prefix_carries_the_account_and_must_fit(tmp_path):
    from config.models.labeling import default_domain_prefix

    from .test_loader import write

    config = load_config(path=write(tmp_path, {"account": "111122223333", "labeling": {"enabled": True}}))
    assert default_domain_prefix(config.name_prefix, config.account) == f"{config.name_prefix}-labeling-111122223333"
    # Without an account in the config, the default is checked with a 12-digit id (the stack uses the
    # deploy-time account): a reserved word in the project is refused before anything is built.
    assert "aws" not in default_domain_prefix(config.name_prefix, "123456789012")
