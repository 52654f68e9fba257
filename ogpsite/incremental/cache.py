"""The persistent build cache under `.cache/ogpsite/`: what the last successful build read and wrote.

Everything in it is keyed by content, never trusted blindly:
- the generator version (a hash of ogpsite's own code, the Python version and every dependency's
  version) and the build settings name the cache folder's state; any difference discards it;
- input files are known by their SHA-256; a file's recorded hash is reused only while its size,
  modification time, inode and change time are unchanged *and* it was not modified within two
  seconds of the scan that hashed it (git's "racy clean" rule), otherwise it is read again;
- a loaded record is reused only for the same hashes of every file in its folder;
- a rendered page is reused only when its template closure, catalog, own context and every model
  value it read (deps.py) hash the same, and the file the last build wrote is still there, unchanged;
- output stages get `StageCache.memo`, keyed by whatever they name, typically a record's digest.

The state is written only after a build succeeded, to a temporary file renamed into place, so an
interrupted or failed build leaves the previous state (or none) and never a half-written one.
`ogpsite clean` or `--no-cache` start from nothing.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import shutil
import sqlite3
import time
from array import array
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from ogpsite.incremental.inputs import STATE_VERSION, Stamp, digest_of, generator_version
from ogpsite.incremental.stage_cache import StoredValues

KEEP_STATES = 8  # cached builds kept per project (one per output folder and settings)


_NUMBER: Literal["I"] = "I"  # array type of a stored number: 4 bytes on the platforms we run on (the file is local)


class PageEntry:
    """What the last build knows of a page: its file, its page digest (Renderer.page_digest), the
    sha of its HTML, and what it read (entity key -> attributes).

    A page loaded from the cache keeps its reads as its row holds them (`PackedReads`) until they
    are asked for: an edit's build loads every page's row, and making 22,724 dicts of some 70
    reads each took half a second at 10,000 commitments, where `touched` answers from the row."""

    __slots__ = ("_packed", "_reads", "digest", "relpath", "sha")

    def __init__(
        self, relpath: str, digest: str, sha: str, reads: dict[str, frozenset[str]] | None = None, packed: PackedReads | None = None
    ):
        if (reads is None) == (packed is None):
            raise ValueError("a page entry has its reads, or their packed form, not both")
        self.relpath, self.digest, self.sha = relpath, digest, sha
        self._reads, self._packed = reads, packed

    @property
    def reads(self) -> dict[str, frozenset[str]]:
        if self._reads is None:
            assert self._packed is not None
            self._reads = self._packed.unpack()
            self._packed = None
        return self._reads

    @property
    def reads_unpacked(self) -> bool:
        """Whether its reads are made (asked for, or given), not only held as its row holds them."""
        return self._reads is not None

    def touched(self, changed: Mapping[str, set[str]]) -> bool:
        """Whether the page read any attribute in `changed` (outdated.touched, from the row when
        the reads are still packed and few keys changed: an edit's)."""
        if self._packed is not None and len(changed) <= PackedReads.FEW:
            return self._packed.touched(changed)
        return touched(self.reads, changed)

    def pack(self, sets: ReadSets, keys: ReadKeys) -> bytes:
        packed = self._packed
        if packed is not None and packed.set_names is sets and packed.key_names is keys:
            key_numbers, set_numbers = packed.keys, packed.sets  # numbered by these very tables
        else:
            reads = self.reads
            key_numbers = array(_NUMBER, map(keys.number, reads)).tobytes()
            set_numbers = array(_NUMBER, map(sets.number, reads.values())).tobytes()
        return marshal.dumps((self.relpath, self.digest, self.sha, key_numbers, set_numbers))

    @classmethod
    def unpack(cls, data: bytes, sets: ReadSets, keys: ReadKeys) -> PageEntry:
        relpath, digest, sha, key_numbers, set_numbers = marshal.loads(data)
        packed = PackedReads(key_numbers, set_numbers, keys, sets)
        packed.check()
        return cls(relpath, digest, sha, packed=packed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PageEntry):
            return NotImplemented
        return (self.relpath, self.digest, self.sha) == (other.relpath, other.digest, other.sha) and self.reads == other.reads

    # mutable, unhashable, as the dataclass it replaced
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PageEntry({self.relpath!r}, {self.digest!r}, {self.sha!r}, {self.reads!r})"


def touched(reads: Mapping[str, frozenset[str]], changed: Mapping[str, set[str]]) -> bool:
    """Whether a page that read `reads` read any value that changed."""
    if not changed:
        return False
    if len(changed) < len(reads):
        return any(key in reads and not reads[key].isdisjoint(attrs) for key, attrs in changed.items())
    return any(key in changed and not attrs.isdisjoint(changed[key]) for key, attrs in reads.items())


@dataclass(frozen=True)
class PackedReads:
    """A stored page's reads as its row holds them: the numbers of its keys (ReadKeys) and of
    their attribute sets (ReadSets), in the same order, 4 bytes each, with the numberings."""

    keys: bytes
    sets: bytes
    key_names: ReadKeys
    set_names: ReadSets

    FEW: ClassVar[int] = 16  # changed keys up to which `touched` searches the row for each

    def check(self) -> None:
        """ValueError unless every number names a stored key or set (a damaged cache file)."""
        keys, sets = array(_NUMBER), array(_NUMBER)
        keys.frombytes(self.keys)
        sets.frombytes(self.sets)
        if len(keys) != len(sets) or (keys and (max(keys) >= len(self.key_names.keys) or max(sets) >= len(self.set_names.sets))):
            raise ValueError("a page row names a read that is not stored")

    def unpack(self) -> dict[str, frozenset[str]]:
        keys, sets = array(_NUMBER), array(_NUMBER)
        keys.frombytes(self.keys)
        sets.frombytes(self.sets)
        names, attrs = self.key_names.keys, self.set_names.sets
        return {names[k]: attrs[n] for k, n in zip(keys, sets, strict=True)}

    def touched(self, changed: Mapping[str, set[str]]) -> bool:
        """`touched` on the row: each changed key's number looked for in the keys' bytes."""
        size = array(_NUMBER).itemsize
        for key, attrs in changed.items():
            number = self.key_names.numbers.get(key)
            if number is None:
                continue  # no stored page read it
            needle = array(_NUMBER, [number]).tobytes()
            at = self.keys.find(needle)
            while at >= 0 and at % size:  # only at a number's start
                at = self.keys.find(needle, at + 1)
            if at >= 0:
                set_number = memoryview(self.sets).cast(_NUMBER)[at // size]
                if not self.set_names.sets[set_number].isdisjoint(attrs):
                    return True
        return False


T = TypeVar("T")


class Numbering(Generic[T]):
    """Things numbered in the order they are first met, and saved as rows (number, thing) only once:
    numbers are only added while the rows that use them stand; a save that rewrites every row
    starts a new numbering."""

    def __init__(self, items: list[T] | None = None):
        self.items: list[T] = items or []
        self.numbers = {item: n for n, item in enumerate(self.items)}
        self.saved = len(self.items)  # the items stored already

    def number(self, item: T) -> int:
        found = self.numbers.get(item)
        if found is None:
            found = self.numbers[item] = len(self.items)
            self.items.append(item)
        return found

    def unsaved_items(self) -> list[tuple[int, T]]:
        """The items numbered since the last save (marked saved)."""
        rows = [(n, self.items[n]) for n in range(self.saved, len(self.items))]
        self.saved = len(self.items)
        return rows


class ReadSets(Numbering[frozenset[str]]):
    """The distinct sets of attributes pages read of one entity, numbered, so that a page's row
    holds its keys and these numbers. A few tens of thousands of sets serve more than a million
    reads at 10,000 commitments: the rows are a fifth smaller, and loading them is twice as fast
    as building every set again (an edit's build loads them all)."""

    @property
    def sets(self) -> list[frozenset[str]]:
        return self.items

    def unsaved(self) -> list[tuple[int, bytes]]:
        """The rows of the sets numbered since the last save (marked saved)."""
        return [(n, marshal.dumps(tuple(sorted(attrs)))) for n, attrs in self.unsaved_items()]


class ReadKeys(Numbering[str]):
    """The entity keys pages read, numbered, so that a page's row holds 4 bytes per read for its
    key (table `read_keys`), as ReadSets numbers the attribute sets: loading a row then makes no
    string."""

    @property
    def keys(self) -> list[str]:
        return self.items

    def unsaved(self) -> list[tuple[int, str]]:
        """The rows of the keys numbered since the last save (marked saved)."""
        return self.unsaved_items()


@dataclass
class State:
    """What one successful build leaves for the next one (per output folder and settings)."""

    signature: str = ""  # of every input and setting: equal means there is nothing to do
    scan_ns: int = 0
    report: dict[str, Any] = field(default_factory=dict)  # warnings, translations: repeated when nothing changed
    files: dict[str, Stamp] = field(default_factory=dict)
    manifest: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)  # relpath -> sha, size, mtime_ns, inode
    records: dict[str, tuple[str, bytes | None]] = field(default_factory=dict)  # folder -> (load key, pickled result; None: stored)
    pages: dict[str, PageEntry] = field(default_factory=dict)  # page URL -> entry
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # entity key -> attribute -> digest
    stages: dict[str, MutableMapping[Any, Any]] = field(default_factory=dict)  # namespace -> key -> value (StoredValues when loaded)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS records (folder TEXT PRIMARY KEY, key TEXT, result BLOB);
CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, entry BLOB);
CREATE TABLE IF NOT EXISTS digests (entity TEXT PRIMARY KEY, attrs BLOB);
CREATE TABLE IF NOT EXISTS stages (namespace TEXT, key BLOB, value BLOB, PRIMARY KEY (namespace, key));
CREATE TABLE IF NOT EXISTS committed (folder TEXT PRIMARY KEY, key TEXT);
CREATE TABLE IF NOT EXISTS read_sets (number INTEGER PRIMARY KEY, attrs BLOB);
CREATE TABLE IF NOT EXISTS read_keys (number INTEGER PRIMARY KEY, key TEXT);
"""
# `committed`: the key a folder had in the last saved state, for each folder whose `records` row
# a later build replaced (save_records) and then did not save (it failed): without it the next
# build would take the failed build's keys for the last good one's and miss those edits.
_TABLES = ("meta", "records", "pages", "digests", "stages", "read_sets", "read_keys")


class Cache:
    """One (project, output folder, settings) state in an SQLite file: a save is one transaction
    that writes only what differs from what was loaded; the small parts load first, so a
    no-change build never reads the records or pages."""

    def __init__(self, root: Path, settings_key: str):
        self.root = root
        self.settings_key = settings_key
        self.folder = root / digest_of(settings_key)[:16]
        self.path = self.folder / "state.sqlite"
        self.valid = False  # whether the file held a state of this generator and settings
        self.generation = ""  # changes with every save: a save writes only differences if unchanged
        self.read_sets = ReadSets()  # numbering the stored pages' rows use (load_rest, save)
        self.read_keys = ReadKeys()  # likewise

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:  # not a database (any more): a cache is only ever rebuilt
            db.close()
            self.path.unlink(missing_ok=True)
            self.valid = False
            db = sqlite3.connect(self.path, timeout=60)
            db.executescript(_SCHEMA)
        return db

    def load(self) -> State:
        """The previous state's small parts (records, pages and digests load with `load_rest`)."""
        state = State()
        if not self.path.exists():
            return state
        try:
            with contextlib.closing(self._connect()) as db:
                meta = {name: marshal.loads(value) for name, value in db.execute("SELECT name, value FROM meta")}
                if (
                    meta.get("version") != STATE_VERSION
                    or meta.get("settings") != self.settings_key
                    or meta.get("generator") != generator_version()
                ):
                    return state
                state.signature, state.scan_ns, state.report = meta["signature"], meta["scan_ns"], meta["report"]
                self.generation = meta["generation"]
                state.files, state.manifest = meta["files"], meta["manifest"]  # one value each: fast to read
        except (sqlite3.Error, OSError, EOFError, ValueError, TypeError, KeyError):
            return State()
        self.valid = True
        return state

    def load_rest(self, state: State) -> None:
        """Fill in the records, pages, digests and stage values of a state `load` returned."""
        if not self.valid:
            return
        try:
            with contextlib.closing(self._connect()) as db:
                state.records = {folder: (key, result) for folder, key, result in db.execute("SELECT folder, key, result FROM records")}
                for folder, key in db.execute("SELECT folder, key FROM committed"):  # a failed build's rows
                    if key is None:
                        state.records.pop(folder, None)
                    else:
                        state.records[folder] = (key, None)
                sets = ReadSets(_numbered(db, "SELECT number, attrs FROM read_sets ORDER BY number", lambda a: frozenset(marshal.loads(a))))
                keys = ReadKeys(_numbered(db, "SELECT number, key FROM read_keys ORDER BY number", str))
                state.pages = {url: PageEntry.unpack(entry, sets, keys) for url, entry in db.execute("SELECT url, entry FROM pages")}
                self.read_sets, self.read_keys = sets, keys
                state.digests = {entity: marshal.loads(attrs) for entity, attrs in db.execute("SELECT entity, attrs FROM digests")}
                # the values stay pickled until a stage asks for them (StoredValues), in its worker
                blobs: dict[str, dict[Any, bytes]] = {}
                for namespace, key, value in db.execute("SELECT namespace, key, value FROM stages"):
                    blobs.setdefault(namespace, {})[pickle.loads(key)] = value
                state.stages = {namespace: StoredValues(values) for namespace, values in blobs.items()}
        except (sqlite3.Error, OSError, EOFError, ValueError, TypeError, IndexError, pickle.UnpicklingError, AttributeError, ImportError):
            state.records, state.pages, state.digests, state.stages = {}, {}, {}, {}
            self.valid = False  # unreadable rows: the next save writes every row again

    def save(self, new: State, old: State | None) -> None:
        """Store `new`, writing only the rows that differ from `old`, the state this object loaded
        or saved last, if the file still holds that one (else everything is written)."""
        generation = f"{os.getpid()}-{time.time_ns()}"
        with contextlib.closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time; the check below sees the latest
            row = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
            if old is None or not self.valid or row is None or marshal.loads(row[0]) != self.generation:
                old = None
                for table in _TABLES:
                    if table != "records":  # rows are checked by key when read; save_records wrote this build's
                        db.execute(f"DELETE FROM {table}")
                self.read_sets, self.read_keys = ReadSets(), ReadKeys()
            meta: dict[str, Any] = {
                "version": STATE_VERSION,
                "settings": self.settings_key,
                "generator": generator_version(),
                "signature": new.signature,
                "scan_ns": new.scan_ns,
                "report": new.report,
                "generation": generation,
                "files": new.files,
                "manifest": new.manifest,
            }
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, marshal.dumps(v)) for k, v in meta.items()])
            sets, keys = self.read_sets, self.read_keys
            _sync(db, "pages", old.pages if old else {}, new.pages, lambda entry: entry.pack(sets, keys))
            db.executemany("INSERT INTO read_sets VALUES (?, ?)", sets.unsaved())  # after the rows: they number them
            db.executemany("INSERT INTO read_keys VALUES (?, ?)", keys.unsaved())
            _sync(db, "digests", old.digests if old else {}, new.digests, marshal.dumps)
            stored = old.records.keys() if old else {folder for (folder,) in db.execute("SELECT folder FROM records")}
            db.executemany("DELETE FROM records WHERE folder = ?", [(k,) for k in stored - new.records.keys()])
            db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                [(k, key, blob) for k, (key, blob) in new.records.items() if blob is not None],
            )
            db.execute("DELETE FROM committed")  # this state is the last saved one now
            old_stages = old.stages if old else {}
            for namespace in old_stages.keys() | new.stages.keys():
                before, after = old_stages.get(namespace, {}), new.stages.get(namespace, {})
                db.executemany(
                    "DELETE FROM stages WHERE namespace = ? AND key = ?",
                    ((namespace, pickle.dumps(k)) for k in before.keys() - after.keys()),
                )
                # pickled one row at a time as SQLite takes them (see _sync)
                db.executemany(
                    "INSERT OR REPLACE INTO stages VALUES (?, ?, ?)",
                    ((namespace, pickle.dumps(k), _stage_value(after, k)) for k in after if k not in before),
                )
        self.valid = True
        self.generation = generation
        os.utime(self.folder)  # most recently used
        _forget_old_states(self.root, keep=self.folder)

    def save_records(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Records just loaded (folder, load key, pickled result), stored before the build ends so
        their pickles need not stay in memory; a row is used only for the same key (cache.py)."""
        rows = [row for row in rows if _storable(row[0]) and _storable(row[1])]
        if rows:
            with contextlib.closing(self._connect()) as db, db:
                # what the last saved state had, the first time a row is replaced after it
                db.executemany(
                    "INSERT OR IGNORE INTO committed VALUES (?, (SELECT key FROM records WHERE folder = ?))",
                    [(row[0], row[0]) for row in rows],
                )
                db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", rows)

    def save_stamps(self, files: dict[str, Stamp], scan_ns: int) -> None:
        """After a build that found nothing to do: the file hashes it confirmed, and when."""
        if not self.valid:
            return
        with contextlib.closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
            if row is None or marshal.loads(row[0]) != self.generation:
                return
            db.execute("INSERT OR REPLACE INTO meta VALUES ('files', ?)", (marshal.dumps(files),))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('scan_ns', ?)", (marshal.dumps(scan_ns),))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.valid = False


def _numbered(db: sqlite3.Connection, query: str, decode: Callable[[Any], Any]) -> list[Any]:
    """A numbering's rows (number, value) as a list by number; ValueError if one is missing."""
    values: list[Any] = []
    for number, value in db.execute(query):
        if number != len(values):
            raise ValueError(f"numbered row {len(values)} is missing")
        values.append(decode(value))
    return values


def _stage_value(values: MutableMapping[Any, Any], key: Any) -> bytes:
    """A stage-cache value as a row: the bytes it was read as if it was taken over unread."""
    stored = values.stored(key) if isinstance(values, StoredValues) else None
    return stored if stored is not None else pickle.dumps(values[key])


def _storable(text: str) -> bool:
    """SQLite keeps text as UTF-8: a path with undecodable bytes (refused as content anyway) is not cached."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sync(db: sqlite3.Connection, table: str, old: dict[str, Any], new: dict[str, Any], encode: Callable[[Any], bytes]) -> None:
    key = {"pages": "url", "digests": "entity"}[table]
    db.executemany(f"DELETE FROM {table} WHERE {key} = ?", [(k,) for k in old.keys() - new.keys()])
    # A generator: rows are encoded as SQLite takes them, not all held at once (a cold build's
    # state is hundreds of megabytes of them, on top of the state itself).
    changed = ((k, encode(v)) for k, v in new.items() if _storable(k) and (k not in old or (old[k] is not v and old[k] != v)))
    db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", changed)


def _forget_old_states(root: Path, keep: Path) -> None:
    """Keep the most recently used states only: each test or output folder makes one."""
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for folder in folders[KEEP_STATES:]:
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
