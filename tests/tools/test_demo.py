"""tools.demo: the second day's file of a keyed CSV dataset."""

import csv

from config.models.catalog import DatasetSpec
from tools.demo import next_day_file


def test_day_two_moves_the_keys_past_day_one_and_repeats_one_key(tmp_path):
    dataset = DatasetSpec.model_validate(
        {
            "name": "houses",
            "format": "csv",
            "columns": [{"name": "house_id", "source": "House ID", "type": "int"}, {"name": "city"}],
            "primary_key": ["house_id"],
        }
    )
    day1 = tmp_path / "day1"
    day1.mkdir()
    (day1 / "a.csv").write_text("city,House ID\nOslo,1\nBergen,3\nbroken\n", encoding="utf-8")
    path = next_day_file(dataset, day1, tmp_path / "day2")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["city", "House ID"], ["Oslo", "4"], ["Bergen", "6"], ["Oslo", "1"]]


def test_no_day_two_for_a_dataset_without_a_single_key(tmp_path):
    dataset = DatasetSpec.model_validate({"name": "logs", "format": "csv", "columns": [{"name": "line"}]})
    assert next_day_file(dataset, tmp_path, tmp_path / "day2") is None
