"""An IAM role whose permissions live in a customer-managed policy of its own."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def service_of_this_account(scope: Construct, service: str, *, source_arn: str | None = None) -> iam.ServicePrincipal:
    """`service` (e.g. 'sagemaker.amazonaws.com') acting only for this account (`aws:SourceAccount`)
    and, with `source_arn`, only for resources matching it (`aws:SourceArn`): confused-deputy protection."""
    conditions: dict = {"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}
    if source_arn is not None:
        conditions["ArnLike"] = {"aws:SourceArn": source_arn}
    return iam.ServicePrincipal(service, conditions=conditions)


class LakeRole(iam.Role):
    """An `iam.Role` whose statements, including every `grant*` made to it, go into one
    customer-managed policy attached to it, instead of an inline policy.

    Managed policies are versioned and can be reviewed and reused on their own, which is what the
    HIPAA, NIST 800-53 and PCI DSS packs ask for (IAMNoInlinePolicy).

    Attributes: `policy` (the ManagedPolicy).
    """

    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.policy = iam.ManagedPolicy(self, "Policy", description=kwargs.get("description"), roles=[self])

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added
