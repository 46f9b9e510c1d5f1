"""The ML-readiness thresholds of a dataset: defaults shared with the job, bad values named."""

from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config
from config.models.catalog import DatasetSpec, MlReadinessThresholds
from glue_jobs.lake_etl.spec import DEFAULT_ML_THRESHOLDS, parse_dataset

DATASET = {"name": "houses", "format": "csv", "columns": [{"name": "price", "type": "double"}]}


def write(tmp_path: Path, readiness: dict) -> Path:
    path = tmp_path / "test.yaml"
    config = {
        "project": "mlake",
        "environment": "test",
        "catalog": {"datasets": [{**DATASET, "ml_readiness": readiness}]},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_the_job_and_the_config_share_defaults():
    assert MlReadinessThresholds().model_dump() == DEFAULT_ML_THRESHOLDS


def test_thresholds_reach_the_job_through_the_spec_json():
    spec = DatasetSpec.model_validate({**DATASET, "ml_readiness": {"min_rows": 1000, "min_minority_share": 0.3}})
    thresholds = parse_dataset(spec.model_dump_json()).ml_thresholds
    assert thresholds == {**DEFAULT_ML_THRESHOLDS, "min_rows": 1000, "min_minority_share": 0.3}
    # --ml_thresholds overrides the config, key by key.
    assert parse_dataset(spec.model_dump_json(), '{"min_rows": 5}').ml_thresholds["min_rows"] == 5


@pytest.mark.parametrize(
    ("readiness", "expected"),
    [
        ({"max_missing_share": 1.5}, "less than or equal to 1"),
        ({"min_rows": -1}, "greater than or equal to 0"),
        ({"min_rows_per_featur": 10}, "unknown key; did you mean 'min_rows_per_feature'?"),
    ],
)
def test_invalid_thresholds(tmp_path, readiness, expected):
    path = write(tmp_path, readiness)
    with pytest.raises(ConfigError) as caught:
        load_config(path=path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "catalog.datasets[0].ml_readiness." in message
    assert expected in message
