"""Outbound HTTPS from a workload security group to AWS services, and nowhere else it need not go."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2


def allow_https_to_aws(security_group: ec2.SecurityGroup, vpc_cidr: str, s3_prefix_list_id: str | None) -> None:
    """HTTPS to the interface endpoints in the VPC, and to S3 (through the gateway endpoint, or NAT).

    S3's addresses are the region's S3 prefix list. Without its id, HTTPS may go to any address,
    which the route tables confine to the S3 gateway endpoint (no NAT) or the NAT gateways.
    """
    security_group.add_egress_rule(ec2.Peer.ipv4(vpc_cidr), ec2.Port.tcp(443), "HTTPS to the VPC's interface endpoints")
    s3 = ec2.Peer.any_ipv4() if s3_prefix_list_id is None else ec2.Peer.prefix_list(s3_prefix_list_id)
    security_group.add_egress_rule(s3, ec2.Port.tcp(443), "HTTPS to S3")
