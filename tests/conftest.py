"""Shared fixtures: real builds of the sample content and of small fixture sites."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ogpsite.pipeline import BuildSettings, build

ROOT = Path(__file__).resolve().parent.parent
BUILD_DATE = dt.date(2026, 11, 23)


def parse_html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def settings_for(project: Path, output: Path | None = None, base_url: str | None = None) -> BuildSettings:
    return BuildSettings(
        project_root=project,
        content_dir=project / "content",
        templates_dir=ROOT / "templates",
        output_dir=output or project / "site",
        base_url=base_url,
        today=BUILD_DATE,
    )


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled content, built once per test session."""
    out = tmp_path_factory.mktemp("sample") / "site"
    settings = BuildSettings(ROOT, ROOT / "content", ROOT / "templates", out, None, BUILD_DATE)
    build(settings)
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the sample content that a test may break."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python build.py ARGS` as a user runs it, in `cwd`."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def build_args(*extra: str) -> list[str]:
    """`build` with the repository's templates and the fixed test date."""
    return ["build", "--templates", str(ROOT / "templates"), "--date", BUILD_DATE.isoformat(), *extra]
