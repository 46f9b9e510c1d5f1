"""The custom-resource handlers run on Lambda with their folder as the import root (`import
cfn_response`); the tests import them the same way, and see what they PUT to CloudFormation."""

from __future__ import annotations

import json
import sys
import urllib.request

import pytest

from lake_constructs.redshift_sql import HANDLER_DIR

if str(HANDLER_DIR) not in sys.path:
    sys.path.insert(0, str(HANDLER_DIR))


@pytest.fixture
def answers(monkeypatch):
    """What a handler PUTs to CloudFormation's response URL."""
    sent = []

    class Response:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        assert request.get_method() == "PUT" and request.full_url.startswith("https://cloudformation-")
        sent.append(json.loads(request.data))
        return Response()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return sent
