"""Input files known by their SHA-256, re-read only when their stat says they may have changed,
and the generator version: a hash of ogpsite's own code, Python and every dependency's version."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import stat
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

STATE_VERSION = 4
RACY_NS = 2_000_000_000  # files modified this close to a scan are re-hashed next time

Stamp = tuple[int, int, int, int, str]  # size, mtime_ns, inode, ctime_ns, sha256
# A folder of plain files is stamped too, under its path and a trailing separator: its own stat
# (size, mtime_ns, inode, ctime_ns) and the names in it, joined by LISTED. Listing a folder costs
# far more than a stat here (10,000 record folders: 1.2 s listed, 0.04 s stat'ed), and adding,
# removing or renaming anything in a folder changes its mtime, so an unchanged stat (racy rule
# as for files) means the same names: only each file's own stat is then read.
LISTED = "\0"


@lru_cache(maxsize=1)
def generator_version() -> str:
    """Changes whenever anything that shapes the output changes: our code, Python, dependencies."""
    h = hashlib.sha256()
    h.update(f"{STATE_VERSION};{sys.version}".encode())
    package = Path(__file__).resolve().parents[1]  # ogpsite/
    for file in sorted(package.rglob("*.py")):
        h.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    try:
        requirements = importlib.metadata.requires("ogpsite") or []
    except importlib.metadata.PackageNotFoundError:
        requirements = []
    for requirement in sorted(requirements):
        name = requirement.split(";")[0].split("=")[0].split("<")[0].split(">")[0].split("[")[0].strip()
        try:
            h.update(f"{name}={importlib.metadata.version(name)};".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name}=?;".encode())
    return h.hexdigest()[:20]


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Inputs:
    """Stats and hashes input files, reusing the previous build's hashes where that is safe."""

    def __init__(self, previous: dict[str, Stamp], previous_scan_ns: int):
        self.previous = previous
        self.previous_scan_ns = previous_scan_ns
        self.scan_ns = time.time_ns()
        self.stamps: dict[str, Stamp] = {}
        self.hashed = 0  # files read and hashed (the rest were known by their stat)

    def sha(self, path: Path | str, st: os.stat_result | None = None) -> str | None:
        """The file's SHA-256, or None when it cannot be read (the loader will report why)."""
        key = os.fspath(path)
        try:
            st = st or os.stat(key)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):  # a pipe or a link to /dev/zero would never end (issue 7)
            return None
        known = self.previous.get(key)
        if known is not None and self._unchanged(known, st):
            self.stamps[key] = known
            return known[4]
        try:
            digest = sha256_file(Path(key))
        except OSError:
            return None
        self.hashed += 1
        self.stamps[key] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest)
        return digest

    def sha_of(self, path: str) -> str | None:
        return self.sha(path)

    def _unchanged(self, known: Stamp, st: os.stat_result) -> bool:
        """Whether a stamp of the last scan still holds: the same stat, not modified so close to
        that scan that a later change could have kept the same mtime (git's "racy clean")."""
        return known[:4] == _stat_key(st) and st.st_mtime_ns < self.previous_scan_ns - RACY_NS

    def _listed(self, folder: str) -> list[str] | None:
        """The names in a folder of plain files, as the last scan listed them, if the folder's
        stat is unchanged since (see LISTED); None: list it."""
        known = self.previous.get(folder + os.sep)
        if known is None:
            return None
        try:
            st = os.stat(folder)
        except OSError:
            return None
        if not self._unchanged(known, st):
            return None
        self.stamps[folder + os.sep] = known
        return known[4].split(LISTED) if known[4] else []

    def tree(self, root: Path | str, skip_hidden: bool = False, is_dir: bool = False) -> list[tuple[str, str]]:
        """(relative path, hash or kind) for everything under root, sorted; symlinks by target too;
        nothing when root is not a folder (`is_dir`: the caller's listing already said it is one,
        which saves a stat per record folder).
        (Plain strings, not Path objects: this runs for every input file of every build.)"""
        out: list[tuple[str, str]] = []
        top = os.fspath(root)
        if not is_dir and not os.path.isdir(top):
            return out
        if not skip_hidden and (names := self._listed(top)) is not None:
            return [(name, self.sha(os.path.join(top, name)) or "unreadable") for name in names]
        stack = [(top, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                folder_stat = os.stat(folder) if folder is top else None  # before listing: a later change shows
                entries = list(os.scandir(folder))  # in any order: `out` is sorted once at the end
            except OSError:
                out.append((prefix.rstrip("/"), "unreadable"))
                continue
            if folder_stat is not None and not skip_hidden and all(e.is_file(follow_symlinks=False) for e in entries):
                names = sorted(e.name for e in entries)
                self.stamps[top + os.sep] = (*_stat_key(folder_stat), LISTED.join(names))
            for entry in entries:
                if skip_hidden and entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                link = f"->{os.readlink(entry.path)}" if entry.is_symlink() else ""
                if entry.is_dir():
                    out.append((rel, "dir" + link))
                    if not link:
                        stack.append((entry.path, rel + "/"))
                else:
                    out.append((rel, (self.sha(entry.path) or "unreadable") + link))
        out.sort()
        return out


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def digest_of(*parts: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()
