"""Catalog layer: Glue databases, and the datasets the platform crawls and curates."""

from .base import StrictModel


class CatalogConfig(StrictModel):
    """Always deployed: the Glue Data Catalog is what every consumer of the lake reads."""
