"""The Cognito user pool a Ground Truth private workforce signs in with."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .compliance import acknowledge


class WorkerUserPool(Construct):
    """A user pool for labeling workers, with the hosted domain and app client Ground Truth needs.

    Decisions:
    - No self sign-up: an administrator invites each worker (the `workers` given here, or later in the
      console); the invitation e-mails a temporary password valid `temporary_password_days`.
    - Workers sign in with their e-mail address; MFA is required, with an authenticator app (TOTP),
      never SMS. Passwords need `password_minimum_length` characters and all four character classes.
      Account recovery is by e-mail only.
    - Threat protection, when `threat_protection`: the Plus feature plan with standard threat protection
      enforced (compromised-credential checks, adaptive authentication). Otherwise the Essentials plan.
    - The app client is confidential (it has a secret) and uses the authorization-code grant with the
      openid, email and profile scopes: what SageMaker's labeling portal signs workers in with.
      SageMaker writes the portal's callback to the client when the workforce is created; `callback_url`
      declares it so that a later update of this client does not drop it.
    - Removed as `removal_policy` says; retained with deletion protection.

    Attributes: `user_pool`, `domain`, `client`, `group` (the CfnUserPoolGroup), `users` and
    `memberships` (CfnUserPoolUser and CfnUserPoolUserToGroupAttachment per invited worker, by e-mail).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        domain_prefix: str,
        group_name: str,
        workers: Sequence[str],
        password_minimum_length: int,
        temporary_password_days: int,
        threat_protection: bool,
        callback_url: str,
        logout_url: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=name,
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=password_minimum_length,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(temporary_password_days),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if threat_protection else None
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject=f"You are invited to label data for {name}",
                email_body=(
                    "You have been added to a labeling work team. Your user name is {username} and your "
                    "temporary password is {####}. Sign in at the labeling portal link your team lead sends you; "
                    "you will set a new password and an authenticator app."
                ),
            ),
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        if not threat_protection:
            acknowledge(
                self.user_pool,
                "Threat protection (and with it the Plus feature plan, billed per monthly active user) is switched "
                "off in this environment's config (labeling.threat_protection); workers are invited by an "
                "administrator only, and every sign-in still needs a strong password and an authenticator-app code",
                "AwsSolutions-COG8",
            )
        self.domain = self.user_pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )
        self.client = self.user_pool.add_client(
            "WorkforceClient",
            user_pool_client_name=f"{name}-ground-truth",
            generate_secret=True,
            # Sign-in happens only through the hosted UI; no password or refresh flows for apps.
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[callback_url],
                logout_urls=[logout_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
        )
        self.group = cognito.CfnUserPoolGroup(
            self,
            "Group",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=group_name,
            description="Workers of the Ground Truth work team",
        )
        self.users: dict[str, cognito.CfnUserPoolUser] = {}
        self.memberships: dict[str, cognito.CfnUserPoolUserToGroupAttachment] = {}
        for email in workers:
            user = cognito.CfnUserPoolUser(
                self,
                f"Worker {email}",
                user_pool_id=self.user_pool.user_pool_id,
                username=email,
                desired_delivery_mediums=["EMAIL"],
                user_attributes=[
                    cognito.CfnUserPoolUser.AttributeTypeProperty(name="email", value=email),
                    # The invitation goes to this address, so it counts as verified once they sign in.
                    cognito.CfnUserPoolUser.AttributeTypeProperty(name="email_verified", value="true"),
                ],
            )
            membership = cognito.CfnUserPoolUserToGroupAttachment(
                self,
                f"Membership {email}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=self.group.ref,
                username=user.ref,
            )
            self.users[email] = user
            self.memberships[email] = membership
