"""What happens to the platform's stateful resources when their stack deletes or replaces them."""

from __future__ import annotations

from aws_cdk import RemovalPolicy


def removal_policy(ephemeral: bool) -> RemovalPolicy:
    """RETAIN (data, keys and databases survive the stack: DESIGN.md, "Stateful resources survive"),
    unless the environment is `ephemeral` (it destroys and deploys again): DESTROY.

    Computed once per deployment (the storage stack's `removal_policy`, the pipeline's own) and
    passed to every stateful construct."""
    return RemovalPolicy.DESTROY if ephemeral else RemovalPolicy.RETAIN
