"""Trains a small TensorFlow model on one labeled dataset's curated table: the EMR example step.

    spark-submit --deploy-mode cluster <Iceberg catalog --conf ...> train_model.py \\
        --dataset_spec '<DatasetSpec as JSON>' \\
        --table glue_catalog.<curated database>.<dataset> \\
        --model_path s3://<artifacts bucket>/models/<dataset>/ \\
        [--snapshot_id <id> | --training_set s3://<artifacts bucket>/training_sets/<dataset>/<name>.json]

Spark reads the curated Iceberg table: its current snapshot, a given snapshot, or a pinned training
set (the manifest `python -m tools.training_set pin` wrote: the table's snapshot and the query that
selects the rows; the run reads exactly those rows, whatever the table holds today, and `metrics.json`
names the snapshot). It keeps the numeric and boolean columns
and the string columns with an `allowed` list (one-hot) as features, and the dataset's `label` as the
target: a classification for a boolean or string label, a regression for a numeric one. TensorFlow fits a
small dense network on the driver; the model (`model.keras`) and `metrics.json` are written under
`<model_path>/run_id=<id>/` through the cluster's file system (EMRFS, so SSE-KMS applies).

Like the Glue jobs, the spec arrives as JSON and is read into plain Python: no pydantic on the cluster.
It runs on the cluster's default interpreter (Python 3.9 on EMR 7.x, where the release's TensorFlow is):
keep it 3.9-compatible (tests/processing_jobs/test_emr_interpreters.py checks it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

NUMERIC_TYPES = ("int", "bigint", "double")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset_spec", required=True, help="the DatasetSpec as JSON")
    parser.add_argument("--table", required=True, help="the curated Iceberg table: <catalog>.<database>.<dataset>")
    parser.add_argument("--snapshot_id", type=int, default=None, help="read the table as of this snapshot")
    parser.add_argument("--training_set", default=None, help="a pinned training set's manifest (JSON URI)")
    parser.add_argument("--model_path", required=True, help="s3://<artifacts bucket>/models/<dataset>/")
    parser.add_argument("--run_id", default=None, help="default: a UTC timestamp")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--max_rows", type=int, default=1_000_000, help="rows collected to the driver, at most")
    args, _ = parser.parse_known_args(argv)
    return args


def is_numeric(column_type: str) -> bool:
    return column_type in NUMERIC_TYPES or column_type.startswith("decimal")


def training_plan(spec: dict) -> dict:
    """Features, target and task of a dataset spec (a dict, as JSON gives it)."""
    label = spec.get("label")
    if label is None:
        raise ValueError(f"dataset {spec['name']!r} has no label to learn")
    columns = {column["name"]: column for column in spec["columns"]}
    target = columns[label]
    skip = {label, *spec.get("primary_key", [])}
    numeric, one_hot = [], {}
    for name, column in columns.items():
        if name in skip:
            continue
        if is_numeric(column["type"]) or column["type"] == "boolean":
            numeric.append(name)
        elif column["type"] == "string" and column.get("allowed"):
            one_hot[name] = [str(value) for value in column["allowed"]]
    if not numeric and not one_hot:
        raise ValueError(
            f"dataset {spec['name']!r} has no feature to learn from: it needs a numeric or boolean column, "
            "or a string column with an 'allowed' list, besides the label and the primary key"
        )
    if target["type"] == "boolean":
        task, classes = "classification", [False, True]
    elif target["type"] == "string":
        task, classes = "classification", None if not target.get("allowed") else [str(v) for v in target["allowed"]]
    elif is_numeric(target["type"]):
        task, classes = "regression", None
    else:
        raise ValueError(f"label {label!r} of type {target['type']} is neither a class nor a number")
    return {"label": label, "numeric": numeric, "one_hot": one_hot, "task": task, "classes": classes}


def prepare(frame, plan: dict):
    """The curated rows as (features..., target) doubles; rows with a missing value are left out.

    For a string label without an `allowed` list, the classes are the distinct values found, and
    `plan["classes"]` is filled in.
    """
    from pyspark.sql import functions as F

    label = plan["label"]
    if plan["task"] == "classification" and plan["classes"] is None:
        found = frame.where(F.col(label).isNotNull()).select(label).distinct().orderBy(label).collect()
        plan["classes"] = [row[0] for row in found]
    features = [F.col(name).cast("double").alias(name) for name in plan["numeric"]]
    for name, values in plan["one_hot"].items():
        features += [
            F.when(F.col(name).isNull(), None).otherwise((F.col(name) == value).cast("double")).alias(f"{name}={value}")
            for value in values
        ]
    if plan["task"] == "classification":
        target = F.lit(None).cast("double")
        for index, value in reversed(list(enumerate(plan["classes"]))):
            target = F.when(F.col(label) == F.lit(value), F.lit(float(index))).otherwise(target)
    else:
        target = F.col(label).cast("double")
    return frame.select(*features, target.alias("target")).dropna()


def to_arrays(prepared, max_rows: int):
    import numpy as np

    rows = prepared.limit(max_rows).collect()
    if not rows:
        raise ValueError("the curated table has no complete row to learn from")
    data = np.array([list(row) for row in rows], dtype="float32")
    return data[:, :-1], data[:, -1]


def split(x, y, validation_share: float = 0.2, seed: int = 7):
    order = list(range(len(y)))
    random.Random(seed).shuffle(order)
    cut = max(1, int(len(order) * (1 - validation_share)))
    # A table too small to hold out rows is validated on what it trained on (the example still runs).
    train, validation = order[:cut], order[cut:] or order[:cut]
    return x[train], y[train], x[validation], y[validation]


def train(x, y, plan: dict, epochs: int):
    import tensorflow as tf

    x_train, y_train, x_val, y_val = split(x, y)
    normalize = tf.keras.layers.Normalization()
    normalize.adapt(x_train)
    classification = plan["task"] == "classification"
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(x.shape[1],)),
            normalize,
            tf.keras.layers.Dense(16, activation="relu"),
            tf.keras.layers.Dense(len(plan["classes"]), activation="softmax")
            if classification
            else tf.keras.layers.Dense(1),
        ]
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy" if classification else "mse",
        metrics=["accuracy"] if classification else ["mae"],
    )
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, verbose=2)
    final = {name: float(values[-1]) for name, values in history.history.items()}
    return model, final


def publish(spark, local_dir: Path, destination: str) -> None:
    """Copy every file of `local_dir` to `destination` through Hadoop's file system (EMRFS on EMR)."""
    hadoop_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path
    folder = destination.rstrip("/")
    file_system = hadoop_path(folder).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    for path in sorted(local_dir.iterdir()):
        file_system.copyFromLocalFile(False, True, hadoop_path(str(path)), hadoop_path(f"{folder}/{path.name}"))


