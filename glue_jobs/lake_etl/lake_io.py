"""The one seam between the job and storage.

The job speaks only in `s3://bucket/key` URIs. On Glue and EMR, Spark reads and writes those URIs
directly and small objects (reports) go through boto3: `S3LakeIO`. Local Spark has no S3 connector,
so local runs use `LocalLakeIO`, which maps every URI to a file under a local root; the local runner
keeps the whole lake (every bucket) under that root, so a lake lives across runs.

The seam also names the Iceberg catalog the curated tables live in: the Glue Data Catalog on Glue
and EMR (configured when the Spark session starts, `ICEBERG_CATALOG`), a Hadoop (file) catalog
under the curated bucket's folder locally.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pyspark.sql import Column
from pyspark.sql import functions as F

# The Spark catalog name of the curated tables on Glue and EMR (see lake_constructs/curation_job.py).
ICEBERG_CATALOG = "glue_catalog"


@dataclass(frozen=True, order=True)
class RawObject:
    """A raw object as a run sees it: its URI and its version (the S3 ETag: same bytes, same version)."""

    uri: str
    version: str


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

    def list_objects(self, uri: str) -> list[RawObject]:
        """Data objects under the prefix, by key; listing reads no object (archived ones included)."""
        bucket, prefix = split_uri(uri)
        prefix = prefix if prefix == "" or prefix.endswith("/") else prefix + "/"
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [
                RawObject(f"s3://{bucket}/{o['Key']}", o["ETag"].strip('"'))
                for o in page.get("Contents", [])
                if is_data_file(o["Key"])
            ]
        return sorted(found)

    def get_json(self, uri: str) -> Any:
        bucket, key = split_uri(uri)
        return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def delete_prefix(self, uri: str) -> None:
        bucket, prefix = split_uri(uri)
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})

    def iceberg_catalog(self, spark: Any, warehouse: str) -> str:
        """The Glue Data Catalog, configured for the session by the job's `--conf` (see the module doc)."""
        return ICEBERG_CATALOG

    def table_location(self, uri: str) -> str | None:
        return uri.rstrip("/")

    def uri_of(self, path: str) -> str:
        return path

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

    def list_objects(self, uri: str) -> list[RawObject]:
        """Data files under the prefix; a file's version is the MD5 of its bytes, as a single-part ETag."""
        base = self.local_path(uri)
        found = []
        for directory, _, names in os.walk(base):
            for name in names:
                path = Path(directory) / name
                relative = path.relative_to(self.root).as_posix()
                if all(is_data_file(part) for part in relative.split("/")[1:]):
                    found.append(RawObject(f"s3://{relative}", hashlib.md5(path.read_bytes()).hexdigest()))
        return sorted(found)

    def get_json(self, uri: str) -> Any:
        return json.loads(self.local_path(uri).read_text())

    def delete_prefix(self, uri: str) -> None:
        import shutil

        shutil.rmtree(self.local_path(uri), ignore_errors=True)

    def iceberg_catalog(self, spark: Any, warehouse: str) -> str:
        """A Hadoop catalog in the warehouse folder: a table lives at <warehouse>/<database>/<table>.

        One catalog per warehouse (its name carries a digest of the path), so runs on several lakes
        can share one Spark session.
        """
        path = self.local_path(warehouse)
        name = "local_" + hashlib.sha1(str(path).encode()).hexdigest()[:10]
        spark.conf.set(f"spark.sql.catalog.{name}", "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set(f"spark.sql.catalog.{name}.type", "hadoop")
        spark.conf.set(f"spark.sql.catalog.{name}.warehouse", str(path))
        return name

    def table_location(self, uri: str) -> str | None:
        return None  # a Hadoop catalog places each table under its warehouse itself

    def uri_of(self, path: str) -> str:
        """The s3:// URI of a local path under the root (file:/... or a plain path)."""
        local = Path(path.removeprefix("file:")).resolve()
        return "s3://" + local.relative_to(self.root).as_posix()

    def put_json(self, uri: str, data: Any) -> None:
        path = self.local_path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))

    def logical_file(self, column: Column) -> Column:
        # Spark names local inputs file:/<root>/bucket/key (one or three slashes); show them as s3:// URIs.
        return F.regexp_replace(column, rf"^file:(//)?\Q{self.root.as_posix()}\E/", "s3://")
