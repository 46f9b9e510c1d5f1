"""Read raw files into one string column per declared column, a parse-error flag and the raw record.

Every reader returns the same shape (`RawInput`), so normalization and validation do not care about
the format. Values stay strings here: typing is a rule that can fail, and a failure must send the row
to quarantine, not fail the read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .spec import Dataset, SpecError

CORRUPT = "__corrupt"
FILE = "__file"
# The Apache combined log format (the common format, optionally followed by referrer and user agent):
# 127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"
APACHE_FIELDS = (
    "client_ip",
    "ident",
    "user_id",
    "requested_at",
    "method",
    "path",
    "protocol",
    "status",
    "bytes_sent",
    "referrer",
    "user_agent",
)
QUOTED = r'"((?:[^"\\]|\\.)*)"'
APACHE_COMBINED = (
    r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+)(?: (\S+?))?(?: (\S+))?" (\S+) (\S+)'
    rf"(?: {QUOTED} {QUOTED})?\s*$"
)
XML_UNSUPPORTED = (
    "xml datasets are catalog-only: Spark 3.5 has no built-in XML reader (it needs the spark-xml jar), so the "
    "ETL job cannot curate them; the raw-zone crawler still catalogs the files with the dataset's XML "
    "classifier. Land the data as JSON or CSV to curate it"
)


def raw_value(index: int) -> str:
    """Name of the raw string column of the index-th declared column."""
    return f"__v{index}"


@dataclass
class RawInput:
    """Raw rows: `__v<i>` strings per declared column, `__parse_error`, `__file`, and what `raw_record` needs.

    `raw_record` is what a rejected row keeps of its input, cheap to build on every row; `record_text`
    turns it into the text written to the quarantine, for the rejected rows only. (`to_json` has no
    generated code: in the pass over every row it would make Spark interpret that whole projection.)
    """

    df: DataFrame
    raw_record: Column
    record_text: Callable[[Column], Column] = lambda kept: kept
    absent_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def read_raw(spark: SparkSession, dataset: Dataset, path: str) -> RawInput:
    if dataset.format == "csv":
        return _read_csv(spark, dataset, path)
    if dataset.format == "json":
        return (
            _read_json_document(spark, dataset, path) if dataset.json_root else _read_json_lines(spark, dataset, path)
        )
    if dataset.format == "apache_log":
        return _read_apache_log(spark, dataset, path)
    raise SpecError(XML_UNSUPPORTED)


def empty_input(spark: SparkSession, dataset: Dataset) -> RawInput:
    """No raw files: the same shape, no rows, so an empty run still writes its partition and reports."""
    names = [raw_value(i) for i in range(len(dataset.columns))] + [FILE, "__record"]
    schema = T.StructType([T.StructField(n, T.StringType()) for n in names] + [_flag_field()])
    return RawInput(spark.createDataFrame([], schema), F.col("__record"))


def _flag_field() -> T.StructField:
    return T.StructField("__parse_error", T.BooleanType())


def _lines(spark: SparkSession, path: str) -> DataFrame:
    """Non-blank lines of every file under `path`: a blank line is not a record."""
    lines = spark.read.option("recursiveFileLookup", True).text(path)
    return lines.where(F.length(F.trim(F.col("value"))) > 0).select(
        F.col("value").alias("__record"), F.input_file_name().alias(FILE)
    )


def _read_csv(spark: SparkSession, dataset: Dataset, path: str) -> RawInput:
    options = {
        "sep": dataset.delimiter,
        "quote": dataset.quote,
        "escape": dataset.quote,  # RFC 4180: a quote inside a quoted field is doubled
        "header": dataset.header,
        "recursiveFileLookup": True,
    }
    if dataset.header:
        # Reads the first line only; files of one dataset share a header, as the Glue CSV classifier assumes.
        header = [name.strip() for name in spark.read.options(**options).csv(path).columns]
    else:
        header = [c.source for c in dataset.columns]
    # Positional names of our own: header names may hold dots, spaces or repeats.
    fields = [T.StructField(f"__c{i}", T.StringType()) for i in range(len(header))]
    schema = T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])
    rows = (
        spark.read.options(**options)
        .options(mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT, enforceSchema=True)
        .schema(schema)
        .csv(path)
    )
    position = {}
    for i, name in enumerate(header):
        position.setdefault(name.lower(), i)
    values, absent = [], []
    for i, column in enumerate(dataset.columns):
        found = position.get(column.source.lower())
        if found is None:
            absent.append(column.source)
        values.append((F.lit(None).cast("string") if found is None else F.col(f"__c{found}")).alias(raw_value(i)))
    used = {position.get(c.source.lower()) for c in dataset.columns}
    ignored = [name for i, name in enumerate(header) if i not in used]
    # A row with more or fewer fields than the header is malformed: Spark keeps its line in CORRUPT.
    df = rows.select(
        *values,
        *[F.col(f"__c{i}") for i in range(len(header))],
        F.col(CORRUPT),
        F.col(CORRUPT).isNotNull().alias("__parse_error"),
        F.input_file_name().alias(FILE),
    )
    as_read = F.struct(*[F.col(f"__c{i}").alias(name) for i, name in enumerate(header)])
    raw_record = F.struct(F.col(CORRUPT).alias("line"), as_read.alias("fields"))

    def record_text(kept: Column) -> Column:
        return F.coalesce(kept.getField("line"), F.to_json(kept.getField("fields"), {"ignoreNullFields": "false"}))

    return RawInput(df, raw_record, record_text, absent, ignored)


def _json_fields(dataset: Dataset, record: Column) -> tuple[list[Column], Column]:
    schema = T.StructType(
        [T.StructField(c.source, T.StringType()) for c in dataset.columns] + [T.StructField(CORRUPT, T.StringType())]
    )
    # A declared field that holds a number, object or array arrives as its JSON text; typing judges it.
    parsed = F.from_json(record, schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT})
    values = [parsed.getField(c.source).alias(raw_value(i)) for i, c in enumerate(dataset.columns)]
    return values, parsed.getField(CORRUPT).isNotNull()


def _read_json_lines(spark: SparkSession, dataset: Dataset, path: str) -> RawInput:
    lines = _lines(spark, path)
    values, corrupt = _json_fields(dataset, F.col("__record"))
    df = lines.select(*values, "__record", FILE, corrupt.alias("__parse_error"))
    return RawInput(df, F.col("__record"))


def _read_json_document(spark: SparkSession, dataset: Dataset, path: str) -> RawInput:
    """One JSON document per file; its records are the array at `json_root`, e.g. $.Characters[*]."""
    keys = dataset.json_path
    assert keys is not None  # only called for a dataset with json_root
    shape: T.DataType = T.ArrayType(T.StringType())
    for key in reversed(keys):
        shape = T.StructType([T.StructField(key, shape)])
    # A whole document cannot be split; each file is one task. Records arrive as their JSON text.
    documents = spark.read.option("recursiveFileLookup", True).text(path, wholetext=True)
    records = F.from_json(F.col("value"), shape)
    for key in keys:
        records = records.getField(key)
    # An unreadable document, or one without the array, is a single parse_error row holding the document.
    missing = F.array(F.lit(None).cast("string"))
    exploded = documents.select(
        F.explode(F.when(records.isNull(), missing).otherwise(records)).alias("__record"),
        F.when(records.isNull(), F.col("value")).alias("__document"),
        F.input_file_name().alias(FILE),
    )
    values, corrupt = _json_fields(dataset, F.col("__record"))
    parse_error = F.col("__document").isNotNull() | F.col("__record").isNull() | corrupt
    df = exploded.select(*values, "__record", "__document", FILE, parse_error.alias("__parse_error"))
    raw_record = F.coalesce(F.col("__document"), F.col("__record"), F.lit("null"))
    return RawInput(df, raw_record)


def _read_apache_log(spark: SparkSession, dataset: Dataset, path: str) -> RawInput:
    unknown = [c.source for c in dataset.columns if c.source not in APACHE_FIELDS]
    if unknown:
        raise SpecError(
            f"dataset {dataset.name}: apache_log fields are {', '.join(APACHE_FIELDS)}; "
            f"unknown source(s): {', '.join(unknown)}"
        )
    lines = _lines(spark, path)
    line = F.col("__record")
    matched = line.rlike(APACHE_COMBINED)
    values = []
    for i, column in enumerate(dataset.columns):
        group = F.regexp_extract(line, APACHE_COMBINED, APACHE_FIELDS.index(column.source) + 1)
        # An optional part that is absent (no referrer, no protocol) extracts as '': that is missing.
        values.append(F.when(matched & (group != ""), group).alias(raw_value(i)))
    df = lines.select(*values, "__record", FILE, (~matched).alias("__parse_error"))
    return RawInput(df, F.col("__record"))
