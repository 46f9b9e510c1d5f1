"""Normalize raw strings into typed values and give each row the first rule it breaks, if any.

Everything here is built from Spark's own functions (no Python UDF), so it runs inside the JVM in the
same pass as the read. A row is checked against the rules in this order, and is quarantined with the
first one that fails (`REASONS`); within one rule, columns are checked in declaration order:

1. parse_error       the record could not be read (malformed CSV line, not a JSON object, log line
                     that does not match the format, a document without the records array), or a
                     value holds bytes its file's encoding cannot decode (read as U+FFFD)
2. missing_required  a required or primary-key column is missing (absent, empty or white space only,
                     or a null token)
3. type_mismatch     a value is present but is not a valid value of the column's type
4. out_of_range      a number is below `min` or above `max`
5. not_allowed       a value is not one of `allowed`
6. pattern_mismatch  a string does not match `pattern` (searched: anchor it with ^...$ for a full match)
7. duplicate_key     an earlier valid row has the same primary key (the first valid row in
                     (object key, record) order, `ORDER`, is kept)
"""

from __future__ import annotations

import functools
import operator

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .readers import ORDER, WHITESPACE, raw_value
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
# What a reader puts where bytes are not valid in the file's encoding (UTF-8 for CSV, JSON and logs):
# a value holding it was not read as written, so its record is a parse_error, never curated.
REPLACEMENT = "\ufffd"
TRUE_TOKENS = ("t", "true", "1", "yes", "y")
FALSE_TOKENS = ("f", "false", "0", "no", "n")
# Numbers may carry a currency sign and thousands separators, by the dataset's decimal separator:
# '.': $125,000  -1,234.50  €12        ',' (decimal_separator, as much of Europe writes): 125.000  -1.234,50  12,5
INTEGER = {".": r"^[-+]?[$€£]?(\d{1,3}(,\d{3})+|\d+)$", ",": r"^[-+]?[$€£]?(\d{1,3}(\.\d{3})+|\d+)$"}
NUMBER = {
    ".": r"^[-+]?[$€£]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?$",
    ",": r"^[-+]?[$€£]?(\d{1,3}(\.\d{3})+|\d+)?(,\d+)?([eE][-+]?\d+)?$",
}
# What translate (a character map, cheaper than a regex replace) strips, and turns into a point.
NUMBER_DECORATIONS = {".": ("$€£,", ""), ",": (",$€£.", ".")}
# The characters a value may hold to go straight to Spark's cast.
PLAIN_NUMBER_CHARS = {".": "0123456789.+-eE", ",": "0123456789+-eE"}
# Without a `format`, dates and timestamps are ISO 8601 and nothing else: the whole value must match
# (Spark's own cast also takes "2023", "2023-01" and "2023-01-05 anything").
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ISO_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
)


def trimmed(index: int) -> Column:
    """The raw string of the index-th declared column trimmed of white space (any Unicode space).

    Most values have nothing to trim, and trimming a set of characters copies the string: a value
    whose first and last characters are ASCII from '!' on is kept as it is (every white space
    character is below '!' or outside ASCII). Two byte-wise comparisons test the first character.
    """
    value = F.col(raw_value(index))
    last = F.substring(value, -1, 1)
    plain = (value >= "!") & (value < "\u0080") & (last >= "!") & (last < "\u0080")
    return F.when(plain, value).otherwise(F.btrim(value, F.lit(WHITESPACE)))


def normalized(dataset: Dataset, value: Column) -> Column:
    """A trimmed value, null when it is empty or one of the dataset's null tokens.

    `value` should be a column of its own (it is referenced three times): `classify` projects the
    trimmed strings first, so each value is trimmed once.
    """
    tokens = [token for token in dataset.null_values if token.strip(WHITESPACE)]
    present = value != ""
    if tokens:
        present = present & ~value.isin(tokens)
    return F.when(present, value)


def typed(column: ColumnSpec, value: Column, decimal: str = ".") -> Column:
    """`value` (a normalized string) as the column's type; null when it is not a valid value of it.

    `decimal`: the separator of a number's fraction, '.' or ',' (the thousands separator is the other).
    """
    kind = column.type
    if kind == "string":
        return value
    # Numbers: a plain cast first (most values are plain); the regular expressions that accept and
    # strip currency signs and thousands separators only run for values the cast refused. Casts yield
    # null on overflow (ANSI mode off, set by the job), which makes it a type_mismatch.
    if kind in ("int", "bigint"):
        plain = F.when(~value.contains("."), value.cast(kind))  # the cast would truncate 12.5 to 12 (1.000 to 1)
        decorated = F.when(value.rlike(INTEGER[decimal]), F.translate(value, *NUMBER_DECORATIONS[decimal]).cast(kind))
        return F.coalesce(plain, decorated)
    if kind == "double" or kind.startswith("decimal"):
        # Only digits, sign, point and exponent reach the plain cast (not NaN, Infinity, 0x1p3 or 1.5d).
        # A decimal is cast from the text itself (exact, rounded half-up to the scale), never via a double.
        plain = F.when(F.translate(value, PLAIN_NUMBER_CHARS[decimal], "") == "", value.cast(kind))
        decorated = F.when(value.rlike(NUMBER[decimal]), F.translate(value, *NUMBER_DECORATIONS[decimal]).cast(kind))
        number = F.coalesce(plain, decorated)
        if kind == "double":  # 1e400 casts to Infinity: a double must be finite
            return F.when(~F.isnan(number) & (F.abs(number) != F.lit(float("inf"))), number)
        return number
    if kind == "boolean":
        lowered = F.lower(value)
        return F.when(lowered.isin(*TRUE_TOKENS), F.lit(True)).when(lowered.isin(*FALSE_TOKENS), F.lit(False))
    if kind == "date":
        if column.format is not None:
            return F.to_date(value, column.format)
        return F.when(value.rlike(ISO_DATE), F.to_date(value))
    if kind == "timestamp":
        if column.format is not None:
            return F.to_timestamp(value, column.format)
        return F.when(value.rlike(ISO_TIMESTAMP), F.to_timestamp(F.translate(value, ",", ".")))
    raise ValueError(f"unknown type {kind}")


