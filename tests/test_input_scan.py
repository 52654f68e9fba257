"""Input stamps (incremental/inputs.py): a folder of plain files is listed again only when its own
stat says something in it was added, removed or renamed; everything else is still seen."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ogpsite.incremental import inputs as inputs_module
from ogpsite.incremental.inputs import RACY_NS, Inputs, sha256_file

HOUR_NS = 3600 * 1_000_000_000


def age(path: Path, ns: int = HOUR_NS) -> None:
    """Set a file's or folder's times back, out of the racy window of any later scan."""
    then = time.time_ns() - ns
    os.utime(path, ns=(then, then))


@pytest.fixture
def record(tmp_path: Path) -> Path:
    folder = tmp_path / "commitments" / "ar0090"
    folder.mkdir(parents=True)
    for name, text in {"facts.yaml": "id: AR0090\n", "en.md": "# Open data\n", "es.md": "# Datos abiertos\n"}.items():
        (folder / name).write_text(text, encoding="utf-8")
        age(folder / name)
    age(folder)
    return folder


class Listings:
    """Counts the folders os.scandir lists (a spy: the real call still runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.folders: list[str] = []
        real = os.scandir

        def scandir(path: str) -> Iterator[os.DirEntry[str]]:
            self.folders.append(os.fspath(path))
            return real(path)

        monkeypatch.setattr(inputs_module.os, "scandir", scandir)


def scan(folder: Path, previous: Inputs | None = None) -> tuple[Inputs, list[tuple[str, str]]]:
    inputs = Inputs(previous.stamps, previous.scan_ns) if previous else Inputs({}, 0)
    return inputs, inputs.tree(folder, is_dir=True)


def expected(folder: Path) -> list[tuple[str, str]]:
    return sorted((p.name, sha256_file(p)) for p in folder.iterdir())


def test_an_unchanged_folder_is_not_listed_again(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, tree = scan(record)
    assert tree == expected(record)
    assert str(record) + os.sep in first.stamps
    listings = Listings(monkeypatch)
    second, again = scan(record, first)
    assert again == tree
    assert listings.folders == []
    assert second.hashed == 0  # and no file read either: each one's stat is the same
    assert second.stamps == first.stamps


@pytest.mark.parametrize("change", ["add", "remove", "rename", "edit"])
def test_every_change_in_a_folder_is_seen(record: Path, change: str) -> None:
    first, _ = scan(record)
    if change == "add":
        (record / "pt.md").write_text("# Dados abertos\n", encoding="utf-8")
    elif change == "remove":
        (record / "es.md").unlink()
    elif change == "rename":
        (record / "es.md").rename(record / "es-old.md")
    else:  # a file edited in place, with its times set back as if long ago: its size differs
        (record / "en.md").write_text("# Open data, and open contracts\n", encoding="utf-8")
        age(record / "en.md")
    _, tree = scan(record, first)
    assert tree == expected(record)


def test_a_folder_changed_just_before_the_scan_is_listed_again(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change in the same clock tick as the scan could leave the folder's stat as the scan saw
    it: a stamp taken that close to its scan is not trusted (git's "racy clean" rule)."""
    age(record, RACY_NS // 2)
    first, _ = scan(record)
    listings = Listings(monkeypatch)
    _, tree = scan(record, first)
    assert listings.folders == [str(record)]
    assert tree == expected(record)


def test_a_file_added_while_the_folder_is_listed_is_seen_next_time(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder's stat is read before it is listed: a file that comes in between changes the
    folder's stat after the stamp was taken, so the next scan lists the folder again."""
    real = os.scandir

    def scandir_then_add(path: str) -> Iterator[os.DirEntry[str]]:
        entries = list(real(path))
        (record / "pt.md").write_text("# Dados abertos\n", encoding="utf-8")
        age(record / "pt.md")
        age(record, HOUR_NS // 2)  # another old time than the stamp's: only the order can tell
        return iter(entries)

    monkeypatch.setattr(inputs_module.os, "scandir", scandir_then_add)
    first, tree = scan(record)
    assert "pt.md" not in dict(tree)
    monkeypatch.setattr(inputs_module.os, "scandir", real)
    _, tree = scan(record, first)
    assert tree == expected(record)
    assert "pt.md" in dict(tree)


def test_folders_holding_folders_or_links_are_always_listed(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (record / "images").mkdir()
    (record / "images" / "map.svg").write_text("<svg/>", encoding="utf-8")
    (record / "notes.md").symlink_to(record / "en.md")
    age(record)
    first, tree = scan(record)
    assert str(record) + os.sep not in first.stamps
    assert ("notes.md", f"{sha256_file(record / 'en.md')}->{record / 'en.md'}") in tree
    listings = Listings(monkeypatch)
    _, again = scan(record, first)
    assert again == tree
    assert str(record) in listings.folders
