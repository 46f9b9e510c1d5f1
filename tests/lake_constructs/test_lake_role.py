"""LakeRole keeps every statement, grants included, in one customer-managed policy."""

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from lake_constructs.lake_role import LakeRole


@pytest.fixture(scope="module")
def template():
    stack = Stack(App(), "RoleTest")
    role = LakeRole(stack, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"), description="test role")
    role.add_to_policy(iam.PolicyStatement(actions=["glue:GetTable"], resources=["arn:aws:glue:*:*:catalog"]))
    s3.Bucket(stack, "Bucket").grant_read(role, "raw/*")
    return Template.from_stack(stack)


def test_no_inline_policy_is_created(template):
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_statements_and_grants_land_in_the_roles_managed_policy(template):
    role_id = next(iter(template.find_resources("AWS::IAM::Role")))
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Roles": [{"Ref": role_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Action": "glue:GetTable", "Resource": "arn:aws:glue:*:*:catalog"}),
                        Match.object_like({"Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]}),
                    ]
                )
            },
        },
    )
