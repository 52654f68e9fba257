"""The maintenance habits hold: the lock has every pin of pyproject.toml, Dependabot watches the
three ecosystems, the workflows use actions that run on a supported Node, pre-commit runs ruff
and `ogpsite check`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(ROOT / ".venv" / "bin")) or shutil.which("check-jsonschema")
# The first major of each action whose runtime is Node 24 (Node 20 reached its end of life in 2026).
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/setup-node": 5,
    "actions/cache": 5,
    "actions/cache/restore": 5,
    "actions/cache/save": 5,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "actions/configure-pages": 6,
    "actions/upload-pages-artifact": 5,
    "actions/deploy-pages": 5,
}


def locked(name: str) -> dict[str, str]:
    """package -> version in requirements/NAME.txt."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text(encoding="utf-8")
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", text, re.MULTILINE)}


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        found[re.sub(r"[-_.]+", "-", name.strip()).lower()] = version.strip()
    return found


@pytest.mark.parametrize(("lock", "groups"), [("runtime", ["dependencies"]), ("test", ["dependencies", "test"])], ids=["runtime", "test"])
def test_the_lock_holds_every_pin_of_pyproject(lock: str, groups: list[str]) -> None:
    project = PROJECT["project"]
    wanted: dict[str, str] = {}
    for group in groups:
        wanted |= pins(project["dependencies"] if group == "dependencies" else project["optional-dependencies"][group])
    have = {re.sub(r"[-_.]+", "-", name): version for name, version in locked(lock).items()}
    stale = {name: (version, have.get(name)) for name, version in wanted.items() if have.get(name) != version}
    assert stale == {}, f"requirements/{lock}.txt is stale (pyproject pin, locked): {stale}; run `make lock`"
    text = (ROOT / "requirements" / f"{lock}.txt").read_text(encoding="utf-8")
    assert "markupsafe" in have  # transitive packages are locked too, not only the direct pins
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", text)) >= len(have)  # every package with its hashes
    assert "sphinx" not in have


def test_make_installs_from_the_lock_and_the_project_without_dependencies() -> None:
    result = subprocess.run(["make", "-n", "-B", ".venv/.test"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--require-hashes -r requirements/runtime.txt" in result.stdout
    assert "--require-hashes -r requirements/test.txt" in result.stdout
    assert "install --quiet --no-deps -e ." in result.stdout
    assert subprocess.run(["make", "-n", "lock"], cwd=ROOT, capture_output=True, text=True).returncode == 0


def test_dependabot_watches_python_npm_and_actions() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert {update["package-ecosystem"] for update in config["updates"]} == {"pip", "npm", "github-actions"}
    if CHECK_JSONSCHEMA is None:
        pytest.fail("check-jsonschema is a test dependency (pyproject.toml [test])")
    result = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.dependabot", str(ROOT / ".github" / "dependabot.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_use_actions_on_a_supported_node() -> None:
    uses = []
    for workflow in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        config = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        uses += [step["uses"] for job in config["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses
    for use in uses:
        action, _, version = use.partition("@")
        assert action in NODE24_MAJORS, f"{use}: which major of it runs on Node 24? add it to NODE24_MAJORS"
        assert int(version.removeprefix("v").split(".")[0]) >= NODE24_MAJORS[action], use


def test_pre_commit_runs_ruff_and_the_content_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: (repo, hook) for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "ogpsite-check"} <= hooks.keys()
    ruff_pin = pins(PROJECT["project"]["optional-dependencies"]["test"])["ruff"]
    assert hooks["ruff"][0]["rev"] == f"v{ruff_pin}"  # the same ruff as `make lint`
    assert hooks["ogpsite-check"][1]["entry"] == "ogpsite check"


def test_licence_and_changelog() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "ogpsite contributors" in licence
    assert PROJECT["project"]["license"] == "MIT" and PROJECT["project"]["license-files"] == ["LICENSE"]
    assert Path(ROOT / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")