def checks(dataset: Dataset) -> list[tuple[str, str | None, Column]]:
    """(reason, column, failing condition) in the order rows are judged."""
    values = {c.name: F.col(f"__n{i}") for i, c in enumerate(dataset.columns)}
    results = {c.name: F.col(c.name) for c in dataset.columns}
    undecodable = [F.col(raw_value(i)).contains(REPLACEMENT) for i in range(len(dataset.columns))]
    unreadable = functools.reduce(operator.or_, undecodable, F.col("__parse_error"))
    checks: list[tuple[str, str | None, Column]] = [("parse_error", None, unreadable)]
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


def classify(dataset: Dataset, raw: DataFrame, raw_record: Column, source_file: Column) -> DataFrame:
    """Typed columns, `__reason` and `__column` of the first failing rule 1-6 (null: the row passed).

    Also `__raw` (the raw record, for rejected rows only), `__file` (the source file) and, when the
    dataset has a primary key, `__row` (the reader's `ORDER`, for `mark_duplicates`). One narrow pass.
    """
    n = len(dataset.columns)
    trimmed_df = raw.select("*", *[trimmed(i).alias(f"__t{i}") for i in range(n)])
    normal = trimmed_df.select("*", *[normalized(dataset, F.col(f"__t{i}")).alias(f"__n{i}") for i in range(n)])
    typed_df = normal.select(
        "*",
        *[
            typed(column, F.col(f"__n{i}"), dataset.decimal_separator).alias(column.name)
            for i, column in enumerate(dataset.columns)
        ],
    )
    verdict = F.coalesce(
        *[
            F.when(failed, F.struct(F.lit(reason).alias("reason"), F.lit(column).cast("string").alias("column")))
            for reason, column, failed in checks(dataset)
        ],
        F.lit(None).cast("struct<reason:string,column:string>"),
    )
    judged = typed_df.select("*", verdict.alias("__verdict"))
    reason = F.col("__verdict.reason")
    columns = [
        *[c.name for c in dataset.columns],
        reason.alias("__reason"),
        F.col("__verdict.column").alias("__column"),
        F.when(reason.isNotNull(), raw_record).alias("__raw"),
        source_file.alias("__file"),
    ]
    if dataset.primary_key:
        columns.append(F.col(ORDER).alias("__row"))
    return judged.select(*columns)


# Duplicate keys are found with a narrow aggregate (key -> first row) and a broadcast join, not a
# window: a window would sort every row, with all its columns, through a shuffle. Past this many
# duplicated keys the join is left to Spark (a shuffle join) instead of broadcasting.
BROADCAST_DUPLICATE_KEYS = 2_000_000


def mark_duplicates(dataset: Dataset, judged: DataFrame) -> tuple[DataFrame, DataFrame | None]:
    """Rule 7: among rows that passed rules 1-6, every row but the first with a key is a duplicate_key.

    Returns the rows with their final reason, and the cached duplicated keys (to unpersist after use).
    """
    if not dataset.primary_key:
        return judged, None
    duplicated = (
        judged.where(F.col("__reason").isNull())
        .groupBy(*dataset.primary_key)
        .agg(F.min("__row").alias("__first"), F.count(F.lit(1)).alias("__rows"))
        .where(F.col("__rows") > 1)
        .drop("__rows")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    keys = duplicated.count()
    side = F.broadcast(duplicated) if keys <= BROADCAST_DUPLICATE_KEYS else duplicated
    joined = judged.join(side, on=list(dataset.primary_key), how="left")
    duplicate = F.col("__reason").isNull() & F.col("__first").isNotNull() & (F.col("__row") != F.col("__first"))
    final = joined.select(
        *[c for c in judged.columns if c not in ("__reason", "__column")],
        F.when(duplicate, F.lit("duplicate_key")).otherwise(F.col("__reason")).alias("__reason"),
        F.when(duplicate, F.lit(",".join(dataset.primary_key))).otherwise(F.col("__column")).alias("__column"),
    )
    return final, duplicated
