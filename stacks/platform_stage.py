"""The whole platform of one environment as a CDK Stage, the unit the deployment pipeline deploys."""

from __future__ import annotations

from aws_cdk import Environment, Stage
from constructs import Construct

from config import PlatformConfig

from .platform import DataPlatform


class PlatformStage(Stage):
    """`DataPlatform` for `config`, in the account and region the config names (the pipeline's own
    when it names none). Its stacks keep the names `cdk deploy --all` gives them
    (`<project>-<environment>-<layer>`), so a pipeline takes over an environment deployed by hand.

    Attributes: `platform` (the DataPlatform).
    """

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig) -> None:
        super().__init__(scope, id, env=Environment(account=config.account, region=config.region))
        self.platform = DataPlatform(self, config.name_prefix, config=config)
