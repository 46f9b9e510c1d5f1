"""Which CloudFormation types hold data, declared where they are created.

Each layer's stack class declares the types its layer creates, beyond the shared ones below:

- `stateful_types`: deleting one loses data, so it takes the platform's removal policy and
  outlives its stack unless the environment is ephemeral (`lake_constructs/retention.py`);
- `stateless_types`: configuration, compute, access and alarms, rebuilt from the config with nothing
  lost.

The platform tests fail on a type a stack creates that its layer does not classify, and on a type
classified both ways.
"""

# Created in any layer by the shared constructs: every `LakeRole` (a role and its managed policy) and
# the functions behind custom resources, the CDK's own included.
SHARED_STATELESS_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Function"})
# Created in any layer by `EncryptedLogGroup`.
SHARED_STATEFUL_TYPES = frozenset({"AWS::Logs::LogGroup"})


def classification(stack: type) -> tuple[frozenset[str], frozenset[str]]:
    """The (stateful, stateless) types a stack class may create: its layer's and the shared ones."""
    return (
        SHARED_STATEFUL_TYPES | getattr(stack, "stateful_types", frozenset()),
        SHARED_STATELESS_TYPES | getattr(stack, "stateless_types", frozenset()),
    )
