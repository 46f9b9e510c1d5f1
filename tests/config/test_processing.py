"""Processing config: an impossible release/application pair, or a cluster the rest of the config cannot
host, names what was given and what is allowed, before anything is built."""

import pytest

from config import load_config
from config.models.processing import DEFAULT_APPLICATIONS, DEFAULT_RELEASE, ProcessingConfig, unavailable_reason

from .test_loader import error_for, write

# A network a private EMR cluster can start in: NAT, so no interface endpoints are required.
NETWORK = {"enabled": True, "nat_gateways": 1}
DATASETS = {
    "datasets": [
        {"name": "dogs", "format": "csv", "columns": [{"name": "height"}, {"name": "breed"}], "label": "breed"},
        {"name": "logs", "format": "apache_log", "columns": [{"name": "path"}]},
    ]
}


def processing_error(tmp_path, processing: dict, **rest) -> str:
    return error_for(tmp_path, {"network": NETWORK, "processing": {"enabled": True, **processing}, **rest})


def test_the_default_is_the_last_release_with_every_application_of_the_course():
    config = ProcessingConfig()
    assert config.release_label == DEFAULT_RELEASE == "emr-7.2.0"
    assert config.applications == list(DEFAULT_APPLICATIONS)
    assert set(DEFAULT_APPLICATIONS) == {
        "Hadoop",
        "Spark",
        "Hive",
        "Presto",
        "TensorFlow",
        "MXNet",
        "JupyterHub",
        "Livy",
    }
    assert all(unavailable_reason(name, "emr-7.2.0") is None for name in DEFAULT_APPLICATIONS)


def test_mxnet_on_a_later_release_names_the_last_release_that_has_it(tmp_path):
    message = processing_error(tmp_path, {"release_label": "emr-7.5.0"})
    assert "processing" in message and "release_label emr-7.5.0" in message
    assert "MXNet is not shipped after emr-7.2.0" in message and "use emr-7.2.0 or drop MXNet" in message


def test_a_later_release_without_mxnet_is_accepted(tmp_path):
    applications = [name for name in DEFAULT_APPLICATIONS if name != "MXNet"]
    config = load_config(
        path=write(
            tmp_path,
            {
                "network": NETWORK,
                "processing": {"enabled": True, "release_label": "emr-7.10.0", "applications": applications},
            },
        )
    )
    assert config.processing.release_label == "emr-7.10.0"


def test_mxnet_is_in_every_6x_release_from_the_supported_start():
    assert unavailable_reason("MXNet", "emr-6.4.0") is None
    assert unavailable_reason("MXNet", "emr-6.15.0") is None


def test_an_application_retired_with_a_line_names_the_last_release_that_has_it(tmp_path):
    message = processing_error(tmp_path, {"release_label": "emr-7.2.0", "applications": ["Spark", "Ganglia"]})
    assert "Ganglia is not shipped in the EMR 7.x line; the last release that has it is emr-6.15.0" in message


def test_an_application_newer_than_the_release(tmp_path):
    message = processing_error(tmp_path, {"release_label": "emr-6.6.0", "applications": ["Spark", "Delta"]})
    assert "Delta is shipped from emr-6.9.0 on, not in emr-6.6.0" in message


def test_every_impossible_application_is_listed_at_once(tmp_path):
    message = processing_error(tmp_path, {"release_label": "emr-7.3.0", "applications": ["MXNet", "Ganglia"]})
    assert "MXNet is not shipped after emr-7.2.0" in message and "Ganglia is not shipped in the EMR 7.x line" in message


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("emr-5.36.2", "EMR 5.x is not supported; supported release lines: 6.x (from emr-6.4.0) and 7.x"),
        ("emr-6.3.0", "the 6.x line is supported from emr-6.4.0"),
        ("7.2.0", "'7.2.0' is not a release label like 'emr-7.2.0'"),
    ],
)
def test_unsupported_or_malformed_release_labels(tmp_path, label, expected):
    message = processing_error(tmp_path, {"release_label": label, "applications": ["Spark"]})
    assert "processing.release_label" in message and expected in message


