"""Two clean builds of the same content are byte-identical: no timestamps, no random order, nothing
from the machine. The builds run in different folders, with different hash seeds (set and dict
order) and different numbers of worker processes; an incremental build must equal a clean one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import BUILD_DATE, ROOT


def build(project: Path, *args: str, seed: str) -> None:
    command = [sys.executable, str(ROOT / "build.py"), "build", "--templates", str(ROOT / "templates"), "--date", BUILD_DATE.isoformat()]
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": "Pacific/Kiritimati" if seed == "1" else "America/Lima"}
    result = subprocess.run([*command, "-q", *args], cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    only = sorted(set(a) ^ set(b))
    changed = sorted(name for name in set(a) & set(b) if a[name] != b[name])
    return [f"only in one: {name}" for name in only] + [f"differs: {name}" for name in changed]


def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "elsewhere/second"
    for project in (first, second):
        shutil.copytree(ROOT / "content", project / "content")
    build(first, "--no-cache", "--jobs", "1", seed="1")
    build(second, "--no-cache", "--jobs", "2", seed="2")
    a, b = files(first / "site"), files(second / "site")
    assert len(a) > 300
    assert differences(a, b) == []


def test_incremental_build_equals_a_clean_one(tmp_path: Path) -> None:
    """Building A, then B over it with the cache, gives what building B from nothing gives."""
    incremental, clean = tmp_path / "incremental", tmp_path / "clean"
    for project in (incremental, clean):
        shutil.copytree(ROOT / "content", project / "content")
    build(incremental, seed="3")
    for project in (incremental, clean):
        story = project / "content/stories/national-and-local-together/en.md"
        story.write_text(story.read_text(encoding="utf-8").replace("title: ", "title: Edited, ", 1), encoding="utf-8")
        (project / "content/themes/open-state/es.md").unlink()
    build(incremental, seed="4")
    build(clean, "--no-cache", seed="5")
    assert differences(files(incremental / "site"), files(clean / "site")) == []
