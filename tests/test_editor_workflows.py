"""The GitHub workflows cannot run here: check they are valid and call only commands that exist."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from ogpsite.commands.cli import main

from .conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(ROOT / ".venv" / "bin")) or shutil.which("check-jsonschema")


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def commands(workflow: dict[Any, Any]) -> list[list[str]]:
    """Each shell command of every `run:` step, split into words (continuation lines joined)."""
    found = []
    for step in steps(workflow):
        script = step.get("run", "").replace("\\\n", " ")
        found += [shlex.split(line) for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]
    return found


def ogpsite_calls(workflow: dict[Any, Any]) -> list[list[str]]:
    calls = []
    for words in commands(workflow):
        if words and Path(words[0]).name == "ogpsite":
            calls.append(words[1:])
        elif words[:2] == ["python", "build.py"]:
            calls.append(words[2:])
    return calls


def test_workflows_are_valid_against_the_github_workflow_schema() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["deploy.yml", "pull-request.yml"]
    if CHECK_JSONSCHEMA is None:
        pytest.fail("check-jsonschema is a test dependency (pyproject.toml [test])")
    # check-jsonschema ships the SchemaStore schema for workflows: nothing is fetched.
    result = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *map(str, sorted(WORKFLOWS.glob("*.yml")))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    if CHECK_JSONSCHEMA is None:
        pytest.fail("check-jsonschema is a test dependency")
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "deploy.yml").read_text(encoding="utf-8").replace("runs-on:", "run-on:", 1), encoding="utf-8")
    result = subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml"])
def test_every_ogpsite_call_parses_with_the_real_cli(name: str) -> None:
    calls = ogpsite_calls(load(name))
    assert calls, f"{name} calls no ogpsite command"
    for args in calls:
        command = main.commands.get(args[0])
        assert command is not None, f"{name}: 'ogpsite {args[0]}' does not exist"
        try:
            command.make_context(args[0], list(args[1:]))
        except click.ClickException as exc:
            pytest.fail(f"{name}: 'ogpsite {shlex.join(args)}' is refused: {exc.format_message()}")


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml"])
def test_every_make_target_exists(name: str) -> None:
    for words in commands(load(name)):
        if words and words[0] == "make":
            result = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True)
            assert result.returncode == 0, f"{name}: {shlex.join(words)}: {result.stderr}"


def test_pull_request_workflow_checks_tests_and_builds_in_that_order() -> None:
    workflow = load("pull-request.yml")
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    flat = [shlex.join(words) for words in commands(workflow)]
    check = flat.index(".venv/bin/ogpsite check --format github")
    tests = flat.index("make test")
    build = flat.index(".venv/bin/ogpsite build")
    install = next(i for i, line in enumerate(flat) if line.startswith("make .venv/.test"))
    assert install < check < tests < build
    assert workflow["permissions"] == {"contents": "read"}


def test_deploy_workflow_publishes_site_to_pages() -> None:
    workflow = load("deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    uses = [step.get("uses", "").split("@")[0] for step in steps(workflow)]
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    upload = next(step for step in steps(workflow) if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"].rstrip("/") == "site"
    build = next(args for args in ogpsite_calls(workflow) if args[0] == "build")
    assert "--base-url" in build
    assert workflow["jobs"]["deploy"]["needs"] == "build"
