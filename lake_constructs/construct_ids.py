"""Construct ids derived from names in the config."""

from __future__ import annotations

import re


def construct_id(name: str) -> str:
    """`name` as a construct id, one capitalized word per run of letters and digits:
    'athena-results' -> 'AthenaResults', 'house_sales' -> 'HouseSales', 'ecr.dkr' -> 'EcrDkr',
    'houses: men over 39' -> 'HousesMenOver39'. Logical ids derive from it: keep it stable."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name))
