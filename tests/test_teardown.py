"""An ephemeral environment destroys and deploys again: nothing that carries a fixed name survives
`cdk destroy` (a retained named resource makes the next deploy fail on "already exists")."""

from __future__ import annotations

import re

import pytest

from config import load_config

from .conftest import ENVIRONMENTS

RETAINED = ("Retain", "RetainExceptOnCreate")
# Properties that give a resource its name (or identifier) in the account, e.g. Name, TopicName,
# LogGroupName, ClusterIdentifier, AliasName, SecurityConfigurationName.
NAME_PROPERTY = re.compile(r"(Name|Identifier)$")
EPHEMERAL = [env for env in ENVIRONMENTS if load_config(env).ephemeral]


def named_and_retained(template: dict) -> list[str]:
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("DeletionPolicy") not in RETAINED:
            continue
        names = [key for key in resource.get("Properties", {}) if NAME_PROPERTY.search(key)]
        if names:
            found.append(f"{logical_id} ({resource['Type']}, {', '.join(names)})")
    return found


@pytest.mark.parametrize("env", EPHEMERAL)
def test_no_named_resource_outlives_an_ephemeral_destroy(synths, env):
    for layer, template in synths[env].stacks.items():
        assert named_and_retained(template) == [], f"{env} {layer}: retained with a fixed name"


def test_the_check_sees_a_retained_name():
    template = {
        "Resources": {
            "Config": {
                "Type": "AWS::Glue::SecurityConfiguration",
                "DeletionPolicy": "Retain",
                "Properties": {"Name": "x-ingestion"},
            },
            "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
        }
    }
    assert named_and_retained(template) == ["Config (AWS::Glue::SecurityConfiguration, Name)"]
