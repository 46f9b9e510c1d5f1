"""The ML-readiness profile: the course's traits of good data, measured on the curated rows."""

import pytest

from glue_jobs.lake_etl.profile import ml_profile
from glue_jobs.lake_etl.spec import DEFAULT_ML_THRESHOLDS, SpecError, parse_dataset

SPAM = {
    "name": "spam_emails",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "int", "required": True},
        {"name": "from_domain"},
        {"name": "body"},
        {"name": "spam", "type": "boolean", "required": True},
    ],
    "primary_key": ["id"],
    "label": "spam",
}


def emails(spam_every: int, rows: int = 120) -> str:
    lines = ["id,from_domain,body,spam"]
    lines += [f"{i},d{i % 7}.com,body {i},{'T' if i % spam_every == 0 else 'F'}" for i in range(1, rows + 1)]
    return "\n".join(lines) + "\n"


def test_balanced_label_is_ml_ready(lake):
    done = lake.run(SPAM, {"emails.csv": emails(spam_every=2)})
    profile = done.profile
    assert profile["ml_ready"] is True, profile["reasons"]
    assert profile["row_count"] == 120 and profile["feature_count"] == 2 and profile["rows_per_feature"] == 60
    assert profile["features"] == ["from_domain", "body"]  # the id and the label are not features
    assert profile["label"] == {
        "name": "spam",
        "kind": "categorical",
        "classes": {"false": 60, "true": 60},
        "minority_class": "false",
        "minority_share": 0.5,
    }
    assert profile["missing_share"]["body"] == 0.0
    assert profile["thresholds"] == DEFAULT_ML_THRESHOLDS


def test_imbalanced_label_is_not_ml_ready(lake):
    done = lake.run(SPAM, {"emails.csv": emails(spam_every=40)})
    profile = done.profile
    assert profile["label"]["classes"] == {"false": 117, "true": 3}
    assert profile["label"]["minority_class"] == "true"
    assert profile["label"]["minority_share"] == pytest.approx(0.025)
    assert profile["ml_ready"] is False
    assert profile["reasons"] == [
        "label spam is imbalanced: class 'true' is 2.5% of labelled rows; at least 10% expected"
    ]
    # The same data passes when the dataset's owner accepts a rarer class (a dataset of its own: a
    # raw file is curated once, so the same table would see no new rows).
    relaxed_spec = {**SPAM, "name": SPAM["name"] + "_relaxed"}
    relaxed = lake.run(relaxed_spec, {"emails.csv": emails(spam_every=40)}, ml_thresholds={"min_minority_share": 0.02})
    assert relaxed.profile["ml_ready"] is True


def test_a_run_with_no_curated_rows_profiles_its_label(lake):
    """Every row quarantined: the boolean label's known classes both count 0, and the run completes."""
    done = lake.run(SPAM, {"emails.csv": "id,from_domain,body,spam\nx,a.com,hi,T\n2,b.com,yo,maybe\n"})
    assert done.report["rows_curated"] == 0 and done.report["rows_quarantined"] == 2
    assert done.profile["label"]["classes"] == {"false": 0, "true": 0}
    assert done.profile["ml_ready"] is False


def test_duplicate_rows_missing_values_and_size():
    dataset = parse_dataset(
        '{"name": "d", "format": "csv", "columns": [{"name": "a"}, {"name": "b"}, {"name": "y", "type": "double"}],'
        ' "label": "y", "ml_readiness": {"max_missing_share": 0.5}}'
    )
    profile = ml_profile(dataset, rows=15, missing={"a": 9, "b": 0, "y": 0}, distinct_rows=12, label_counts={})
    assert profile["label"] == {"name": "y", "kind": "continuous"}
    assert profile["duplicate_share"] == pytest.approx(0.2)
    assert profile["rows_per_feature"] == 7.5
    assert profile["reasons"] == [
        "15 rows; at least 100 expected",
        "7.5 rows per feature (15 rows, 2 features); at least 10 expected",
        "column a is missing in 60.0% of rows; at most 50%",
        "20.0% duplicate rows; at most 5%",
    ]


def test_single_class_label():
    dataset = parse_dataset(
        '{"name": "d", "format": "csv", "columns": [{"name": "a"}, {"name": "y", "type": "boolean"}], "label": "y"}'
    )
    profile = ml_profile(dataset, rows=500, missing={"a": 0, "y": 0}, distinct_rows=500, label_counts={"true": 500})
    assert profile["reasons"] == ["label y has 1 class(es); a classifier needs at least 2"]


@pytest.mark.parametrize(
    ("rows", "missing", "reason"),
    [
        (0, 0, "0 rows; at least 100 expected"),
        (500, 500, "label y is missing in every row"),
    ],
)
def test_a_label_without_labelled_rows(rows, missing, reason):
    """Known classes (a boolean label) all counted 0: no curated rows, or every label missing."""
    dataset = parse_dataset(
        '{"name": "d", "format": "csv", "columns": [{"name": "a"}, {"name": "y", "type": "boolean"}], "label": "y"}'
    )
    counts = {"false": 0, "true": 0}
    profile = ml_profile(dataset, rows, {"a": 0, "y": missing}, distinct_rows=rows, label_counts=counts)
    assert profile["label"]["minority_class"] is None and profile["label"]["minority_share"] == 0.0
    assert reason in profile["reasons"] and profile["ml_ready"] is False


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("{not json", "--ml_thresholds is not valid JSON"),
        ('{"min_rowz": 5}', "unknown key(s) min_rowz; known: min_rows"),
        ('{"min_rows": "many"}', "min_rows must be a number, given 'many'"),
    ],
)
def test_bad_threshold_override(override, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_dataset('{"name": "d", "format": "csv", "columns": [{"name": "a"}]}', override)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("[]", "must be a JSON object"),
        ('{"name": "d", "format": "parquet", "columns": [{"name": "a"}]}', "format 'parquet' is not one of"),
        ('{"name": "d", "format": "json", "options": {"json_root": "$..x"}, "columns": [{"name": "a"}]}', "json_root"),
        ('{"name": "d", "format": "csv"}', "missing or has a malformed field"),
    ],
)
def test_bad_dataset_spec(spec, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        parse_dataset(spec)
