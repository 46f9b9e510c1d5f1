"""A deployed environment as the command-line tools see it: its config, region, account, clients,
and the names the stacks give its buckets, database and Athena workgroup."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

import boto3

from config import PlatformConfig, load_config


class ToolError(Exception):
    """A problem the user can fix; the message says what was given and what is expected."""


@dataclass
class Clients:
    """The AWS clients the tools use; tests pass stubbed ones."""

    s3: Any
    sts: Any
    athena: Any = None
    sagemaker: Any = None
    cloudformation: Any = None

    @classmethod
    def for_region(cls, region: str) -> Clients:
        session = boto3.session.Session(region_name=region)
        names = ("s3", "sts", "athena", "sagemaker", "cloudformation")
        return cls(**{name: session.client(name) for name in names})


@dataclass
class Platform:
    """One environment: its config, region and clients; names follow the stacks' naming rules."""

    config: PlatformConfig
    region: str
    clients: Clients
    _account: str | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        return self.config.name_prefix

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = self.clients.sts.get_caller_identity()["Account"]
        return self._account

    def bucket(self, zone: str) -> str:
        return self.config.bucket_name(zone, self.account, self.region)

    @property
    def raw_bucket(self) -> str:
        return self.bucket("raw")

    @property
    def artifacts_bucket(self) -> str:
        return self.bucket("artifacts")

    @property
    def curated_database(self) -> str:
        return self.config.database_name("curated")

    @property
    def workgroup(self) -> str:
        """The analytics stack's Athena workgroup (stacks/analytics.py names it so)."""
        if not self.config.analytics.enabled:
            raise ToolError(
                f"analytics is not enabled in {self.config.environment}: the tools query through its Athena "
                "workgroup; set analytics.enabled: true"
            )
        return f"{self.prefix}-analytics"


def add_environment_arguments(parser: argparse.ArgumentParser, *, default_env: str | None = "dev") -> Any:
    """`--env` / `--config` (one of them) and `--region`; returns the group, for a caller to add to it."""
    where = parser.add_mutually_exclusive_group(required=default_env is None)
    where.add_argument(
        "--env",
        default=default_env,
        help="environment under config/environments/" + (f" (default: {default_env})" if default_env else ""),
    )
    where.add_argument("--config", help="path of an environment YAML file")
    parser.add_argument("--region", help="AWS region; default: the config's region, else the AWS profile's")
    return where


def environment_config(args: argparse.Namespace) -> PlatformConfig:
    """The config `--config` or `--env` names (ConfigError, naming file, field and line, when bad)."""
    return load_config(path=args.config) if args.config is not None else load_config(args.env)


def region_of(args: argparse.Namespace, config: PlatformConfig) -> str:
    if args.region is not None:
        return args.region
    if config.region is not None:
        return config.region
    region = boto3.session.Session().region_name
    if region is None:
        raise ToolError("no region: pass --region, set region in the config, or configure an AWS profile")
    return region
