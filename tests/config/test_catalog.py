"""ETL job settings of the catalog config: what a user may write, and what each mistake tells them."""

import pytest

from config import load_config

from .test_loader import error_for, write

DATASET = {"name": "events", "format": "csv", "columns": [{"name": "id", "type": "int"}]}


def catalog(**etl) -> dict:
    return {"catalog": {"datasets": [DATASET], "etl": etl}}


def test_defaults_size_the_smallest_useful_job(tmp_path):
    config = load_config(path=write(tmp_path, {"catalog": {"datasets": [DATASET]}}))
    settings = config.catalog.job_settings("events")
    assert (settings.worker_type, settings.number_of_workers, settings.timeout_minutes, settings.max_retries) == (
        "G.1X",
        2,
        60,
        1,
    )
    assert config.catalog.etl.log_retention_days == 30


def test_a_dataset_override_replaces_only_what_it_sets(tmp_path):
    data = catalog(worker_type="G.2X", number_of_workers=4, datasets={"events": {"number_of_workers": 8}})
    settings = load_config(path=write(tmp_path, data)).catalog.job_settings("events")
    assert (settings.worker_type, settings.number_of_workers) == ("G.2X", 8)


def test_a_zero_override_is_kept_not_replaced_by_the_catalog_value(tmp_path):
    data = catalog(max_retries=3, datasets={"events": {"max_retries": 0}})
    assert load_config(path=write(tmp_path, data)).catalog.job_settings("events").max_retries == 0


def test_an_override_for_an_undeclared_dataset(tmp_path):
    message = error_for(tmp_path, catalog(datasets={"evnets": {"number_of_workers": 4}}))
    assert "catalog" in message and "evnets" in message and "declared: events" in message


def test_an_unknown_worker_type(tmp_path):
    message = error_for(tmp_path, catalog(worker_type="G.3X"))
    assert "catalog.etl.worker_type" in message and "'G.3X'" in message and "'G.1X'" in message


@pytest.mark.parametrize(
    ("field", "value", "bound"), [("number_of_workers", 1, "2"), ("timeout_minutes", 2881, "2880")]
)
def test_sizes_glue_does_not_accept(tmp_path, field, value, bound):
    message = error_for(tmp_path, catalog(**{field: value}))
    assert f"catalog.etl.{field}" in message and bound in message


def test_log_retention_must_be_one_cloudwatch_accepts(tmp_path):
    message = error_for(tmp_path, catalog(log_retention_days=10))
    assert "catalog.etl.log_retention_days" in message and "14" in message


def test_two_datasets_whose_raw_prefixes_end_in_the_same_folder(tmp_path):
    datasets = [
        {**DATASET, "name": "eu_orders", "raw_prefix": "eu/orders/"},
        {**DATASET, "name": "us_orders", "raw_prefix": "us/Orders/"},
    ]
    message = error_for(tmp_path, {"catalog": {"datasets": datasets}})
    assert "eu_orders, us_orders -> orders" in message and "raw_prefix" in message


def test_the_raw_table_is_named_after_the_last_folder_as_a_crawler_names_it(tmp_path):
    dataset = {**DATASET, "raw_prefix": "landing/Web-Events/"}
    config = load_config(path=write(tmp_path, {"catalog": {"datasets": [dataset]}}))
    assert config.catalog.dataset("events").raw_table == "web_events"


def test_a_csv_encoding_is_one_both_spark_and_python_read_and_applies_to_csv_only(tmp_path):
    message = error_for(tmp_path, {"catalog": {"datasets": [{**DATASET, "options": {"encoding": "latin1"}}]}})
    assert "catalog.datasets[0].options.encoding" in message and "windows-1252" in message
    json_dataset = {**DATASET, "format": "json", "options": {"encoding": "ISO-8859-1"}}
    message = error_for(tmp_path, {"catalog": {"datasets": [json_dataset]}})
    assert "options.encoding applies to csv only" in message
    exported = {**DATASET, "options": {"encoding": "windows-1252"}}
    config = load_config(path=write(tmp_path, {"catalog": {"datasets": [exported]}}))
    assert config.catalog.dataset("events").options.encoding == "windows-1252"
