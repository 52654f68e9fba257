"""The load phase's record loader: each record folder is parsed at most once per edit.

A folder's load key hashes its files, the site's languages, the project root and the generator.
A folder whose key is unchanged is taken from this Builder's memory, else from the cache; the
others are parsed in worker processes. Loaded records are stored in the cache at once, and
their pickles are not kept in memory (a 10,000-record site's are 200 MB).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ogpsite.build import parallel
from ogpsite.build.progress import Progress
from ogpsite.build.workers import LoadJob, load_chunk
from ogpsite.content.load import Content, RecordSource
from ogpsite.errors import Problem
from ogpsite.incremental.cache import State
from ogpsite.incremental.inputs import digest_of, generator_version
from ogpsite.incremental.scan import FolderScan, InputScan
from ogpsite.model.site import Text

INLINE_BELOW = 48  # fewer pages or records than this are not worth forking workers for


@dataclass(frozen=True)
class LoadedRecord:
    """One record folder as loaded: what the model is made from, and how to find it again."""

    key: str  # load key ("" when the folder could not be read: never cached)
    record: RecordSource | None  # None: the folder has errors (in `problems`)
    problems: list[Problem] | None
    texts: dict[str, Text] | None  # rendered texts per language
    pickle: bytes | None = None  # set only until stored in the cache

    def forgotten(self) -> LoadedRecord:
        """Only the key: what a single build keeps once the model is made."""
        return LoadedRecord(self.key, None, None, None)


def cached_record(key: str, blob: bytes | None) -> LoadedRecord | None:
    """A load result from the cache (None: no entry, or an unreadable one, which is only a
    record parsed again)."""
    if blob is None:
        return None
    try:
        record, problems, texts = pickle.loads(blob)
    except Exception:
        return None
    return LoadedRecord(key, record, problems, texts)


class RecordLoader:
    """`content.load_content`'s record loader, filling `loaded` ("section/name" -> LoadedRecord)."""

    def __init__(self, previous: State, scan: InputScan, memory: dict[str, LoadedRecord], workers: int, progress: Progress):
        self.previous, self.scan, self.memory = previous, scan, memory
        self.workers, self.progress = workers, progress
        self.loaded: dict[str, LoadedRecord] = {}

    def __call__(self, content: Content, items: list[tuple[str, Path]], languages: list[str], project_root: Path) -> list[Any]:
        default = content.site.default_language if content.site else languages[0]
        results: list[LoadedRecord | None] = []
        todo: list[tuple[int, str]] = []
        for n, (section, folder) in enumerate(items):
            name = f"{section}/{folder.name}"
            tree = self.scan.folders.get(name, FolderScan(section, str(folder), None)).digest
            key = digest_of(tree, languages, default, project_root.as_posix(), generator_version()) if tree else ""
            known = self._known(name, key)
            results.append(known)
            if known is None:
                todo.append((n, key))
        if todo:
            self._load(content, items, languages, default, project_root, todo, results)
        return [(result.record, result.problems) for result in results if result is not None]

    def _known(self, name: str, key: str) -> LoadedRecord | None:
        """The folder as loaded before with this key: from memory, else from the cache."""
        if not key:
            return None
        memory = self.memory.get(name)
        if memory is not None and memory.key == key:
            self.loaded[name] = memory
            return memory
        old = self.previous.records.get(name)
        result = cached_record(key, old[1]) if old is not None and old[0] == key else None
        if result is not None:
            self.loaded[name] = result
        return result

    def _load(
        self,
        content: Content,
        items: list[tuple[str, Path]],
        languages: list[str],
        default: str,
        project_root: Path,
        todo: list[tuple[int, str]],
        results: list[LoadedRecord | None],
    ) -> None:
        """Parse the folders not known, in worker processes when there are enough of them."""
        self.progress.stage("Loading records", len(todo))
        keys = dict(todo)
        job = LoadJob(content.root, project_root, languages, default)
        numbers = [n for n, _ in todo]
        tasks: list[parallel.Task] = [
            (load_chunk, [(n, items[n][0], items[n][1]) for n in part]) for part in parallel.iter_chunks(numbers, 32)
        ]
        for _, chunk in parallel.run(job, tasks, self.workers if len(todo) >= INLINE_BELOW else 1):
            for n, blob in chunk:
                section, folder = items[n]
                record, problems, texts = pickle.loads(blob)
                results[n] = self.loaded[f"{section}/{folder.name}"] = LoadedRecord(keys[n], record, problems, texts, blob)
            self.progress.advance(len(chunk))


def stored(loaded: LoadedRecord) -> LoadedRecord:
    """The record without its pickle (stored in the cache now); one that has none is returned as it is."""
    return loaded if loaded.pickle is None else replace(loaded, pickle=None)
