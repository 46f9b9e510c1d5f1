"""The saved queries derived from dataset declarations: which ones a dataset gets, and their SQL."""

from config.models.catalog import DatasetSpec
from lake_constructs.dataset_queries import is_census_like, saved_queries


def dataset(name: str, columns: list[dict], label: str | None = None) -> DatasetSpec:
    return DatasetSpec.model_validate({"name": name, "format": "csv", "columns": columns, "label": label})


CENSUS_COLUMNS = [{"name": "age", "type": "int"}, {"name": "sex", "type": "string"}]


def test_a_dataset_without_a_label_gets_a_preview_only():
    (query,) = saved_queries("db", [dataset("logs", [{"name": "line"}])], preview_rows=25)
    assert query.name == "logs: preview"
    assert query.sql == 'SELECT *\nFROM "db"."logs"\nLIMIT 25;'


def test_a_class_label_gets_its_balance():
    queries = saved_queries("db", [dataset("mail", [{"name": "spam", "type": "boolean"}], label="spam")], 10)
    balance = queries[1]
    assert balance.name == "mail: class balance"
    assert 'GROUP BY "spam"' in balance.sql and "SUM(COUNT(*)) OVER ()" in balance.sql


def test_a_continuous_label_gets_its_distribution_instead():
    for label_type in ("double", "decimal(12,2)"):
        queries = saved_queries("db", [dataset("houses", [{"name": "price", "type": label_type}], label="price")], 10)
        assert queries[1].name == "houses: label distribution"
        assert "APPROX_PERCENTILE" in queries[1].sql and "GROUP BY" not in queries[1].sql


def test_the_census_example_is_chosen_by_its_columns_not_its_name():
    assert is_census_like(dataset("people_1994", CENSUS_COLUMNS))
    assert not is_census_like(dataset("adult_census", [{"name": "age", "type": "int"}]))
    assert not is_census_like(dataset("odd", [{"name": "age", "type": "string"}, {"name": "sex"}]))
    names = [q.name for q in saved_queries("db", [dataset("people_1994", CENSUS_COLUMNS)], 10)]
    assert names == ["people_1994: preview", "people_1994: men over 39"]