def training_rows(spark, args: argparse.Namespace):
    """The rows to learn from and the snapshot they are read at (None: the table's current one)."""
    if args.training_set is not None:
        manifest = json.loads(spark.read.text(args.training_set, wholetext=True).first()[0])
        snapshot = int(manifest["snapshot_id"])
        pinned = f"(SELECT * FROM {args.table} VERSION AS OF {snapshot})"
        return spark.sql(manifest["query"].replace("{table}", pinned)), snapshot
    if args.snapshot_id is not None:
        return spark.sql(f"SELECT * FROM {args.table} VERSION AS OF {args.snapshot_id}"), args.snapshot_id
    return spark.table(args.table), None


def run(args: argparse.Namespace) -> dict:
    from pyspark.sql import SparkSession

    spec = json.loads(args.dataset_spec)
    plan = training_plan(spec)
    spark = SparkSession.builder.appName(f"train-{spec['name']}").getOrCreate()
    frame, snapshot = training_rows(spark, args)
    prepared = prepare(frame, plan)
    x, y = to_arrays(prepared, args.max_rows)
    model, metrics = train(x, y, plan, args.epochs)
    run_id = args.run_id if args.run_id is not None else datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    summary = {
        "dataset": spec["name"],
        "run_id": run_id,
        "rows": len(y),
        "table": args.table,
        "snapshot_id": snapshot,
        "training_set": args.training_set,
        "features": plan["numeric"] + [f"{n}={v}" for n, values in plan["one_hot"].items() for v in values],
        "label": plan["label"],
        "task": plan["task"],
        "classes": [str(c) for c in plan["classes"]] if plan["classes"] is not None else None,
        "metrics": metrics,
    }
    with tempfile.TemporaryDirectory() as work:
        local = Path(work)
        model.save(str(local / "model.keras"))
        (local / "metrics.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        publish(spark, local, f"{args.model_path.rstrip('/')}/run_id={run_id}/")
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    run(parse_args(sys.argv[1:]))
