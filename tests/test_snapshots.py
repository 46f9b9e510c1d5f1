"""A snapshot of every template of every environment: any change shows up as a reviewable diff.

Update on purpose with `make snapshots`. A replaced bucket, key, database or cluster in the diff is
a data-loss risk; a widened IAM statement is a security change.
"""

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from .conftest import ENVIRONMENTS

# Asset hashes change with any byte of a bundled file or of aws-cdk-lib's own handlers; the
# asset's content is tested where it is built, so the snapshot keeps only that an asset is there.
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalized(template: dict) -> dict:
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_templates_match_their_snapshots(synths, snapshot_json, env):
    synth = synths[env]
    for layer, template in sorted(synth.stacks.items()):
        assert normalized(template) == snapshot_json(name=f"{env}-{layer}")
