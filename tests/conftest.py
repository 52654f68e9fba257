"""Shared fixtures: real builds of the sample content and of small fixture sites."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from ogpsite.build import build
from ogpsite.settings import BuildSettings

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


# --- serving a built site and driving Debian's chromium -------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_directory(directory: Path, handler_class: type[http.server.SimpleHTTPRequestHandler] | None = None) -> Iterator[str]:
    """Serve `directory` on a free loopback port; yields the base URL ending in '/'."""
    handler = functools.partial(handler_class or QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def sample_url(sample_site: Path) -> Iterator[str]:
    """The sample site over HTTP."""
    with serve_directory(sample_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright; never a downloaded browser. Required under CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; fails the test on any console error or uncaught exception."""
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.console_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()
