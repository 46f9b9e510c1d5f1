"""What every custom-resource handler of the platform shares: it answers only CloudFormation.

A request is CloudFormation's when its `ResponseURL` is HTTPS on one of CloudFormation's per-region
response buckets (`cloudformation-custom-resource-response-<region>`, in any of S3's endpoint
spellings) and its stack is in the function's own account and region. Anything else is refused
before any work: a function that PUTs to whatever URL the event names can be made to call out.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
import urllib.request
from typing import Any

logger = logging.getLogger()

REASON_LIMIT = 2000  # CloudFormation shows the reason in stack events; keep the response small
RESPONSE_HOST = re.compile(
    r"cloudformation-custom-resource-response-[a-z0-9]+\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?"
)


class Refused(Exception):
    """A request that is not CloudFormation's for this function: nothing runs, nobody is answered."""


def check_origin(event: dict, context: Any) -> None:
    """Raise Refused unless the event is a CloudFormation request for a stack of this function's own
    account and region, with a CloudFormation response URL."""
    url = urllib.parse.urlsplit(str(event.get("ResponseURL", "")))
    if url.scheme != "https" or url.port not in (None, 443) or not RESPONSE_HOST.fullmatch(url.hostname or ""):
        raise Refused(f"response URL host {url.hostname!r} is not a CloudFormation response bucket")
    function_arn = context.invoked_function_arn.split(":")
    stack_arn = str(event.get("StackId", "")).split(":")
    if len(stack_arn) < 6 or stack_arn[2] != "cloudformation" or stack_arn[3:5] != function_arn[3:5]:
        raise Refused(f"stack {event.get('StackId')!r} is not in this function's account and region")


def respond(event: dict, status: str, physical_id: str, reason: str | None = None) -> None:
    """PUT the result to CloudFormation's pre-signed response URL (checked by check_origin)."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": (reason or status)[:REASON_LIMIT],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        logger.info("answered %s: HTTP %s", status, response.status)
