"""Pause and resume a Redshift cluster on a schedule, so it costs only storage while nobody uses it."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_redshift as redshift
from constructs import Construct

from .lake_role import LakeRole


class PauseResumeSchedule(Construct):
    """Two Redshift scheduled actions on `cluster`: `<identifier>-pause` at `pause` and
    `<identifier>-resume` at `resume` (Redshift cron expressions, UTC), run by a role trusted by
    the Redshift scheduler that may pause and resume this cluster only.

    Attributes: `role`, `pause_action`, `resume_action` (CfnScheduledAction).
    """

    def __init__(self, scope: Construct, id: str, *, cluster: redshift.CfnCluster, pause: str, resume: str) -> None:
        super().__init__(scope, id)
        name = cluster.cluster_identifier
        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.redshift.amazonaws.com"),
            description=f"Pauses and resumes the Redshift cluster {name} on its schedule",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="PauseAndResumeThisCluster",
                actions=["redshift:PauseCluster", "redshift:ResumeCluster"],
                resources=[
                    Stack.of(self).format_arn(
                        service="redshift",
                        resource="cluster",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.pause_action = self._action("PauseAction", f"{name}-pause", pause, cluster, "pause_cluster")
        self.resume_action = self._action("ResumeAction", f"{name}-resume", resume, cluster, "resume_cluster")

    def _action(
        self, id: str, action_name: str, schedule: str, cluster: redshift.CfnCluster, target: str
    ) -> redshift.CfnScheduledAction:
        message = redshift.CfnScheduledAction
        cluster_action = (
            message.PauseClusterMessageProperty(cluster_identifier=cluster.ref)
            if target == "pause_cluster"
            else message.ResumeClusterMessageProperty(cluster_identifier=cluster.ref)
        )
        verb = id.removesuffix("Action")
        action = redshift.CfnScheduledAction(
            self,
            id,
            scheduled_action_name=action_name,
            scheduled_action_description=f"{verb} the Redshift cluster {cluster.cluster_identifier} ({schedule}, UTC)",
            schedule=schedule,
            iam_role=self.role.role_arn,
            enable=True,
            target_action=message.ScheduledActionTypeProperty(**{target: cluster_action}),
        )
        # The permissions are in the role's managed policy, which the action does not reference.
        action.node.add_dependency(self.role.policy)
        return action
