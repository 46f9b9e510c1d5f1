"""Wall time of the curate job on a 1M-row CSV, next to a bare Spark CSV -> Parquet conversion of it.

    python -m benchmarks.etl [--dataset houses|spam|houses_mixed|spam_multiline] [--rows 1000000] [--runs 2]
                                                                                    (make bench-etl DATASET=...)

Two shapes of data from the course: `houses` (the default; eight typed columns, prices written like
"$125,000", dates, ranges, a pattern: typing-heavy) and `spam` (e-mails: a long free-text body, a
domain pattern and a boolean label: text-heavy). Two more measure what real files cost the reader:
`houses_mixed` (the same rows in 8 files with 4 different headers: other column orders, an extra
column, a missing optional column) and `spam_multiline` (every tenth body quoted across two lines,
read with `multiline: true`, so each file is read whole).

All run in the same Spark session (local, every core), after a small warm-up of each, on the same
file; the job runs exactly as on Glue (moto stands in for the catalog and metrics, LocalLakeIO for
S3), writing its Iceberg table. The bare conversion reads with a header and writes Parquet, nothing
else. Target: the job within 2.5x of it.

Growth (houses): the time of a run that curates one new 100k-row file into a table already holding
1 such file, against the same run into a table holding 30 (`--growth-files`): the cost of a run
should follow its new data, not the history (target <= 1.2x).

A third figure bounds what any version of the job can reach: the job's own reader and rules over
every row, each row written once as typed Parquet with its verdict, and nothing else (no duplicate
check, no split into curated and quarantine, no metrics, no catalog).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from glue_jobs.lake_etl.lake_io import LocalLakeIO

HOUSES = {
    "name": "houses",
    "format": "csv",
    "null_values": ["", "?"],
    "columns": [
        {"name": "house_id", "type": "bigint", "required": True},
        {"name": "bedrooms", "type": "int", "required": True, "min": 0, "max": 20},
        {"name": "bathrooms", "type": "double", "min": 0, "max": 20},
        {"name": "square_feet", "type": "int", "required": True, "min": 100},
        {"name": "sold_on", "type": "date", "format": "yyyy-MM-dd"},
        {"name": "garden", "type": "boolean"},
        {"name": "city", "type": "string", "pattern": "^[A-Z][a-z]+$"},
        {"name": "price", "type": "decimal(12,2)", "required": True, "min": 0},
    ],
    "primary_key": ["house_id"],
    "label": "price",
}
SPAM = {
    "name": "spam",
    "format": "csv",
    "columns": [
        {"name": "id", "type": "bigint", "required": True},
        {"name": "from_domain", "type": "string", "required": True, "pattern": r"^[a-z0-9.-]+\.[a-z]{2,}$"},
        {"name": "body", "type": "string", "required": True},
        {"name": "spam", "type": "boolean", "required": True},
    ],
    "primary_key": ["id"],
    "label": "spam",
}
CITIES = ["Austin", "Boston", "Denver", "Seattle", "Portland", "Chicago", "Atlanta", "Miami"]


def generate_houses(path: Path, rows: int, seed: int = 7, first_key: int = 1) -> None:
    """A houses CSV with prices like "$125,000" and about 0.2% dirty rows; keys from `first_key` on."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("house_id,bedrooms,bathrooms,square_feet,sold_on,garden,city,price\n")
        for i in range(first_key, first_key + rows):
            bedrooms = rng.randint(1, 6)
            feet = 400 + bedrooms * 350 + rng.randint(-150, 150)
            line = (
                f"{i},{bedrooms},{rng.choice(('1', '1.5', '2', '2.5', '3', '3.5', '4', '?'))},{feet},"
                f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.choice('TF')},"
                f'{rng.choice(CITIES)},"${95 * feet + rng.randint(0, 40) * 1000:,}"\n'
            )
            dirt = rng.random()
            if dirt < 0.0005:
                line = f"{i},{bedrooms},oops\n"  # parse_error
            elif dirt < 0.001:
                line = line.replace(f"{i},{bedrooms},", f"{i},-{bedrooms},", 1)  # out_of_range
            elif dirt < 0.0015:
                line = f"{max(1, i - 1)}" + line[len(str(i)) :]  # duplicate_key
            elif dirt < 0.002:
                line = line.replace(",2023-", ",20x3-", 1)  # type_mismatch
            out.write(line)


WORDS = ["free", "money", "offer", "click", "meeting", "agenda", "report", "invoice", "lunch", "team", "prize"]
DOMAINS = ["example.com", "mail.org", "deals.biz", "corp.net"]


