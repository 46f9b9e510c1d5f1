"""Synth time and deploy-time limits of an environment with many datasets.

The shipped environment's datasets are cloned under new names (`<name>_2`, `<name>_3`, ...) until
there are `count` of them, every layer as the environment has it, one stack per dataset
(`catalog.stack_per_dataset`). Each config is synthesized exactly as `make synth` does (app.py: the
four rule packs and the limits check), then linted with cfn-lint; the figures are wall times.

python -m benchmarks.synth_scale [--env dev --env prod] [--count 6 --count 50 ...] [--skip-lint]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from config.loader import environment_file
from lake_constructs.limits import check_assembly, report

ROOT = Path(__file__).resolve().parent.parent
COUNTS = (6, 50, 150, 300)


def scaled_config(env: str, count: int, *, stack_per_dataset: bool = True) -> dict:
    """The config data of `env` with exactly `count` datasets: its own first, then clones of them in
    turn, each under a name and a raw prefix of its own (the last folder is the clone's name, so
    each clone crawls its own raw table)."""
    data = yaml.safe_load(environment_file(env).read_text(encoding="utf-8"))
    catalog = data.setdefault("catalog", {})
    shipped = catalog.get("datasets", [])
    if not shipped:
        raise ValueError(f"{env} declares no dataset to clone")
    # Fewer than shipped: keep those the other layers name (DMS sources, EMR steps, labeling).
    elsewhere = json.dumps({key: value for key, value in data.items() if key != "catalog"})
    named = [d for d in shipped if f'"{d["name"]}"' in elsewhere]
    if len(named) > count:
        raise ValueError(f"{env} names {len(named)} datasets outside the catalog; ask for at least that many")
    others = [d["name"] for d in shipped if d not in named][: count - len(named)]
    kept = {d["name"] for d in named} | set(others)
    datasets = [dict(dataset) for dataset in shipped if dataset["name"] in kept]
    copy = 2
    while len(datasets) < count:
        for dataset in shipped[: count - len(datasets)]:
            clone = dict(dataset, name=f"{dataset['name']}_{copy}")
            if dataset.get("raw_prefix") is not None:
                parent = dataset["raw_prefix"].rstrip("/").rpartition("/")[0]
                clone["raw_prefix"] = f"{parent}/{clone['name']}/" if parent else f"{clone['name']}/"
            datasets.append(clone)
        copy += 1
    catalog["datasets"] = datasets
    catalog["stack_per_dataset"] = stack_per_dataset
    data.setdefault("environment", env)
    return data


def write_config(directory: Path, env: str, count: int, *, stack_per_dataset: bool = True) -> Path:
    path = directory / f"{env}.yaml"
    path.write_text(yaml.safe_dump(scaled_config(env, count, stack_per_dataset=stack_per_dataset), sort_keys=False))
    return path


def synthesize(config: Path, outdir: Path) -> subprocess.CompletedProcess:
    """app.py on `config`, as `make synth` runs it (rule packs, limits check), into `outdir`."""
    environ = {**os.environ, "PLATFORM_ENV": str(config), "CDK_OUTDIR": str(outdir)}
    environ.pop("CDK_CONTEXT_JSON", None)
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=environ, capture_output=True, text=True)


def lint(outdir: Path) -> subprocess.CompletedProcess:
    """cfn-lint over every template of `outdir` (nested ones too), with the project's settings."""
    settings = yaml.safe_load((ROOT / ".cfnlintrc.yaml").read_text())
    ignored = [check for check in settings.get("ignore_checks", [])]
    command = [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", *ignored, "--"]
    return subprocess.run([*command, *map(str, sorted(outdir.glob("*.template.json")))], capture_output=True, text=True)


def timed(step, *args) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = step(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", action="append", help="environments to scale (default: dev, prod)")
    parser.add_argument("--count", action="append", type=int, help=f"dataset counts (default: {COUNTS})")
    parser.add_argument("--skip-lint", action="store_true", help="time only the synth")
    args = parser.parse_args()

    print(f"{os.cpu_count()} cores; synth = app.py with the four rule packs and the limits check")
    # s/dataset: the synth time divided by the datasets; added s/dataset: what each dataset added
    # since the previous count (the slope, without the fixed cost of the shared stacks).
    print(
        f"{'environment':<12}{'datasets':>9}{'stacks':>8}{'synth s':>9}{'s/dataset':>11}"
        f"{'added s/dataset':>17}{'lint s':>8}"
    )
    for env in args.env or ["dev", "prod"]:
        previous = None
        for count in args.count or COUNTS:
            with tempfile.TemporaryDirectory() as scratch:
                scratch = Path(scratch)
                config, outdir = write_config(scratch, env, count), scratch / "cdk.out"
                seconds, result = timed(synthesize, config, outdir)
                if result.returncode != 0:
                    sys.exit(f"synth of {env} with {count} datasets failed:\n{result.stderr[-4000:]}")
                linted = "-"
                if not args.skip_lint:
                    lint_seconds, result = timed(lint, outdir)
                    if result.returncode != 0:
                        sys.exit(f"cfn-lint of {env} with {count} datasets failed:\n{result.stdout[-4000:]}")
                    linted = f"{lint_seconds:.1f}"
                stacks = len(list(outdir.glob("*.template.json")))
                added = "-" if previous is None else f"{(seconds - previous[1]) / (count - previous[0]):.2f}"
                previous = (count, seconds)
                print(
                    f"{env:<12}{count:>9}{stacks:>8}{seconds:>9.1f}{seconds / count:>11.2f}{added:>17}{linted:>8}",
                    flush=True,
                )
                if count == max(args.count or COUNTS):
                    usages = check_assembly(outdir, account=None, region=None)
                    print("  highest use of each limit:")
                    print("\n".join(f"  {line}" for line in report(usages).splitlines()[:12]), flush=True)


if __name__ == "__main__":
    main()
