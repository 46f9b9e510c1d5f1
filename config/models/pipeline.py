"""Pipeline layer: CDK Pipelines deploying the platform per environment.

The pipeline's own settings are read from the environment the app is synthesized for (the `-c env=`
given to `cdk synth`): that environment's account and region host the pipeline, and its `pipeline`
section lists the environments the pipeline deploys, in order.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from .base import LayerSwitch, require_unique

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"
REPOSITORY = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
CONNECTION_ARN = r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[A-Za-z0-9-]+$"


def known_environments() -> list[str]:
    return sorted(path.stem for path in ENVIRONMENTS_DIR.glob("*.yaml"))


class PipelineConfig(LayerSwitch):
    """A self-mutating CodePipeline that tests, synthesizes and deploys the platform, one stage per
    environment. Off unless `enabled: true` with a repository, a branch and a connection."""

    # Not switched on in the `full` fixture: the pipeline deploys shipped environments by name, and is
    # synthesized on its own, from dev's config (tests/stacks/test_pipeline.py).
    example = None

    repository: str | None = Field(
        default=None, pattern=REPOSITORY, description="Source repository as 'owner/name' (GitHub, GitLab, Bitbucket)."
    )
    branch: str = Field(default="main", min_length=1, description="Branch whose pushes run the pipeline.")
    connection_arn: str | None = Field(
        default=None,
        pattern=CONNECTION_ARN,
        description="ARN of the CodeConnections (CodeStar Connections) connection to the repository's host; "
        "created and authorized once in the console.",
    )
    environments: list[str] = Field(
        default_factory=lambda: ["dev", "prod"],
        min_length=1,
        description="Environments (files in config/environments/) the pipeline deploys, in this order.",
    )
    manual_approval: list[str] = Field(
        default_factory=lambda: ["prod"],
        description="Environments whose deployment waits for a manual approval in the pipeline.",
    )

    @field_validator("environments")
    @classmethod
    def _known_environments(cls, value: list[str]) -> list[str]:
        known = known_environments()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"no such environment: {', '.join(unknown)}; known (config/environments/): {', '.join(known)}"
            )
        require_unique(value)
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> PipelineConfig:
        strays = [name for name in self.manual_approval if name not in self.environments]
        if strays:
            raise ValueError(
                f"manual_approval names {', '.join(strays)}, which the pipeline does not deploy; "
                f"environments: {', '.join(self.environments)}"
            )
        if self.enabled:
            missing = [name for name in ("repository", "connection_arn") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"an enabled pipeline needs {' and '.join(missing)}")
        return self
