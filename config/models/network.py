"""Network layer: the VPC every in-VPC service (Redshift, EMR, DMS, Glue connections) lives in."""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, LogRetentionDays, ipv4_network, require_unique

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

    @model_validator(mode="after")
    def _nat_within_azs(self) -> "NetworkConfig":
        if self.nat_gateways > self.az_count:
            raise ValueError(
                f"nat_gateways ({self.nat_gateways}) cannot exceed az_count ({self.az_count}): "
                "there is at most one NAT gateway per availability zone"
            )
        return self
