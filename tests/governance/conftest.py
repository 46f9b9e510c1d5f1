"""The shipped environments in the governance modes they do not ship with, one synth per variant.

dev ships `hybrid` and prod `lake_formation`; here dev is also synthesized in `iam` and in
`lake_formation` (with consumers, data filters, an extra LF-tag and IAMAllowedPrincipals revoked),
and prod in `iam` and `hybrid`, so every mode is synthesized (rule packs included) in dev and prod.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from config import load_config
from config.loader import environment_file

from ..synth import Synth, SynthError, run_app
from .permission_check import Templates

# An analyst role that reads the curated zone except confidential tables, and a SageMaker execution
# role that reads two tables only through row and column filters.
CONSUMERS = [
    {
        "name": "analysts",
        "principal_arn": "arn:aws:iam::111122223333:role/analysts",
        "classifications": ["internal"],
    },
    {
        "name": "training",
        "principal_arn": "arn:aws:iam::111122223333:role/service-role/sagemaker-training",
        "data_filters": [
            {"name": "houses_recent", "dataset": "houses", "row_filter": "sold_on >= DATE '2020-01-01'"},
            {"name": "census_no_origin", "dataset": "adult_census", "excluded_columns": ["race", "native_country"]},
        ],
    },
]

VARIANTS = {
    ("dev", "iam"): {"mode": "iam"},
    ("dev", "lake_formation"): {
        "mode": "lake_formation",
        "revoke_iam_allowed_principals": True,
        "admins": ["arn:aws:iam::111122223333:role/data-platform-admin"],
        "lf_tags": {"team": ["ml", "analytics"]},
        "consumers": CONSUMERS,
    },
    ("prod", "iam"): {"mode": "iam", "revoke_iam_allowed_principals": False},
    ("prod", "hybrid"): {"mode": "hybrid", "revoke_iam_allowed_principals": False},
}


def variant_file(base: Path, env: str, mode: str) -> Path:
    data = yaml.safe_load(environment_file(env).read_text(encoding="utf-8"))
    data["governance"] = {**data.get("governance", {}), **VARIANTS[(env, mode)]}
    # The file keeps the environment's name, so names derive exactly as in the shipped environment.
    path = base / mode / f"{env}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Synth, object]]:
    """(env, mode) -> (Synth, config) for the variants above."""
    base = tmp_path_factory.mktemp("governance")

    def one(key: tuple[str, str]):
        env, mode = key
        path = variant_file(base / "configs", env, mode)
        outdir = base / "cdk.out" / mode / env
        result = run_app(str(path), outdir)
        if result.returncode != 0:
            raise SynthError(f"synth of {env} in mode {mode} failed:\n{result.stderr[-6000:]}")
        return key, (Synth(env, outdir), load_config(path=path))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, VARIANTS))


@pytest.fixture(scope="session")
def modes(variants, synths, configs) -> dict[tuple[str, str], tuple[Synth, object]]:
    """Every (env, mode) synthesized: the shipped environments and the variants."""
    shipped = {(env, configs[env].governance.mode): (synth, configs[env]) for env, synth in synths.items()}
    return {**shipped, **variants}


def templates(synth: Synth) -> Templates:
    return Templates(json.loads(json.dumps(synth.stacks)))
