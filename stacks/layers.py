"""The layers' stack classes, and the README's layer table generated from them (`make schema`).

Each layer's stack class carries its row of the table as `row`, a `LayerRow`; the table lists the
rows of every stack class in `stacks/` by `position`.

    python -m stacks.layers      (make schema)
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Stack

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- layer table: generated from the stack classes' `row` by `make schema` -->"
END = "<!-- end of the layer table -->"


@dataclass(frozen=True)
class LayerRow:
    """A layer's row in the README's layer table."""

    position: int  # where the row goes: the table follows the data through the platform
    layer: str
    holds: str  # what the layer's stack holds, in a line
    switch: str  # the config that deploys it
    docs: str  # links to the layer's pages
    stack: str | None = None  # the stack's name, when it is not `<prefix>-<layer>`

    def markdown(self) -> str:
        stack = self.stack or f"<prefix>-{self.layer}"
        return f"| {self.layer} | `{stack}` | {self.holds} | {self.switch} | {self.docs} |"


def stack_classes() -> set[type[Stack]]:
    """Every stack class of the modules in `stacks/`."""
    found = set()
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__package__}.{info.name}")
        found |= {
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, Stack) and cls.__module__ == module.__name__
        }
    return found


def layer_rows() -> list[LayerRow]:
    """The row of every stack class that has one, in table order."""
    return sorted((cls.row for cls in stack_classes() if hasattr(cls, "row")), key=lambda row: row.position)


def render_table() -> str:
    lines = ["| layer | stack | what it holds | switch | doc |", "| --- | --- | --- | --- | --- |"]
    return "\n".join([*lines, *(row.markdown() for row in layer_rows())])


def with_table(readme: str) -> str:
    """`readme` with the layer table between its markers replaced by the generated one."""
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{render_table()}\n\n{END}{tail}"


if __name__ == "__main__":
    README.write_text(with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the layer table of {README}")
