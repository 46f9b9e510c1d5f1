"""Curate every sample dataset of an environment on moto + local Spark, then print a summary table.

python -m tools.demo [--env dev] [--workdir DIR]      (make demo)
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from config import ConfigError, load_config
from tools.local_run import SAMPLE_DATA, run_local, spark_session

COLUMNS = ("dataset", "rows_in", "rows_curated", "rows_quarantined", "ml_ready", "quarantine_reasons")


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
    for dataset in datasets:
        print(f"== {dataset.name}", file=sys.stderr)
        summaries.append(run_local(config, dataset, [SAMPLE_DATA / dataset.name], workdir / dataset.name).summary())
    print(table(summaries))
    print(f"outputs under {workdir}/<dataset>/ (curated, quarantine, reports, catalog)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
