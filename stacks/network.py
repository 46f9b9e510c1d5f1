"""Network layer: the VPC that in-VPC services of the platform share."""

from __future__ import annotations

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from config import PlatformConfig
from lake_constructs.lake_network import LakeNetwork


class NetworkStack(Stack):
    """Attributes: `network` (the LakeNetwork), `vpc`."""

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, key: kms.IKey, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self._az_count = config.network.az_count
        self.network = LakeNetwork(
            self,
            "Network",
            config=config.network,
            availability_zones=self.availability_zones,
            key=key,
            removal_policy=RemovalPolicy.DESTROY if config.ephemeral else RemovalPolicy.RETAIN,
        )
        self.vpc = self.network.vpc

    @property
    def availability_zones(self) -> list[str]:
        # Without a region at synth, CDK would assume two AZs; the config decides instead, and
        # CloudFormation picks the region's first N zones at deploy time.
        if self._az_count is None:
            return super().availability_zones
        return [Fn.select(index, Fn.get_azs()) for index in range(self._az_count)]
