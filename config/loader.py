"""Loads an environment's YAML into a validated PlatformConfig, or fails with a message a user can act on.

Every error names the file, the field path (with its line), the value given and what is allowed.
"""

from __future__ import annotations

import difflib
import math
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
        raw = file.read_bytes()
    except OSError as error:
        raise ConfigError(f"{file}: cannot be read ({error.strerror})") from None
    root = _parse(file, _decode(file, raw))
    problems = list(_node_problems(root, ()))
    if problems:
        raise ConfigError(_listing(file, problems))
    data = yaml.SafeLoader(_decode(file, raw)).get_single_data() if root is not None else None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping of keys to values, got {_kind(data)}")
    data.setdefault("environment", file.stem)
    try:
        return PlatformConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_listing(file, [_describe_one(root, d) for d in error.errors(include_url=False)])) from None


def _decode(file: Path, raw: bytes) -> str:
    """The file's text: UTF-8 (a BOM is allowed), else an error at the first byte that is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            f"{file}: not UTF-8 text at line {line}, column {column} (byte {raw[error.start]:#04x}); "
            "save the file as UTF-8"
        ) from None


def _parse(file: Path, text: str) -> yaml.Node | None:
    """The YAML node tree; a syntax error is reported where the broken construct starts (an unclosed
    quote or bracket where it opens), with where the parser gave up."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        start, found = error.context_mark, error.problem_mark
        mark = start or found
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        if start is not None and found is not None and (start.line, start.column) != (found.line, found.column):
            what = str(error.context).removeprefix("while ").replace("scanning a quoted scalar", "a quoted value")
            problem = f"{what} that starts here is not closed ({error.problem} at line {found.line + 1})"
        else:
            problem = error.problem or str(error)
        raise ConfigError(f"{file}: not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{file}: not valid YAML: {error}") from None


FLOAT_TAG = "tag:yaml.org,2002:float"


def _node_problems(node: yaml.Node | None, path: tuple[Any, ...]):
    """What YAML itself lets through but a config must not: a key given twice in one mapping (YAML
    keeps the last silently) and numbers YAML reads as infinity or not-a-number."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name in seen:
                field = _field_path((*path, name))
                yield (
                    f"{field} (line {key.start_mark.line + 1}): given twice in one mapping, "
                    f"first at line {seen[name].start_mark.line + 1}; keep one"
                )
            elif name is not None:
                seen[name] = key
            yield from _node_problems(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_problems(item, (*path, index))
    elif isinstance(node, yaml.ScalarNode) and node.tag == FLOAT_TAG and not _finite(node):
        yield (
            f"{_field_path(path) or '(top level)'} (line {node.start_mark.line + 1}): YAML reads "
            f"{_excerpt(node.value)} as infinity or not-a-number; give a finite number"
        )


def _finite(node: yaml.ScalarNode) -> bool:
    # '.inf', '-.Inf', '.nan', and also a finite-looking '1.0e+999' that overflows to infinity.
    return math.isfinite(yaml.SafeLoader("").construct_yaml_float(node))


def _listing(file: Path, problems: list[str]) -> str:
    heading = f"{file}: {len(problems)} invalid value{'s' if len(problems) > 1 else ''}"
    return "\n".join([heading, *(f"  - {problem}" for problem in problems)])


def _describe_one(root: yaml.Node | None, detail: dict[str, Any]) -> str:
    loc = tuple(part for part in detail["loc"] if not _is_union_tag(part))
    field = _field_path(loc) or "(top level)"
    line = _line_of(root, loc)
    where = f"{field} (line {line})" if line is not None else field
    if detail["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]).strip(), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown key{hint} Allowed here: {', '.join(allowed) or '(none)'}"
    message = detail["msg"].removeprefix("Value error, ")
    if detail["type"] == "missing":
        return f"{where}: required, but not given"
    given = _given(detail["input"])
    return f"{where}: {message}" + (f"; given {given}" if given else "")


def _given(value: Any) -> str | None:
    """A short excerpt of a value given: never a whole section."""
    if isinstance(value, BaseModel | dict):
        return None  # a check of a whole section: its message names the values at fault
    return _excerpt(value)


def _excerpt(value: Any, limit: int = 60) -> str:
    """`value` as repr (invisible characters escaped), cut to about `limit` characters."""
    text = repr(value)  # repr escapes invisible characters: 'analytics\u200b'
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the member type's name to the path of an error inside a union or a function.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        name = _visible(str(part))
        path += f"[{part}]" if isinstance(part, int) else (f".{name}" if path else name)
    return path


def _visible(name: str) -> str:
    """A key as it can be read: quoted, with invisible characters escaped, when it has any."""
    if name.isprintable() and name == name.strip() and name:
        return name
    return _excerpt(name)


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
    """The keys a mapping at `parent` takes, walking through lists (by index) and keyed mappings
    such as per-dataset overrides (by key) into the model their items are."""
    node: Any = PlatformConfig
    for part in parent:
        model = _model_in(node)
        if model is None:
            return []
        if isinstance(part, str) and part in model.model_fields:
            node = model.model_fields[part].annotation
        elif node is model:
            return []
        else:
            node = model
    model = _model_in(node)
    return sorted(model.model_fields) if model is not None else []


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
