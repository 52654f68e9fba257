"""Nothing lost: the output folder is replaced only when ogpsite made it, and a build killed at any
moment leaves the old site or the new one, never a mix; the next build then succeeds.

The kill test runs OGPSITE_KILL_RUNS builds (default 16), each SIGKILLed after a random delay,
alternating between killing the whole process group (Ctrl-C, a cancelled CI job) and the main
process alone (the OOM killer, `kill -9 PID`), which leaves its render workers running.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ogpsite.errors import OutputRefused
from ogpsite.output.writers import MARKER, MARKER_TEXT, SiteWriter

from .conftest import BUILD_DATE, ROOT
from .test_content_errors import tree_digest

KILL_RUNS = int(os.environ.get("OGPSITE_KILL_RUNS", "16"))


def cli(project: Path, *args: str, home: Path | None = None, command: str = "build") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)} if home else None
    options = ["--templates", "templates", "--date", BUILD_DATE.isoformat()] if command == "build" else []
    line = [sys.executable, str(ROOT / "build.py"), command, *options, *args]
    return subprocess.run(line, cwd=project, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def own_project(tmp_path: Path) -> Path:
    """A project with its own content and templates, so a refused output can only be a copy."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "content", project / "content")
    shutil.copytree(ROOT / "templates", project / "templates")
    (project / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return project


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- refusals ------------------------------------------------------------------------------------

REFUSALS = {
    "content": ("content", "refusing to build into content: it overlaps content/, which holds your sources"),
    "content/site": ("content/site", "refusing to build into content/site: it overlaps content/, which holds your sources"),
    ".": (".", "refusing to build into .: it overlaps content/, which holds your sources"),
    "..": ("..", "refusing to build into ..: it overlaps content/, which holds your sources"),
    "templates": ("templates", "refusing to build into templates: it overlaps templates/, which holds your sources"),
    "~": ("~", "refusing to build into {home}: choose a dedicated folder such as site/"),
    "/": ("/", "refusing to build into /: choose a dedicated folder such as site/"),
    "a folder of someone else's files": (
        "../photos",
        "refusing to replace ../photos: it holds files ogpsite did not make (no .ogpsite-output marker)",
    ),
    "a folder holding only hidden files": ("../dotfiles", "refusing to replace ../dotfiles: it holds files ogpsite did not make"),
    "a link to someone else's folder": ("site-link", "refusing to replace site-link: it holds files ogpsite did not make"),
    "a file": ("notes.txt", "refusing to build into notes.txt: it is a file, not a folder"),
}


@pytest.mark.parametrize("command", ["build", "clean"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_output_folder_that_is_not_ours_is_refused(own_project: Path, case: str, command: str) -> None:
    """`build` would replace the folder and `clean` delete it: both refuse, and touch nothing."""
    home = own_project.parent / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents/thesis.txt").write_text("years of work\n", encoding="utf-8")
    (own_project.parent / "photos").mkdir()
    (own_project.parent / "photos/cat.jpg").write_bytes(b"\xff\xd8 not really a cat")
    (own_project.parent / "dotfiles").mkdir()
    (own_project.parent / "dotfiles/.bashrc").write_text("alias ll='ls -l'\n", encoding="utf-8")
    os.symlink(own_project.parent / "photos", own_project / "site-link")
    before = snapshot(own_project.parent)

    output, message = REFUSALS[case]
    result = cli(own_project, "--output", output, home=home, command=command)

    assert result.returncode == 3, result.stdout + result.stderr
    assert any("error: " + message.format(home=shown) in result.stderr for shown in (home, "~")), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(own_project.parent) == before  # nothing deleted, changed or added, anywhere
    assert not list(own_project.parent.rglob(".*.building-*"))


def test_empty_folder_and_own_folder_are_used(own_project: Path) -> None:
    (own_project / "out").mkdir()
    first = cli(own_project, "--output", "out")
    assert first.returncode == 0, first.stderr
    assert (own_project / "out" / MARKER).is_file()
    assert (own_project / "out/en/index.html").is_file()
    second = cli(own_project, "--output", "out")  # ours now: replaced as a whole
    assert second.returncode == 0, second.stderr


def test_unwritable_output_is_a_message_not_a_traceback(own_project: Path) -> None:
    result = cli(own_project, "--output", "/proc/ogpsite-site")
    assert result.returncode == 4  # could not write
    assert "error: could not write the site" in result.stderr
    assert "Traceback" not in result.stderr


def test_stray_folder_with_the_staging_name_is_not_deleted(tmp_path: Path) -> None:
    """A folder that merely has our staging folder's name, without the marker, is someone's."""
    stray = tmp_path / f".site.building-{os.getpid()}"
    stray.mkdir()
    (stray / "keep.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputRefused, match="ogpsite did not make it"):
        SiteWriter(tmp_path / "site")
    assert (stray / "keep.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("relpath", ["../escaped.html", "/tmp/escaped.html", "en/../../escaped.html", "", "en//x.html", "a\\b"])
def test_writer_never_writes_outside_the_output(tmp_path: Path, relpath: str) -> None:
    writer = SiteWriter(tmp_path / "site")
    try:
        with pytest.raises(ValueError, match="not a plain path inside the output folder"):
            writer.write(relpath, b"x")
    finally:
        writer.abort()
    assert not (tmp_path / "escaped.html").exists()
    assert not Path("/tmp/escaped.html").exists()


def test_no_command_writes_into_content_unless_asked(own_project: Path) -> None:
    """Building, checking, listing translations and showing fingerprints only read content/."""
    before = snapshot(own_project / "content")
    mtimes = {p: p.stat().st_mtime_ns for p in (own_project / "content").rglob("*")}
    assert cli(own_project).returncode == 0
    for command, args in [
        ("check", ["--templates", "templates"]),
        ("check", ["--templates", "templates", "--links"]),
        ("translations", []),
        ("fingerprint", ["content/commitments/ar0090"]),
        ("clean", ["--cache-only"]),
    ]:
        result = cli(own_project, *args, command=command)
        assert "Traceback" not in result.stderr, (command, result.stderr)
    assert snapshot(own_project / "content") == before
    assert {p: p.stat().st_mtime_ns for p in (own_project / "content").rglob("*")} == mtimes


HOLD_LOCK = (
    "import fcntl,os,sys,time; fd=os.open(sys.argv[1],os.O_RDONLY); fcntl.flock(fd,fcntl.LOCK_EX); print(1,flush=True); time.sleep(120)"
)


def dead_pid() -> int:
    """The process ID of a process that has exited (as a killed build's is)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def our_folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir()
    (path / MARKER).write_bytes(MARKER_TEXT)
    for rel, data in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(data)
    return path


def test_staging_folder_still_written_by_orphaned_workers_is_left_alone(tmp_path: Path) -> None:
    """Killing a build's main process leaves its forked render workers writing into its staging
    folder for a moment: the next build must neither adopt nor delete that folder until they die."""
    stale = our_folder(tmp_path / f".site.building-{dead_pid()}", {"en/index.html": b"half-built"})
    worker = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(stale)], stdout=subprocess.PIPE)
    try:
        assert worker.stdout is not None and worker.stdout.readline()
        writer = SiteWriter(tmp_path / "site")
        assert writer.staging != stale and not writer.recycled
        writer.abort()
        assert (stale / "en/index.html").read_bytes() == b"half-built"
    finally:
        worker.kill()
        worker.wait()
    writer = SiteWriter(tmp_path / "site")  # the worker is gone: now it is a leftover to clear away
    writer.abort()
    assert not stale.exists()


def test_site_parked_by_a_kill_between_two_renames_is_put_back(tmp_path: Path) -> None:
    """Without renameat2 the swap is two renames; killed between them, no site/ is left, only
    .site.previous-PID. The next build puts it back before doing anything else."""
    our_folder(tmp_path / f".site.previous-{dead_pid()}", {"en/index.html": b"the old site"})
    writer = SiteWriter(tmp_path / "site")
    writer.abort()
    assert (tmp_path / "site/en/index.html").read_bytes() == b"the old site"
    assert not list(tmp_path.glob(".site.previous-*"))


def test_interrupted_clean_up_is_finished_next_time(tmp_path: Path) -> None:
    """Our folders are deleted marker-last, so a half-deleted one still says it is ours."""
    spare = our_folder(tmp_path / ".site.spare", {})
    half_deleted = our_folder(tmp_path / f".site.building-{dead_pid()}", {"en/stories/index.html": b"x"})
    writer = SiteWriter(tmp_path / "site")  # adopts the spare; the other leftover is deleted
    writer.abort()
    assert not half_deleted.exists()
    assert spare.exists()  # the aborted build's staging folder, kept as the next spare
    assert not list(tmp_path.glob(".site.building-*"))


# --- killed builds -------------------------------------------------------------------------------

TAGLINE = "Commitments, themes, events and stories of the Open Government Partnership in the Americas"


def set_version(project: Path, version: str) -> None:
    """A: the sample; B: another tagline, which is on every page, so every page is rewritten."""
    site_yaml = project / "content/site.yaml"
    text = (ROOT / "content/site.yaml").read_text(encoding="utf-8")
    site_yaml.write_text(text if version == "A" else text.replace(TAGLINE, TAGLINE + " (version B)"), encoding="utf-8")


def reference_digest(tmp_path: Path, version: str) -> str:
    project = tmp_path / f"reference-{version}"
    shutil.copytree(ROOT / "content", project / "content")
    shutil.copytree(ROOT / "templates", project / "templates")
    set_version(project, version)
    result = cli(project, "--no-cache")
    assert result.returncode == 0, result.stderr
    return tree_digest(project / "site")


def test_killed_builds_leave_old_or_new_site_never_a_mix(own_project: Path, tmp_path: Path) -> None:
    digests = {"A": reference_digest(tmp_path, "A"), "B": reference_digest(tmp_path, "B")}
    assert digests["A"] != digests["B"]
    command = [sys.executable, str(ROOT / "build.py"), "build", "--templates", "templates", "--date", BUILD_DATE.isoformat(), "-q"]

    set_version(own_project, "B")
    assert subprocess.run(command, cwd=own_project, timeout=300).returncode == 0
    set_version(own_project, "A")
    started = time.perf_counter()
    assert subprocess.run(command, cwd=own_project, timeout=300).returncode == 0
    duration = time.perf_counter() - started  # a build from one version to the other: the kills' window
    current = tree_digest(own_project / "site")
    assert current == digests["A"]

    rng = random.Random(int(os.environ.get("OGPSITE_KILL_SEED", "7")))
    outcomes = {"old": 0, "new": 0}
    groups: list[int] = []
    try:
        for run in range(KILL_RUNS):
            target = "B" if current == digests["A"] else "A"
            set_version(own_project, target)
            build = subprocess.Popen(command, cwd=own_project, start_new_session=True, stderr=subprocess.DEVNULL)
            groups.append(build.pid)
            time.sleep(rng.uniform(0.1, 1.1) * duration)
            if run % 2:
                os.kill(build.pid, signal.SIGKILL)  # the main process only: its workers live on a while
            else:
                os.killpg(build.pid, signal.SIGKILL)
            build.wait()
            after = tree_digest(own_project / "site")
            assert after in (current, digests[target]), f"run {run}: a mix of two sites"
            outcomes["old" if after == current else "new"] += 1
            current = after
    finally:
        for group in groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
    print(f"{KILL_RUNS} killed builds over {duration:.1f} s windows: {outcomes}")

    final = subprocess.run(command, cwd=own_project, timeout=300, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    target_version = "A" if "(version B)" not in (own_project / "content/site.yaml").read_text(encoding="utf-8") else "B"
    assert tree_digest(own_project / "site") == digests[target_version]
    leftovers = sorted(p.name for p in own_project.glob(".site.*"))
    assert all(name == ".site.spare" for name in leftovers), leftovers  # interrupted builds cleaned up
