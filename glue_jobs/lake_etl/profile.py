"""ML-readiness profile of the curated rows: the course's "traits of good data", measured.

- row count: "small datasets (less than 100 rows)" are bad data      -> min_rows
- rows per feature: "at least 10 times as many data points as features" -> min_rows_per_feature
- missing share per column: "complete fields, no missing values"      -> max_missing_share
- label class balance: "solid distribution of outcomes"               -> min_minority_share
- duplicate share: rows repeating another row's features, label and partition values
                                                                       -> max_duplicate_share

Features are the curated columns except the label and the primary key (an identifier is not a
feature). A label is categorical when it is a boolean or a string, or a number with `allowed`
values; otherwise it is continuous and has no class balance.
"""

from __future__ import annotations

from typing import Any

from .spec import Dataset


def label_kind(dataset: Dataset) -> str | None:
    if dataset.label is None:
        return None
    column = dataset.column(dataset.label)
    if column.type in ("boolean", "string") or (column.is_numeric and column.allowed is not None):
        return "categorical"
    return "continuous"


def features(dataset: Dataset) -> list[str]:
    return [c.name for c in dataset.columns if c.name != dataset.label and c.name not in dataset.primary_key]


def ml_profile(
    dataset: Dataset,
    rows: int,
    missing: dict[str, int],
    distinct_rows: int,
    label_counts: dict[str, int],
) -> dict[str, Any]:
    """The profile and its verdict, from aggregates the job computed in its one pass over the data."""
    limits = dataset.ml_thresholds
    names = features(dataset)
    rows_per_feature = rows / len(names) if names else None
    missing_share = {name: (count / rows if rows else 0.0) for name, count in missing.items()}
    duplicate_share = (rows - min(distinct_rows, rows)) / rows if rows else 0.0
    reasons = []
    if rows < limits["min_rows"]:
        reasons.append(f"{rows} rows; at least {limits['min_rows']:g} expected")
    if not names:
        reasons.append("no feature columns besides the label and the primary key")
    elif rows_per_feature < limits["min_rows_per_feature"]:
        reasons.append(
            f"{rows_per_feature:.1f} rows per feature ({rows} rows, {len(names)} features); "
            f"at least {limits['min_rows_per_feature']:g} expected"
        )
    for name, share in missing_share.items():
        if rows and share > limits["max_missing_share"]:
            reasons.append(
                f"column {name} is missing in {share:.1%} of rows; at most {limits['max_missing_share']:.0%}"
            )
    if duplicate_share > limits["max_duplicate_share"]:
        reasons.append(f"{duplicate_share:.1%} duplicate rows; at most {limits['max_duplicate_share']:.0%}")

    label: dict[str, Any] | None = None
    kind = label_kind(dataset)
    if kind is not None:
        label = {"name": dataset.label, "kind": kind}
        if kind == "categorical":
            counted = {k: v for k, v in label_counts.items() if k is not None}
            total = sum(counted.values())
            label["classes"] = dict(sorted(counted.items()))
            if total == 0:  # no curated rows, or none with a label: there is no balance to measure
                label["minority_class"], label["minority_share"] = None, 0.0
                if rows:
                    reasons.append(f"label {dataset.label} is missing in every row")
            elif len(counted) >= 2:
                minority = min(counted, key=lambda k: (counted[k], k))
                label["minority_class"] = minority
                label["minority_share"] = counted[minority] / total
                if label["minority_share"] < limits["min_minority_share"]:
                    reasons.append(
                        f"label {dataset.label} is imbalanced: class {minority!r} is {label['minority_share']:.1%} "
                        f"of labelled rows; at least {limits['min_minority_share']:.0%} expected"
                    )
            else:
                label["minority_class"], label["minority_share"] = None, 0.0
                reasons.append(f"label {dataset.label} has {len(counted)} class(es); a classifier needs at least 2")
    return {
        "dataset": dataset.name,
        "row_count": rows,
        "feature_count": len(names),
        "features": names,
        "rows_per_feature": rows_per_feature,
        "missing_share": missing_share,
        "duplicate_share": duplicate_share,
        "label": label,
        "thresholds": dict(limits),
        "ml_ready": not reasons,
        "reasons": reasons,
    }
