"""The curate job: raw files in, curated Parquet + quarantine + catalog + metrics + reports out.

    read (by format) -> normalize + type -> judge each row (first failing rule) -> cache
        -> [duplicate keys] -> aggregates (counts, profile) -> write curated -> write quarantine
        -> check rows in = curated + quarantined -> catalog -> metrics -> run_report + ml_profile

The input is read once: the judged rows are cached (memory, spilling to disk) and every output and
aggregate is computed from that cache.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from . import catalog, cdc, governance, metrics, training_sets
from .lake_io import S3LakeIO, join_uri, split_uri
from .profile import features, label_kind, ml_profile
from .readers import FILE, read_raw
from .rules import REASONS, checks, classify, mark_duplicates
from .spec import Dataset, SpecError, parse_dataset
from .table import CuratedTable, quote
from .table import maintain as maintain_table

log = logging.getLogger("lake_etl")

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RUN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# Session settings the rules rely on: casts yield null instead of failing (ANSI off), date patterns
# follow the documented Spark 3 rules, and a malformed CSV line is detected even when its extra
# fields are not selected (column pruning would hide it). Plus one for speed.
SPARK_SETTINGS = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",  # timestamps without an offset mean UTC, here as on Glue
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.csv.parser.columnPruning.enabled": "false",
    # The reader and the rules make one long generated method per stage; HotSpot does not JIT-compile
    # a method over 8000 bytes of bytecode, so above that the whole stage would run interpreted (more
    # columns, longer method). Spark's configuration reference: "When running on HotSpot, it may be
    # preferable to set the value to 8000"; Spark then runs such a stage without whole-stage codegen,
    # in smaller generated functions (houses: 1M rows read, typed and judged in 4.7 s instead of 8.1 s).
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # The cache lives for one run and is read two or three times: compressing it costs more than it saves.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
    # Adaptive execution may replace a plan part it finds empty by an empty relation, dropping the
    # observed metrics with it: the counts of a run must always arrive (else Observation.get waits).
    "spark.sql.adaptive.optimizer.excludedRules": "org.apache.spark.sql.execution.adaptive.AQEPropagateEmptyRelation",
}


CONSUMED_FOLDER = "_consumed"  # curated bucket: <folder>/<dataset>/<run>.json, the consumed-objects manifests


class InvariantError(RuntimeError):
    """Rows in != rows curated + rows quarantined: the run must fail, loudly."""


@dataclass(frozen=True)
class JobArgs:
    dataset_spec: str
    raw_path: str
    curated_path: str
    quarantine_path: str
    report_path: str
    curated_database: str
    environment: str
    metrics_namespace: str = "MLDataLake/ETL"
    run_id: str | None = None
    ingest_date: str | None = None
    ml_thresholds: str | None = None
    lf_tags: str | None = None
    job_run_id: str | None = None
    mode: str = "curate"
    maintenance: str | None = None
    training_sets_path: str | None = None


@dataclass
class RunResult:
    report: dict[str, Any]
    profile: dict[str, Any]
    metric_data: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "dataset": self.report["dataset"],
            "files_processed": self.report["files_processed"],
            "rows_in": self.report["rows_in"],
            "rows_curated": self.report["rows_curated"],
            "rows_quarantined": self.report["rows_quarantined"],
            "quarantine_reasons": self.report["quarantine_reasons"],
            "ml_ready": self.profile["ml_ready"],
            "table_rows": self.report["table_rows"],
            "snapshot_id": self.report["snapshot_id"],
        }


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Curate one dataset of the lake.")
    required = ("dataset_spec", "raw_path", "curated_path", "quarantine_path", "report_path", "curated_database")
    for name in required:
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--environment", required=True)
    parser.add_argument("--metrics_namespace", default="MLDataLake/ETL")
    parser.add_argument("--run_id", default=None, help="default: Glue's JOB_RUN_ID, else a UTC timestamp")
    parser.add_argument("--ingest_date", default=None, help="YYYY-MM-DD; default: today (UTC)")
    parser.add_argument("--ml_thresholds", default=None, help="JSON object overriding ML-readiness thresholds")
    parser.add_argument("--lf_tags", default=None, help="JSON object of LF-tags for the curated table")
    parser.add_argument("--JOB_RUN_ID", dest="job_run_id", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("curate", "maintain"), default="curate", help="maintain: table upkeep")
    parser.add_argument("--maintenance", default=None, help="JSON: the maintenance settings (catalog.etl.maintenance)")
    parser.add_argument(
        "--training_sets_path",
        default=None,
        help="maintain: s3://<artifacts bucket>/training_sets/<dataset>/, the pinned training sets to tag",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> JobArgs:
    # Glue adds arguments of its own (--JOB_ID, --TempDir, --job-bookmark-option, ...): ignore them.
    known, _ = argument_parser().parse_known_args(argv)
    return JobArgs(**vars(known))


def run(
    spark: SparkSession,
    args: JobArgs,
    io: Any = None,
    glue: Any = None,
    cloudwatch: Any = None,
    lakeformation: Any = None,
) -> RunResult:
    """Curate the raw objects under `args.raw_path` not curated before; `io` is the storage seam."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    dataset = parse_dataset(args.dataset_spec, args.ml_thresholds)
    lf_tags = governance.parse_tags(args.lf_tags)
    ingest_date = started.strftime("%Y-%m-%d") if args.ingest_date is None else args.ingest_date
    if not DATE.match(ingest_date):
        raise SpecError(f"--ingest_date must be YYYY-MM-DD, given {ingest_date!r}")
    run_id = _run_id(args, started)
    if io is None:
        io = S3LakeIO()
    if glue is None or cloudwatch is None:
        import boto3

        glue = boto3.client("glue") if glue is None else glue
        cloudwatch = boto3.client("cloudwatch") if cloudwatch is None else cloudwatch
    if lf_tags and lakeformation is None:
        import boto3

        lakeformation = boto3.client("lakeformation")
    for key, value in SPARK_SETTINGS.items():
        spark.conf.set(key, value)

    timings: dict[str, float] = {}
    curated_bucket, _ = split_uri(args.curated_path)
    with _timed(timings, "list_and_plan"):  # includes reading each CSV file's header
        catalog_name = io.iceberg_catalog(spark, f"s3://{curated_bucket}/")
        table = CuratedTable(spark, catalog_name, args.curated_database, dataset, io.table_location(args.curated_path))
        table.ensure()
        base = table.snapshot_id()
        manifest = table.consumed_manifest()
        consumed = set() if manifest is None else {tuple(item) for item in io.get_json(manifest)["objects"]}
        listed = io.list_objects(args.raw_path)
        pending = [o for o in listed if (o.uri, o.version) not in consumed]
        log.info("%s: %d raw object(s), %d not curated yet", dataset.name, len(listed), len(pending))
        paths = [io.spark_path(o.uri) for o in pending]
        read_as = dataset.read_as()  # with the CDC operation and sequence columns, when the dataset has CDC
        raw = read_raw(spark, read_as, paths)
        judged = classify(read_as, raw.df, raw.raw_record, F.col(FILE))
        # Besides reading the input once, the cache keeps each write's generated code small: a filter
        # straight after reading and judging makes one method too large for the JVM to compile.
        cached = judged.persist(StorageLevel.MEMORY_AND_DISK)
    duplicated = None
    branch = table.create_branch(run_id, base) if pending else None
    quarantine_uri = join_uri(args.quarantine_path, f"ingest_date={ingest_date}", f"run_id={run_id}")
    committed = False
    try:
        # The first action reads the input and fills the cache; everything after reads the cache.
        with _timed(timings, "read_judge_duplicates"):
            if dataset.cdc is None:  # change rows repeat keys by design: each one applies in sequence order
                judged, duplicated = mark_duplicates(dataset, cached)
            if dataset.primary_key and base is not None and dataset.on_existing_key == "quarantine" and not dataset.cdc:
                judged = _mark_stored_keys(dataset, judged, table.stored_keys(base, judged))
        with _timed(timings, "write_curated_and_aggregate"):
            changes: dict[str, int] = {}
            rows_in, curated = _write_curated(dataset, judged, table, branch, ingest_date, base, changes)
        with _timed(timings, "write_quarantine"):
            source_file = io.logical_file(F.col("__file"))
            quarantine = _quarantine_rows(dataset, judged, run_id, raw.record_text(F.col("__raw")), source_file)
            quarantined = _write_quarantine(dataset, quarantine, io.spark_path(quarantine_uri) if pending else None)
        with _timed(timings, "label_values"):
            labels = _labels(dataset, judged)

        counts = _summarize(dataset, curated, quarantined)
        rows_curated, rows_quarantined = curated["rows"], quarantined["rows"]
        report: dict[str, Any] = {
            "dataset": dataset.name,
            "environment": args.environment,
            "run_id": run_id,
            "ingest_date": ingest_date,
            "started_at": started.isoformat(),
            "input": {
                "raw_path": args.raw_path,
                "files": len(pending),
                "files_listed": len(listed),
                "objects": [{"uri": o.uri, "version": o.version} for o in pending],
                "format": dataset.format,
            },
            "files_processed": len(pending),
            "rows_in": rows_in,
            "rows_curated": rows_curated,
            "rows_quarantined": rows_quarantined,
            "quarantine_reasons": counts["reasons"],
            "quarantine_columns": counts["by_column"],
            **({"changes": changes} if dataset.cdc is not None else {}),
            "columns": {"absent_from_input": raw.absent_columns, "ignored_extra": raw.ignored_columns},
            "outputs": {
                "quarantine": quarantine_uri + "/",
                "table": f"{args.curated_database}.{dataset.name}",
            },
        }
        report_dir = join_uri(args.report_path, f"ingest_date={ingest_date}", f"run_id={run_id}")
        if rows_in != rows_curated + rows_quarantined:
            report["status"] = "failed"
            report["error"] = "rows in != rows curated + rows quarantined"
            io.put_json(join_uri(report_dir, "run_report.json"), report)
            raise InvariantError(
                f"{dataset.name}: rows in ({rows_in}) != rows curated ({rows_curated}) "
                f"+ rows quarantined ({rows_quarantined})"
            )
        with _timed(timings, "commit"):
            snapshot_id = base
            if branch is not None:
                # Outside the table's folder: Iceberg's orphan-file removal deletes what its metadata does not name.
                new_manifest = join_uri(
                    f"s3://{curated_bucket}", CONSUMED_FOLDER, dataset.name, f"{run_id}-{uuid.uuid4().hex[:8]}.json"
                )
                everything = sorted(consumed | {(o.uri, o.version) for o in pending})
                io.put_json(new_manifest, {"dataset": dataset.name, "run_id": run_id, "objects": everything})
                snapshot_id = table.commit(branch, new_manifest)
                committed = True
    except BaseException:
        if branch is not None and not committed:
            table.drop_branch(branch)
            io.delete_prefix(quarantine_uri)
        raise
    finally:
        cached.unpersist(blocking=False)
        if duplicated is not None:
            duplicated.unpersist()

    with _timed(timings, "catalog_and_metrics"):
        if table.location is None:  # a local (Hadoop) catalog: write the Glue entry Glue's catalog would
            catalog.register(
                glue,
                args.curated_database,
                dataset,
                io.uri_of(table.table_location()),
                io.uri_of(table.metadata_location()),
            )
        governance.tag_table(lakeformation, args.curated_database, dataset.name, lf_tags)
        metric_data = metrics.publish(
            cloudwatch,
            args.metrics_namespace,
            args.environment,
            dataset.name,
            {"RowsIn": rows_in, "RowsCurated": rows_curated, "RowsQuarantined": rows_quarantined},
            started,
        )
    labels = counts["labels"] if labels is None else labels
    profile = ml_profile(dataset, rows_curated, counts["missing"], counts["distinct_rows"], labels)
    profile.update(run_id=run_id, ingest_date=ingest_date)
    report.update(
        status="succeeded",
        snapshot_id=snapshot_id,
        base_snapshot_id=base,
        committed=committed,
        table_rows=table.total_rows(snapshot_id),
        ml_ready=profile["ml_ready"],
        finished_at=datetime.now(UTC).isoformat(),
        duration_seconds=round(time.perf_counter() - clock, 3),
        timings_seconds=timings,
        reports={
            "run_report": join_uri(report_dir, "run_report.json"),
            "ml_profile": join_uri(report_dir, "ml_profile.json"),
        },
    )
    io.put_json(report["reports"]["ml_profile"], profile)
    io.put_json(report["reports"]["run_report"], report)
    log.info(
        "%s: %d file(s), %d in, %d curated, %d quarantined %s; snapshot %s; ml_ready=%s",
        dataset.name,
        len(pending),
        rows_in,
        rows_curated,
        rows_quarantined,
        counts["reasons"],
        snapshot_id,
        profile["ml_ready"],
    )
    return RunResult(report, profile, metric_data)


@contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[phase] = round(time.perf_counter() - started, 3)


def _run_id(args: JobArgs, started: datetime) -> str:
    if args.run_id is not None:
        run_id = args.run_id
    elif args.job_run_id is not None:
        run_id = args.job_run_id
    else:
        run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    if not RUN_ID.match(run_id):
        raise SpecError(f"--run_id may hold letters, digits and _ . : - (at most 128), given {run_id!r}")
    return run_id


def _checked_pairs(dataset: Dataset) -> list[tuple[str, str]]:
    """Every (reason, column) a row can be quarantined for, besides parse_error."""
    pairs = [(reason, column) for reason, column, _ in checks(dataset) if column is not None]
    if dataset.primary_key:
        pairs.append(("duplicate_key", ",".join(dataset.primary_key)))
    return list(dict.fromkeys(pairs))


def _known_classes(dataset: Dataset) -> list[Any] | None:
    """The label's classes when the declaration tells them (boolean, or `allowed`), else None."""
    column = dataset.column(dataset.label) if label_kind(dataset) == "categorical" else None
    if column is None:
        return None
    if column.allowed is not None:
        return list(column.allowed)
    return [False, True] if column.type == "boolean" else None


def _curated_metrics(dataset: Dataset) -> list[Column]:
    """Aggregates of the curated rows, observed as they are written (no extra pass).

    Distinct curated rows are compared on features, label and partition values, with HyperLogLog++
    over a 64-bit row hash (within about 1%).
    """
    metrics = [F.count(F.lit(1)).alias("rows")]
    metrics += [F.count_if(F.col(c.name).isNull()).alias(f"missing:{c.name}") for c in dataset.columns]
    compared = list(dict.fromkeys([*features(dataset), *dataset.partition_by, *filter(None, [dataset.label])]))
    if compared:
        metrics.append(F.approx_count_distinct(F.xxhash64(*compared), 0.01).alias("distinct"))
    classes = _known_classes(dataset)
    for i, value in enumerate([] if classes is None else classes):
        metrics.append(F.count_if(F.col(dataset.label) == F.lit(value)).alias(f"class:{i}"))
    return metrics


