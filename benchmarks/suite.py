"""Median wall time of `make synth` (per environment) and of the whole test suite.

python -m benchmarks.suite [--runs N] [--env dev --env prod ...] [--skip-tests]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return elapsed


def report(label: str, samples: list[float]) -> None:
    print(f"{label:<28} median {statistics.median(samples):6.1f} s   runs: {', '.join(f'{s:.1f}' for s in samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--env", action="append", help="environments to synthesize (default: dev)")
    parser.add_argument("--skip-tests", action="store_true", help="time only the synth")
    args = parser.parse_args()

    print(f"{os.cpu_count()} cores; {args.runs} runs each")
    for env in args.env or ["dev"]:
        report(f"make synth ENV={env}", [timed(["make", "synth"], {"ENV": env}) for _ in range(args.runs)])
    if not args.skip_tests:
        report(
            "test suite (pytest)",
            [timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]) for _ in range(args.runs)],
        )


if __name__ == "__main__":
    main()
