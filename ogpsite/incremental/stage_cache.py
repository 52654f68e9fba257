"""Output stages, cached whole: a stage whose inputs did not change is not run again.

A stage is a function of the model and the build settings (stages/base.py), and of
whatever files it reads: templates' catalogs, scripts from node_modules, data files of Python
packages. Those are not declared anywhere; while a stage runs, an audit hook (PEP 578) notes every
file it opens and every folder it lists. Its outputs are reused by a later build only if the
model's inputs, the settings and the generator are the same *and* every file it read hashes the
same and every folder it listed holds the same names.

Inside a stage, `StageCache.memo` keeps finer-grained work (a record's analysed search terms)
between builds, keyed by what the stage names, typically `record_digest(record)`.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ogpsite.incremental.inputs import Inputs, digest_of

_tracking: list[set[tuple[str, str]]] = []  # a stack: what the running stage opened and listed
_hooked = False
_CODE = (".py", ".pyc", ".so", ".pyd")  # imports: covered by the generator version


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _tracking:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, str | bytes | os.PathLike):
            name = os.path.abspath(os.fsdecode(path))
            if not name.endswith(_CODE):
                _tracking[-1].add(("file", name))
    elif event in ("os.listdir", "os.scandir"):
        path = args[0] if args and args[0] is not None else "."
        if isinstance(path, str | bytes | os.PathLike):
            name = os.path.abspath(os.fsdecode(path))
            if name not in {os.path.abspath(entry) for entry in sys.path}:  # the import system looking for packages
                _tracking[-1].add(("dir", name))


@dataclass
class StageRun:
    files: dict[str, bytes]
    problems: list[Any]
    reads: list[tuple[str, str]] = field(default_factory=list)  # ("file" | "dir", absolute path)
    seconds: float = 0.0


def run_observed(stage: Callable[..., Any], *args: Any) -> StageRun:
    """Run a stage, noting the files and folders it reads."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _tracking.append(set())
    started = time.perf_counter()
    try:
        result = stage(*args)  # a stages.base.StageResult
        files, problems = result.files, result.problems
    finally:
        reads = _tracking.pop()
    return StageRun(files, problems, sorted(reads), time.perf_counter() - started)


def reads_digest(reads: list[tuple[str, str]], inputs: Inputs) -> str:
    """The current content of what a stage read: file hashes and folder listings."""
    seen = []
    for kind, path in reads:
        if kind == "file":
            seen.append((path, inputs.sha_of(path) if os.path.isfile(path) else "absent"))
        else:
            try:
                seen.append((path, digest_of(sorted(os.listdir(path)))))
            except OSError:
                seen.append((path, "absent"))
    return digest_of(seen)


def key(stage: Any, *parts: Any) -> str:
    """A stage's entry in the stage cache: its class, its name and the inputs it is run with."""
    kind = type(stage)
    return digest_of(kind.__module__, kind.__qualname__, getattr(stage, "name", ""), *parts)


@dataclass
class MemoDelta:
    """What a stage did with the stage cache in a worker process, for the builder's copy: the
    values it computed, and only the keys of those it took from the previous build (the builder
    has those already), so what goes back is as large as the edit, not as the site."""

    computed: dict[str, dict[Any, Any]] = field(default_factory=dict)
    reused: dict[str, list[Any]] = field(default_factory=dict)


_MISSING = object()


class StoredValues(MutableMapping[Any, Any]):
    """One namespace of the stage cache as the cache file holds it: a value is unpickled when it is
    first asked for, in the process that asks (a stage's worker), and a value taken over from the
    last build unread (`adopt`) is saved again as the bytes it was read as. The builder's process
    read every value of every namespace before its workers started: the open data's JSON and CSV
    of each record and search's terms, a few hundred megabytes of pickles at 10,000 commitments,
    most of which only one worker needs. A value that cannot be unpickled any more counts as
    absent (KeyError): only a record computed again."""

    def __init__(self, blobs: dict[Any, bytes] | None = None):
        self._blobs: dict[Any, bytes] = blobs or {}  # as read from the cache file, until replaced
        self._values: dict[Any, Any] = {}  # unpickled or set

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        blob = self._blobs[key]
        try:
            value = pickle.loads(blob)
        except Exception:
            del self._blobs[key]
            raise KeyError(key) from None
        self._values[key] = value
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self._values[key] = value
        self._blobs.pop(key, None)

    def __delitem__(self, key: Any) -> None:
        found = self._values.pop(key, _MISSING) is not _MISSING
        found = self._blobs.pop(key, None) is not None or found
        if not found:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._values or key in self._blobs

    def __iter__(self) -> Iterator[Any]:
        yield from self._values
        yield from (key for key in self._blobs if key not in self._values)

    def __len__(self) -> int:
        return len(self._values) + sum(1 for key in self._blobs if key not in self._values)

    def adopt(self, other: MutableMapping[Any, Any], key: Any) -> None:
        """Take `key` from another namespace (the last build's) as it is there: unread if unread."""
        if isinstance(other, StoredValues) and key not in other._values:
            self._blobs[key] = other._blobs[key]
            self._values.pop(key, None)
        else:
            self[key] = other[key]

    def stored(self, key: Any) -> bytes | None:
        """The pickle `key` was read as, if its value was not replaced since (None: pickle it)."""
        return self._blobs.get(key)