def _quarantine_metrics(dataset: Dataset) -> list[Column]:
    """Rows per reason, and per (reason, column), observed on the quarantined rows as they are written."""
    reason = F.col("reason")
    metrics = [F.count(F.lit(1)).alias("rows")]
    metrics += [F.count_if(reason == r).alias(f"reason:{r}") for r in REASONS]
    metrics += [
        F.count_if((reason == r) & (F.col("column") == c)).alias(f"column:{r}:{c}") for r, c in _checked_pairs(dataset)
    ]
    return metrics


def _summarize(dataset: Dataset, curated: dict[str, Any], quarantined: dict[str, Any]) -> dict[str, Any]:
    by_column: dict[str, dict[str, int]] = {}
    for reason, column in _checked_pairs(dataset):
        if quarantined[f"column:{reason}:{column}"]:
            by_column.setdefault(reason, {})[column] = quarantined[f"column:{reason}:{column}"]
    classes = _known_classes(dataset)
    labels = {}
    if classes is not None:
        label_type = dataset.column(dataset.label).type
        for i, value in enumerate(classes):
            name = str(value).lower() if label_type == "boolean" else str(value)
            labels[name] = curated[f"class:{i}"]
    return {
        "reasons": {r: quarantined[f"reason:{r}"] for r in REASONS if quarantined[f"reason:{r}"]},
        "by_column": by_column,
        "missing": {c.name: curated[f"missing:{c.name}"] for c in dataset.columns},
        "distinct_rows": curated.get("distinct", 1),
        "labels": labels,
    }


