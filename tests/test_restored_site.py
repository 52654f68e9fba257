"""A site and build cache restored from elsewhere (a CI cache, a copy) count as the last build.

A pull request's CI job restores main's `.cache/ogpsite/` and `site/`: every file comes back with a
new inode, and maybe new times, so its recorded stat no longer matches. A file whose bytes still
hash as the manifest says is the file the last build published (`manifest.is_intact`), so the
build after an edit does exactly the work it would have done on the original folder, and its
site still equals a clean build byte for byte.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ogpsite.build import BuildReport, build
from ogpsite.incremental.manifest import is_intact

from .test_incremental import assert_same_as_clean_build, commitment, edit, generated_project, settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return generated_project(tmp_path, 12, events=2, stories=2)


def restore(project: Path, new_times: bool) -> None:
    """What a cache restore does: the same bytes in new files (new inodes); with `new_times`, the
    times of the restore too."""
    for name in ("site", ".cache"):
        folder, saved = project / name, project / f"{name}.saved"
        folder.rename(saved)
        shutil.copytree(saved, folder, copy_function=shutil.copy2 if not new_times else shutil.copyfile)
        shutil.rmtree(saved)


def add_sentence(project: Path, sentence: str) -> None:
    edit(commitment(project, 3) / "en.md", lambda text: text + f"\n{sentence}\n")


def work(report: BuildReport) -> tuple[list[str], int, int]:
    return report.rendered_urls, report.written, report.reused


@pytest.mark.parametrize("new_times", [False, True], ids=["times-kept", "new-times"])
def test_an_edit_after_a_restore_does_the_work_of_an_edit_in_place(project: Path, new_times: bool) -> None:
    build(settings(project))
    add_sentence(project, "A first sentence added where the site was built.")
    in_place = build(settings(project))
    assert in_place.rendered and in_place.reused > in_place.written  # an incremental build

    restore(project, new_times)
    add_sentence(project, "A second sentence added after the restore.")
    restored = build(settings(project))

    assert work(restored) == work(in_place)
    again = build(settings(project))
    assert again.up_to_date, "the files hashed after the restore were noted with their new stat"
    assert_same_as_clean_build(project)


def test_a_restored_file_with_other_bytes_is_not_taken_for_the_published_one(project: Path) -> None:
    build(settings(project))
    restore(project, new_times=True)
    page = project / "site" / "en" / "commitments" / "index.html"
    data = page.read_bytes()
    marker = data.index(b"<title>") + len(b"<title>")
    page.write_bytes(data[:marker] + (b"X" if data[marker : marker + 1] != b"X" else b"Y") + data[marker + 1 :])  # same size

    report = build(settings(project))

    assert "en/commitments/" in report.rendered_urls
    assert_same_as_clean_build(project)


def test_is_intact_hashes_only_a_file_whose_stat_changed_and_notes_its_new_stat(tmp_path: Path) -> None:
    import hashlib

    (tmp_path / "a.html").write_bytes(b"<p>same</p>")
    st = os.lstat(tmp_path / "a.html")
    sha = hashlib.sha256(b"<p>same</p>").hexdigest()
    manifest = {"a.html": (sha, st.st_size, st.st_mtime_ns - 1, st.st_ino + 1)}  # as if restored
    assert is_intact(tmp_path, "a.html", sha, manifest)
    assert manifest["a.html"] == (sha, st.st_size, st.st_mtime_ns, st.st_ino)
    assert not is_intact(tmp_path, "a.html", "0" * 64, manifest)  # another build's bytes
    manifest["a.html"] = (sha, st.st_size + 1, 0, 0)
    assert not is_intact(tmp_path, "a.html", sha, manifest)  # the size alone says it changed
    (tmp_path / "b.html").symlink_to(tmp_path / "a.html")
    assert not is_intact(tmp_path, "b.html", sha, {"b.html": (sha, st.st_size, 0, 0)})  # never through a link
