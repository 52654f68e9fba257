"""`make content-check`, the pull request's content job, runs with nothing but Python and make.

A copy of the project runs the real Makefile target in a new virtual environment, with a PATH
that holds no program at all, so neither Chromium nor Java (nor Node) could be started. The new
environment sees the shared environment's packages through a .pth file instead of installing
them: an install from the registry needs the network, which tests do not use, and takes about a
minute. The install itself is measured from a fresh environment in the closing note of issue 17
and runs in the content job on every pull request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from .conftest import ROOT


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "build.py", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, project / name)
    for name in ("content", "templates", "requirements"):
        shutil.copytree(ROOT / name, project / name)
    (project / "ogpsite").symlink_to(ROOT / "ogpsite")  # the code under test, with its vendored browser libraries
    return project


def fresh_venv(project: Path) -> Path:
    """A new environment whose site-packages reaches the shared one's packages (see the module)."""
    venv = project / ".venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # type: ignore[attr-defined]
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # make's install rule is satisfied: nothing is installed into this environment by the test
    # (and the content check needs no node_modules: building uses ogpsite/vendor/)
    (venv / ".runtime").touch()
    return venv


def content_check(project: Path, empty_bin: Path) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make is not None
    env = {"PATH": str(empty_bin), "HOME": str(project), "LANG": "C.UTF-8", "CI": os.environ.get("CI", "")}
    return subprocess.run(
        [make, "--no-print-directory", "content-check", "CHECK_FORMAT=github", "SUMMARY=summary.md"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_content_check_runs_without_a_browser_or_java(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    fresh_venv(project)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    for program in ("chromium", "java", "node"):
        assert shutil.which(program, path=str(empty_bin)) is None

    first = content_check(project, empty_bin)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Checked " in first.stdout and "no problems" in first.stdout
    assert "There is no previous build in `site`" in (project / "summary.md").read_text(encoding="utf-8")
    assert (project / "site" / "es" / "commitments" / "ar0090" / "index.html").is_file()

    es = project / "content" / "commitments" / "ar0090" / "es.md"
    es.write_text(es.read_text(encoding="utf-8").replace("title: ", "title: Nuevo título, ", 1), encoding="utf-8")
    again = content_check(project, empty_bin)
    assert again.returncode == 0, again.stdout + again.stderr
    summary = (project / "summary.md").read_text(encoding="utf-8")
    assert "(`/es/commitments/ar0090/`)](https://ogp-americas.example.org/es/commitments/ar0090/)" in summary
    assert "### English" not in summary


def test_content_check_annotates_a_content_error_and_keeps_the_site(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    fresh_venv(project)
    facts = project / "content" / "commitments" / "ar0090" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("status: active", "status: finished"), encoding="utf-8")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = content_check(project, empty_bin)
    assert result.returncode != 0
    assert "::error file=content/commitments/ar0090/facts.yaml,line=4," in result.stdout
    assert not (project / "site").exists()  # the check stops the job before anything is built
