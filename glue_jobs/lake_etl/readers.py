"""Read raw files into one string column per declared column, a parse-error flag and the raw record.

Every reader returns the same shape (`RawInput`), so normalization and validation do not care about
the format. Values stay strings here: typing is a rule that can fail, and a failure must send the row
to quarantine, not fail the read.

`read_raw` takes the files of a run as a list (sorted by object key). Every row carries the file it
came from (`FILE`) and its place in the input (`ORDER`): ascending `ORDER` is (object key, record)
order, whatever the file sizes, the splits or the number of partitions. docs/etl.md, "Reading", says
what each format does; `tests/glue_jobs/test_docs.py` keeps the two in step.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import unquote

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import xml_records
from .spec import Dataset, SpecError

CORRUPT = "__corrupt"
FILE = "__file"
# (file, split, row): the file's place in the list read_raw was given, the byte offset of the split
# of the file the row was read from, and the row's place in that split. A split is read whole by one
# task, so rows of one split keep their order in any partitioning.
ORDER = "__order"
ORDER_TYPE = T.StructType(
    [T.StructField("file", T.IntegerType()), T.StructField("split", T.LongType()), T.StructField("row", T.LongType())]
)
# The row's place in its split: the low 33 bits of monotonically_increasing_id (the high ones number
# the task, the same for every row of a split), shifted to leave room for the lines a CSV record
# with an unclosed quote is split back into.
ROW_BITS, LINE_BITS = (1 << 33) - 1, 20
# Unicode white space trimmed from every value (Java's trim() only takes spaces and control chars).
WHITESPACE = (
    " \t\n\r\u000b\u000c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
BOM = "\ufeff"
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
# JSON: Spark's JSON parser turns a number read into a string column into a double's text (1.10 ->
# "1.1", 17 digits -> 16). So before parsing, every JSON string token gets a marker character after
# its opening quote, and every number token becomes such a string with a second marker: the parser
# then hands back every value's exact text. (Possessive quantifiers: no backtracking on long strings.)
STRING_MARK, NUMBER_MARK = "\u0003", "\u0001"
JSON_TOKEN = r'"([^"\\]*+(?:\\.[^"\\]*+)*+)"|(-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?)'
JSON_OPTIONS = {"allowUnquotedControlChars": "true", "allowNonNumericNumbers": "false"}


def raw_value(index: int) -> str:
    """Name of the raw string column of the index-th declared column."""
    return f"__v{index}"


@dataclass
class RawInput:
    """Raw rows: `__v<i>` strings per declared column, `__parse_error`, `FILE`, `ORDER`, and what `raw_record` needs.

    `raw_record` is what a rejected row keeps of its input, cheap to build on every row; `record_text`
    turns it into the text written to the quarantine, for the rejected rows only. (`to_json` has no
    generated code: in the pass over every row it would make Spark interpret that whole projection.)
    `ignored_columns`: columns of the files that no declared column reads; `absent_columns`: declared
    columns missing from at least one file (their values are missing there).
    """

    df: DataFrame
    raw_record: Column
    record_text: Callable[[Column], Column] = lambda kept: kept
    absent_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def read_raw(spark: SparkSession, dataset: Dataset, paths: list[str]) -> RawInput:
    """Every row of the files `paths` (Spark paths, in object-key order)."""
    if not paths:
        return empty_input(spark, dataset)
    files = _Files(spark, paths)
    if dataset.format == "csv":
        return _read_csv(spark, dataset, files)
    if dataset.format == "json":
        return _read_json_document(spark, dataset, files) if dataset.json_root else _read_json_lines(dataset, files)
    if dataset.format == "apache_log":
        return _read_apache_log(dataset, files)
    if dataset.format == "xml":
        return _read_xml(spark, dataset, files)
    raise SpecError(f"dataset {dataset.name}: format {dataset.format!r} has no reader")


def empty_input(spark: SparkSession, dataset: Dataset) -> RawInput:
    """No raw files: the same shape, no rows, so an empty run still writes its partition and reports."""
    names = [raw_value(i) for i in range(len(dataset.columns))] + [FILE, "__record"]
    schema = T.StructType(
        [T.StructField(n, T.StringType()) for n in names] + [_flag_field(), T.StructField(ORDER, ORDER_TYPE)]
    )
    return RawInput(spark.createDataFrame([], schema), F.col("__record"))


def _flag_field() -> T.StructField:
    return T.StructField("__parse_error", T.BooleanType())


class _Files:
    """The files of a run, and each file's place in object-key order (`ORDER.file`)."""

    def __init__(self, spark: SparkSession, paths: list[str]) -> None:
        self.spark, self.paths = spark, list(paths)
        self.rank = {_file_key(p): i for i, p in enumerate(self.paths)}

    def rank_of(self, name: str) -> int:
        """The place of a file as Spark names it (a URI: file:///x, %20 for a space) in the list."""
        for key in (_file_key(name), _file_key(unquote(name))):
            if key in self.rank:
                return self.rank[key]
        raise RuntimeError(f"Spark read {name}, which is not one of the files the run was given")

    def tagged(self, df: DataFrame, rows: Column | None = None) -> DataFrame:
        """`df` (straight from a file scan) with FILE and ORDER, built in the scan's own projection."""
        row = (F.monotonically_increasing_id().bitwiseAND(ROW_BITS) * (1 << LINE_BITS)) if rows is None else rows
        split = F.input_file_block_start()
        tagged = df.select("*", F.input_file_name().alias(FILE), split.alias("__split"), row.alias("__row"))
        ranks = {name: self.rank_of(name) for name in df.inputFiles()}
        if len(ranks) <= 1:
            rank = F.lit(next(iter(ranks.values()), 0))
        else:
            # A small broadcast table (file name -> place): a hash lookup per row, in generated code.
            table = self.spark.createDataFrame(sorted(ranks.items()), "__name string, __rank int")
            tagged = tagged.join(F.broadcast(table), F.col(FILE) == F.col("__name")).drop("__name")
            rank = F.col("__rank")
        order = F.struct(rank.cast("int").alias("file"), F.col("__split").alias("split"), F.col("__row").alias("row"))
        return tagged.select(*df.columns, FILE, order.alias(ORDER))


