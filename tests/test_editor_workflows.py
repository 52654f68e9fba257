"""The GitHub workflows cannot run here: check they are valid and call only commands that exist."""

from __future__ import annotations

import re
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
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["deploy.yml", "preview.yml", "pull-request.yml"]
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


# --- the two paths of a pull request ------------------------------------------------------------


def pull_request_step(name: str) -> dict[str, Any]:
    return next(step for step in load("pull-request.yml")["jobs"]["changes"]["steps"] if step.get("name") == name)


def route(files: list[str], tmp_path: Path) -> dict[str, str]:
    """Run the workflow's own routing step on a list of changed files; its outputs."""
    step = pull_request_step("Route to the content job, the full suite or both")
    (tmp_path / "changed-files.txt").write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
    output = tmp_path / "github-output"
    output.write_text("", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **step["env"]}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize(
    ("files", "content", "code"),
    [
        (["content/commitments/ar0090/es.md"], "true", "false"),
        (
            ["content/commitments/ar0095/facts.yaml", "content/commitments/ar0095/en.md", "templates/locale/es/LC_MESSAGES/messages.po"],
            "true",
            "false",
        ),
        (["ogpsite/x.py"], "false", "true"),
        (["templates/commitment.html"], "false", "true"),
        (["tests/test_site.py", "Makefile"], "false", "true"),
        ([".github/workflows/pull-request.yml"], "false", "true"),
        (["content/site.yaml", "ogpsite/build/builder.py"], "true", "true"),  # both run
        (["contents/x.md", "my content/x.md", "templates/locale/messages.pot"], "false", "true"),  # look-alikes are code
        ([], "false", "true"),  # nothing listed: the full suite, to be safe
    ],
)
def test_changed_files_route_to_the_content_job_or_the_full_suite(files: list[str], content: str, code: str, tmp_path: Path) -> None:
    assert route(files, tmp_path) == {"content": content, "code": code}


def test_each_job_runs_on_its_route() -> None:
    jobs = load("pull-request.yml")["jobs"]
    assert jobs["changes"]["outputs"] == {"content": "${{ steps.route.outputs.content }}", "code": "${{ steps.route.outputs.code }}"}
    assert jobs["content"]["needs"] == "changes" and jobs["content"]["if"] == "needs.changes.outputs.content == 'true'"
    assert jobs["check-test-build"]["needs"] == "changes" and jobs["check-test-build"]["if"] == "needs.changes.outputs.code == 'true'"


def test_the_content_job_installs_no_browser_java_or_test_extras() -> None:
    job = load("pull-request.yml")["jobs"]["content"]
    flat = [shlex.join(words) for words in commands({"jobs": {"content": job}})]
    assert "make .venv/.runtime" in flat
    # Building needs no Node either: the browser libraries are vendored in ogpsite/vendor/.
    banned = ("chromium", "jre", "java", ".venv/.test", "[test]", "playwright", "apt-get", "node_modules", "npm")
    assert not any(word in line for line in flat for word in banned)
    assert not any(step.get("uses", "").startswith("actions/setup-node") for step in job["steps"])
    assert "container" not in job  # the runner's own Python, with setup-python's cache
    make = next(words for words in commands({"jobs": {"content": job}}) if words[:2] == ["make", "content-check"])
    assert "CHECK_FORMAT=github" in make and "SUMMARY=build-summary.md" in make
    summary = next(step for step in job["steps"] if step.get("name") == "Summary of the build")
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"] and summary["if"] == "always()"
    caches = [step for step in job["steps"] if step.get("uses", "").startswith("actions/cache/")]
    restore = next(step for step in caches if step["uses"].startswith("actions/cache/restore"))
    save = next(step for step in caches if step["uses"].startswith("actions/cache/save"))
    assert set(restore["with"]["path"].split()) == {".cache/ogpsite", "site"} == set(save["with"]["path"].split())
    assert save["if"] == "github.event_name == 'push'"  # only main's builds are saved for pull requests to restore


def test_make_content_check_runs_the_content_jobs_commands() -> None:
    result = subprocess.run(
        ["make", "-n", "content-check", "CHECK_FORMAT=github", "SUMMARY=s.md"], cwd=ROOT, capture_output=True, text=True
    )
    lines = [line for line in result.stdout.splitlines() if "build.py" in line]
    assert [shlex.split(line)[1:] for line in lines] == [
        ["build.py", "check", "--format", "github"],
        ["build.py", "build", "--summary", "s.md"],
        ["build.py", "check", "--links"],
    ]
    for args in ([a for a in shlex.split(line)[2:]] for line in lines):
        main.commands[args[0]].make_context(args[0], args[1:])


