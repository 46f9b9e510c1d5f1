"""Writes what editors and readers need from the config models:

- `config/schema.json`, the JSON schema (editor completion and checking in the YAML files);
- `docs/config.md`, the reference of every key, its type, default and meaning.

    python -m config.schema      (make schema)
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from .models import PlatformConfig

SCHEMA_FILE = Path(__file__).parent / "schema.json"
REFERENCE_FILE = Path(__file__).parent.parent / "docs" / "config.md"


def render() -> str:
    schema = PlatformConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ML data-lake platform environment"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def render_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the models in `config/models/` by `make schema`; do not edit by hand.",
        "An environment is `config/environments/<name>.yaml`; unknown keys are rejected.",
        "",
    ]
    _section(PlatformConfig, "", lines, {})
    return "\n".join(lines) + "\n"


def _section(model: type[BaseModel], path: str, lines: list[str], seen: dict[type, str]) -> None:
    """One table per model class; a class used again (e.g. each zone's lifecycle) links to its table."""
    seen[model] = path
    lines += [f"## `{path or '(top level)'}`", "", _doc(model), ""]
    lines += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    nested = []
    for name, field in model.model_fields.items():
        inner = _model_in(field.annotation)
        default = "required" if field.is_required() else _default(field)
        meaning = field.description or ""
        if inner is not None:
            child = f"{path}.{name}" if path else name
            child = f"{child}[]" if _is_list(field.annotation) else child
            if inner not in seen:
                nested.append((inner, child))
                seen[inner] = child
            meaning = f"{meaning or _doc(inner)} See [`{seen[inner]}`](#{_anchor(seen[inner])})."
        lines.append(f"| `{name}` | {_type_name(field.annotation)} | {default} | {meaning.replace('|', '/')} |")
    lines.append("")
    for inner, child in nested:
        _section(inner, child, lines, seen)


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def _anchor(path: str) -> str:
    return "".join(c for c in path.lower() if c.isalnum() or c in "-_")


def _default(field) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "as in the table"
    return f"`{json.dumps(value)}`"


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:  # a checked type (config/models/cron.py): named as what it annotates
        return _type_name(args[0])
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type):
        return annotation.__name__ if not issubclass(annotation, BaseModel) else "mapping"
    return str(annotation)


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _is_list(annotation) -> bool:
    return typing.get_origin(annotation) is list or any(_is_list(a) for a in typing.get_args(annotation))


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    REFERENCE_FILE.parent.mkdir(exist_ok=True)
    REFERENCE_FILE.write_text(render_reference(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE} and {REFERENCE_FILE}")
