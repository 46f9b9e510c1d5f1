"""The one seam between the job and storage.

The job speaks only in `s3://bucket/key` URIs. On Glue and EMR, Spark reads and writes those URIs
directly and small objects (reports) go through boto3: `S3LakeIO`. Local Spark has no S3 connector,
so local runs use `LocalLakeIO`, which maps every URI to a file under a local root; the local runner
copies raw objects from (mocked) S3 into that root before the job and the outputs back afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pyspark.sql import Column
from pyspark.sql import functions as F


def split_uri(uri: str) -> tuple[str, str]:
    """('bucket', 'key/prefix') of an s3:// URI."""
    parsed = urlparse(uri)
    if parsed.scheme not in ("s3", "s3a") or not parsed.netloc:
        raise ValueError(f"{uri!r} is not an s3://bucket/key URI")
    return parsed.netloc, parsed.path.lstrip("/")


def join_uri(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def is_data_file(key: str) -> bool:
    """Spark and Hive skip names starting with '_' or '.' (markers, checksums); so does the job."""
    name = key.rsplit("/", 1)[-1]
    return bool(name) and not name.startswith(("_", "."))


class S3LakeIO:
    """Glue and EMR: Spark reads s3:// itself; listings and reports go through boto3."""

    def __init__(self, s3_client: Any = None) -> None:
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        self.s3 = s3_client

    def spark_path(self, uri: str) -> str:
        return uri

    def list_files(self, uri: str) -> list[str]:
        bucket, prefix = split_uri(uri)
        prefix = prefix if prefix == "" or prefix.endswith("/") else prefix + "/"
        files = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            files += [f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", []) if is_data_file(o["Key"])]
        return files

    def put_json(self, uri: str, data: Any) -> None:
        bucket, key = split_uri(uri)
        body = json.dumps(data, indent=2, sort_keys=True, default=str).encode()
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")

    def logical_file(self, column: Column) -> Column:
        return column


class LocalLakeIO:
    """Local Spark: s3://bucket/key lives at <root>/bucket/key."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def local_path(self, uri: str) -> Path:
        bucket, key = split_uri(uri)
        return self.root / bucket / key

    def spark_path(self, uri: str) -> str:
        return str(self.local_path(uri))

    def list_files(self, uri: str) -> list[str]:
        base = self.local_path(uri)
        if base.is_file():
            return [uri]
        files = []
        for directory, _, names in os.walk(base):
            for name in sorted(names):
                relative = (Path(directory) / name).relative_to(self.root).as_posix()
                if all(is_data_file(part) for part in relative.split("/")[1:]):
                    files.append(f"s3://{relative}")
        return sorted(files)

    def put_json(self, uri: str, data: Any) -> None:
        path = self.local_path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))

    def logical_file(self, column: Column) -> Column:
        # Spark names local inputs file:/<root>/bucket/key (one or three slashes); show them as s3:// URIs.
        return F.regexp_replace(column, rf"^file:(//)?\Q{self.root.as_posix()}\E/", "s3://")
