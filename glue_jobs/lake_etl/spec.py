"""The dataset declaration as the job sees it: plain Python read from the JSON the platform passes.

The platform validates declarations with pydantic (config/models/catalog.py) before they reach a job;
the job has no pydantic on Glue, so it re-reads the JSON into these small dataclasses and checks only
what it needs to run safely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

FORMATS = ("csv", "json", "apache_log", "xml")
DECIMAL_TYPE = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")
NUMERIC_TYPES = ("int", "bigint", "double")
ON_EXISTING_KEY = ("quarantine", "update")
# A JSONPath to an array of records: '$[*]' (the document is an array) or '$.Key.Sub[*]'.
JSON_ROOT = re.compile(r"^\$((?:\.[A-Za-z_][\w-]*)*)(\[\*\])?$")

# "Traits of good data", as thresholds; each can be overridden in the dataset's `ml_readiness`
# config section or with the job's --ml_thresholds argument.
DEFAULT_ML_THRESHOLDS: dict[str, float] = {
    "min_rows": 100,  # "small datasets (less than 100 rows)" are a trait of bad data
    "min_rows_per_feature": 10,  # "at least 10 times as many data points as features"
    "max_missing_share": 0.2,  # per column: "complete fields, no missing values"
    "min_minority_share": 0.1,  # categorical label: "solid distribution of outcomes"
    "max_duplicate_share": 0.05,  # rows repeating another row's features
}


class SpecError(ValueError):
    """A dataset declaration the job cannot run: the message is meant for the operator, as is."""


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    type: str = "string"
    required: bool = False
    allowed: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    format: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES or self.type.startswith("decimal")


@dataclass(frozen=True)
class Cdc:
    """Change data capture (AWS DMS): the operation column (I, U, D; absent in full-load files) and
    the column that orders changes (latest wins)."""

    operation_column: str = "Op"
    sequence_column: str = "seq"


@dataclass(frozen=True)
class Dataset:
    name: str
    format: str
    columns: tuple[Column, ...]
    delimiter: str = ","
    header: bool = True
    quote: str = '"'
    multiline: bool = False
    encoding: str = "UTF-8"
    decimal_separator: str = "."
    json_root: str | None = None
    row_tag: str | None = None
    null_values: tuple[str, ...] = ("",)
    primary_key: tuple[str, ...] = ()
    label: str | None = None
    partition_by: tuple[str, ...] = ()
    ml_thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ML_THRESHOLDS))
    on_existing_key: str = "quarantine"
    cdc: Cdc | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def stored_columns(self) -> list[tuple[str, str]]:
        """(name, type) of the curated table's columns (ingest_date aside): the declared columns, and the
        CDC sequence column (as read) when it is not declared, to judge later changes against."""
        stored = [(c.name, c.type) for c in self.columns]
        if self.cdc is not None and self.cdc.sequence_column not in {c.name for c in self.columns}:
            stored.append((self.cdc.sequence_column, "string"))
        return stored

    def read_as(self) -> Dataset:
        """What a run reads: the declared columns, plus the CDC operation and sequence columns when they
        are not declared (strings, matched by name per file; absent from full-load files)."""
        if self.cdc is None:
            return self
        names = {c.name for c in self.columns}
        extra = [
            Column(name=n, source=n) for n in (self.cdc.operation_column, self.cdc.sequence_column) if n not in names
        ]
        return replace(self, columns=(*self.columns, *extra))

    @property
    def json_path(self) -> list[str] | None:
        """Keys from the document root to the records array; [] when the document is the array."""
        if self.json_root is None:
            return None
        match = JSON_ROOT.match(self.json_root)
        assert match is not None  # checked in parse_dataset
        return [key for key in match[1].split(".") if key]


def parse_dataset(spec_json: str, ml_thresholds_json: str | None = None) -> Dataset:
    """Read a DatasetSpec JSON (`spec.model_dump_json()`), and optional threshold overrides, into a Dataset."""
    try:
        data = json.loads(spec_json)
    except json.JSONDecodeError as error:
        raise SpecError(f"--dataset_spec is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise SpecError("--dataset_spec must be a JSON object")
    try:
        return _dataset(data, ml_thresholds_json)
    except (KeyError, TypeError) as error:
        raise SpecError(f"--dataset_spec is missing or has a malformed field: {error}") from None


def _dataset(data: dict[str, Any], ml_thresholds_json: str | None) -> Dataset:
    name = data["name"]
    fmt = data["format"]
    if fmt not in FORMATS:
        raise SpecError(f"dataset {name}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    options = _given(data, "options", {})
    columns = tuple(_column(c) for c in data["columns"])
    if not columns:
        raise SpecError(f"dataset {name}: declares no columns")
    names = [c.name for c in columns]
    for role in ("primary_key", "partition_by"):
        unknown = [n for n in _given(data, role, []) if n not in names]
        if unknown:
            raise SpecError(f"dataset {name}: {role} names unknown column(s) {', '.join(unknown)}")
    label = data.get("label")
    if label is not None and label not in names:
        raise SpecError(f"dataset {name}: label {label!r} is not a column")
    json_root = options.get("json_root")
    if json_root is not None and not JSON_ROOT.match(json_root):
        raise SpecError(
            f"dataset {name}: options.json_root {json_root!r} is not supported; use '$[*]' or '$.Key[*]' "
            "(object keys from the document root to the array of records)"
        )
    thresholds = dict(DEFAULT_ML_THRESHOLDS)
    thresholds.update({k: v for k, v in _given(data, "ml_readiness", {}).items() if v is not None})
    thresholds.update(_thresholds_override(ml_thresholds_json))
    null_values = data.get("null_values")
    on_existing_key = _given(data, "on_existing_key", "quarantine")
    if on_existing_key not in ON_EXISTING_KEY:
        raise SpecError(f"dataset {name}: on_existing_key must be one of {', '.join(ON_EXISTING_KEY)}")
    cdc = None
    if data.get("cdc") is not None:
        cdc = Cdc(data["cdc"]["operation_column"], data["cdc"]["sequence_column"])
        if not _given(data, "primary_key", []):
            raise SpecError(f"dataset {name}: cdc needs a primary_key (changes are applied per key)")
    if (on_existing_key == "update" or cdc is not None) and not _given(data, "primary_key", []):
        raise SpecError(f"dataset {name}: on_existing_key: update needs a primary_key")
    return Dataset(
        name=name,
        format=fmt,
        columns=columns,
        delimiter=options.get("delimiter", ","),
        header=options.get("header", True),
        quote=options.get("quote", '"'),
        multiline=bool(options.get("multiline", False)),
        encoding=options.get("encoding", "UTF-8"),
        decimal_separator=options.get("decimal_separator", "."),
        json_root=json_root,
        row_tag=options.get("row_tag"),
        null_values=("",) if null_values is None else tuple(null_values),
        primary_key=tuple(_given(data, "primary_key", ())),
        label=label,
        partition_by=tuple(_given(data, "partition_by", ())),
        ml_thresholds=thresholds,
        on_existing_key=on_existing_key,
        cdc=cdc,
    )


def _given(data: dict[str, Any], key: str, default: Any) -> Any:
    """data[key], or `default` when the key is absent or null (model_dump_json writes every key)."""
    value = data.get(key)
    return default if value is None else value


def _column(data: dict[str, Any]) -> Column:
    kind = str(data.get("type", "string")).strip().lower()
    if kind not in ("string", "boolean", "date", "timestamp", *NUMERIC_TYPES) and not DECIMAL_TYPE.match(kind):
        raise SpecError(f"column {data['name']}: unknown type {kind!r}")
    allowed = data.get("allowed")
    return Column(
        name=data["name"],
        source=data["name"] if data.get("source") is None else data["source"],
        type=kind,
        required=bool(data.get("required", False)),
        allowed=None if allowed is None else tuple(allowed),
        min=data.get("min"),
        max=data.get("max"),
        pattern=data.get("pattern"),
        format=data.get("format"),
    )


def _thresholds_override(text: str | None) -> dict[str, float]:
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"--ml_thresholds is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise SpecError("--ml_thresholds must be a JSON object")
    unknown = sorted(set(data) - set(DEFAULT_ML_THRESHOLDS))
    if unknown:
        raise SpecError(
            f"--ml_thresholds: unknown key(s) {', '.join(unknown)}; known: {', '.join(DEFAULT_ML_THRESHOLDS)}"
        )
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"--ml_thresholds: {key} must be a number, given {value!r}")
    return data
