"""Shared fixtures: every environment is synthesized once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# jsii (aws_cdk.assertions) runs on the virtualenv's Node.js.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

from config import environment_names, load_config

from .synth import Synth, synthesize_all

ENVIRONMENTS = environment_names()


@pytest.fixture(scope="session")
def synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    """Every environment in config/environments/, synthesized with all checks."""
    return synthesize_all(ENVIRONMENTS, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def dev(synths: dict[str, Synth]) -> Synth:
    return synths["dev"]


@pytest.fixture(scope="session")
def prod(synths: dict[str, Synth]) -> Synth:
    return synths["prod"]


@pytest.fixture(scope="session")
def minimal(synths: dict[str, Synth]) -> Synth:
    return synths["minimal"]


@pytest.fixture(scope="session")
def configs():
    return {env: load_config(env) for env in ENVIRONMENTS}


@pytest.fixture(scope="session")
def spark():
    """The one local SparkSession of the test session (the same builder local runs use)."""
    from tools.local_run import spark_session

    session = spark_session()
    yield session
    session.stop()
