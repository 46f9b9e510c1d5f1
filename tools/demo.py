"""Two days of a lake: curate every sample dataset (day 1), then land the next day's files (day 2)
and curate again; the summary shows each table growing by exactly the new rows.

python -m tools.demo [--env dev] [--workdir DIR]      (make demo)

Day 2 brings, for every CSV dataset with a primary key, a file of its day-1 rows with the keys moved
past the largest one (new rows), plus one row repeating a day-1 key (quarantined as duplicate_key);
the day-1 files are landed again too (same content: not curated again).
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import tempfile
from pathlib import Path

from config import ConfigError, load_config
from tools.local_run import SAMPLE_DATA, run_local, spark_session

COLUMNS = (
    "day",
    "dataset",
    "files_processed",
    "rows_in",
    "rows_curated",
    "rows_quarantined",
    "table_rows",
    "ml_ready",
    "quarantine_reasons",
)


def table(rows: list[dict]) -> str:
    cells = [[str(row[c]) if c != "quarantine_reasons" else _reasons(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    lines = [COLUMNS, ["-" * w for w in widths], *cells]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def _reasons(reasons: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in reasons.items()) or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--workdir", type=Path, help="default: a new temporary folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    for chatty in ("botocore", "py4j"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        config = load_config(args.env)
    except ConfigError as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="lake-demo-")) if args.workdir is None else args.workdir
    datasets = [d for d in config.catalog.datasets if (SAMPLE_DATA / d.name).is_dir()]
    spark_session()
    summaries = []
    for day, date in ((1, "2024-06-01"), (2, "2024-06-02")):
        for dataset in datasets:
            inputs = [SAMPLE_DATA / dataset.name]
            if day == 2:
                next_day = next_day_file(dataset, SAMPLE_DATA / dataset.name, workdir / "day2" / dataset.name)
                inputs += [] if next_day is None else [next_day]
            print(f"== day {day}: {dataset.name}", file=sys.stderr)
            result = run_local(config, dataset, inputs, workdir / dataset.name, ingest_date=date)
            summaries.append({"day": day, **result.summary()})
    print(table(summaries))
    grown = {row["dataset"]: row["table_rows"] for row in summaries if row["day"] == 1}
    for row in summaries:
        if row["day"] == 2:
            before, after = grown[row["dataset"]], row["table_rows"]
            print(
                f"{row['dataset']}: {before} -> {after} rows (+{after - before}; day 2 curated {row['rows_curated']})"
            )
    print(f"lakes under {workdir}/<dataset>/; query one with:")
    print(f'  python -m tools.local_query --workdir {workdir}/<dataset> "SELECT count(*) FROM <database>.<dataset>"')
    return 0


def next_day_file(dataset, folder: Path, target: Path) -> Path | None:
    """Day 2 of a keyed CSV dataset: its sample rows under new keys, and one repeated day-1 key."""
    if dataset.format != "csv" or len(dataset.primary_key) != 1 or dataset.options.header is False:
        return None
    key = next(c.source_name for c in dataset.columns if c.name == dataset.primary_key[0])
    delimiter = dataset.options.delimiter
    files = sorted(p for p in folder.iterdir() if p.is_file())
    with files[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    position = header.index(key)
    keys = [int(r[position]) for r in body if r[position].strip().lstrip("-").isdigit()]
    if not keys:
        return None
    shift = max(keys)
    moved = [
        [str(int(v) + shift) if i == position and v.strip().isdigit() else v for i, v in enumerate(r)] for r in body
    ]
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{dataset.name}-day2.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerows([header, *moved[:200], body[0]])  # 200 new keys, then a day-1 key again
    return path


if __name__ == "__main__":
    sys.exit(main())
