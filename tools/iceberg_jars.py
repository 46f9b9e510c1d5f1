"""The Iceberg jars a local Spark session needs, from PyPI packages only (there is no Maven here).

The PyPI package `snowpark-connect-deps-iceberg` ships the Apache Iceberg 1.10.2 Spark runtime and
SQL extensions for Spark 3.5 / Scala 2.12, but its runtime jar leaves out the Jackson classes that
Iceberg relocates under `org.apache.iceberg.shaded` (Iceberg's own runtime jar bundles them). Spark
ships the same Jackson (2.15) unshaded, so `jars()` builds the missing piece once: Spark's
jackson-core, -databind, -annotations and -datatype-jsr310, with every class name moved under
`org/apache/iceberg/shaded/` (what a shading build does: rename the entries and rewrite the names
in each class file's constant pool). On Glue and EMR none of this applies: both ship complete jars.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import zipfile
from pathlib import Path

import pyspark
import snowpark_connect_deps_iceberg

ICEBERG_JARS = Path(snowpark_connect_deps_iceberg.__file__).parent / "jars"
RUNTIME = "iceberg-spark-runtime-3.5_2.12-1.10.2.jar"
EXTENSIONS = "iceberg-spark-extensions-3.5_2.12-1.10.2.jar"
JACKSON = ("jackson-core-", "jackson-databind-", "jackson-annotations-", "jackson-datatype-jsr310-")
SPARK_JARS = Path(pyspark.__file__).parent / "jars"
PREFIX = "org/apache/iceberg/shaded/"
RENAMES = ((b"com/fasterxml/jackson/", PREFIX.encode() + b"com/fasterxml/jackson/"),)
DOTTED = ((b"com.fasterxml.jackson.", PREFIX.replace("/", ".").encode() + b"com.fasterxml.jackson."),)


def jars() -> list[Path]:
    """The jars for `spark.jars`: Iceberg's runtime, the relocated Jackson it expects, the extensions."""
    return [ICEBERG_JARS / RUNTIME, _relocated_jackson(), ICEBERG_JARS / EXTENSIONS]


def _sources() -> list[Path]:
    version = r"-\d+(\.\d+)*\.jar$"
    found = sorted(
        p
        for p in SPARK_JARS.glob("jackson-*.jar")
        if any(re.match(re.escape(j) + version.lstrip("-"), p.name) for j in JACKSON)
    )
    if len(found) != len(JACKSON):
        raise RuntimeError(f"expected {', '.join(JACKSON)} jars in {SPARK_JARS}, found {[p.name for p in found]}")
    return found


def _relocated_jackson() -> Path:
    sources = _sources()
    digest = hashlib.sha256("|".join(f"{p.name}:{p.stat().st_size}" for p in sources).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"iceberg-shaded-jackson-{digest}.jar"
    if target.exists():
        return target
    partial = target.with_suffix(f".{os.getpid()}.part")
    seen: set[str] = set()
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
        for source in sources:
            with zipfile.ZipFile(source) as jar:
                for name in jar.namelist():
                    if (
                        name.endswith("/")
                        or name.startswith("META-INF/versions/")
                        or name.endswith("module-info.class")
                    ):
                        continue
                    data = jar.read(name)
                    if name.endswith(".class"):
                        name, data = _rename(name), _relocate_class(data)
                    elif name.startswith("META-INF/services/"):
                        name, data = _rename_dotted(name), _replace(data, DOTTED)
                    elif name.startswith("META-INF/"):
                        continue
                    if name not in seen:
                        seen.add(name)
                        out.writestr(name, data)
    partial.replace(target)  # atomic: concurrent builders write the same content
    return target


def _replace(data: bytes, pairs: tuple[tuple[bytes, bytes], ...]) -> bytes:
    for old, new in pairs:
        data = data.replace(old, new)
    return data


def _rename(name: str) -> str:
    return _replace(name.encode(), RENAMES).decode()


def _rename_dotted(name: str) -> str:
    return _replace(name.encode(), DOTTED).decode()


def _relocate_class(data: bytes) -> bytes:
    """Rewrite the class names held in a class file's constant pool (CONSTANT_Utf8 entries)."""
    count = struct.unpack(">H", data[8:10])[0]
    out, i, index = [data[:10]], 10, 1
    while index < count:
        tag = data[i]
        if tag == 1:  # Utf8: u2 length, bytes
            length = struct.unpack(">H", data[i + 1 : i + 3])[0]
            text = _replace(_replace(data[i + 3 : i + 3 + length], RENAMES), DOTTED)
            out.append(b"\x01" + struct.pack(">H", len(text)) + text)
            i += 3 + length
        else:
            size = {3: 5, 4: 5, 9: 5, 10: 5, 11: 5, 12: 5, 17: 5, 18: 5, 5: 9, 6: 9, 7: 3, 8: 3, 16: 3, 19: 3, 20: 3}
            step = size.get(tag, 4 if tag == 15 else 0)
            if step == 0:
                raise ValueError(f"unknown constant pool tag {tag}")
            out.append(data[i : i + step])
            i += step
            if tag in (5, 6):  # long and double take two slots
                index += 1
        index += 1
    out.append(data[i:])
    return b"".join(out)