def _labels(dataset: Dataset, judged: DataFrame) -> dict[str, int] | None:
    """Label classes of curated rows when the declaration does not list them (a small aggregate), else None."""
    if label_kind(dataset) != "categorical" or _known_classes(dataset) is not None:
        return None
    label = F.col(dataset.label).cast("string").alias("__label")
    rows = judged.where(F.col("__reason").isNull()).groupBy(label).count().collect()
    return {row["__label"]: row["count"] for row in rows}


def _mark_stored_keys(dataset: Dataset, judged: DataFrame, stored: DataFrame) -> DataFrame:
    """on_existing_key: quarantine. A valid row whose key the table already holds is a duplicate_key."""
    keys = list(dataset.primary_key)
    flagged = judged.join(stored.withColumn("__stored", F.lit(True)), on=keys, how="left")
    duplicate = F.col("__reason").isNull() & F.col("__stored").isNotNull()
    return flagged.select(
        *[c for c in judged.columns if c not in ("__reason", "__column")],
        F.when(duplicate, F.lit("duplicate_key")).otherwise(F.col("__reason")).alias("__reason"),
        F.when(duplicate, F.lit(",".join(keys))).otherwise(F.col("__column")).alias("__column"),
    )


def _write_curated(
    dataset: Dataset,
    judged: DataFrame,
    table: CuratedTable,
    branch: str | None,
    ingest_date: str,
    base: int | None,
    changes: dict[str, int],
) -> tuple[int, dict[str, Any]]:
    """Write the run's curated rows to its branch: append; MERGE INTO by key (on_existing_key: update);
    or apply them as changes (cdc), filling `changes` with what happened to them.

    Returns the rows in (counted on every row, before the split into curated and quarantined) and
    the aggregates of the curated rows (counted as they reach the writer), both from this one pass.
    With no branch (nothing to curate) the same pass runs into Spark's no-op sink.
    """
    everything, curated_rows = Observation("rows_in"), Observation("curated")
    stored = [name for name, _ in dataset.stored_columns]
    bookkeeping = [] if dataset.cdc is None else [F.col(dataset.cdc.operation_column).alias("__op"), F.col("__row")]
    curated = (
        judged.observe(everything, F.count(F.lit(1)).alias("rows"))
        .where(F.col("__reason").isNull())
        .select(*stored, F.lit(ingest_date).alias("ingest_date"), *bookkeeping)
        .observe(curated_rows, *_curated_metrics(dataset))
    )
    if branch is None:
        curated.write.format("noop").mode("overwrite").save()
    elif dataset.cdc is not None or dataset.on_existing_key == "update":
        with _materialized(curated) as source:
            if dataset.cdc is not None:
                changes.update(cdc.apply(table, branch, dataset, source, base))
            else:
                with cdc.temp_view(source) as view:
                    on = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in dataset.primary_key)
                    table.spark.sql(
                        f"MERGE INTO {table.branch_name(branch)} t USING {view} s ON {on} "
                        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
                    )
    else:
        curated.writeTo(table.branch_name(branch)).append()
    if branch is None and dataset.cdc is not None:
        changes.update(cdc.NO_CHANGES)
    return everything.get["rows"], curated_rows.get