class StageCache:
    """Memoisation for output stages across builds (e.g. the search index's analysed terms).

    `memo(namespace, key, compute)` returns the value computed for the same namespace and key by
    this build or the previous successful one, else `compute()`. Keys must name everything the
    value depends on: use `record_digest(record)` for a record's content and add your own
    settings. Values must be picklable. Entries unused by a build are dropped when it finishes,
    except in the namespaces it did not use at all (`kept`).
    """

    def __init__(
        self, previous: dict[str, MutableMapping[Any, Any]] | None = None, record_digests: dict[tuple[str, str], str] | None = None
    ):
        self.previous = previous or {}
        self.current: dict[str, MutableMapping[Any, Any]] = {}
        self.record_digests = record_digests or {}
        self.hits = 0
        self.misses = 0
        self._delta = MemoDelta()

    def memo(self, namespace: str, key: Any, compute: Callable[[], Any]) -> Any:
        current = self._namespace(namespace)
        if key in current:
            return current[key]
        old = self.previous.get(namespace)
        value = old.get(key, _MISSING) if old is not None else _MISSING
        if value is not _MISSING:
            self.hits += 1
            current[key] = value
            self._delta.reused.setdefault(namespace, []).append(key)
            return value
        self.misses += 1
        value = current[key] = compute()
        self._delta.computed.setdefault(namespace, {})[key] = value
        return value

    def keep(self, namespace: str, key: Any) -> bool:
        """Carry the value `memo` would return for `key` over to the next build without reading it
        (a stored value stays the bytes it was read as): for entries a stage does not need this
        time but must not lose, such as the analyses of the documents an edit left alone. False:
        there is none."""
        current = self._namespace(namespace)
        if key in current:
            return True
        old = self.previous.get(namespace)
        if old is None or key not in old:
            return False
        if isinstance(current, StoredValues):
            current.adopt(old, key)
        else:
            current[key] = old[key]
        self._delta.reused.setdefault(namespace, []).append(key)
        return True

    def previous_entries(self, namespace: str) -> Mapping[Any, Any]:
        """What the previous build kept in `namespace`, read only, for a stage that patches its last
        output rather than making it again (search). Reading it keeps nothing for the next build."""
        return MappingProxyType(self.previous.get(namespace, {}))

    def record_digest(self, record: Any) -> str:
        """A digest of everything a record was made from (its files, the site's languages).

        Stable across builds for an unchanged record; differs after any edit of its folder."""
        return self.record_digests.get((record.section, record.slug), "") or f"uncached:{id(record)}"

    def load_key(self, record: Any) -> str | None:
        """The record's load key (build.loading: its section, slug and files, the site's languages,
        the generator), or None for a record that has none (made in memory, as tests do): a value
        memoised on a key that does not follow the record's content must not outlive the build."""
        return self.record_digests.get((record.section, record.slug)) or None

    def _namespace(self, namespace: str) -> MutableMapping[Any, Any]:
        """This build's values of a namespace: kept as stored values if the last build's are."""
        current = self.current.get(namespace)
        if current is None:
            current = self.current[namespace] = StoredValues() if isinstance(self.previous.get(namespace), StoredValues) else {}
        return current

    def kept(self) -> dict[str, MutableMapping[Any, Any]]:
        """What the next build gets: this build's entries, and the previous build's for every
        namespace this build did not touch (a stage that did not run: reused, or deferred to
        finish()), which would otherwise compute everything again the next time it runs."""
        untouched = {namespace: values for namespace, values in self.previous.items() if namespace not in self.current}
        return {**untouched, **self.current}

    def take_delta(self) -> MemoDelta:
        """What `memo` computed and reused since the last call (a worker sends it after each stage)."""
        delta, self._delta = self._delta, MemoDelta()
        return delta

    def apply(self, delta: MemoDelta) -> None:
        """Take in what a stage did with its copy of this cache in a worker process."""
        for namespace, keys in delta.reused.items():
            old, current = self.previous.get(namespace, {}), self._namespace(namespace)
            for key in keys:
                if isinstance(current, StoredValues):
                    current.adopt(old, key)  # not unpickled here: the worker has read it
                else:
                    current[key] = old[key]
        for namespace, values in delta.computed.items():
            self._namespace(namespace).update(values)


STAGE_OUTPUTS = "ogpsite:stage-outputs"  # StageCache namespace: each stage's last outputs, by stage key


@dataclass(frozen=True)
class StageOutputs:
    """What a stage published, kept under its key (`key`) in the stage cache for the next build."""

    reads: list[tuple[str, str]]  # files and folders it read besides the model (run_observed)
    digest: str  # reads_digest of those reads when it ran
    files: dict[str, str]  # each file it made -> sha256
    problems: list[Any]  # its warnings (errors are never cached)

    def still_current(self, inputs: Inputs) -> bool:
        """Whether everything it read still hashes the same."""
        return reads_digest(self.reads, inputs) == self.digest
