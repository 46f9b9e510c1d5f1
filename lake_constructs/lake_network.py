"""The platform's VPC: isolated subnets for data stores, private subnets for workloads."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from config.models.network import NetworkConfig

from .compliance import acknowledge
from .construct_ids import construct_id
from .encrypted_log_group import EncryptedLogGroup
from .lake_role import LakeRole, service_of_this_account

WORKLOAD_SUBNETS = "private"
DATA_SUBNETS = "isolated"

# IAM service prefix of each interface endpoint's service (its endpoint policy allows only that service).
SERVICE_PREFIXES = {"monitoring": "cloudwatch", "ecr.api": "ecr", "ecr.dkr": "ecr", "sagemaker.api": "sagemaker"}
# Session Manager's agent channels keep the default endpoint policy: their calls carry no resource
# and no other account's principal can open a session to this VPC's instances. (VPC user guide,
# "Control access to VPC endpoints using endpoint policies": a service without endpoint-policy
# support allows full access through its endpoints whatever the policy.)
DEFAULT_POLICY_ENDPOINTS = ("ec2messages", "ssmmessages")


class LakeNetwork(Construct):
    """A VPC over `availability_zones` with:

    - `private` subnets for workloads (Glue connections, EMR, DMS): with a route through NAT when
      `nat_gateways > 0`, else isolated and served by the endpoints;
    - `isolated` subnets for data stores (Redshift), never routed to the internet;
    - `public` subnets only to hold NAT gateways, when there are any;
    - S3 and DynamoDB gateway endpoints, the configured interface endpoints (private DNS, HTTPS
      from inside the VPC only), all-traffic flow logs to a KMS-encrypted log group, and a default
      security group that allows nothing;
    - endpoint policies: through the S3 endpoint, this account's principals reach only `s3_buckets`
      (the platform's) and anyone reads only the objects of `aws_buckets` (AWS-owned repositories
      the services in the VPC install from); the DynamoDB endpoint reaches this account's tables;
      each interface endpoint allows its own service to this account's principals only.

    Attributes: `vpc`, `flow_log_group`, `endpoint_security_group`, `interface_endpoints` (by service),
    `s3_endpoint`,
    `workload_subnets` and `data_subnets` (subnet selections).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: NetworkConfig,
        availability_zones: list[str],
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        s3_buckets: list[str],
        aws_buckets: list[str],
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        with_egress = config.nat_gateways > 0
        masks = config.subnet_masks()
        subnets = [
            ec2.SubnetConfiguration(
                name=WORKLOAD_SUBNETS,
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if with_egress else ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=masks["workload"],
            ),
            ec2.SubnetConfiguration(
                name=DATA_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=masks["data"]
            ),
        ]
        if with_egress:
            subnets.insert(
                0,
                ec2.SubnetConfiguration(
                    name="public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=masks["public"],
                    map_public_ip_on_launch=False,
                ),
            )

        self.flow_log_group = EncryptedLogGroup(
            self, "FlowLogs", key=key, retention_days=config.flow_log_retention_days, removal_policy=removal_policy
        ).log_group
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(config.cidr),
            availability_zones=availability_zones,
            nat_gateways=config.nat_gateways,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, _flow_log_role(self)),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        self.s3_endpoint = self.vpc.node.find_child("S3")
        self.s3_endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="PlatformBucketsOfThisAccount",
                principals=[iam.AnyPrincipal()],
                actions=["s3:*"],
                resources=[
                    arn
                    for name in s3_buckets
                    for arn in (f"arn:{stack.partition}:s3:::{name}", f"arn:{stack.partition}:s3:::{name}/*")
                ],
                conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
            )
        )
        if aws_buckets:
            self.s3_endpoint.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadAwsRepositories",
                    principals=[iam.AnyPrincipal()],
                    actions=["s3:GetObject"],
                    resources=[f"arn:{stack.partition}:s3:::{name}/*" for name in aws_buckets],
                )
            )
        self.vpc.node.find_child("DynamoDB").add_to_policy(
            iam.PolicyStatement(
                sid="TablesOfThisAccount",
                principals=[iam.AnyPrincipal()],
                actions=["dynamodb:*"],
                resources=[stack.format_arn(service="dynamodb", resource="table", resource_name="*")],
                conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
            )
        )
        for subnet in self.vpc.public_subnets:
            acknowledge(
                subnet.node.find_child("DefaultRoute"),
                "The public subnets exist only to hold the NAT gateways (no instance there gets a public "
                "IP); a NAT gateway reaches the internet through this route to the internet gateway",
                "HIPAA.Security-VPCNoUnrestrictedRouteToIGW",
                "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
                "PCI.DSS.321-VPCNoUnrestrictedRouteToIGW",
            )
        self.workload_subnets = ec2.SubnetSelection(subnet_group_name=WORKLOAD_SUBNETS)
        self.data_subnets = ec2.SubnetSelection(subnet_group_name=DATA_SUBNETS)

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="HTTPS to the interface endpoints, from inside the VPC only",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(
            ec2.Peer.ipv4(config.cidr), ec2.Port.tcp(443), "HTTPS from the VPC"
        )
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in config.interface_endpoints:
            self.interface_endpoints[service] = self.vpc.add_interface_endpoint(
                f"{construct_id(service)}Endpoint",
                service=ec2.InterfaceVpcEndpointAwsService(service),
                private_dns_enabled=True,
                security_groups=[self.endpoint_security_group],
                subnets=self.workload_subnets,
                open=False,
            )
            if service not in DEFAULT_POLICY_ENDPOINTS:
                self.interface_endpoints[service].add_to_policy(
                    iam.PolicyStatement(
                        sid="ThisServiceForThisAccount",
                        principals=[iam.AnyPrincipal()],
                        actions=[f"{SERVICE_PREFIXES.get(service, service)}:*"],
                        resources=["*"],
                        conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
                    )
                )


def _flow_log_role(scope: Construct) -> LakeRole:
    stack = Stack.of(scope)
    return LakeRole(
        scope,
        "FlowLogRole",
        # Only flow logs of this account may assume it (confused-deputy protection).
        assumed_by=service_of_this_account(
            scope,
            "vpc-flow-logs.amazonaws.com",
            source_arn=stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*"),
        ),
        description="Lets VPC flow logs write to the network's log group",
    )
