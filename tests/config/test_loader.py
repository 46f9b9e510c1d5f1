"""A bad config names the file, the field, the value given and what is allowed, and nothing is built."""

from pathlib import Path

import pytest
import yaml

from config import ConfigError, environment_names, load_config
from config.schema import REFERENCE_FILE, SCHEMA_FILE, render, render_reference
from tests.synth import run_app

BASE = {"project": "mlake", "environment": "test"}


def write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "test.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump({**BASE, **data}, sort_keys=False))
    return path


def error_for(tmp_path: Path, data: dict | str) -> str:
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    return message


@pytest.mark.parametrize("env", environment_names())
def test_shipped_environments_load(env):
    config = load_config(env)
    assert config.environment == env


def test_invalid_cidr(tmp_path):
    message = error_for(tmp_path, {"network": {"enabled": True, "cidr": "10.0.0.300/16"}})
    assert "network.cidr (line" in message
    assert "not a valid IPv4 network" in message and "'10.0.0.300/16'" in message


def test_cidr_too_large_for_a_vpc(tmp_path):
    message = error_for(tmp_path, {"network": {"cidr": "10.0.0.0/8"}})
    assert "network.cidr" in message and "/16 and /24" in message and "'10.0.0.0/8'" in message


@pytest.mark.parametrize("count", [0, 7])
def test_az_count_out_of_range(tmp_path, count):
    message = error_for(tmp_path, {"network": {"az_count": count}})
    assert "network.az_count" in message and f"given {count}" in message
    assert ("greater than or equal to 1" in message) or ("less than or equal to 6" in message)


def test_more_nat_gateways_than_azs(tmp_path):
    message = error_for(tmp_path, {"network": {"az_count": 2, "nat_gateways": 3}})
    assert "nat_gateways (3) cannot exceed az_count (2)" in message


def test_unknown_layer_is_named_with_the_layers_that_exist(tmp_path):
    message = error_for(tmp_path, {"warehous": {"enabled": True}})
    assert "warehous (line 3): unknown key; did you mean 'warehouse'?" in message
    assert "network" in message and "labeling" in message


def test_typo_in_a_nested_key(tmp_path):
    message = error_for(tmp_path, {"network": {"nat_gateway": 1}})
    assert "network.nat_gateway" in message and "did you mean 'nat_gateways'?" in message


def test_storage_and_catalog_cannot_be_switched_off(tmp_path):
    message = error_for(tmp_path, {"storage": {"enabled": False}})
    assert "storage.enabled" in message and "unknown key" in message


@pytest.mark.parametrize("prefix", ["My_Lake", "lake-", "a..b", "xn--lake"])
def test_bucket_prefix_that_makes_an_invalid_bucket_name(tmp_path, prefix):
    message = error_for(tmp_path, {"storage": {"bucket_prefix": prefix}})
    assert "would make an invalid bucket name" in message and repr(prefix) in message


def test_bucket_prefix_too_long_for_63_characters(tmp_path):
    message = error_for(tmp_path, {"storage": {"bucket_prefix": "a-rather-long-project-name"}})
    assert "is too long" in message and "S3 allows 63" in message


def test_a_known_region_lengthens_the_budget_exactly(tmp_path):
    # 'athena-results' (14) + account (12) + 'us-east-1' (9) + 3 hyphens = 38: 25 left for the prefix.
    load_config(path=write(tmp_path, {"region": "us-east-1", "storage": {"bucket_prefix": "a" * 25}}))
    message = error_for(tmp_path, {"region": "us-east-1", "storage": {"bucket_prefix": "a" * 26}})
    assert "shorten it by 1" in message


def test_lifecycle_days_out_of_order(tmp_path):
    lifecycle = {"raw": {"infrequent_access_after_days": 90, "glacier_after_days": 60}}
    message = error_for(tmp_path, {"storage": {"lifecycle": lifecycle}})
    assert "storage.lifecycle.raw" in message
    assert "glacier_after_days (60) must be greater than infrequent_access_after_days (90)" in message


def test_infrequent_access_sooner_than_s3_allows(tmp_path):
    message = error_for(tmp_path, {"storage": {"lifecycle": {"curated": {"infrequent_access_after_days": 7}}}})
    assert "storage.lifecycle.curated.infrequent_access_after_days" in message and "given 7" in message


def test_log_retention_must_be_one_cloudwatch_accepts(tmp_path):
    message = error_for(tmp_path, {"network": {"flow_log_retention_days": 100}})
    assert "network.flow_log_retention_days" in message and "given 100" in message and "365" in message


def test_unknown_interface_endpoint(tmp_path):
    message = error_for(tmp_path, {"network": {"interface_endpoints": ["glue", "s4"]}})
    assert "network.interface_endpoints[1]" in message and "'s4'" in message and "'athena'" in message


def test_every_problem_is_listed_at_once(tmp_path):
    message = error_for(tmp_path, {"network": {"az_count": 9, "cidr": "nope"}})
    assert "2 invalid values" in message


def test_a_falsy_value_is_kept_not_replaced_by_the_default(tmp_path):
    config = load_config(path=write(tmp_path, {"network": {"enabled": False, "nat_gateways": 0}}))
    assert config.network.enabled is False and config.network.nat_gateways == 0


def test_broken_yaml_names_the_line(tmp_path):
    message = error_for(tmp_path, "project: mlake\nnetwork: {cidr: [\n")
    assert "not valid YAML at line" in message


def test_a_list_at_the_top_level(tmp_path):
    assert "the top level must be a mapping" in error_for(tmp_path, "- a\n- b\n")


def test_unknown_environment_lists_the_known_ones():
    with pytest.raises(
        ConfigError, match=rf"unknown environment 'staging'.*known environments: {environment_names()[0]}"
    ):
        load_config("staging")


def test_schema_json_and_the_config_reference_are_up_to_date():
    assert SCHEMA_FILE.read_text() == render(), "config/schema.json is stale: run `make schema`"
    assert REFERENCE_FILE.read_text() == render_reference(), "docs/config.md is stale: run `make schema`"


def test_synth_with_a_bad_config_exits_non_zero_with_the_message_and_no_traceback(tmp_path):
    path = write(tmp_path, {"network": {"az_count": 9}})
    result = run_app(str(path), tmp_path / "out")
    assert result.returncode == 2
    assert f"config error: {path}" in result.stderr and "network.az_count" in result.stderr
    assert "Traceback" not in result.stderr