def test_unknown_application_lists_the_known_ones(tmp_path):
    message = processing_error(tmp_path, {"applications": ["Spark", "Sparkle"]})
    assert "processing.applications[1]" in message and "'Sparkle'" in message and "'TensorFlow'" in message


def test_presto_and_trino_together(tmp_path):
    message = processing_error(tmp_path, {"applications": ["Spark", "Presto", "Trino"]})
    assert "Presto and Trino cannot be installed on the same cluster" in message


def test_repeated_application(tmp_path):
    assert "listed more than once: Spark" in processing_error(tmp_path, {"applications": ["Spark", "Spark"]})


def test_primary_group_is_one_or_three_instances(tmp_path):
    message = processing_error(tmp_path, {"primary": {"count": 2}})
    assert "primary.count must be 1, or 3 for high availability; given 2" in message


def test_managed_scaling_limits_out_of_order(tmp_path):
    message = processing_error(tmp_path, {"managed_scaling": {"minimum_units": 5, "maximum_units": 2}})
    assert "processing.managed_scaling" in message
    assert "maximum_units (2) must be at least minimum_units (5)" in message


def test_core_count_outside_the_scaling_limits(tmp_path):
    message = processing_error(tmp_path, {"core": {"count": 6}, "managed_scaling": {"maximum_units": 4}})
    assert "core.count (6) must lie within the managed scaling limits (1 to 4 core instances)" in message


def test_fixed_size_cluster_without_managed_scaling(tmp_path):
    config = load_config(
        path=write(
            tmp_path,
            {"network": NETWORK, "processing": {"enabled": True, "managed_scaling": None, "core": {"count": 8}}},
        )
    )
    assert config.processing.managed_scaling is None and config.processing.core.count == 8


def test_idle_timeout_bounds(tmp_path):
    message = processing_error(tmp_path, {"idle_timeout_minutes": 0})
    assert "processing.idle_timeout_minutes" in message and "given 0" in message


def test_certificates_must_be_a_zip_in_s3(tmp_path):
    message = processing_error(tmp_path, {"in_transit_certificates": "/tmp/certs.zip"})
    assert "processing.in_transit_certificates" in message and "'s3://<bucket>/<key>.zip'" in message


def test_processing_needs_the_network_layer(tmp_path):
    message = error_for(tmp_path, {"processing": {"enabled": True}})
    assert "processing needs network.enabled: true" in message


def test_private_subnets_without_nat_need_the_clusters_endpoints(tmp_path):
    network = {"enabled": True, "nat_gateways": 0, "interface_endpoints": ["glue", "kms", "logs", "sts"]}
    message = error_for(tmp_path, {"network": network, "processing": {"enabled": True}})
    assert "needs these network.interface_endpoints too: elasticmapreduce, ec2messages, ssm, ssmmessages" in message


def test_example_steps_name_a_declared_dataset(tmp_path):
    message = processing_error(tmp_path, {"example_steps": {"etl_dataset": "cats"}}, catalog=DATASETS)
    assert "processing.example_steps.etl_dataset 'cats' is not a catalog dataset; declared: dogs, logs" in message


def test_training_needs_a_labeled_dataset(tmp_path):
    message = processing_error(tmp_path, {"example_steps": {"training_dataset": "logs"}}, catalog=DATASETS)
    assert "'logs' has no label to learn; labeled datasets: dogs" in message


def test_a_switched_off_layer_is_not_checked_against_the_rest(tmp_path):
    config = load_config(
        path=write(tmp_path, {"processing": {"enabled": False, "example_steps": {"etl_dataset": "x"}}})
    )
    assert config.processing.enabled is False


@pytest.mark.parametrize("label", ["emr-7.0.0", "emr-6.15.0"])
def test_the_etl_example_step_needs_a_release_that_ships_python_3_11(tmp_path, label):
    applications = ["Hadoop", "Spark"]
    message = processing_error(
        tmp_path,
        {"release_label": label, "applications": applications, "example_steps": {"etl_dataset": "dogs"}},
        catalog=DATASETS,
    )
    assert f"release_label {label}" in message and "Python 3.11" in message and "emr-7.1.0" in message