@contextmanager
def _materialized(frame: DataFrame) -> Iterator[DataFrame]:
    """`frame` computed once (its observed metrics with it) and cut from its lineage: MERGE INTO
    refuses a source whose plan holds non-deterministic expressions (file names, read order ids)."""
    cached = frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        cached.count()
        yield cached.localCheckpoint(eager=True)
    finally:
        cached.unpersist(blocking=False)


def _quarantine_rows(
    dataset: Dataset, judged: DataFrame, run_id: str, raw_record: Column, source_file: Column
) -> DataFrame:
    # A duplicate passed every other rule, so it was not kept raw: its record is the row as typed.
    as_typed = F.to_json(F.struct(*[c.name for c in dataset.columns]), {"ignoreNullFields": "false"})
    return judged.where(F.col("__reason").isNotNull()).select(
        F.lit(run_id).alias("run_id"),
        F.col("__reason").alias("reason"),
        F.col("__column").alias("column"),
        F.coalesce(raw_record, as_typed).alias("raw_record"),
        source_file.alias("source_file"),
    )


def _write_quarantine(dataset: Dataset, quarantine: DataFrame, path: str | None) -> dict[str, Any]:
    """Write the run's quarantined rows (JSON lines) to its own folder; returns their counts."""
    observed = Observation("quarantine")
    writer = quarantine.observe(observed, *_quarantine_metrics(dataset)).write.mode("overwrite")
    if path is None:
        writer.format("noop").save()
    else:
        writer.option("ignoreNullFields", False).json(path)
    return observed.get


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> RunResult:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    if spark is None:
        spark = SparkSession.builder.appName("curate_dataset").getOrCreate()
    if args.mode == "maintain":
        return maintain(spark, args)
    return run(spark, args)


