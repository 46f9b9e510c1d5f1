"""The curated table's entry in the Glue Data Catalog, where no Iceberg Glue catalog writes it.

On Glue and EMR the job writes through Iceberg's Glue catalog, which keeps the Glue table (type
ICEBERG, `metadata_location`, columns) in step with every commit itself. Local runs use a Hadoop
(file) catalog; `register` then writes the same Glue entry (here into moto's Glue) so the catalog
view of the lake stays true: what Athena, Redshift Spectrum and EMR would find.
"""

from __future__ import annotations

from typing import Any

from .spec import Dataset
from .table import CuratedTable, comment_of


def table_input(dataset: Dataset, location: str, metadata_location: str, previous: str | None) -> dict[str, Any]:
    columns = [
        {"Name": name, "Type": kind, "Comment": comment_of(dataset, name)}
        for name, kind in CuratedTable.columns_of(dataset)
    ]
    parameters = {
        "table_type": "ICEBERG",
        "metadata_location": metadata_location,
        "lake.primary_key": ",".join(dataset.primary_key),
        "lake.label": "" if dataset.label is None else dataset.label,
    }
    if previous is not None and previous != metadata_location:
        parameters["previous_metadata_location"] = previous
    return {
        "Name": dataset.name,
        "Description": f"Curated {dataset.name}: typed, validated and de-duplicated by the lake's ETL job.",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "StorageDescriptor": {"Columns": columns, "Location": location.rstrip("/")},
    }


def register(glue: Any, database: str, dataset: Dataset, location: str, metadata_location: str) -> dict[str, Any]:
    """Create or update the Glue entry of the Iceberg table at `metadata_location`; returns the entry."""
    try:
        current = glue.get_table(DatabaseName=database, Name=dataset.name)["Table"]
        table = table_input(dataset, location, metadata_location, current["Parameters"].get("metadata_location"))
        glue.update_table(DatabaseName=database, TableInput=table)
    except glue.exceptions.EntityNotFoundException:
        table = table_input(dataset, location, metadata_location, None)
        glue.create_table(DatabaseName=database, TableInput=table)
    return table
