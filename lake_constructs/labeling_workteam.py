"""A Ground Truth private work team, its workforce, and the encrypted topic that tells workers about tasks."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from .lake_key import rotating_key
from .lake_role import service_of_this_account
from .worker_user_pool import WorkerUserPool


class LabelingWorkteam(Construct):
    """The work team `workteam_name`: every member of `pool.group`, signing in through `pool`.

    Decisions:
    - An account has one private workforce per region. With `create_workforce`, this construct creates
      it (`AWS::SageMaker::Workforce` named `workforce_name`) from `pool` and its client, with
      `source_ip_cidrs` as its only allowed networks; creating it fails when the account already has
      one. Without it, the work team joins the existing workforce (SageMaker creates one from this pool
      with the first Cognito work team if there is none), which must be bound to the same pool and
      client; its source networks are then set with `python -m tools.labeling workforce`.
    - Notifications of new and expiring tasks go to an SNS topic encrypted with a key of its own, and
      listed `subscribers` get them by e-mail (each confirms once). SageMaker may publish to the topic and
      use the key only on behalf of this account. A dedicated key, not the lake key: the key policy must
      name the SageMaker service, and that grant should not reach the lake's data.
    - The topic accepts TLS requests only.

    Attributes: `workforce` (None without `create_workforce`), `workteam`, `topic`, `topic_key`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pool: WorkerUserPool,
        workteam_name: str,
        workforce_name: str,
        create_workforce: bool,
        source_ip_cidrs: Sequence[str],
        subscribers: Sequence[str],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        sagemaker_service = service_of_this_account(self, "sagemaker.amazonaws.com")

        self.topic_key = rotating_key(
            self,
            "TopicKey",
            alias=f"alias/{workteam_name}-notifications",
            description=f"Encrypts the task notifications of the {workteam_name} work team",
            removal_policy=removal_policy,
        )
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSageMakerToPublishEncryptedNotifications",
                principals=[sagemaker_service],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"{workteam_name}-tasks",
            display_name="Labeling tasks",
            master_key=self.topic_key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSageMakerToPublishTaskNotifications",
                principals=[sagemaker_service],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
            )
        )
        for email in subscribers:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.workforce = None
        if create_workforce:
            self.workforce = sagemaker.CfnWorkforce(
                self,
                "Workforce",
                workforce_name=workforce_name,
                cognito_config=sagemaker.CfnWorkforce.CognitoConfigProperty(
                    user_pool=pool.user_pool.user_pool_id, client_id=pool.client.user_pool_client_id
                ),
                source_ip_config=(
                    sagemaker.CfnWorkforce.SourceIpConfigProperty(cidrs=list(source_ip_cidrs))
                    if source_ip_cidrs
                    else None
                ),
            )
            # Workers reach the portal through the pool's hosted domain: it must exist first.
            self.workforce.node.add_dependency(pool.domain)

        self.workteam = sagemaker.CfnWorkteam(
            self,
            "Workteam",
            workteam_name=workteam_name,
            description=f"Private labeling work team: members of the {pool.group.group_name} group",
            workforce_name=None if self.workforce is None else workforce_name,
            member_definitions=[
                sagemaker.CfnWorkteam.MemberDefinitionProperty(
                    cognito_member_definition=sagemaker.CfnWorkteam.CognitoMemberDefinitionProperty(
                        cognito_user_pool=pool.user_pool.user_pool_id,
                        cognito_client_id=pool.client.user_pool_client_id,
                        cognito_user_group=pool.group.ref,
                    )
                )
            ],
            notification_configuration=sagemaker.CfnWorkteam.NotificationConfigurationProperty(
                notification_topic_arn=self.topic.topic_arn
            ),
        )
        # The workforce's Ref is its ARN, so the work team names it and waits for it explicitly. Without
        # a managed workforce, SageMaker creates one from the pool with the first work team: the hosted
        # domain must exist by then.
        self.workteam.node.add_dependency(pool.domain if self.workforce is None else self.workforce)
