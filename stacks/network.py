"""Network layer: the VPC that in-VPC services of the platform share."""

from __future__ import annotations

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from config import PlatformConfig
from lake_constructs.lake_network import LakeNetwork

from .layers import LayerRow
from .storage import ZONES


class NetworkStack(Stack):
    """Attributes: `network` (the LakeNetwork), `vpc`."""

    row = LayerRow(
        position=20,
        layer="network",
        holds="VPC, private and isolated subnets, NAT (optional), endpoints, flow logs",
        switch="`network.enabled`",
        docs="[network](docs/network.md)",
    )
    stateless_types = frozenset(
        {
            *("AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway"),
            *("AWS::EC2::Route", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet"),
            *("AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint"),
            *("AWS::EC2::VPCGatewayAttachment", "Custom::VpcRestrictDefaultSG"),
        }
    )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self._az_count = config.network.az_count
        self.network = LakeNetwork(
            self,
            "Network",
            config=config.network,
            availability_zones=self.availability_zones,
            key=key,
            removal_policy=removal_policy,
            s3_buckets=[
                *(config.bucket_name(zone, self.account, self.region) for zone in (*ZONES, "access-logs")),
                # Job scripts and EMR steps are CDK assets, read from the bootstrap staging bucket.
                f"cdk-{config.governance.bootstrap_qualifier}-assets-{self.account}-{self.region}",
            ],
            aws_buckets=self._aws_buckets(config),
        )
        self.vpc = self.network.vpc

    def _aws_buckets(self, config: PlatformConfig) -> list[str]:
        """The AWS-owned buckets that EMR nodes install from through the S3 endpoint (EMR management
        guide, "Sample policies for private subnets that access Amazon S3": the Amazon Linux
        repositories of the release's Amazon Linux, and the EMR repository bucket)."""
        if not config.processing.enabled:
            return []
        major = int(config.processing.release_label.removeprefix("emr-").split(".")[0])
        region = self.region
        if major >= 7:
            linux = [f"al2023-repos-{region}-de612dc2"]
        else:
            linux = [f"amazonlinux.{region}.amazonaws.com", f"amazonlinux-2-repos-{region}"]
        return [*linux, f"repo.{region}.emr.amazonaws.com"]

    @property
    def availability_zones(self) -> list[str]:
        # Without a region at synth, CDK would assume two AZs; the config decides instead, and
        # CloudFormation picks the region's first N zones at deploy time.
        if self._az_count is None:
            return super().availability_zones
        return [Fn.select(index, Fn.get_azs()) for index in range(self._az_count)]
