"""No template of any environment holds a password or secret value as a literal.

Credentials reach resources only as Secrets Manager references: a secret's ARN given to a service
that reads it through a role (DMS `SecretsManagerSecretId`, Glue `SECRET_ID`), or a
`{{resolve:secretsmanager:...}}` dynamic reference that CloudFormation resolves at deploy time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import PLATFORMS

# Keys whose value is a credential itself (not an id or ARN of one).
SECRET_KEYS = re.compile(
    r"(?i)^(\w*password|secretstring|secretaccesskey|authtoken|clientsecret|privatekey|sharedsecret)$"
)
# Keys that name where a secret is (an ARN, an id, a dynamic reference), never the value.
SECRET_REFERENCE = re.compile(r"^(arn:aws[a-z-]*:secretsmanager:|\{\{resolve:secretsmanager:)")
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):[^}]+\}\}")
# Inline credentials in connection strings, e.g. jdbc:...?password=... or scheme://user:pass@host.
INLINE_CREDENTIAL = re.compile(r"(?i)(password|passwd|pwd)=[^&;\s\"'{]+|://[^/:@\s\"]+:[^@/\s\"{]+@")


def walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every key of every mapping in a template."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, f"{path}[{index}]")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def is_reference(value: Any) -> bool:
    """A value that points at a secret instead of holding it."""
    if isinstance(value, str):
        return bool(SECRET_REFERENCE.match(value)) or bool(DYNAMIC_REFERENCE.fullmatch(value))
    if isinstance(value, dict):
        # Ref / Fn::GetAtt / Fn::ImportValue / Fn::GetStackOutput of a resource, or a Fn::Join whose
        # literal parts are only the pieces of a dynamic reference.
        if "Fn::Join" in value:
            literal = "".join(part for part in value["Fn::Join"][1] if isinstance(part, str))
            return literal.startswith("{{resolve:secretsmanager:") or literal == ""
        return True
    return False


def findings(template: dict) -> list[str]:
    found = []
    for path, key, value in walk(template.get("Resources", {})):
        # Booleans such as ManageMasterUserPassword say who manages a password; they hold none.
        if SECRET_KEYS.match(key) and not isinstance(value, bool) and not is_reference(value):
            found.append(f"{path}/{key}: a literal credential")
    for text in strings(template):
        if INLINE_CREDENTIAL.search(text) and not DYNAMIC_REFERENCE.search(text):
            found.append(f"inline credential in {text[:80]!r}")
    return found


@pytest.mark.parametrize("env", PLATFORMS)
def test_no_template_holds_a_secret_as_a_literal(platform_synths, env):
    for layer, template in platform_synths[env].stacks.items():
        assert findings(template) == [], f"{env}-{layer}"


def test_secrets_the_platform_uses_are_referenced_by_arn(full):
    template = full.stacks["ingestion"]
    referenced = [
        value for _, key, value in walk(template["Resources"]) if key in ("SecretsManagerSecretId", "SECRET_ID")
    ]
    assert len(referenced) == 3
    assert all(SECRET_REFERENCE.match(value) for value in referenced)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"Resources": {"Db": {"Properties": {"MasterUserPassword": "hunter22"}}}}, 1),
        (
            {
                "Resources": {
                    "Db": {"Properties": {"MasterUserPassword": "{{resolve:secretsmanager:db:SecretString:password}}"}}
                }
            },
            0,
        ),
        (
            {
                "Resources": {
                    "Db": {
                        "Properties": {
                            "MasterUserPassword": {
                                "Fn::Join": [
                                    "",
                                    ["{{resolve:secretsmanager:", {"Ref": "S"}, ":SecretString:password}}"],
                                ]
                            }
                        }
                    }
                }
            },
            0,
        ),
        ({"Resources": {"E": {"Properties": {"Password": "p@ss"}}}}, 1),
        ({"Resources": {"E": {"Properties": {"Url": "jdbc:postgresql://h:5432/db?user=a&password=b"}}}}, 1),
        ({"Resources": {"E": {"Properties": {"Url": "postgres://admin:secret@host/db"}}}}, 1),
        (
            {
                "Resources": {
                    "E": {"Properties": {"SecretsManagerSecretId": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}}
                }
            },
            0,
        ),
        ({"Resources": {"C": {"Properties": {"ManageMasterUserPassword": True}}}}, 0),
    ],
)
def test_the_scan_catches_literals_and_lets_references_pass(template, expected):
    assert len(findings(template)) == expected
