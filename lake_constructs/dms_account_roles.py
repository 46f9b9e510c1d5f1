"""The two account-wide roles AWS DMS looks up by fixed name."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from .compliance import acknowledge

VPC_ROLE_NAME = "dms-vpc-role"
LOGS_ROLE_NAME = "dms-cloudwatch-logs-role"


class DmsAccountRoles(Construct):
    """`dms-vpc-role` (AmazonDMSVPCManagementRole: DMS manages the network interfaces of replication
    subnet groups) and `dms-cloudwatch-logs-role` (AmazonDMSCloudWatchLogsRole: DMS writes task logs).

    DMS finds these roles by name, so they exist once per account: create them in exactly one
    deployment (`ingestion.dms.owns_account_roles`). They are plain roles rather than LakeRoles:
    their only permissions are the AWS managed policies the DMS documentation requires, and a role
    name is fixed, so no customer-managed policy of the platform is attached.

    Attributes: `vpc_role`, `logs_role`.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.vpc_role = self._role(
            "VpcRole",
            VPC_ROLE_NAME,
            "Lets DMS manage the network interfaces of replication subnet groups (account-wide)",
            "AmazonDMSVPCManagementRole",
        )
        self.logs_role = self._role(
            "CloudWatchLogsRole",
            LOGS_ROLE_NAME,
            "Lets DMS write replication task logs to CloudWatch Logs (account-wide)",
            "AmazonDMSCloudWatchLogsRole",
        )

    def _role(self, id: str, role_name: str, description: str, policy: str) -> iam.Role:
        role = iam.Role(
            self,
            id,
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
            description=description,
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(f"service-role/{policy}")],
        )
        acknowledge(
            role,
            f"DMS requires this fixed-name account role with exactly the AWS managed policy {policy}, as the "
            "DMS user guide documents; DMS looks the role up by name and accepts no other policy in its place",
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
        )
        return role