def _file_key(name: str) -> str:
    """A path or URI without its file: scheme, for matching Spark's names to the given paths."""
    if name.startswith("file:"):
        return "/" + name[len("file:") :].lstrip("/")
    return name


def _without_bom(text: Column) -> Column:
    return F.when(text.startswith(BOM), _from(text, 2)).otherwise(text)


def _from(text: Column, position: int) -> Column:
    """`text` from the 1-based `position` on."""
    return F.substring(text, position, 2**31 - 1)


def _lines(files: _Files) -> DataFrame:
    """Non-blank lines of the files (a blank line is not a record); a byte-order mark is dropped."""
    lines = files.tagged(files.spark.read.text(files.paths))
    line = _without_bom(F.col("value"))
    return lines.select(line.alias("__record"), FILE, ORDER).where(F.length(F.btrim("__record", F.lit(WHITESPACE))) > 0)


# ---------------------------------------------------------------------------------------------- CSV


def _header_names(text: str, dataset: Dataset) -> list[str]:
    row = next(csv.reader([text.lstrip(BOM)], delimiter=dataset.delimiter, quotechar=dataset.quote), [])
    return [name.strip(WHITESPACE) for name in row]


def _headers(spark: SparkSession, dataset: Dataset, paths: list[str]) -> list[list[str] | None]:
    """The header of each file (None: the file has no line), read in the driver: the first bytes only.

    Through Hadoop's file system and codecs, as Spark reads (s3://, s3a://, file:, .gz and the like).
    """
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    codecs = jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(conf)

    def header(path_text: str) -> list[str] | None:
        path = jvm.org.apache.hadoop.fs.Path(path_text)
        stream = path.getFileSystem(conf).open(path)
        try:
            codec = codecs.getCodec(path)
            if codec is not None:
                stream = codec.createInputStream(stream)
            reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, dataset.encoding))
            line = reader.readLine()
            while line is not None and not line.strip(WHITESPACE):  # Spark skips blank lines before it
                line = reader.readLine()
            # A quoted header name may hold a line break: read on until the quotes balance.
            while line is not None and line.count(dataset.quote) % 2 == 1:
                more = reader.readLine()
                if more is None:
                    break
                line += "\n" + more
            return None if line is None else _header_names(line, dataset)
        finally:
            stream.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(header, paths))


