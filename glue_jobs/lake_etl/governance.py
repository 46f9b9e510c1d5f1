"""Lake Formation tags on the curated table the job owns.

Under Lake Formation governance the platform grants by LF-tag expression (lake_constructs/
lake_formation.py): readers of the curated zone by `zone` (inherited from the database), the job
itself and data filters by `dataset` and `classification`, which only the table can carry. The table
is created by this job at run time, so the job attaches them (AddLFTagsToResource; the job's role
holds ASSOCIATE on exactly these tag values). Without `--lf_tags` (governance mode iam) nothing is done.
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)


def parse_tags(value: str | None) -> dict[str, str]:
    """`--lf_tags` ('{"dataset": "houses", "classification": "internal"}') as a dict; {} when absent."""
    if value is None:
        return {}
    tags = json.loads(value)
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ValueError(f"--lf_tags must be a JSON object of strings, given {value!r}")
    return tags


def tag_table(lakeformation: Any, database: str, table: str, tags: dict[str, str]) -> dict[str, str]:
    """Attach `tags` to the table where it does not carry them yet; returns the tags added.

    Tags the table inherits from its database are not the table's own: they are left as they are,
    and a table-level value of the same key overrides them."""
    if not tags:
        return {}
    resource = {"Table": {"DatabaseName": database, "Name": table}}
    current = lakeformation.get_resource_lf_tags(Resource=resource, ShowAssignedLFTags=True)
    own = {tag["TagKey"]: tag["TagValues"] for tag in current.get("LFTagsOnTable", [])}
    missing = {key: value for key, value in tags.items() if own.get(key) != [value]}
    if missing:
        response = lakeformation.add_lf_tags_to_resource(
            Resource=resource, LFTags=[{"TagKey": key, "TagValues": [value]} for key, value in missing.items()]
        )
        failures = response.get("Failures", [])
        if failures:
            error = failures[0]["Error"]
            raise RuntimeError(
                f"Lake Formation refused LF-tags on {database}.{table}: {error['ErrorCode']}: {error['ErrorMessage']}"
            )
        log.info("%s.%s: LF-tags %s attached", database, table, missing)
    return missing
