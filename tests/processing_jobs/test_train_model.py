"""The training step's data preparation, on local Spark (TensorFlow itself runs only on the cluster)."""

import json

import pytest

from processing_jobs import train_model
from tests.fixtures import fixture_config

pyspark = pytest.importorskip("pyspark")


def spec(name: str) -> dict:
    """A dataset of the full fixture as the step receives it: the DatasetSpec as JSON, read back into plain Python."""
    return json.loads(fixture_config("full").catalog.dataset(name).model_dump_json())


def test_dog_breeds_is_a_classification_over_the_declared_breeds():
    plan = train_model.training_plan(spec("dog_breeds"))
    assert plan["task"] == "classification"
    assert plan["numeric"] == ["height_cm", "weight_kg"]
    assert plan["classes"] == ["beagle", "dachshund", "german_shepherd", "labrador", "poodle"]


def test_houses_price_is_a_regression_without_the_primary_key_as_a_feature():
    plan = train_model.training_plan(spec("houses"))
    assert plan["task"] == "regression"
    assert "house_id" not in plan["numeric"] and "square_feet" in plan["numeric"]


def test_census_one_hot_encodes_only_strings_with_allowed_values():
    plan = train_model.training_plan(spec("adult_census"))
    assert plan["one_hot"] == {"sex": ["Male", "Female"]}
    assert plan["classes"] == ["<=50K", ">50K"]


def test_a_dataset_without_label_or_features_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="no label"):
        train_model.training_plan(spec("access_logs"))
    with pytest.raises(ValueError, match="no feature to learn from"):
        train_model.training_plan(spec("characters"))


def test_prepare_types_the_features_indexes_the_classes_and_drops_incomplete_rows(spark):
    plan = train_model.training_plan(spec("dog_breeds"))
    frame = spark.createDataFrame(
        [
            (30.0, 9.5, "beagle", "2026-01-01"),
            (60.0, 30.0, "labrador", "2026-01-01"),
            (None, 5.0, "poodle", "2026-01-02"),
        ],
        "height_cm double, weight_kg double, breed string, ingest_date string",
    )
    x, y = train_model.to_arrays(train_model.prepare(frame, plan), max_rows=100)
    assert x.tolist() == [[30.0, 9.5], [60.0, 30.0]]
    assert y.tolist() == [0.0, 3.0]


def test_string_label_without_allowed_values_learns_the_classes_found(spark):
    plan = {"label": "kind", "numeric": ["size"], "one_hot": {}, "task": "classification", "classes": None}
    frame = spark.createDataFrame([(1, "b"), (2, "a"), (3, None)], "size int, kind string")
    x, y = train_model.to_arrays(train_model.prepare(frame, plan), max_rows=100)
    assert plan["classes"] == ["a", "b"]
    assert sorted(zip(x[:, 0].tolist(), y.tolist(), strict=True)) == [(1.0, 1.0), (2.0, 0.0)]


def test_arguments_follow_the_step_and_ignore_unknown_ones():
    args = train_model.parse_args(
        ["--dataset_spec", "{}", "--table", "glue_catalog.db.d", "--model_path", "s3://a/models/d/", "--extra", "x"]
    )
    assert (args.table, args.model_path, args.epochs, args.run_id) == (
        "glue_catalog.db.d",
        "s3://a/models/d/",
        20,
        None,
    )
    assert (args.snapshot_id, args.training_set) == (None, None)
