"""Saved Athena queries derived from the dataset declarations: what a user runs first on a table."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_athena as athena
from constructs import Construct

from config.models.catalog import NUMERIC_TYPES, DatasetSpec

from .construct_ids import construct_id

# A label of one of these types is a quantity to predict (regression), not a class: it gets a
# distribution instead of a class balance.
CONTINUOUS_TYPES = ("double",)


@dataclass(frozen=True)
class SavedQuery:
    """A named query: its name in the console, what it is for, and its SQL."""

    name: str
    description: str
    sql: str


def table(database: str, dataset: DatasetSpec) -> str:
    return f'"{database}"."{dataset.name}"'


def preview(database: str, dataset: DatasetSpec, rows: int) -> SavedQuery:
    return SavedQuery(
        name=f"{dataset.name}: preview",
        description=f"The first {rows} rows of the curated table {dataset.name}",
        sql=f"SELECT *\nFROM {table(database, dataset)}\nLIMIT {rows};",
    )


def label_balance(database: str, dataset: DatasetSpec) -> SavedQuery | None:
    """How the rows spread over the label's values (a class label), or the label's distribution
    (a continuous one): what decides whether a model needs resampling or a transform first."""
    if dataset.label is None:
        return None
    label = next(column for column in dataset.columns if column.name == dataset.label)
    source = table(database, dataset)
    if label.type in CONTINUOUS_TYPES or label.type.startswith("decimal"):
        return SavedQuery(
            name=f"{dataset.name}: label distribution",
            description=f"Distribution of the continuous label {label.name} of {dataset.name}",
            sql=(
                f"SELECT COUNT(*) AS row_count,\n"
                f'       COUNT(*) - COUNT("{label.name}") AS missing,\n'
                f'       MIN("{label.name}") AS minimum,\n'
                f'       APPROX_PERCENTILE(CAST("{label.name}" AS DOUBLE), ARRAY[0.25, 0.5, 0.75]) AS quartiles,\n'
                f'       MAX("{label.name}") AS maximum,\n'
                f'       AVG(CAST("{label.name}" AS DOUBLE)) AS mean\n'
                f"FROM {source};"
            ),
        )
    return SavedQuery(
        name=f"{dataset.name}: class balance",
        description=f"Rows per value of the label {label.name} of {dataset.name}, and their share",
        sql=(
            f'SELECT "{label.name}",\n'
            f"       COUNT(*) AS row_count,\n"
            f"       ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS percent\n"
            f"FROM {source}\n"
            f'GROUP BY "{label.name}"\n'
            f"ORDER BY row_count DESC;"
        ),
    )


def is_census_like(dataset: DatasetSpec) -> bool:
    """The course's census example needs a string column `sex` and a numeric column `age`; a dataset
    with both gets it, whatever its name (adult_census does)."""
    types = {column.name: column.type for column in dataset.columns}
    return types.get("sex") == "string" and types.get("age") in NUMERIC_TYPES


def census_example(database: str, dataset: DatasetSpec) -> SavedQuery | None:
    if not is_census_like(dataset):
        return None
    return SavedQuery(
        name=f"{dataset.name}: men over 39",
        description=f"The course's first Athena query, on {dataset.name}",
        sql=f"SELECT *\nFROM {table(database, dataset)}\nWHERE sex = 'Male' AND age > 39\nLIMIT 10;",
    )


def saved_queries(database: str, datasets: list[DatasetSpec], preview_rows: int) -> list[SavedQuery]:
    """Every saved query of the datasets, in declaration order."""
    queries = []
    for dataset in datasets:
        queries.append(preview(database, dataset, preview_rows))
        for query in (label_balance(database, dataset), census_example(database, dataset)):
            if query is not None:
                queries.append(query)
    return queries


class DatasetQueries(Construct):
    """One Athena named query per `saved_queries(...)` entry, in `workgroup`, on `database`. Given
    the workgroup resource, each depends on it explicitly, so it is created after it and deleted
    before it; given its name, the stack that holds the queries deploys after the workgroup's.

    Attributes: `queries` (CfnNamedQuery by query name).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workgroup: athena.CfnWorkGroup | str,
        database: str,
        datasets: list[DatasetSpec],
        preview_rows: int,
    ) -> None:
        super().__init__(scope, id)
        self.queries: dict[str, athena.CfnNamedQuery] = {}
        for query in saved_queries(database, datasets, preview_rows):
            named = athena.CfnNamedQuery(
                self,
                construct_id(query.name),
                name=query.name,
                description=query.description,
                database=database,
                query_string=query.sql,
                work_group=workgroup if isinstance(workgroup, str) else workgroup.ref,
            )
            if not isinstance(workgroup, str):
                named.node.add_dependency(workgroup)
            self.queries[query.name] = named
