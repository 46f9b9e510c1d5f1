"""A snapshot of every template of every environment: any change shows up as a reviewable diff.

Update on purpose with `make snapshots`. A replaced bucket, key, database or cluster in the diff is
a data-loss risk; a widened IAM statement is a security change.
"""

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from config import PlatformConfig
from lake_constructs.construct_ids import construct_id

from .conftest import ENVIRONMENTS

# Asset hashes change with any byte of a bundled file or of aws-cdk-lib's own handlers; the
# asset's content is tested where it is built, so the snapshot keeps only that an asset is there.
# So do the pipeline's asset-publishing destinations, which carry a short hash of their own.
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
PUBLISH_DESTINATION = re.compile(r"\b(current_account-current_region)-[0-9a-f]{8}\b")


def normalized(template: dict, *configs: PlatformConfig) -> dict:
    """`template` without asset churn, with the derived names of `configs` as placeholders."""
    text = PUBLISH_DESTINATION.sub(r"\1-<hash>", ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    for config in configs:
        text = _names_as_placeholders(text, config)
    return _assets_in_order(json.loads(text))


def _names_as_placeholders(text: str, config: PlatformConfig) -> str:
    """The config's derived names as placeholders, so a project renamed in its environments (a
    fork's first change) keeps every snapshot; the names themselves are tested where they are built."""
    for name, placeholder in (
        (config.name_prefix, f"<prefix:{config.environment}>"),
        (config.bucket_prefix, f"<bucket-prefix:{config.environment}>"),
        (config.database_name("").rstrip("_"), f"<database-prefix:{config.environment}>"),
    ):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name)}(?=[^A-Za-z0-9]|$)", placeholder, text)
    # Construct paths squashed into logical ids ('...tomlakedevingestion...1D0B66F0'): the prefix as a
    # placeholder, and the id's trailing hash (of the path, so of the name) masked.
    squashed = re.escape(config.name_prefix.replace("-", ""))
    project = re.escape(config.project)

    def squashed_id(match: re.Match) -> str:
        token = match[0].replace(config.name_prefix.replace("-", ""), f"<prefix-id:{config.environment}>")
        token = re.sub(rf"^{project}pipeline", "<project>pipeline", token)
        # Hashes of paths under the prefix: the id's own (trailing) and its parts' (after a lowercase).
        return re.sub(r"(?<=[a-z])[0-9A-F]{8}|[0-9A-F]{8}$", "<hash>", token)

    text = re.sub(rf"[A-Za-z0-9]*{squashed}[A-Za-z0-9]*", squashed_id, text)
    # Construct ids made from a derived name (construct_id('<prefix>-crm') -> 'MlakeProdCrm...'): the
    # prefix as a placeholder, and the logical id's trailing hash (of the path, so of the name) masked.
    camel = re.escape(construct_id(config.name_prefix))
    text = re.sub(
        rf"(?<![A-Za-z0-9]){camel}([A-Za-z0-9]*?)[0-9A-F]{{8}}(?![A-Za-z0-9])",
        rf"<prefix-id:{config.environment}>\1<hash>",
        text,
    )
    text = re.sub(rf"(?<![A-Za-z0-9]){project}pipeline(?=[A-Za-z0-9])", "<project>pipeline", text)
    text = text.replace(f"{config.project} {config.environment}", f"<project> {config.environment}")
    # The project alone: tag values and '<project>-pipeline'.
    return re.sub(rf'(?<![A-Za-z0-9]){project}(?=[-_":])', "<project>", text)


def _assets_in_order(node):
    """Sort the resources of an IAM statement that names an asset: their order follows the asset
    hashes (and so moves with any change to a bundled file), while IAM reads the list as a set."""
    if isinstance(node, list):
        return [_assets_in_order(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _assets_in_order(value) for key, value in node.items()}
    resources = node.get("Resource")
    if "Effect" in node and isinstance(resources, list) and "<asset-hash>" in json.dumps(resources):
        node["Resource"] = sorted(resources, key=lambda r: json.dumps(r, sort_keys=True))
    return node


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_templates_match_their_snapshots(synths, snapshot_json, env):
    synth = synths[env]
    for layer, template in sorted(synth.stacks.items()):
        assert normalized(template, synth.config) == snapshot_json(name=f"{env}-{layer}")