def generate_spam(path: Path, rows: int, seed: int = 7) -> None:
    """An e-mail CSV with a quoted body of 10-40 words and about 0.2% dirty rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("id,from_domain,body,spam\n")
        for i in range(1, rows + 1):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
            line = f'{i},{rng.choice(DOMAINS)},"{body}",{rng.choice("TF")}\n'
            dirt = rng.random()
            if dirt < 0.0005:
                line = f"{i},{rng.choice(DOMAINS)}\n"  # parse_error
            elif dirt < 0.001:
                line = line.replace(".", "_", 1)  # pattern_mismatch
            elif dirt < 0.0015:
                line = f"{max(1, i - 1)}" + line[len(str(i)) :]  # duplicate_key
            elif dirt < 0.002:
                line = line[: line.rindex(",")] + ",maybe\n"  # type_mismatch
            out.write(line)


def generate_houses_mixed(path: Path, rows: int, seed: int = 7) -> None:
    """The houses rows in 8 files whose headers differ: column orders, an extra and a missing column."""
    whole = path.with_suffix(".whole")
    generate_houses(whole, rows, seed)
    lines = whole.read_text(encoding="utf-8").splitlines()
    whole.unlink()
    header, body = lines[0].split(","), lines[1:]
    orders = [
        header,
        list(reversed(header)),
        [*header[4:], *header[:4], "listing_agent"],  # an undeclared column
        [name for name in header if name != "garden"],  # an optional column missing
    ]
    path.mkdir(parents=True, exist_ok=True)
    size = -(-len(body) // 8)
    for part in range(8):
        names = orders[part % len(orders)]
        with (path / f"part-{part}.csv").open("w", encoding="utf-8") as out:
            out.write(",".join(names) + "\n")
            for line in body[part * size : (part + 1) * size]:
                fields = next(csv.reader([line]))
                if len(fields) != len(header):  # a malformed row stays as it is
                    out.write(line + "\n")
                    continue
                value = dict(zip(header, fields, strict=True)) | {"listing_agent": "A. Agent"}
                out.write(",".join(_quoted(value[name]) for name in names) + "\n")


def _quoted(value: str) -> str:
    return f'"{value}"' if "," in value else value


def generate_spam_multiline(path: Path, rows: int, seed: int = 7) -> None:
    """The spam rows, every tenth body quoted across two lines (a signature under the text)."""
    generate_spam(path, rows, seed)
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    with path.open("w", encoding="utf-8") as out:
        for i, line in enumerate(text):
            out.write(line.replace('",', '\n-- sent from my phone",', 1) if i % 10 == 5 else line)


DATASETS = {
    "houses": (HOUSES, generate_houses),
    "spam": (SPAM, generate_spam),
    "houses_mixed": ({**HOUSES, "name": "houses_mixed"}, generate_houses_mixed),
    "spam_multiline": ({**SPAM, "name": "spam_multiline", "options": {"multiline": True}}, generate_spam_multiline),
}


def spark_session():
    from pyspark.sql import SparkSession

    from tools.iceberg_jars import jars

    log4j = Path(__file__).resolve().parent.parent / "tools" / "log4j2.properties"
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("bench-etl")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "3g")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * (os.cpu_count() or 2))))
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j.as_uri()}")
        .config("spark.jars", ",".join(str(jar) for jar in jars()))
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def bare(spark, spec: dict, source: Path, target: Path) -> float:
    started = time.perf_counter()
    multiline = spec.get("options", {}).get("multiline", False)
    reader = spark.read.option("header", True).option("multiLine", multiline).option("escape", '"')
    reader.csv(str(source)).write.mode("overwrite").parquet(str(target))
    return time.perf_counter() - started


def required_work(spark, spec: dict, source: Path, target: Path) -> float:
    """Read, type and judge every row with the job's own code, and write each row once."""
    from pyspark.sql import functions as F

    from glue_jobs.lake_etl.job import SPARK_SETTINGS
    from glue_jobs.lake_etl.readers import FILE, read_raw
    from glue_jobs.lake_etl.rules import classify
    from glue_jobs.lake_etl.spec import parse_dataset

    for key, value in SPARK_SETTINGS.items():
        spark.conf.set(key, value)
    started = time.perf_counter()
    dataset = parse_dataset(json.dumps(spec))
    raw = read_raw(spark, dataset, _files(source))
    judged = classify(dataset, raw.df, raw.raw_record, F.col(FILE))
    judged.select(*[c.name for c in dataset.columns], "__reason").write.mode("overwrite").parquet(str(target))
    return time.perf_counter() - started


def _files(source: Path) -> list[str]:
    """The input's files in name order: the file itself, or the files of a folder."""
    return [str(p) for p in sorted(source.iterdir())] if source.is_dir() else [str(source)]


