"""What a security reviewer relies on in the network layer, asserted exactly."""

from aws_cdk.assertions import Match

from ..fixtures import fixture_config

FULL = fixture_config("full")


def subnets(synth, tier: str) -> dict[str, dict]:
    return {
        k: v
        for k, v in synth.resources("network", "AWS::EC2::Subnet").items()
        if {"Key": "aws-cdk:subnet-name", "Value": tier} in v["Properties"]["Tags"]
    }


def routes_to_internet(synth) -> dict[str, str]:
    """Route table id -> what its 0.0.0.0/0 route points at ('igw' or 'nat')."""
    found = {}
    for route in synth.resources("network", "AWS::EC2::Route").values():
        properties = route["Properties"]
        if properties.get("DestinationCidrBlock") == "0.0.0.0/0":
            found[properties["RouteTableId"]["Ref"]] = "igw" if "GatewayId" in properties else "nat"
    return found


def route_table_of(synth, subnet_id: str) -> str:
    for association in synth.resources("network", "AWS::EC2::SubnetRouteTableAssociation").values():
        if association["Properties"]["SubnetId"] == {"Ref": subnet_id}:
            return association["Properties"]["RouteTableId"]["Ref"]
    raise AssertionError(f"subnet {subnet_id} has no route table")


def test_minimal_has_no_network(minimal):
    assert "network" not in minimal.stacks


def test_vpc_uses_the_configured_cidr(full, retained):
    full.template("network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.20.0.0/16"})
    retained.template("network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.30.0.0/16"})


def test_dev_without_nat_has_only_isolated_subnets_in_two_azs(full):
    assert len(subnets(full, "private")) == 2
    assert len(subnets(full, "isolated")) == 2
    assert not subnets(full, "public")
    assert not full.resources("network", "AWS::EC2::NatGateway")
    assert not full.resources("network", "AWS::EC2::InternetGateway")
    assert routes_to_internet(full) == {}


def test_prod_spreads_over_three_azs_with_a_nat_gateway_in_each(retained):
    for tier in ("public", "private", "isolated"):
        assert len(subnets(retained, tier)) == 3
    assert len(retained.resources("network", "AWS::EC2::NatGateway")) == 3
    azs = {s["Properties"]["AvailabilityZone"]["Fn::Select"][0] for s in subnets(retained, "private").values()}
    assert azs == {0, 1, 2}


def test_private_subnets_egress_only_through_nat_and_isolated_never(retained):
    routes = routes_to_internet(retained)
    for subnet_id in subnets(retained, "private"):
        assert routes[route_table_of(retained, subnet_id)] == "nat"
    for subnet_id in subnets(retained, "isolated"):
        assert route_table_of(retained, subnet_id) not in routes
    for subnet_id, subnet in subnets(retained, "public").items():
        assert routes[route_table_of(retained, subnet_id)] == "igw"
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(full):
    ((log_group_id, log_group),) = full.resources("network", "AWS::Logs::LogGroup").items()
    assert "KmsKeyId" in log_group["Properties"]
    assert log_group["Properties"]["RetentionInDays"] == FULL.network.flow_log_retention_days
    full.template("network").has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Ref": log_group_id},
        },
    )


def test_gateway_endpoints_for_s3_and_dynamodb(full):
    endpoints = [
        e["Properties"]
        for e in full.resources("network", "AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]
    services = sorted(str(e["ServiceName"]) for e in endpoints)
    assert len(services) == 2
    assert "dynamodb" in services[0] and "s3" in services[1]


def test_interface_endpoints_are_private_and_reachable_only_over_https_from_the_vpc(full):
    endpoints = [
        e["Properties"]
        for e in full.resources("network", "AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Interface"
    ]
    assert len(endpoints) == len(FULL.network.interface_endpoints)
    assert all(e["PrivateDnsEnabled"] is True for e in endpoints)
    full.template("network").has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {
                    "CidrIp": "10.20.0.0/16",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpProtocol": "tcp",
                    "Description": Match.any_value(),
                }
            ],
        },
    )


def test_the_default_security_group_is_stripped_of_its_rules(full):
    assert len(full.resources("network", "Custom::VpcRestrictDefaultSG")) == 1


def test_only_this_accounts_flow_logs_may_assume_the_flow_log_role(full):
    (role,) = [
        r
        for r in full.resources("network", "AWS::IAM::Role").values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
        == "vpc-flow-logs.amazonaws.com"
    ]
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "vpc-flow-log/*" in str(condition["ArnLike"]["aws:SourceArn"])
