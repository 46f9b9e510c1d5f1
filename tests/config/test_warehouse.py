"""A bad warehouse setting names the field, the value given and what is allowed."""

import pytest

from config import load_config

from .test_loader import error_for, write

NETWORK = {"enabled": True, "interface_endpoints": ["glue", "redshift-data"]}


def warehouse(**settings) -> dict:
    return {"network": NETWORK, "warehouse": {"enabled": True, **settings}}


def test_defaults_are_a_two_node_ra3_cluster_without_a_schedule(tmp_path):
    config = load_config(path=write(tmp_path, warehouse()))
    assert (config.warehouse.node_type, config.warehouse.node_count) == ("ra3.large", 2)
    assert config.warehouse.port != 5439 and config.warehouse.pause_resume.enabled is False


def test_unknown_node_type(tmp_path):
    message = error_for(tmp_path, warehouse(node_type="dc2.large"))
    assert "warehouse.node_type" in message and "'dc2.large'" in message and "'ra3.xlplus'" in message


def test_a_single_node_is_refused(tmp_path):
    message = error_for(tmp_path, warehouse(node_count=1))
    assert "warehouse.node_count" in message and "given 1" in message and "greater than or equal to 2" in message


def test_more_nodes_than_the_type_allows(tmp_path):
    message = error_for(tmp_path, warehouse(node_type="ra3.large", node_count=20))
    assert "node_count (20) exceeds what a ra3.large cluster can be created with (16)" in message


def test_the_default_admin_name_is_refused(tmp_path):
    message = error_for(tmp_path, warehouse(admin_username="awsuser"))
    assert "warehouse.admin_username" in message and "'awsuser'" in message


@pytest.mark.parametrize("retention", [0, 36])
def test_snapshot_retention_out_of_range(tmp_path, retention):
    message = error_for(tmp_path, warehouse(automated_snapshot_retention_days=retention))
    assert "warehouse.automated_snapshot_retention_days" in message and f"given {retention}" in message


@pytest.mark.parametrize(
    ("window", "problem"),
    [("sunday 3am", "ddd:hh24:mi-ddd:hh24:mi"), ("sun:03:00-sun:03:10", "at least 30 minutes")],
)
def test_maintenance_window(tmp_path, window, problem):
    message = error_for(tmp_path, warehouse(maintenance_window=window))
    assert "warehouse.maintenance_window" in message and problem in message and repr(window) in message


def test_a_window_may_cross_midnight_at_the_end_of_the_week(tmp_path):
    config = load_config(path=write(tmp_path, warehouse(maintenance_window="sun:23:45-mon:00:15")))
    assert config.warehouse.maintenance_window == "sun:23:45-mon:00:15"


def test_schedule_must_be_redshift_cron(tmp_path):
    message = error_for(tmp_path, warehouse(pause_resume={"enabled": True, "pause": "0 19 * * 1-5"}))
    assert "warehouse.pause_resume.pause" in message and "cron(<minutes> <hours>" in message


def test_a_schema_name_must_be_a_plain_identifier(tmp_path):
    message = error_for(tmp_path, warehouse(external_schema="curated; DROP TABLE x"))
    assert "warehouse.external_schema" in message


def test_the_warehouse_needs_the_network(tmp_path):
    message = error_for(tmp_path, {"warehouse": {"enabled": True}})
    assert "warehouse.enabled needs network.enabled" in message


def test_the_warehouse_needs_the_redshift_data_endpoint(tmp_path):
    message = error_for(
        tmp_path, {"network": {"enabled": True, "interface_endpoints": ["glue"]}, "warehouse": {"enabled": True}}
    )
    assert "network.interface_endpoints to include redshift-data (given glue)" in message
    assert "warehouse (line 7)" in message


def test_without_nat_the_warehouse_needs_the_glue_endpoint_too(tmp_path):
    network = {"enabled": True, "interface_endpoints": ["redshift-data"]}
    message = error_for(tmp_path, {"network": network, "warehouse": {"enabled": True}})
    assert "to include glue (given redshift-data)" in message
    with_nat = {**network, "nat_gateways": 1}
    load_config(path=write(tmp_path, {"network": with_nat, "warehouse": {"enabled": True}}))


def test_a_switched_off_warehouse_needs_nothing(tmp_path):
    config = load_config(path=write(tmp_path, {"warehouse": {"enabled": False}}))
    assert config.warehouse.enabled is False