def maintain(spark: SparkSession, args: JobArgs, io: Any = None) -> RunResult:
    """Maintenance mode: tag the snapshots of pinned training sets, then compaction, snapshot expiry and
    orphan-file removal on the dataset's table. Without the training sets' folder it refuses to run:
    expiry could otherwise remove a snapshot a training set was pinned to through Athena."""
    started = datetime.now(UTC)
    if args.training_sets_path is None:
        raise ValueError("--mode maintain needs --training_sets_path (the pinned training sets of the dataset)")
    dataset = parse_dataset(args.dataset_spec)
    settings = json.loads(args.maintenance or "{}")
    io = S3LakeIO() if io is None else io
    curated_bucket, _ = split_uri(args.curated_path)
    catalog_name = io.iceberg_catalog(spark, f"s3://{curated_bucket}/")
    table = CuratedTable(spark, catalog_name, args.curated_database, dataset, io.table_location(args.curated_path))
    table.ensure()
    run_id = _run_id(args, started)
    report = {
        "dataset": dataset.name,
        "run_id": run_id,
        "started_at": started.isoformat(),
        "settings": settings,
        "training_sets": training_sets.tag_pinned(table, io, args.training_sets_path),
        **maintain_table(
            table,
            now=started,
            snapshot_retention_days=int(settings.get("snapshot_retention_days", 7)),
            snapshots_to_retain=int(settings.get("snapshots_to_retain", 5)),
            orphan_file_retention_days=int(settings.get("orphan_file_retention_days", 3)),
            compaction=bool(settings.get("compaction", True)),
        ),
        "status": "succeeded",
    }
    io.put_json(join_uri(args.report_path, "maintenance", f"run_id={run_id}", "report.json"), report)
    log.info("%s: maintenance done: %s", dataset.name, report)
    return RunResult(report, {})
