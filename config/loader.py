"""Loads an environment's YAML into a validated PlatformConfig, or fails with a message a user can act on.

Every error names the file, the field path (with its line), the value given and what is allowed.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .models import PlatformConfig

ENVIRONMENTS_DIR = Path(__file__).parent / "environments"


class ConfigError(Exception):
    """A config the platform cannot be built from. The message is meant for the user, as is."""


def environment_names() -> list[str]:
    return sorted(path.stem for path in ENVIRONMENTS_DIR.glob("*.yaml"))


def environment_file(name: str) -> Path:
    path = ENVIRONMENTS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"unknown environment {name!r}: there is no {path.relative_to(ENVIRONMENTS_DIR.parent.parent)}; "
            f"known environments: {', '.join(environment_names())}"
        )
    return path


def load_config(env: str | None = None, *, path: str | Path | None = None) -> PlatformConfig:
    """Load `config/environments/<env>.yaml`, or the file at `path`."""
    if (env is None) == (path is None):
        raise TypeError("give exactly one of env or path")
    file = environment_file(env) if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{file}: cannot be read ({error.strerror})") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{file}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping of keys to values, got {_kind(data)}")
    data.setdefault("environment", file.stem)
    try:
        return PlatformConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(file, root, error)) from None


def _describe(file: Path, root: yaml.Node | None, error: ValidationError) -> str:
    problems = [_describe_one(root, detail) for detail in error.errors(include_url=False)]
    heading = f"{file}: {len(problems)} invalid value{'s' if len(problems) > 1 else ''}"
    return "\n".join([heading, *(f"  - {problem}" for problem in problems)])


def _describe_one(root: yaml.Node | None, detail: dict[str, Any]) -> str:
    loc = tuple(part for part in detail["loc"] if not _is_union_tag(part))
    field = _field_path(loc) or "(top level)"
    line = _line_of(root, loc)
    where = f"{field} (line {line})" if line is not None else field
    if detail["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown key{hint} Allowed here: {', '.join(allowed)}"
    message = detail["msg"].removeprefix("Value error, ")
    if detail["type"] == "missing":
        return f"{where}: required, but not given"
    return f"{where}: {message}; given {detail['input']!r}"


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the member type's name to the path of an error inside a union or a function.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of `loc` found in the YAML: a key's own line, or an item's."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    model: Any = PlatformConfig
    for part in parent:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = _model_in(field.annotation)
    return sorted(model.model_fields) if _is_model(model) else []


def _model_in(annotation: Any) -> Any:
    """The model a field holds, looking through list[...], dict[..., ...] and Optional."""
    if _is_model(annotation):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
