"""The output manifest: each file and folder the last build published, by stat, so the next build
can tell in one pass that `site/` is exactly as it left it, or that one file still is.

Entries are (sha256, size, mtime_ns, inode) for a file, ("", 0, mtime_ns, inode) for a folder
(keys ending in "/", the output folder itself "/"): plain tuples, tens of thousands of them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ogpsite.incremental.inputs import sha256_file
from ogpsite.output.writers import MARKER

ManifestEntry = tuple[str, int, int, int]
Manifest = dict[str, ManifestEntry]


def is_intact(output: Path, relpath: str, sha: str, manifest: Manifest) -> bool:
    """The published file is the one the last build wrote with this content.

    Its stat as recorded says so at once. A file whose stat differs may still hold those bytes:
    a site restored from a CI cache, or copied, has new inodes and often new times. Then the
    file is read and hashed (only if its size is right), and if it matches, its entry is updated
    to the new stat, so this build and the next need not hash it again. That is what lets a pull
    request's build, on a restored `.cache/ogpsite/` and `site/`, redo only what it changed."""
    expected = manifest.get(relpath)
    if expected is None or expected[0] != sha:
        return False
    path = os.path.join(output, relpath)  # not a Path: called for every page
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if expected[1:] == (st.st_size, st.st_mtime_ns, st.st_ino):
        return True
    if not stat.S_ISREG(st.st_mode) or st.st_size != expected[1] or sha256_file(Path(path)) != sha:
        return False
    manifest[relpath] = (sha, st.st_size, st.st_mtime_ns, st.st_ino)  # the same bytes, seen anew
    return True


def output_intact(output: Path, manifest: Manifest) -> bool:
    """The output folder holds exactly what the last build left: every file and folder it
    recorded has the same size, time and inode. A file added anywhere changes its folder's
    time, so no walk through tens of thousands of folders is needed."""
    if not (output / MARKER).is_file():
        return False
    base = os.fspath(output) + os.sep  # strings, not Paths: tens of thousands of files
    lstat = os.lstat
    for relpath, expected in manifest.items():
        try:
            st = lstat(base + relpath) if relpath != "/" else lstat(base)
        except OSError:
            return False
        if relpath.endswith("/"):
            if expected[2:] != (st.st_mtime_ns, st.st_ino):
                return False
        elif expected[1:] != (st.st_size, st.st_mtime_ns, st.st_ino):
            return False
    return True


def site_moved(output: Path, manifest: Manifest) -> bool:
    """The output folder is not the one the manifest describes, though it may hold the same files:
    restored from a CI cache or copied (its root has another inode). Stats of its files then say
    nothing until they are read again (`output_manifest(recheck=True)`)."""
    root = manifest.get("/")
    if root is None:
        return False
    try:
        return os.lstat(output).st_ino != root[3]
    except OSError:
        return False


def output_manifest(
    output: Path, shas: dict[str, str], previous: Manifest, changed: set[str], in_place: bool, recheck: bool = False
) -> Manifest:
    """The manifest of what was just published (`shas`: relpath -> sha256 of every file).

    A file not written anew is the very file the last manifest describes (kept in place, or hard
    linked: same inode and time), so only written files are looked at again; in place, so are
    only the folders where a file was added, replaced or deleted. A wrong entry could only make
    the next build check more, never reuse a file it should not (see is_intact). After a restore
    (`recheck`, see site_moved) the last manifest's stats are another folder's: every file is
    looked at again, once."""
    base = os.fspath(output) + os.sep  # strings: tens of thousands of files
    manifest: Manifest = {}
    folders = {"/"}
    touched = {"/"}  # folders whose entries changed
    for relpath, sha in shas.items():
        old = previous.get(relpath)
        parent = relpath.rpartition("/")[0]
        if old is not None and old[0] == sha and relpath not in changed and not recheck:
            manifest[relpath] = old
        else:
            st = os.lstat(base + relpath)
            manifest[relpath] = (sha, st.st_size, st.st_mtime_ns, st.st_ino)
            touched.add(parent + "/" if parent else "/")
        while parent and parent + "/" not in folders:
            folders.add(parent + "/")
            parent = parent.rpartition("/")[0]
    for relpath in previous.keys() - shas.keys() - folders:  # deleted files and folders: their parents changed
        parent = relpath.rstrip("/").rpartition("/")[0]
        touched.add(parent + "/" if parent else "/")
    for folder in folders - previous.keys():  # new folders: their parents changed
        parent = folder.rstrip("/").rpartition("/")[0]
        touched.add(parent + "/" if parent else "/")
    for folder in folders:
        old = previous.get(folder)
        if in_place and old is not None and folder not in touched:
            manifest[folder] = old
            continue
        st = os.lstat(base + folder) if folder != "/" else os.lstat(output)
        manifest[folder] = ("", 0, st.st_mtime_ns, st.st_ino)
    return manifest
