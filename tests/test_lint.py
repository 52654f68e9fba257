"""The code stays ruff-clean (the project's lint settings are in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from .conftest import ROOT


def test_ruff_reports_nothing() -> None:
    ruff = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "ogpsite", "tests", "build.py", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
