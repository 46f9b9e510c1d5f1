"""Pin a training set to a snapshot of a curated table, and read it back: on a deployed platform
(through Athena) or on a local lake (Spark).

    python -m tools.training_set --env dev pin --dataset houses --name houses-2024-06 \\
        [--snapshot-id ID | --as-of 2024-06-02T00:00:00] [--query "SELECT * FROM {table} WHERE bedrooms > 1"]
    python -m tools.training_set --env dev read --dataset houses --name houses-2024-06
    python -m tools.training_set --workdir DIR pin|read ...      (a lake made by tools.local_run)

`pin` resolves the snapshot (the given id, main's snapshot at `--as-of`, UTC without an offset, or
the current one) and writes the manifest to s3://<artifacts bucket>/training_sets/<dataset>/<name>.json;
it prints the manifest as JSON. `read` prints the pinned rows as CSV, as of that snapshot. A pin is
never replaced: pin again under another name.

On a deployed platform (`--env`/`--config`, like tools.labeling) both run queries in the platform's
Athena workgroup: the snapshot from the table's Iceberg metadata tables (`$history`, `$snapshots`),
the rows with `FOR VERSION AS OF`. Athena cannot create Iceberg tags; the table's next maintenance
run tags the pinned snapshot (`pin_<name>`) before it expires any snapshot, so expiry never removes
it. On a local lake the tag is made at once.

The same manifest drives `processing_jobs/train_model.py --training_set <manifest URI>` on the EMR
cluster and `python -m tools.labeling start --training-set`. Exit codes: 0 done, 1 AWS refused a
request, 2 bad arguments or an unknown dataset, snapshot or training set.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from config import ConfigError
from glue_jobs.lake_etl import training_sets
from glue_jobs.lake_etl.lake_io import split_uri
from tools.athena import Athena, pinned_sql, snapshot_sql
from tools.deployed import Clients, Platform, ToolError, add_environment_arguments, environment_config, region_of


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m tools.training_set", description=__doc__.splitlines()[0])
    where = add_environment_arguments(root, default_env=None)
    where.add_argument("--workdir", type=Path, help="a local lake: the work dir of tools.local_run")
    commands = root.add_subparsers(dest="command", required=True)
    pin = commands.add_parser("pin", help="pin a training set")
    read = commands.add_parser("read", help="print a pinned training set as CSV")
    for command in (pin, read):
        command.add_argument("--dataset", required=True)
        command.add_argument("--name", required=True, help="the training set's name, e.g. houses-2024-06")
    which = pin.add_mutually_exclusive_group()
    which.add_argument("--snapshot-id", type=int, help="default: the table's current snapshot")
    which.add_argument("--as-of", help="ISO time (UTC unless it names an offset): the snapshot current then")
    pin.add_argument("--query", default=training_sets.DEFAULT_QUERY, help="rows to train on; {table} is the table")
    return root


# --- a deployed platform, through Athena ------------------------------------------------------------


def deployed_manifest(platform: Platform, training_set: str, dataset: str | None) -> dict[str, Any]:
    """A pinned training set's manifest, by its s3:// URI or by name and dataset."""
    if training_set.startswith("s3://"):
        uri = training_set
    elif dataset is None:
        raise ToolError(
            f"training set {training_set!r}: name its dataset (--dataset), or give the manifest's s3:// URI"
        )
    else:
        uri = training_sets.manifest_uri(platform.artifacts_bucket, dataset, training_set)
    bucket, key = split_uri(uri)
    try:
        manifest = json.loads(platform.clients.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as error:
        code = error.response["Error"].get("Code")
        if code in ("NoSuchKey", "404"):
            raise ToolError(f"no training set {training_set!r} ({uri}); pin it with tools.training_set pin") from None
        raise ToolError(f"cannot read {uri}: {code}") from None
    missing = [field for field in ("name", "dataset", "table", "snapshot_id", "query") if field not in manifest]
    if missing:
        raise ToolError(f"{uri} is not a training-set manifest: no {', '.join(missing)}")
    return manifest


def pin_deployed(platform: Platform, athena: Athena, args: argparse.Namespace) -> dict[str, Any]:
    try:
        platform.config.catalog.dataset(args.dataset)
        training_sets.check(args.name, args.query)
    except (KeyError, ValueError) as error:
        raise ToolError(str(error.args[0])) from None
    uri = training_sets.manifest_uri(platform.artifacts_bucket, args.dataset, args.name)
    bucket, key = split_uri(uri)
    listed = platform.clients.s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
    if any(found["Key"] == key for found in listed):
        raise ToolError(
            f"training set {args.name!r} of {args.dataset} is pinned already ({uri}); choose another --name"
        )
    table = f"{platform.curated_database}.{args.dataset}"
    try:
        found = athena.rows(snapshot_sql(table, args.snapshot_id, args.as_of))
    except ValueError as error:
        raise ToolError(f"--as-of {args.as_of!r} is not an ISO time: {error}") from None
    if not found:
        which = (
            f"no snapshot {args.snapshot_id} in main's history"
            if args.snapshot_id is not None
            else f"no snapshot at or before {args.as_of}"
            if args.as_of is not None
            else "no snapshot (it was never written)"
        )
        raise ToolError(f"{table} has {which}")
    manifest = training_sets.manifest_of(args.dataset, args.name, table, int(found[0]["snapshot_id"]), args.query, 0)
    manifest["rows"] = int(athena.rows(f"SELECT count(*) AS n FROM ({pinned_sql(manifest)})")[0]["n"])
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    platform.clients.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return {**manifest, "manifest": uri}


def deployed(args: argparse.Namespace, clients: Any, out: Any) -> int:
    config = environment_config(args)
    region = region_of(args, config)
    platform = Platform(config, region, clients(region))
    athena = Athena(platform.clients.athena, platform.clients.s3, platform.workgroup)
    if args.command == "pin":
        out(json.dumps(pin_deployed(platform, athena, args)))
        return 0
    manifest = deployed_manifest(platform, args.name, args.dataset)
    rows = csv.reader(io.StringIO(athena.csv(pinned_sql(manifest))))
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    out(text.getvalue().rstrip("\n"))
    return 0


# --- a local lake, with Spark ---------------------------------------------------------------------------


def local(args: argparse.Namespace, out: Any) -> int:
    from glue_jobs.lake_etl.lake_io import LocalLakeIO
    from tools.local_query import lake_session, write_csv
    from tools.local_run import LAKE_FILE, LAKE_FOLDER

    spark = lake_session(args.workdir)
    lake = json.loads((args.workdir / LAKE_FILE).read_text())
    lake_io = LocalLakeIO(args.workdir / LAKE_FOLDER)
    table = f"{lake['curated_database']}.{args.dataset}"
    if args.command == "pin":
        try:
            manifest = training_sets.pin(
                spark,
                lake_io,
                table,
                args.dataset,
                args.name,
                lake["artifacts"],
                snapshot_id=args.snapshot_id,
                as_of=args.as_of,
                query=args.query,
            )
        except Exception as error:  # an unknown table, snapshot or tag, or a bad query
            raise ToolError(f"cannot pin {args.name}: {' '.join(str(error).split())[:400]}") from None
        out(json.dumps(manifest))
        return 0
    uri = training_sets.manifest_uri(lake["artifacts"], args.dataset, args.name)
    if not lake_io.local_path(uri).is_file():
        raise ToolError(f"no training set {args.name!r} of {args.dataset} ({uri})")
    frame = training_sets.rows(spark, lake_io.get_json(uri), table)
    text = io.StringIO()
    write_csv(frame.columns, frame.collect(), text)
    out(text.getvalue().rstrip("\n"))
    return 0


def main(argv: list[str] | None = None, clients: Any = Clients.for_region, out: Any = print) -> int:
    from tools.local_run import UsageError

    args = parser().parse_args(argv)
    try:
        return local(args, out) if args.workdir is not None else deployed(args, clients, out)
    except (ConfigError, ToolError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: AWS refused the request: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
