"""Labeling layer: a SageMaker Ground Truth private workforce, and where labeling jobs read and write.

Workers sign in through a Cognito user pool that only administrators add people to; the work team
`<prefix>-labelers` is one group of that pool.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, ipv4_network, require_unique

# Cognito hosted-domain prefixes: lowercase letters, digits and hyphens, and Cognito refuses any
# prefix that contains these words.
DOMAIN_PREFIX = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
# Deliberately simple: one @, no spaces, a dotted domain. Cognito validates the rest when it sends the invitation.
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A workforce accepts at most ten CIDR blocks (SageMaker SourceIpConfig).
MAX_SOURCE_CIDRS = 10
PREFIX = r"^(?!/)(?!.*//)[a-z0-9][a-z0-9_./-]*/$"


def default_domain_prefix(name_prefix: str, account: str) -> str:
    """`<project>-<environment>-labeling-<account id>`: a hosted-domain prefix is unique in its region
    across every AWS account, so a default without the account collides for the second team that
    deploys the blueprint with the same project and environment names."""
    return f"{name_prefix}-labeling-{account}"


def check_domain_prefix(value: str) -> None:
    """Reject a Cognito hosted-domain prefix Cognito would refuse."""
    if not re.fullmatch(DOMAIN_PREFIX, value):
        raise ValueError(
            "a Cognito domain prefix is 1 to 63 lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    reserved = [word for word in RESERVED_DOMAIN_WORDS if word in value]
    if reserved:
        raise ValueError(f"Cognito refuses domain prefixes containing {', '.join(map(repr, reserved))}")


class LabelingConfig(LayerSwitch):
    """Ground Truth private workforce (Cognito), work team, labeling role and worker UI templates."""

    domain_prefix: str | None = Field(
        default=None,
        description=(
            "Prefix of the Cognito hosted sign-in domain (unique in the region across all accounts; "
            "without 'aws', 'amazon' or 'cognito'); default '<project>-<environment>-labeling-<account id>'."
        ),
    )
    workers: list[str] = Field(
        default_factory=list,
        description=(
            "E-mail addresses of workers to invite; each gets a temporary password by e-mail, "
            "joins the work team and is subscribed to task notifications."
        ),
    )
    user_group: str = Field(
        default="labelers", pattern=r"^[A-Za-z0-9_-]{1,128}$", description="Cognito group the work team maps to."
    )
    create_workforce: bool = Field(
        default=True,
        description=(
            "Create the account's private workforce from this stack's user pool. An account and region have a "
            "single private workforce: set false when one already exists and is bound to this user pool and client."
        ),
    )
    source_ip_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks workers may reach the labeling portal from (at most 10 CIDRs); empty: anywhere.",
    )
    threat_protection: bool = Field(
        default=True,
        description=(
            "Cognito threat protection, enforced (compromised credentials, adaptive authentication). "
            "Needs the Plus feature plan, billed per monthly active user."
        ),
    )
    password_minimum_length: int = Field(default=14, ge=12, le=99, description="Shortest password a worker may set.")
    temporary_password_days: int = Field(
        default=3, ge=1, le=365, description="Days an invitation's temporary password stays valid."
    )
    worker_portal_url: str | None = Field(
        default=None,
        description=(
            "The workforce's labeling portal (stack output WorkerPortalUrl after the first deploy, 'https://<id>."
            "labeling.<region>.sagemaker.aws'). SageMaker registers it as the app client's callback; declaring it "
            "here keeps later stack updates from removing it."
        ),
    )
    input_prefixes: list[str] = Field(
        default_factory=lambda: ["unlabeled/"],
        min_length=1,
        description="Raw-zone prefixes labeling jobs may read data objects (images, text) from.",
    )
    labels_prefix: str = Field(
        default="labels/",
        description="Raw-zone prefix of manifests, label categories and Ground Truth output.",
    )

    @field_validator("domain_prefix")
    @classmethod
    def _domain_prefix(cls, value: str | None) -> str | None:
        if value is not None:
            check_domain_prefix(value)
        return value

    @field_validator("workers")
    @classmethod
    def _emails(cls, workers: list[str]) -> list[str]:
        invalid = [w for w in workers if not EMAIL.fullmatch(w)]
        if invalid:
            raise ValueError(f"not e-mail addresses: {', '.join(map(repr, invalid))}")
        require_unique([w.lower() for w in workers], "worker e-mail addresses (case ignored)")
        return workers

    @field_validator("source_ip_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        if len(cidrs) > MAX_SOURCE_CIDRS:
            raise ValueError(f"a workforce accepts at most {MAX_SOURCE_CIDRS} CIDR blocks, given {len(cidrs)}")
        for cidr in cidrs:
            ipv4_network(cidr)
        return cidrs

    @field_validator("worker_portal_url")
    @classmethod
    def _portal_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[a-z0-9]+\.labeling\.[a-z0-9-]+\.sagemaker\.aws", value):
            raise ValueError("the labeling portal looks like 'https://<id>.labeling.<region>.sagemaker.aws'")
        return value

    @field_validator("input_prefixes")
    @classmethod
    def _input_prefixes(cls, prefixes: list[str]) -> list[str]:
        for prefix in prefixes:
            _check_prefix(prefix)
        return prefixes

    @field_validator("labels_prefix")
    @classmethod
    def _labels_prefix(cls, prefix: str) -> str:
        return _check_prefix(prefix)

    @model_validator(mode="after")
    def _inputs_apart_from_labels(self) -> LabelingConfig:
        overlapping = [
            p for p in self.input_prefixes if p.startswith(self.labels_prefix) or self.labels_prefix.startswith(p)
        ]
        if overlapping:
            raise ValueError(
                f"input_prefixes {', '.join(overlapping)} overlap labels_prefix {self.labels_prefix!r}: "
                "the labeling role writes only under labels_prefix, and reads data objects outside it"
            )
        return self


def _check_prefix(prefix: str) -> str:
    if not re.fullmatch(PREFIX, prefix):
        raise ValueError(
            f"{prefix!r} is not a prefix like 'unlabeled/images/': lowercase, no leading '/', ends with '/'"
        )
    return prefix
