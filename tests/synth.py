"""Synthesized environments, read back for tests: templates, rule-pack report, acknowledgments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SynthError(AssertionError):
    pass


class Synth:
    """One environment (a name in config/environments/ or a config file's path) synthesized by
    `app.py`, exactly as `make synth` does it; `config` is the config it was built from."""

    def __init__(self, env: str, outdir: Path) -> None:
        self.env = env
        self.outdir = outdir

    @cached_property
    def config(self):
        from config import load_config

        return load_config(path=self.env) if self.env.endswith(".yaml") else load_config(self.env)

    @property
    def name(self) -> str:
        """The environment's name ('dev', or a fixture's file name 'full')."""
        return Path(self.env).stem

    @cached_property
    def manifest(self) -> dict:
        return json.loads((self.outdir / "manifest.json").read_text())

    @cached_property
    def stacks(self) -> dict[str, dict]:
        """Template of each stack, by layer name ('storage', 'network', ...)."""
        found = {}
        for artifact in self.manifest["artifacts"].values():
            if artifact["type"] == "aws:cloudformation:stack":
                layer = artifact["displayName"].rsplit("/", 1)[-1]
                found[layer] = json.loads((self.outdir / artifact["properties"]["templateFile"]).read_text())
        return found

    @cached_property
    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))

    def template(self, layer: str):
        """An `aws_cdk.assertions.Template` of one layer's stack."""
        from aws_cdk.assertions import Template

        return Template.from_json(self.stacks[layer])

    def resources(self, layer: str, type_: str) -> dict[str, dict]:
        """Resources of one CloudFormation type in a layer's stack, by logical id."""
        return {k: v for k, v in self.stacks[layer]["Resources"].items() if v["Type"] == type_}

    @cached_property
    def report(self) -> dict:
        return json.loads((self.outdir / "validation-report.json").read_text())

    @cached_property
    def acknowledgments(self) -> list[tuple[str, str, str]]:
        """(construct path, rule id, reason) of every acknowledged finding."""
        found = []
        for metadata_file in self.outdir.glob("*.metadata.json"):
            for path, entries in json.loads(metadata_file.read_text()).items():
                for entry in entries:
                    if entry["type"] == "aws:cdk:acknowledged-rules":
                        found += [
                            (path, rule.removeprefix("Annotation::"), reason) for rule, reason in entry["data"].items()
                        ]
        return found


def run_app(env: str, outdir: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PLATFORM_ENV": env, "CDK_OUTDIR": str(outdir), **(extra_env or {})}
    environ.pop("CDK_CONTEXT_JSON", None)
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=environ, capture_output=True, text=True)


def synthesize_all(targets: dict[str, str], base: Path) -> dict[str, Synth]:
    """Synthesize each target (key: an environment name or a config file's path) in its own
    process, side by side (two at a time on two cores)."""

    def one(key: str) -> Synth:
        outdir = base / key.replace("/", "-")
        result = run_app(targets[key], outdir)
        if result.returncode != 0:
            raise SynthError(f"synth of {targets[key]} failed:\n{result.stderr[-6000:]}")
        return Synth(targets[key], outdir)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(targets, pool.map(one, targets), strict=True))
