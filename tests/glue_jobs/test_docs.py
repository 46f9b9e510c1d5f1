"""docs/etl.md says exactly what the job does: its tables are read here and checked against the code.

The type table's examples are run through the job's own normalizing and typing; the formats, the
rules, the Apache log fields, the boolean tokens and the session settings are compared with the
constants the job uses. A change to either side without the other fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from glue_jobs.lake_etl.job import SPARK_SETTINGS
from glue_jobs.lake_etl.readers import APACHE_FIELDS, raw_value
from glue_jobs.lake_etl.rules import FALSE_TOKENS, REASONS, TRUE_TOKENS, normalized, trimmed, typed
from glue_jobs.lake_etl.spec import FORMATS, Column, Dataset

DOC = (Path(__file__).resolve().parents[2] / "docs" / "etl.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n#", start + len(title))
    return DOC[start : None if end < 0 else end]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in `text`, as lists of cells."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_the_formats_table_lists_every_format_the_job_reads():
    rows = table_rows(section("### Reading, by format"))
    documented = {re.match(r"`(\w+)`", row[0])[1] for row in rows[1:]}
    assert documented == set(FORMATS)


def test_the_rules_table_is_the_order_rows_are_judged_in():
    rows = table_rows(section("## Quarantine: one reason per row"))
    assert [row[1].strip("`") for row in rows[1:]] == list(REASONS)


def test_the_apache_fields_are_the_readers():
    match = re.search(r"Apache log field:\s*`([^`]+)`", section("### Reading, by format"))
    assert tuple(name.strip() for name in match[1].replace("\n", " ").split(",")) == APACHE_FIELDS


def test_boolean_tokens_and_session_settings():
    typing = section("### Normalizing and typing")
    assert f"`{' '.join(TRUE_TOKENS)}` / `{' '.join(FALSE_TOKENS)}`" in typing
    for key in ("spark.sql.ansi.enabled", "spark.sql.legacy.timeParserPolicy"):
        assert f"`{key}={SPARK_SETTINGS[key]}`" in typing


def type_examples() -> list[tuple[str, str, str]]:
    """(type, input, expected) of every `input` -> expected in the type table's examples column."""
    examples = []
    for row in table_rows(section("### Normalizing and typing"))[1:]:
        kinds = re.findall(r"`([^`]+)`", row[0])
        for given, expected in re.findall(r"`([^`]*)` -> ([^;]+)", row[2]):
            for kind in kinds:
                examples.append((kind.replace("decimal(p,s)", "decimal(20,2)"), given, expected.strip()))
    return examples


def test_the_type_table_examples_are_what_typing_does(spark):
    examples = type_examples()
    assert len(examples) >= 20 and {kind for kind, _, _ in examples} >= {"int", "double", "date", "timestamp"}
    for key, value in SPARK_SETTINGS.items():
        spark.conf.set(key, value)
    columns = tuple(Column(name=f"c{i}", source=f"c{i}", type=kind) for i, (kind, _, _) in enumerate(examples))
    dataset = Dataset(name="doc", format="csv", columns=columns)
    row = spark.createDataFrame(
        [tuple(given for _, given, _ in examples)], [raw_value(i) for i in range(len(examples))]
    ).select(
        *[normalized(dataset, trimmed(i)).alias(f"n{i}") for i in range(len(examples))],
        *[typed(c, normalized(dataset, trimmed(i))).alias(f"t{i}") for i, c in enumerate(columns)],
    )
    values = row.select([F.col(c).cast("string") for c in row.columns]).first()
    wrong = []
    for i, (kind, given, expected) in enumerate(examples):
        present, result = values[f"n{i}"], values[f"t{i}"]
        actual = "type_mismatch" if present is not None and result is None else result
        if actual != expected:
            wrong.append(f"{kind} `{given}`: docs say {expected}, the job gives {actual}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("option", ["multiline", "encoding", "row_tag", "@name", "__order"])
def test_reading_options_are_documented(option):
    assert f"`{option}" in section("### Reading, by format")