# --- the preview --------------------------------------------------------------------------------


def test_preview_never_runs_the_pull_requests_code() -> None:
    workflow = load("preview.yml")
    assert workflow[True]["workflow_run"] == {"workflows": [load("pull-request.yml")["name"]], "types": ["completed"]}
    assert workflow[True]["pull_request_target"] == {"types": ["closed"]}
    uses = [step.get("uses", "").split("@")[0] for step in steps(workflow)]
    assert "actions/checkout" not in uses  # nothing of the pull request is on the runner but the artifact
    assert [u for u in uses if u] == ["actions/download-artifact"]
    for step in steps(workflow):
        script = step.get("run", "")
        # values the pull request controls reach scripts only through env, never pasted into the script
        assert "${{" not in script, script
        assert not re.search(r"\b(python|pip|npm|node|make|ogpsite|bash|sh|source)\b|(?<![.\w])\./", script), script
    publish = workflow["jobs"]["publish"]
    assert "github.event.workflow_run.conclusion == 'success'" in publish["if"]
    assert "github.event.workflow_run.event == 'pull_request'" in publish["if"]
    download = next(step for step in publish["steps"] if step.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}" and download["with"]["name"] == "site"
    assert "find preview -type l -delete" in next(s["run"] for s in publish["steps"] if s.get("name") == "Put it in the previews branch")


def test_preview_publishes_only_pull_requests_of_editors_files() -> None:
    check = load("preview.yml")["jobs"]["publish"]["steps"][0]
    assert check["env"]["EDITOR_FILES"] == pull_request_step("Route to the content job, the full suite or both")["env"]["EDITOR_FILES"]
    assert "previous_filename" in check["run"]  # a file renamed into content/ still counts where it came from


def test_deploy_publishes_the_previews_branch_under_previews() -> None:
    workflow = load("deploy.yml")
    flat = [shlex.join(words) for words in commands(workflow)]
    assert "git archive FETCH_HEAD | tar -x -C site/previews" in "\n".join(step.get("run", "") for step in steps(workflow))
    build = next(i for i, line in enumerate(flat) if line.startswith("ogpsite build"))
    assert build < next(i for i, line in enumerate(flat) if "previews" in line)
    assert "workflow_dispatch" in workflow[True]  # preview.yml starts it


def preview_gate(tmp_path: Path, number: str, files: list[str]) -> dict[str, str]:
    """Run preview.yml's first step with a stand-in for the `gh` command line (GitHub's API is not
    reachable here): it answers `gh pr list` with `number` and `gh api …/files` with `files`."""
    step = load("preview.yml")["jobs"]["publish"]["steps"][0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "answer-files").write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
    (tmp_path / "answer-number").write_text(number + "\n", encoding="utf-8")
    gh = bin_dir / "gh"
    gh.write_text(
        f'#!/bin/sh\ncase "$1 $2" in\n  "pr list") cat {tmp_path}/answer-number ;;\n  "api --paginate") cat {tmp_path}/answer-files ;;\n'
        "  *) exit 3 ;;\nesac\n",
        encoding="utf-8",
    )
    gh.chmod(0o755)
    output = tmp_path / "github-output"
    output.write_text("", encoding="utf-8")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "REPO": "o/r", "HEAD_SHA": "abc", **step["env"]}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize(
    ("number", "files", "published"),
    [
        ("17", ["content/commitments/ar0090/es.md", "templates/locale/es/LC_MESSAGES/messages.po"], True),
        ("17", ["content/commitments/ar0090/es.md", "templates/commitment.html"], False),
        ("17", ["content/x.md", "ogpsite/x.py"], False),  # a rename out of ogpsite/ (its previous name is listed too)
        ("17", [".github/workflows/pull-request.yml"], False),
        ("17", [], False),
        ("", ["content/x.md"], False),  # no open pull request has that head any more
        ("17 18", ["content/x.md"], False),
        ("17;id", ["content/x.md"], False),
    ],
)
def test_preview_is_published_only_for_a_pull_request_of_editors_files(
    tmp_path: Path, number: str, files: list[str], published: bool
) -> None:
    assert preview_gate(tmp_path, number, files) == ({"number": number} if published else {})


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "preview.yml"])
def test_every_run_script_is_valid_bash(name: str) -> None:
    for step in steps(load(name)):
        if "run" in step:
            result = subprocess.run(["bash", "-n", "-c", step["run"]], capture_output=True, text=True)
            assert result.returncode == 0, f"{name}: {step.get('name')}: {result.stderr}"
