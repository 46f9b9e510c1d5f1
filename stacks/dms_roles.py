"""The account-wide roles DMS looks up by fixed name, in a stack of their own."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from config import PlatformConfig
from lake_constructs.dms_account_roles import DmsAccountRoles


class DmsRolesStack(Stack):
    """`dms-vpc-role` and `dms-cloudwatch-logs-role` (DmsAccountRoles), when this deployment owns them
    (`ingestion.dms.owns_account_roles`).

    Why a stack of their own, deployed before the ingestion stack: DMS checks `dms-vpc-role` when a
    replication subnet group is created, through IAM, which is eventually consistent. Created in the
    same stack, even with an explicit dependency, the role is often not yet visible to DMS and the
    subnet group fails on a first deploy ("The IAM Role arn:...:role/dms-vpc-role is not configured
    properly"). A separate stack completes, and IAM propagates, before ingestion's deployment starts.
    The roles are account-wide, too: their lifecycle is not the ingestion layer's.

    Attributes: `account_roles`.
    """

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.account_roles = DmsAccountRoles(self, "DmsAccountRoles")