def _read_csv(spark: SparkSession, dataset: Dataset, files: _Files) -> RawInput:
    """Each file by its own header: files are grouped by header, each group read with its own schema."""
    if dataset.header:
        groups: dict[tuple[str, ...], list[str]] = {}
        for path, names in zip(files.paths, _headers(spark, dataset, files.paths), strict=True):
            if names is not None:  # an empty file has no rows
                groups.setdefault(tuple(names), []).append(path)
    else:
        groups = {tuple(c.source for c in dataset.columns): files.paths}
    if not groups:
        return empty_input(spark, dataset)
    width = max(len(names) for names in groups)
    parts, absent, ignored = [], [], []
    for number, (names, paths) in enumerate(groups.items()):
        position: dict[str, int] = {}
        for i, name in enumerate(names):
            position.setdefault(name.lower(), i)
        found = [position.get(c.source.lower()) for c in dataset.columns]
        absent += [c.source for c, i in zip(dataset.columns, found, strict=True) if i is None]
        ignored += [name for i, name in enumerate(names) if i not in found]
        parts.append(_read_csv_group(spark, dataset, files, paths, names, found, number, width))
    df = parts[0]
    for part in parts[1:]:
        df = df.unionByName(part)
    # The header names of the row's group and the fields as read: the raw record of a row that parsed.
    header_names = F.array(*[F.array(*[F.lit(n) for n in _unique(names)]) for names in groups])
    raw_record = F.struct(
        F.col(CORRUPT).alias("line"),
        F.element_at(header_names, F.col("__group") + 1).alias("names"),
        F.array(*[F.col(f"__c{i}") for i in range(width)]).alias("values"),
    )

    def record_text(kept: Column) -> Column:
        names, values = kept.getField("names"), kept.getField("values")
        as_read = F.map_from_arrays(names, F.slice(values, 1, F.size(names)))
        return F.coalesce(kept.getField("line"), F.to_json(as_read, {"ignoreNullFields": "false"}))

    return RawInput(df, raw_record, record_text, list(dict.fromkeys(absent)), list(dict.fromkeys(ignored)))


def _unique(names: tuple[str, ...]) -> list[str]:
    """Header names made unique for the raw record's JSON object: a repeated name gets ' (2)', ' (3)'."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _read_csv_group(
    spark: SparkSession,
    dataset: Dataset,
    files: _Files,
    paths: list[str],
    names: tuple[str, ...],
    found: list[int | None],
    group: int,
    width: int,
) -> DataFrame:
    quote = dataset.quote
    options = {
        "sep": dataset.delimiter,
        "encoding": dataset.encoding,
        "quote": quote,
        # No escape character: a doubled quote inside a quoted field stays doubled here, so that a
        # field with an odd number of quotes (a stray quote, or half of a field cut at a line break)
        # can be told from one with doubled quotes; the doubles are undone below.
        "escape": "\u0000",
        "unescapedQuoteHandling": "STOP_AT_CLOSING_QUOTE",
        "header": dataset.header,
        "multiLine": dataset.multiline,
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": CORRUPT,
        "enforceSchema": True,
    }
    # Positional names of our own: header names may hold dots, spaces or repeats.
    fields = [T.StructField(f"__c{i}", T.StringType()) for i in range(len(names))]
    schema = T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])
    scanned = files.tagged(spark.read.options(**options).schema(schema).csv(paths))
    if dataset.multiline:
        scanned = _reparse_unclosed(scanned, schema, options)
    cells = [F.col(f"__c{i}") for i in range(len(names))]
    stray = F.lit(False)
    for cell in cells:
        quotes = F.length(cell) - F.length(F.replace(cell, F.lit(quote), F.lit("")))
        stray = stray | (cell.contains(quote) & (quotes % 2 == 1))
    doubled = F.lit(quote * 2)
    unquoted = [F.when(c.contains(quote), F.replace(c, doubled, F.lit(quote))).otherwise(c) for c in cells]
    values = [
        (F.lit(None).cast("string") if i is None else unquoted[i]).alias(raw_value(n)) for n, i in enumerate(found)
    ]
    # A row with more or fewer fields than its header is malformed: Spark keeps its text in CORRUPT.
    # A field with an odd number of quotes is not RFC 4180: its line is kept instead.
    corrupt = F.when(F.col(CORRUPT).isNotNull(), F.col(CORRUPT)).when(stray, _line_of(cells, dataset))
    return scanned.select(
        *values,
        *[unquoted[i].alias(f"__c{i}") for i in range(len(names))],
        *[F.lit(None).cast("string").alias(f"__c{i}") for i in range(len(names), width)],
        corrupt.alias(CORRUPT),
        corrupt.isNotNull().alias("__parse_error"),
        F.lit(group).alias("__group"),
        FILE,
        ORDER,
    )


def _line_of(cells: list[Column], dataset: Dataset) -> Column:
    """The line of a row whose fields parsed but broke RFC 4180, joined back from its fields."""
    return F.concat_ws(dataset.delimiter, *[F.coalesce(c, F.lit("")) for c in cells])


def _reparse_unclosed(scanned: DataFrame, schema: T.StructType, options: dict) -> DataFrame:
    """multiLine: a quote never closed swallows the rest of the file into one malformed record.

    Such a record (odd number of quotes, several lines) is split back into its lines: the first one,
    where the quote opened, is the parse_error; every later line is parsed on its own (`from_csv`), so
    nothing after it is lost or invented.
    """
    text, quote = F.col(CORRUPT), options["quote"]
    quotes = F.length(text) - F.length(F.replace(text, F.lit(quote), F.lit("")))
    unclosed = text.isNotNull() & text.contains("\n") & (quotes % 2 == 1)
    lines = F.when(unclosed, F.split(text, r"\r?\n")).otherwise(F.array(F.lit(None).cast("string")))
    exploded = scanned.select("*", F.posexplode(lines).alias("__line_no", "__line"))
    exploded = exploded.where(F.col("__line").isNull() | (F.length(F.btrim("__line", F.lit(WHITESPACE))) > 0))
    later = F.col("__line_no") > 0
    parse_options = {k: v for k, v in options.items() if k in ("sep", "quote", "escape", "unescapedQuoteHandling")}
    parsed = F.from_csv(
        F.col("__line"),
        schema.simpleString()[len("struct<") : -1].replace(":", " "),
        {**parse_options, "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT},
    )
    columns = [f.name for f in schema.fields if f.name != CORRUPT]
    order = F.col(ORDER)
    return exploded.select(
        *[F.when(later, parsed.getField(c)).otherwise(F.col(c)).alias(c) for c in columns],
        F.when(later, parsed.getField(CORRUPT))
        .when(F.col("__line").isNotNull(), F.col("__line"))
        .otherwise(F.col(CORRUPT))
        .alias(CORRUPT),
        FILE,
        F.struct(
            order.getField("file").alias("file"),
            order.getField("split").alias("split"),
            (order.getField("row") + F.col("__line_no")).alias("row"),
        ).alias(ORDER),
    )


# --------------------------------------------------------------------------------------------- JSON


def _marked_json(text: Column) -> Column:
    """`text` with every string token marked and every number token turned into a marked string."""
    marked = F.regexp_replace(text, JSON_TOKEN, f'"{STRING_MARK}$1{NUMBER_MARK}$2"')
    return F.replace(marked, F.lit(f'{NUMBER_MARK}"'), F.lit('"'))


def _unmarked_json(text: Column) -> Column:
    """JSON text written by Spark from marked input, back as it was (numbers unquoted)."""
    numbers = F.regexp_replace(text, r'"\\u0003\\u0001([^"]*)"', "$1")
    return F.regexp_replace(numbers, r'"\\u0003', '"')


def _json_value(value: Column) -> Column:
    """A field value as its text: a string's characters, a number's JSON text, an object's JSON."""
    return (
        F.when(value.startswith(STRING_MARK + NUMBER_MARK), _from(value, 3))
        .when(value.startswith(STRING_MARK), _from(value, 2))
        .when(value.startswith("{") | value.startswith("["), _unmarked_json(value))
        .otherwise(value)
    )


