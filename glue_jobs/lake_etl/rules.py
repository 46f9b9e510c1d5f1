"""Normalize raw strings into typed values and give each row the first rule it breaks, if any.

Everything here is built from Spark's own functions (no Python UDF), so it runs inside the JVM in the
same pass as the read. A row is checked against the rules in this order, and is quarantined with the
first one that fails (`REASONS`); within one rule, columns are checked in declaration order:

1. parse_error       the record could not be read (malformed CSV line, not a JSON object, log line
                     that does not match the format, a document without the records array)
2. missing_required  a required or primary-key column is missing (absent, empty, or a null token)
3. type_mismatch     a value is present but is not a valid value of the column's type
4. out_of_range      a number is below `min` or above `max`
5. not_allowed       a value is not one of `allowed`
6. pattern_mismatch  a string does not match `pattern` (searched: anchor it with ^...$ for a full match)
7. duplicate_key     an earlier valid row has the same primary key (the first valid row is kept)
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from .readers import raw_value
from .spec import Column as ColumnSpec
from .spec import Dataset

REASONS = (
    "parse_error",
    "missing_required",
    "type_mismatch",
    "out_of_range",
    "not_allowed",
    "pattern_mismatch",
    "duplicate_key",
)
TRUE_TOKENS = ("t", "true", "1", "yes", "y")
FALSE_TOKENS = ("f", "false", "0", "no", "n")
# Numbers may carry a currency sign and thousands separators: $125,000  -1,234.50  €12
INTEGER = r"^[-+]?[$€£]?(\d{1,3}(,\d{3})+|\d+)$"
NUMBER = r"^[-+]?[$€£]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?$"
NUMBER_DECORATIONS = r"[$€£,]"
WHITESPACE = " \t\r\n"


def normalized(dataset: Dataset, index: int) -> Column:
    """The raw string trimmed, with the dataset's null tokens turned into null."""
    trimmed = F.btrim(F.col(raw_value(index)), F.lit(WHITESPACE))
    if not dataset.null_values:
        return trimmed
    return F.when(~trimmed.isin(list(dataset.null_values)), trimmed)


def typed(column: ColumnSpec, value: Column) -> Column:
    """`value` (a normalized string) as the column's type; null when it is not a valid value of it."""
    kind = column.type
    if kind == "string":
        return value
    if kind in ("int", "bigint"):
        return F.when(value.rlike(INTEGER), F.regexp_replace(value, NUMBER_DECORATIONS, "").cast(kind))
    if kind == "double" or kind.startswith("decimal"):
        # Casts yield null on overflow (ANSI mode off, set by the job), which makes it a type_mismatch.
        return F.when(value.rlike(NUMBER), F.regexp_replace(value, NUMBER_DECORATIONS, "").cast(kind))
    if kind == "boolean":
        lowered = F.lower(value)
        return F.when(lowered.isin(*TRUE_TOKENS), F.lit(True)).when(lowered.isin(*FALSE_TOKENS), F.lit(False))
    if kind == "date":
        return F.to_date(value) if column.format is None else F.to_date(value, column.format)
    if kind == "timestamp":
        return F.to_timestamp(value) if column.format is None else F.to_timestamp(value, column.format)
    raise ValueError(f"unknown type {kind}")


def _checks(dataset: Dataset) -> list[tuple[str, str | None, Column]]:
    """(reason, column, failing condition) in the order rows are judged."""
    values = {c.name: F.col(f"__n{i}") for i, c in enumerate(dataset.columns)}
    results = {c.name: F.col(c.name) for c in dataset.columns}
    checks: list[tuple[str, str | None, Column]] = [("parse_error", None, F.col("__parse_error"))]
    for column in dataset.columns:
        if column.required or column.name in dataset.primary_key:
            checks.append(("missing_required", column.name, values[column.name].isNull()))
    for column in dataset.columns:
        if column.type != "string":
            checks.append(
                ("type_mismatch", column.name, values[column.name].isNotNull() & results[column.name].isNull())
            )
    for column in dataset.columns:
        if column.min is not None:
            checks.append(("out_of_range", column.name, results[column.name] < F.lit(column.min)))
        if column.max is not None:
            checks.append(("out_of_range", column.name, results[column.name] > F.lit(column.max)))
    for column in dataset.columns:
        if column.allowed is not None:
            checks.append(("not_allowed", column.name, ~results[column.name].isin(list(column.allowed))))
    for column in dataset.columns:
        if column.pattern is not None:
            checks.append(("pattern_mismatch", column.name, ~results[column.name].rlike(column.pattern)))
    return checks


def classify(dataset: Dataset, raw: DataFrame, raw_record: Column, file_uri: Column) -> DataFrame:
    """Typed columns plus `__reason`, `__column` (null when the row is curated), `raw_record`, `source_file`.

    One narrow pass, plus one shuffle when the dataset has a primary key (to find duplicates).
    """
    n = len(dataset.columns)
    normal = raw.select("*", *[normalized(dataset, i).alias(f"__n{i}") for i in range(n)])
    typed_df = normal.select(
        "*", *[typed(column, F.col(f"__n{i}")).alias(column.name) for i, column in enumerate(dataset.columns)]
    )
    verdict = F.coalesce(
        *[
            F.when(failed, F.struct(F.lit(reason).alias("reason"), F.lit(column).cast("string").alias("column")))
            for reason, column, failed in _checks(dataset)
        ],
        F.lit(None).cast("struct<reason:string,column:string>"),
    )
    # Only what the outputs need travels on (and through the duplicate-key shuffle).
    scratch = [f"__v{i}" for i in range(n)] + [f"__n{i}" for i in range(n)] + ["__parse_error"]
    judged = typed_df.select("*", verdict.alias("__verdict")).drop(*scratch)
    reason, column = F.col("__verdict.reason"), F.col("__verdict.column")
    if dataset.primary_key:
        judged = judged.withColumn("__row", F.monotonically_increasing_id())
        # Valid rows first, then in read order: the first valid row with a key keeps it.
        first = Window.partitionBy(*dataset.primary_key).orderBy(reason.isNotNull(), F.col("__row"))
        duplicate = reason.isNull() & (F.row_number().over(first) > 1)
        reason = F.when(duplicate, F.lit("duplicate_key")).otherwise(reason)
        column = F.when(duplicate, F.lit(",".join(dataset.primary_key))).otherwise(column)
    quarantined = reason.isNotNull()
    return judged.select(
        *[c.name for c in dataset.columns],
        reason.alias("__reason"),
        column.alias("__column"),
        F.when(quarantined, raw_record).alias("raw_record"),
        F.when(quarantined, file_uri).alias("source_file"),
    )
