"""Governance config: the default mode, what each setting requires, and references checked against
the datasets, each refused with the field and what is allowed."""

import pytest

from config.models.governance import GovernanceConfig

from .test_loader import error_for

DATASETS = {
    "datasets": [
        {"name": "dogs", "format": "csv", "columns": [{"name": "height"}, {"name": "breed"}], "label": "breed"},
    ]
}


def governance_error(tmp_path, governance: dict) -> str:
    return error_for(tmp_path, {"catalog": DATASETS, "governance": governance})


def test_the_default_is_iam_without_account_wide_changes():
    config = GovernanceConfig()
    assert config.mode == "iam"
    assert not config.governed and not config.enforced
    assert config.catalog_encryption.managed is False
    assert config.revoke_iam_allowed_principals is False


def test_enforced_only_in_lake_formation_with_revocation():
    assert GovernanceConfig(mode="lake_formation", revoke_iam_allowed_principals=True).enforced
    assert not GovernanceConfig(mode="lake_formation").enforced
    assert GovernanceConfig(mode="hybrid").governed


@pytest.mark.parametrize("mode", ["iam", "hybrid"])
def test_revoking_iam_allowed_principals_needs_lake_formation(tmp_path, mode):
    message = governance_error(tmp_path, {"mode": mode, "revoke_iam_allowed_principals": True})
    assert "governance" in message and "needs mode lake_formation" in message


def test_an_unknown_mode_names_the_allowed_ones(tmp_path):
    message = governance_error(tmp_path, {"mode": "lakeformation"})
    assert "governance.mode" in message and "'iam'" in message and "'hybrid'" in message


def test_a_classification_of_an_unknown_dataset_is_refused(tmp_path):
    message = governance_error(tmp_path, {"classifications": {"cats": "secret"}})
    assert "unknown datasets: cats" in message


def test_a_data_filter_names_a_dataset_and_its_columns(tmp_path):
    consumer = {"name": "a", "principal_arn": "arn:aws:iam::111122223333:role/a"}
    message = governance_error(
        tmp_path, {"consumers": [{**consumer, "data_filters": [{"name": "f", "dataset": "cats"}]}]}
    )
    assert "data_filters[f]: no dataset 'cats'" in message
    message = governance_error(
        tmp_path,
        {"consumers": [{**consumer, "data_filters": [{"name": "f", "dataset": "dogs", "columns": ["weight"]}]}]},
    )
    assert "dogs has no column weight" in message


def test_a_data_filter_takes_columns_or_excluded_columns(tmp_path):
    consumer = {"name": "a", "principal_arn": "arn:aws:iam::111122223333:role/a"}
    data_filter = {"name": "f", "dataset": "dogs", "columns": ["breed"], "excluded_columns": ["height"]}
    message = governance_error(tmp_path, {"consumers": [{**consumer, "data_filters": [data_filter]}]})
    assert "either columns or excluded_columns" in message


def test_the_platform_tag_keys_are_reserved(tmp_path):
    message = governance_error(tmp_path, {"lf_tags": {"zone": ["x"]}})
    assert "'zone' is the platform's own" in message


def test_admins_and_consumers_are_iam_principal_arns(tmp_path):
    assert "not an IAM role or user ARN" in governance_error(tmp_path, {"admins": ["arn:aws:s3:::bucket"]})
    message = governance_error(tmp_path, {"consumers": [{"name": "a", "principal_arn": "role/a"}]})
    assert "principal_arn" in message


def test_a_consumer_reads_only_classifications_that_exist(tmp_path):
    consumer = {"name": "a", "principal_arn": "arn:aws:iam::111122223333:role/a", "classifications": ["secret"]}
    message = governance_error(tmp_path, {"consumers": [consumer]})
    assert "no dataset is classified secret; known: internal" in message


def test_a_governed_etl_step_without_nat_needs_the_lake_formation_endpoint(tmp_path):
    from config.models.processing import ENDPOINTS_WITHOUT_NAT

    network = {"enabled": True, "nat_gateways": 0, "interface_endpoints": list(ENDPOINTS_WITHOUT_NAT)}
    processing = {"enabled": True, "example_steps": {"etl_dataset": "dogs"}}
    data = {"catalog": DATASETS, "network": network, "processing": processing, "governance": {"mode": "hybrid"}}
    assert "network.interface_endpoints too: lakeformation" in error_for(tmp_path, data)