def _json_fields(dataset: Dataset, record: Column) -> tuple[list[Column], Column]:
    """Declared fields of a marked JSON object (matched by exact key), and whether it is not an object."""
    schema = T.StructType(
        [T.StructField(STRING_MARK + c.source, T.StringType()) for c in dataset.columns]
        + [T.StructField(CORRUPT, T.StringType())]
    )
    parsed = F.from_json(record, schema, {**JSON_OPTIONS, "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT})
    values = [
        _json_value(parsed.getField(STRING_MARK + c.source)).alias(raw_value(i)) for i, c in enumerate(dataset.columns)
    ]
    return values, parsed.isNull() | parsed.getField(CORRUPT).isNotNull()


def _read_json_lines(dataset: Dataset, files: _Files) -> RawInput:
    lines = _lines(files)
    values, corrupt = _json_fields(dataset, _marked_json(F.col("__record")))
    df = lines.select(*values, "__record", FILE, ORDER, corrupt.alias("__parse_error"))
    return RawInput(df, F.col("__record"))


def _read_json_document(spark: SparkSession, dataset: Dataset, files: _Files) -> RawInput:
    """One JSON document per file; its records are the array at `json_root`, e.g. $.Characters[*]."""
    keys = dataset.json_path
    assert keys is not None  # only called for a dataset with json_root
    shape: T.DataType = T.ArrayType(T.StringType())
    for key in reversed(keys):
        shape = T.StructType([T.StructField(STRING_MARK + key, shape)])
    # A whole document cannot be split; each file is one task. Records arrive as their (marked) JSON.
    documents = files.tagged(spark.read.text(files.paths, wholetext=True), F.lit(0).cast("bigint"))
    text = _without_bom(F.col("value"))
    records = F.from_json(_marked_json(text), shape, JSON_OPTIONS)
    for key in keys:
        records = records.getField(STRING_MARK + key)
    # An unreadable document, or one without the array, is a single parse_error row holding the document.
    missing = F.array(F.lit(None).cast("string"))
    exploded = documents.select(
        F.posexplode(F.when(records.isNull(), missing).otherwise(records)).alias("__at", "__element"),
        F.when(records.isNull(), text).alias("__document"),
        FILE,
        ORDER,
    )
    element = F.col("__element")
    values, corrupt = _json_fields(dataset, element)
    # The element's own JSON, for the quarantine: an object or array as written back by the parser, a
    # string, number or null through to_json of a one-element array.
    as_json = _unmarked_json(F.to_json(F.array(element)))
    element_json = (
        F.when(element.startswith("{") | element.startswith("["), _unmarked_json(element))
        .when(element.isin("true", "false"), element)
        .otherwise(F.regexp_extract(as_json, r"(?s)^\[(.*)\]$", 1))
    )
    is_object = element.startswith("{")
    parse_error = F.col("__document").isNotNull() | ~is_object | corrupt
    order = F.struct(
        F.col(ORDER).getField("file").alias("file"),
        F.col(ORDER).getField("split").alias("split"),
        F.col("__at").cast("bigint").alias("row"),
    )
    df = exploded.select(
        *values,
        F.coalesce("__document", element_json).alias("__record"),
        FILE,
        order.alias(ORDER),
        F.coalesce(parse_error, F.lit(True)).alias("__parse_error"),
    )
    return RawInput(df, F.col("__record"))


# ---------------------------------------------------------------------------------- Apache logs, XML


def _read_apache_log(dataset: Dataset, files: _Files) -> RawInput:
    unknown = [c.source for c in dataset.columns if c.source not in APACHE_FIELDS]
    if unknown:
        raise SpecError(
            f"dataset {dataset.name}: apache_log fields are {', '.join(APACHE_FIELDS)}; "
            f"unknown source(s): {', '.join(unknown)}"
        )
    lines = _lines(files)
    line = F.col("__record")
    matched = line.rlike(APACHE_COMBINED)
    values = []
    for i, column in enumerate(dataset.columns):
        group = F.regexp_extract(line, APACHE_COMBINED, APACHE_FIELDS.index(column.source) + 1)
        # An optional part that is absent (no referrer, no protocol) extracts as '': that is missing.
        values.append(F.when(matched & (group != ""), group).alias(raw_value(i)))
    df = lines.select(*values, "__record", FILE, ORDER, (~matched).alias("__parse_error"))
    return RawInput(df, F.col("__record"))


def _read_xml(spark: SparkSession, dataset: Dataset, files: _Files) -> RawInput:
    """Each file read whole and parsed in the executors by `xml_records` (Python standard library)."""
    if not dataset.row_tag:
        raise SpecError(f"dataset {dataset.name}: an xml dataset needs options.row_tag")
    row_tag, sources = dataset.row_tag, [c.source for c in dataset.columns]
    contents = spark.read.format("binaryFile").load(files.paths).select("path", "content")
    ranks = {name: files.rank_of(name) for name in contents.inputFiles()}
    ranks.update({name: files.rank_of(name) for name in files.paths})

    # `parse` runs in the executors; it refers to `xml_records` by module, which they import from the
    # job's library (`lake_etl`, from --extra-py-files on Glue and --py-files on EMR).
    def parse(rows):
        for row in rows:
            rank = ranks.get(row.path)
            if rank is None:
                rank = next(r for n, r in ranks.items() if _file_key(unquote(n)) == _file_key(unquote(row.path)))
            data = xml_records.document(row.path, bytes(row.content))
            for at, (values, raw) in enumerate(xml_records.records(data, row_tag, sources)):
                yield (*(values or [None] * len(sources)), raw, row.path, values is None, (rank, 0, at))

    schema = T.StructType(
        [T.StructField(raw_value(i), T.StringType()) for i in range(len(sources))]
        + [T.StructField("__record", T.StringType()), T.StructField(FILE, T.StringType()), _flag_field()]
        + [T.StructField(ORDER, ORDER_TYPE)]
    )
    df = spark.createDataFrame(contents.rdd.mapPartitions(parse), schema)
    return RawInput(df, F.col("__record"))
