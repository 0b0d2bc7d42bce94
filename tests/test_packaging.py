"""Set-up files stay consistent: environment.yml pins what pyproject.toml pins; .ci/run calls README's test command."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_matches_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = (ROOT / "environment.yml").read_text()
    pinned = set(re.findall(r"^\s+- ([A-Za-z0-9_.\-\[\]]+==[^\s]+)$", env, re.M))
    assert set(deps) == pinned


def test_lock_pins_every_direct_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
            for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    for dep in deps:
        name, version = re.sub(r"\[.*\]", "", dep).split("==")
        assert lock[name.lower().replace("_", "-")].split("+")[0] == version, dep


def test_ci_runs_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)
