"""A full disk or a read-only output mid-build (issue 14): one clear message naming the folder and
the cause, exit status 4 (cli.Exit.WRITE_FAILED), the previous site/ byte-identical, and the
cache intact (the next build after the fault equals a clean one).

ENOSPC, EROFS and EACCES are simulated by making the lowest-level writes (`Path.write_bytes`, and
`writers._write_new`, which writes a new file into a fresh staging folder: every page, stage file
and asset goes through one of them) raise that error after a few files: a real full disk or
read-only mount needs privileges CI does not have (and as root, permission bits do not stop
anything). The file in site/ that cannot be replaced is real: an immutable file (`chattr +i`),
which stops root too; skipped where chattr cannot set it.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ogpsite.commands.cli import main
from ogpsite.output import writers

from .conftest import BUILD_DATE, ROOT
from .preview import edit
from .test_deterministic import differences, files

CAUSES = {
    errno.ENOSPC: "the disk is full (No space left on device)",
    errno.EROFS: "its file system is read-only (Read-only file system)",
    errno.EACCES: "you are not allowed to write there (Permission denied)",
}


def run(project: Path, *args: str) -> tuple[int, str]:
    """`ogpsite build` in this process (one worker, so a patched write is the one used)."""
    command = ["build", "--templates", str(ROOT / "templates"), "--date", BUILD_DATE.isoformat(), "--jobs", "1", "-q", *args]
    cwd = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, command, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.output


def clean_build(project: Path, base_url: str) -> dict[str, bytes]:
    code, output = run(project, "--no-cache", "--base-url", base_url, "--output", "clean")
    assert code == 0, output
    return files(project / "clean")


@pytest.fixture
def built(project: Path) -> Path:
    code, output = run(project, "--base-url", "https://one.example/")
    assert code == 0, output
    return project


@pytest.mark.parametrize("error", list(CAUSES), ids=[errno.errorcode[e] for e in CAUSES])
def test_a_write_failing_mid_build_leaves_the_site_and_cache_intact(built: Path, monkeypatch: pytest.MonkeyPatch, error: int) -> None:
    project = built
    before = files(project / "site")
    original = Path.write_bytes
    original_new = writers._write_new
    written: list[Path] = []

    def count(target: Path) -> None:
        if ".site.building-" in str(target):
            written.append(target)
            if len(written) > 5:
                raise OSError(error, os.strerror(error), str(target))

    def failing(self: Path, data: bytes) -> int:  # type: ignore[override]
        count(self)
        return original(self, data)

    def failing_new(target: Path, data: bytes) -> bool:
        count(target)
        return original_new(target, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    monkeypatch.setattr(writers, "_write_new", failing_new)
    # The edit changes the record's pages, listings and home pages: the build fails at the 6th file.
    edit(project / "content/commitments/ar0090/en.md", "title: Federal Program on Open Government", "title: Federal Write Fault")
    code, output = run(project, "--base-url", "https://one.example/")
    monkeypatch.undo()

    assert code == 4  # cli.Exit.WRITE_FAILED
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("error: could not write the site into .site.building-"), lines[0]
    assert "(where the new site is made, beside site/)" in lines[0] and CAUSES[error] in lines[0], lines[0]
    assert lines[0].endswith("site/ was left as it was."), lines[0]
    assert "Traceback" not in output
    assert len(written) == 6
    assert differences(files(project / "site"), before) == []  # byte-identical, every file

    # The next build after the fault is correct: the same as a clean build of the same content.
    code, output = run(project, "--base-url", "https://one.example/")
    assert code == 0, output
    assert "Federal Write Fault" in (project / "site/en/commitments/ar0090/index.html").read_text(encoding="utf-8")
    assert differences(files(project / "site"), clean_build(project, "https://one.example/")) == []


def test_a_failed_build_does_not_hide_an_edit_from_the_next(built: Path) -> None:
    """A build that loaded an edited record and then failed (here: another record's error) must
    not leave the cache saying that edit was built: the next build renders it."""
    project = built
    edit(project / "content/commitments/ar0090/en.md", "title: Federal Program on Open Government", "title: Federal Edit Kept")
    facts = project / "content/themes/open-state/facts.yaml"
    good = facts.read_text(encoding="utf-8")
    facts.write_text(good.replace("order:", "order: first\nwas:"), encoding="utf-8")
    code, output = run(project, "--base-url", "https://one.example/")
    assert code == 1, output
    facts.write_text(good, encoding="utf-8")
    code, output = run(project, "--base-url", "https://one.example/")
    assert code == 0, output
    assert "Federal Edit Kept" in (project / "site/en/commitments/ar0090/index.html").read_text(encoding="utf-8")
    assert differences(files(project / "site"), clean_build(project, "https://one.example/")) == []


def _immutable(path: Path, on: bool) -> bool:
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    done = subprocess.run([chattr, "+i" if on else "-i", str(path)], capture_output=True)
    return done.returncode == 0


def test_a_file_in_the_site_that_cannot_be_replaced(built: Path) -> None:
    """An immutable file in site/: the build that swaps the site in moves it aside whole; the one
    after it recycles that folder and cannot replace the file: refused with the cause, site intact."""
    project = built
    stuck = project / "site/en/index.html"
    if not _immutable(stuck, True):
        pytest.skip("chattr +i is not available here (needs CAP_LINUX_IMMUTABLE)")
    try:
        code, output = run(project, "--base-url", "https://two.example/")  # swaps in a new site
        assert code == 0, output
        before = files(project / "site")
        code, output = run(project, "--base-url", "https://three.example/")  # recycles the old one
        assert code == 4, output  # cli.Exit.WRITE_FAILED
        lines = output.strip().splitlines()
        assert len(lines) == 1, output
        assert "(where the new site is made, beside site/)" in lines[0]
        assert "may not be changed (an immutable file?) (Operation not permitted)" in lines[0] and "chattr -i" in lines[0]
        assert "Traceback" not in output
        assert differences(files(project / "site"), before) == []
    finally:  # the immutable file is wherever its folder went (site/, or the spare folder beside it)
        for path in project.rglob("en/index.html"):
            _immutable(path, False)
    code, output = run(project, "--base-url", "https://three.example/")
    assert code == 0, output
    assert differences(files(project / "site"), clean_build(project, "https://three.example/")) == []


def test_the_preview_says_why_it_could_not_write_and_recovers(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In place (the preview), a full disk is shown as its cause, not as a crash of the generator;
    the next save after it is built afresh and equals a clean build."""
    import io

    from ogpsite.commands.serve_rebuild import BuildState, Rebuilder, in_process

    from .conftest import settings_for

    state, log = BuildState(), io.StringIO()
    settings = in_process(settings_for(project))
    rebuilder = Rebuilder(settings, state, log, quiet=True)
    assert rebuilder.rebuild()
    original = Path.write_bytes

    def full(self: Path, data: bytes) -> int:  # type: ignore[override]
        if self.is_relative_to(project / "site"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return original(self, data)

    english = project / "content/commitments/ar0090/en.md"
    edit(english, "title: Federal Program on Open Government", "title: Federal Programme, Disk Full")
    monkeypatch.setattr(Path, "write_bytes", full)
    assert not rebuilder.rebuild([str(english)])
    monkeypatch.undo()
    assert state.failure is not None and state.failure.title == "the site could not be written"
    assert state.failure.lines[0].startswith("could not write the site into site/ (")
    assert CAUSES[errno.ENOSPC] in state.failure.lines[0]
    assert "Traceback" not in log.getvalue()

    assert rebuilder.rebuild([str(english)])
    rebuilder.finish()
    assert state.failure is None
    assert "Federal Programme, Disk Full" in (project / "site/en/commitments/ar0090/index.html").read_text(encoding="utf-8")
    code, output = run(project, "--no-cache", "--output", "clean")
    assert code == 0, output
    assert differences(files(project / "site"), files(project / "clean")) == []
