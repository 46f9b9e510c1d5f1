"""Pin a training set to a snapshot of a curated table, and read it back, on a local lake.

    python -m tools.training_set --workdir DIR pin --dataset houses --name houses-2024-06 \\
        [--snapshot-id ID | --as-of 2024-06-02T00:00:00] [--query "SELECT * FROM {table} WHERE bedrooms > 1"]
    python -m tools.training_set --workdir DIR read --dataset houses --name houses-2024-06

`pin` tags the snapshot in the Iceberg table (the tag keeps it through snapshot expiry) and writes
the manifest to s3://<artifacts bucket>/training_sets/<dataset>/<name>.json; it prints the manifest
as JSON. `read` prints the pinned rows as CSV, as of that snapshot. The same manifest drives
`processing_jobs/train_model.py --training_set <manifest URI>` on the EMR cluster. Exit codes: 0 done,
2 bad arguments or an unknown dataset, snapshot or training set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from glue_jobs.lake_etl import training_sets
from glue_jobs.lake_etl.lake_io import LocalLakeIO
from tools.local_query import lake_session, write_csv
from tools.local_run import LAKE_FILE, LAKE_FOLDER, UsageError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.training_set", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="the work dir of tools.local_run")
    commands = parser.add_subparsers(dest="command", required=True)
    pin = commands.add_parser("pin", help="pin a training set")
    read = commands.add_parser("read", help="print a pinned training set as CSV")
    for command in (pin, read):
        command.add_argument("--dataset", required=True)
        command.add_argument("--name", required=True, help="the training set's name, e.g. houses-2024-06")
    which = pin.add_mutually_exclusive_group()
    which.add_argument("--snapshot-id", type=int, help="default: the table's current snapshot")
    which.add_argument("--as-of", help="ISO time: the snapshot current then")
    pin.add_argument("--query", default=training_sets.DEFAULT_QUERY, help="rows to train on; {table} is the table")
    args = parser.parse_args(argv)
    try:
        spark = lake_session(args.workdir)
        lake = json.loads((args.workdir / LAKE_FILE).read_text())
        io = LocalLakeIO(args.workdir / LAKE_FOLDER)
        table = f"{lake['curated_database']}.{args.dataset}"
        if args.command == "pin":
            try:
                manifest = training_sets.pin(
                    spark,
                    io,
                    table,
                    args.dataset,
                    args.name,
                    lake["artifacts"],
                    snapshot_id=args.snapshot_id,
                    as_of=args.as_of,
                    query=args.query,
                )
            except Exception as error:  # an unknown table, snapshot or tag, or a bad query
                raise UsageError(f"cannot pin {args.name}: {' '.join(str(error).split())[:400]}") from None
            print(json.dumps(manifest))
            return 0
        uri = training_sets.manifest_uri(lake["artifacts"], args.dataset, args.name)
        if not io.local_path(uri).is_file():
            raise UsageError(f"no training set {args.name!r} of {args.dataset} ({uri})")
        frame = training_sets.rows(spark, io.get_json(uri), table)
        write_csv(frame.columns, frame.collect(), sys.stdout)
        return 0
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
