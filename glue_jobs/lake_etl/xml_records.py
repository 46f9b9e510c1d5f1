"""Records of one XML file, parsed with the Python standard library (expat) in the executors.

Spark 3.5 has no XML reader, so the job reads each XML file whole (`binaryFile`) and hands its bytes
to `records`. The mapping, as docs/etl.md states it:

- every element named `row_tag` (namespace prefix ignored) is one record; one nested inside another
  record is part of that record, not a record of its own;
- a column whose `source` is `@name` takes the record element's attribute `name`;
- any other `source` names a child element of the record: its text, with the text of everything
  inside it (the first such child, when it repeats); an empty element is an empty value;
- the raw record is the record's own bytes in the file, from `<row_tag` to its end tag.

A file that is not well-formed keeps the records completed before the point where it breaks, and
the rest of the file, from the start of the record that broke, becomes one parse_error row.

`document` undoes a file's compression as Spark's text readers do for CSV and JSON (by the name's
suffix), and brings any encoding to UTF-8 as an XML processor reads it (XML 1.0, section 4.3.3 and
appendix F): a byte-order mark says the encoding, else the declaration's `encoding`, else UTF-8.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import re
import zlib
from collections.abc import Iterator
from xml.parsers import expat

# The codecs of Hadoop's that Spark picks by suffix and the standard library reads.
DECOMPRESS = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".deflate": zlib.decompress}
UNREADABLE = (".snappy", ".lz4", ".zst", ".br", ".xz", ".zip")
# UTF-32 before UTF-16: the UTF-32 little-endian mark begins with the UTF-16 one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DECLARED = re.compile(rb"""\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


def document(path: str, content: bytes) -> bytes:
    """The file's XML as UTF-8: decompressed by its suffix, transcoded from its own encoding.

    A compression the standard library cannot read stops the job with the file's name. A document
    whose bytes its encoding cannot decode is returned as it is: `records` makes it a parse_error.
    """
    name = path.lower()
    for suffix, decompress in DECOMPRESS.items():
        if name.endswith(suffix):
            try:
                content = decompress(content)
            except (OSError, EOFError, zlib.error) as error:
                raise ValueError(f"{path}: not a readable {suffix} file ({error})") from None
            break
    else:
        if name.endswith(UNREADABLE):
            raise ValueError(f"{path}: XML files may be compressed as {', '.join(DECOMPRESS)} only")
    encoding = _encoding(content)
    try:
        return content if codecs.lookup(encoding).name == "utf-8" else content.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError):  # an encoding Python does not know, or bytes not in it
        return content


def _encoding(content: bytes) -> str:
    """The encoding the byte-order mark says, else the declaration, else UTF-8."""
    for bom, encoding in BOMS:
        if content.startswith(bom):
            return encoding
    declared = DECLARED.match(content)
    return "utf-8" if declared is None else declared[1].decode("ascii")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _tag_end(data: bytes, start: int) -> int:
    """Offset just past the tag that begins at `start` (skips '>' inside quoted attribute values)."""
    quote = None
    for index in range(start, len(data)):
        char = data[index : index + 1]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b">":
            return index + 1
    return len(data)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def records(data: bytes, row_tag: str, sources: list[str]) -> Iterator[tuple[list[str | None] | None, str]]:
    """(values in `sources` order, raw record) per record; values None: a parse_error (the raw text).

    `data` is UTF-8 (`document`): the parser is told so, whatever the declaration says.
    """
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.buffer_text = True
    done: list[tuple[list[str | None], str]] = []
    depth = 0
    record: dict | None = None
    last_end = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, record
        depth += 1
        if record is None:
            if _local(name) == row_tag:
                attrs = {_local(key): value for key, value in attributes.items()}
                record = {"start": parser.CurrentByteIndex, "depth": depth, "attrs": attrs, "children": {}}
                record["child"], record["text"] = None, []
        elif depth == record["depth"] + 1:
            record["child"], record["text"] = _local(name), []

    def end(name: str) -> None:
        nonlocal depth, record, last_end
        if record is not None:
            if depth == record["depth"] + 1:
                record["children"].setdefault(record["child"], "".join(record["text"]))
                record["child"] = None
            elif depth == record["depth"]:
                at = parser.CurrentByteIndex
                # An end tag ends the record; an empty element (<row .../>) ends with its start tag.
                stop = _tag_end(data, at if data[at : at + 2] == b"</" else record["start"])
                values = [
                    record["attrs"].get(s[1:]) if s.startswith("@") else record["children"].get(s) for s in sources
                ]
                done.append((values, _text(data[record["start"] : stop])))
                record, last_end = None, stop
        depth -= 1

    def characters(text: str) -> None:
        if record is not None and record["child"] is not None:
            record["text"].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        broken = record["start"] if record is not None else last_end
        yield from done
        rest = data[broken:]
        if rest.strip():
            yield None, _text(rest).strip()
        return
    yield from done