def job(spark, spec: dict, root: Path, source: Path, run_id: str, name: str | None = None) -> tuple[float, dict]:
    """One run of the job in the lake at `root`, with `source` landed in its raw zone (as `name`)."""
    import boto3

    from glue_jobs.lake_etl import contract
    from glue_jobs.lake_etl.job import parse_args, run
    from glue_jobs.lake_etl.lake_io import LocalLakeIO

    io = LocalLakeIO(root)
    dataset = spec["name"]
    folder = io.local_path(f"s3://raw/{dataset}")
    folder.mkdir(parents=True, exist_ok=True)
    files = _files(source)
    for file in files:
        target = folder / (name if name is not None and len(files) == 1 else Path(file).name)
        if target.exists() or target.is_symlink():
            target.unlink()
        target.symlink_to(file)
    arguments = contract.job_arguments(
        dataset_spec=json.dumps(spec),
        dataset=dataset,
        raw_bucket="raw",
        raw_prefix=f"{dataset}/",
        curated_bucket="curated",
        artifacts_bucket="artifacts",
        curated_database="bench_curated",
        environment="bench",
        run_id=run_id,
        ingest_date="2024-01-01",
    )
    args = parse_args(contract.command_line(arguments))
    glue, cloudwatch = boto3.client("glue"), boto3.client("cloudwatch")
    started = time.perf_counter()
    result = run(spark, args, io=io, glue=glue, cloudwatch=cloudwatch)
    return time.perf_counter() - started, {**result.summary(), "timings_seconds": result.report["timings_seconds"]}


def growth(spark, spec: dict, work: Path, history: int, rows: int, runs: int) -> list[float]:
    """Time of a run curating one new `rows`-row file into a table that already holds `history` such
    files (landed and curated first, in one run), once per timed run, each into a fresh copy."""
    folder = work / f"growth-{history}"
    folder.mkdir(exist_ok=True)
    files = []
    for n in range(history + 1):
        path = folder / f"day-{n:03d}.csv"
        if not path.exists():
            generate_houses(path, rows, seed=100 + n, first_key=1 + n * rows)
        files.append(path)
    times = []
    for attempt in range(runs):
        root = folder / f"lake-{attempt}"
        for path in files[:-1]:
            raw = LocalLakeIO(root).local_path(f"s3://raw/{spec['name']}/{path.name}")
            raw.parent.mkdir(parents=True, exist_ok=True)
            raw.symlink_to(path)
        job(spark, spec, root, files[0], f"history-{attempt}")  # curates the history
        seconds, summary = job(spark, spec, root, files[-1], f"new-{attempt}")
        assert summary["files_processed"] == 1, summary
        times.append(seconds)
        print(f"growth: {history} file(s) held, one new: {seconds:.1f} s", file=sys.stderr)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="houses")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2, help="timed runs of each (default 2; the median is shown)")
    parser.add_argument("--growth-rows", type=int, default=100_000, help="rows per file of the growth figure")
    parser.add_argument("--growth-files", type=int, default=30, help="files the larger table holds")
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"})
    from moto import mock_aws

    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp, mock_aws():
        import boto3

        boto3.client("glue").create_database(DatabaseInput={"Name": "bench_curated"})
        work = Path(tmp)
        spec, generate = DATASETS[args.dataset]
        source, warmup = work / f"{args.dataset}.csv", work / "warmup.csv"
        started = time.perf_counter()
        generate(source, args.rows)
        generate(warmup, 20_000, seed=1)
        size = sum(Path(f).stat().st_size for f in _files(source))
        print(
            f"generated {args.rows:,} rows ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )

        spark = spark_session()
        bare(spark, spec, warmup, work / "bare-warmup")
        required_work(spark, spec, warmup, work / "required-warmup")
        job(spark, spec, work / "lake-warmup", warmup, "warmup")
        bare_times, required_times, job_times, summary = [], [], [], {}
        for attempt in range(args.runs):
            bare_times.append(bare(spark, spec, source, work / "bare"))
            required_times.append(required_work(spark, spec, source, work / "required"))
            seconds, summary = job(spark, spec, work / f"lake-{attempt}", source, f"run-{attempt}")
            job_times.append(seconds)
            print(
                f"run {attempt + 1}: bare {bare_times[-1]:.1f} s, read+type+judge+write "
                f"{required_times[-1]:.1f} s, job {seconds:.1f} s",
                file=sys.stderr,
            )
        small = large = None
        if args.dataset == "houses" and args.growth_files > 0:
            small = statistics.median(growth(spark, spec, work, 1, args.growth_rows, args.runs))
            large = statistics.median(growth(spark, spec, work, args.growth_files, args.growth_rows, args.runs))
        spark.stop()

    floor, required, etl = (statistics.median(t) for t in (bare_times, required_times, job_times))
    shape = f"{args.dataset}: {args.rows:,} rows, {size / 1e6:.0f} MB CSV, {os.cpu_count()} cores"
    print(f"input                      {shape}")
    print(f"bare CSV -> Parquet        {floor:6.1f} s")
    print(f"read+type+judge+write      {required:6.1f} s   {required / floor:5.2f}x (rules only, rows written once)")
    print(f"ETL job (curate_dataset)   {etl:6.1f} s")
    print(f"ratio                      {etl / floor:6.2f}x   (target <= 2.5x)")
    print(f"job summary                {json.dumps(summary)}")
    if small is not None and large is not None:
        print(f"growth: 1 new {args.growth_rows:,}-row file into a table of 1 file   {small:6.1f} s")
        print(f"growth: the same into a table of {args.growth_files} files          {large:6.1f} s")
        print(f"growth ratio               {large / small:6.2f}x   (target <= 1.2x)")


if __name__ == "__main__":
    main()
