"""cfn-lint over every synthesized template of every environment."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".cfnlintrc.yaml"


def test_every_template_is_clean(platform_synths):
    templates = [str(path) for synth in platform_synths.values() for path in synth.template_files]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--config-file", str(CONFIG), "--", *templates],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_ignored_check_says_why():
    ignored = yaml.safe_load(CONFIG.read_text())["ignore_checks"]
    lines = CONFIG.read_text().splitlines()
    for check in ignored:
        line = next(line for line in lines if re.match(rf"\s*-\s*{check}\b", line))
        reason = line.partition("#")[2].strip()
        assert len(reason) >= 40, f"{check} is ignored without a reason: {line!r}"
