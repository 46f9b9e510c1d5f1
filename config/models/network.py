"""Network layer: the VPC every in-VPC service (Redshift, EMR, DMS, Glue connections) lives in."""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, LogRetentionDays, ipv4_network, located_error, require_unique

# Interface endpoints this platform knows how to create, by their service suffix.
# Each is what a private subnet without NAT needs to reach the service named.
INTERFACE_ENDPOINTS = (
    "athena",
    "dms",
    "ec2",
    "ec2messages",
    "ecr.api",
    "ecr.dkr",
    "elasticmapreduce",
    "events",
    "glue",
    "kms",
    "lakeformation",
    "logs",
    "monitoring",
    "redshift",
    "redshift-data",
    "sagemaker.api",
    "secretsmanager",
    "sns",
    "ssm",
    "ssmmessages",
    "sts",
)

InterfaceEndpoint = Literal[INTERFACE_ENDPOINTS]  # type: ignore[valid-type]

# Subnet sizes of each tier in a /16 VPC (one subnet per tier and AZ); a smaller VPC gets
# proportionally smaller subnets. "public" exists only with NAT gateways (they live there).
SUBNET_MASKS_IN_A_16 = {"public": 24, "workload": 20, "data": 22}
# "The allowed block size is between a /28 netmask and /16 netmask" (VPC subnet sizing,
# https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
SMALLEST_SUBNET = 28


class NetworkConfig(LayerSwitch):
    """VPC layout. Data stores sit in isolated subnets; workloads in private subnets, which get a
    route to the internet only when NAT gateways are configured."""

    cidr: str = Field(default="10.20.0.0/16", description="IPv4 CIDR of the VPC, /16 to /24.")
    az_count: int = Field(default=2, ge=1, le=6, description="Availability zones to spread over.")
    nat_gateways: int = Field(
        default=0, ge=0, description="0 keeps private subnets without internet egress; at most az_count."
    )
    interface_endpoints: list[InterfaceEndpoint] = Field(
        default_factory=list, description="AWS services reached through PrivateLink from inside the VPC."
    )
    flow_log_retention_days: LogRetentionDays = Field(default=365, description="Days VPC flow logs are kept.")

    @field_validator("cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        network = ipv4_network(value)
        if not 16 <= network.prefixlen <= 24:
            raise ValueError("the prefix length must be between /16 and /24 (the limits of a VPC)")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: list[str]) -> list[str]:
        require_unique(value)
        return value

    def subnet_masks(self) -> dict[str, int]:
        """Prefix length of each subnet tier ('public' with NAT gateways, 'workload', 'data')."""
        grow = ipv4_network(self.cidr).prefixlen - 16
        tiers = SUBNET_MASKS_IN_A_16 if self.nat_gateways > 0 else {**SUBNET_MASKS_IN_A_16, "public": None}
        return {tier: mask + grow for tier, mask in tiers.items() if mask is not None}

    @model_validator(mode="after")
    def _subnets_fit(self) -> "NetworkConfig":
        masks = self.subnet_masks()
        too_small = {tier: mask for tier, mask in masks.items() if mask > SMALLEST_SUBNET}
        if too_small:
            largest = 16 + SMALLEST_SUBNET - max(SUBNET_MASKS_IN_A_16[tier] for tier in masks)
            described = ", ".join(f"{tier} /{mask}" for tier, mask in too_small.items())
            message = (
                f"too small for its subnets ({described}); a subnet is at most /{SMALLEST_SUBNET}: "
                f"use a VPC of /{largest} or larger"
            )
            raise located_error([(("cidr",), self.cidr, message)])
        return self

    @model_validator(mode="after")
    def _nat_within_azs(self) -> "NetworkConfig":
        if self.nat_gateways > self.az_count:
            raise ValueError(
                f"nat_gateways ({self.nat_gateways}) cannot exceed az_count ({self.az_count}): "
                "there is at most one NAT gateway per availability zone"
            )
        return self
