"""The index of one language cut into files a reader fetches only when a query needs them.

lunr.js 2.3.9 scores a document's field as the dot product of the query vector with the field's
vector, divided by the query vector's length, summed over the terms both hold in ascending term
index. So a document's entries for the terms a query touches are all its score needs, and a lunr
index holding only those terms (their postings, their field-vector entries, term indexes in the
whole index's relative order) gives the same refs, order and scores as the whole index.

The files hold what lunr's scores are made of, not the scores: a score depends on every field's
average length, which any text edit changes, so shards of scores were all rewritten by any edit.
The browser (assets/search-core.js) computes lunr's BM25 from them, exactly as lunr's `Builder`
does, and hands `lunr.Index.load` lunr's JSON as before. The files:

* `{lang}/search-index.json`, the manifest (fetched first, small, the one file not cached long):
  lunr's fields, their boosts, BM25's k1 and b, the pipeline, the number of documents and each
  field's length summed over them (an average is sum / count, as lunr computes it), the first term
  of every shard, the names of the other files, the scripts (one by one, as Node's tests load them)
  and the Worker script that bundles them (`worker`, vendor.py's `worker_bundle`, `with_worker`).
* `{lang}/search-index/<hash>.json`, the shards: runs of the sorted terms, each term's entry
  `[term, rank, field, [document gaps], [term frequencies], field, …]` (`encode_entry`). lunr
  numbers terms in the order they first occur (document, then field, then position); a term first
  occurs in its lowest document, in the lowest field holding it there, and `rank` is its place
  among that field's terms in first-seen order, so sorting loaded terms by (first document, first
  field, rank) gives them lunr's relative order without a numbering that one new word would shift.
  Shards are cut where the content says (`Cutter`): a boundary before a term whose hash meets a
  condition once the shard holds enough, or at a size cap, so an edit that touches a few terms
  changes the shards that hold them, not every boundary after them.
* `{lang}/search-lengths/<hash>.json`, each document's field lengths (lunr's term counts):
  `[[lengths of field 0], [of field 1], …]`, one file the browser fetches as the engine loads (most
  queries reach most documents; in groups, their requests cost a query more time than the bytes).
* `{lang}/search-index/<hash>.txt`, every term, one a line: only for the queries whose expansion
  can reach any term (fuzzy `word~1`, a wildcard not at the end: `*ción`).
* `{lang}/search-texts/<group hash>/<ref>.json`, what a result shows (kind, title, URL, snippet),
  one small file per document, so only the results on screen are fetched; the folder of each
  group of documents is named by the hash of their texts.

Content-hashed names let a reader and a CDN keep every file but the manifest for long.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION

SHARD_BYTES = 24_000  # the most a shard holds, in characters (a single frequent term may hold more): about 15,000 on average
TEXT_GROUP = 256  # documents per result-text folder (one hash each in the manifest)
SHARD_DIR = "search-index"
TEXT_DIR = "search-texts"
LENGTH_DIR = "search-lengths"
MANIFEST_VERSION = 2  # 2: term frequencies and field lengths, the browser scores; content-defined shards
K1, B = 1.2, 0.75  # lunr's BM25 defaults (lunr.Builder)


@dataclass(frozen=True)
class Shard:
    first: str  # the shard's first term; it holds the terms up to the next shard's first
    name: str  # file name, from a hash of the content
    data: bytes


def _name(data: bytes, length: int = 12) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def entry_of(term: str, rank: int, postings: Iterable[tuple[int, list[int], list[int]]]) -> list[Any]:
    """A term's shard entry: `[term, rank, field, [document gaps], [term frequencies], field, …]`,
    fields ascending. `postings` holds (field number, documents ascending, their term frequencies)
    for each field that holds the term. Documents are given as gaps from the previous one (the
    first from 0). Equal to the entry its JSON text reads back as, and only to that one (strings
    and integers only), so a patch compares entries without encoding the old one again."""
    entry: list[Any] = [term, rank]
    for f, docs, tfs in postings:
        entry += (f, [docs[0], *map(int.__sub__, docs[1:], docs)], tfs)
    return entry


def encode_entry(term: str, rank: int, postings: Iterable[tuple[int, list[int], list[int]]]) -> str:
    """A term's shard entry (`entry_of`) as JSON text."""
    return _encode(entry_of(term, rank, postings))


def decode_entry(entry: list[Any]) -> tuple[str, int, dict[int, tuple[list[int], list[int]]]]:
    """An entry's term, rank and, per field, its documents (ascending) and term frequencies."""
    postings = {}
    for k in range(2, len(entry), 3):
        docs, doc = [], 0
        for gap in entry[k + 1]:
            doc += gap
            docs.append(doc)
        postings[entry[k]] = (docs, list(entry[k + 2]))
    return entry[0], entry[1], postings


class Cutter:
    """Where shards end, decided by the terms themselves: before a term, the shard being filled
    closes once it holds half the target (in characters) and the term is a boundary, or when the
    term's entry would take it past the target. A term is a boundary with a chance proportional to
    its entry's length, drawn from its hash (one in `span` characters): the cut then falls about
    `span` characters past the half whatever the entries' sizes, and nearly always on a boundary
    rather than at the cap (a cap cut moves with the sizes before it, a boundary does not). Each
    decision depends only on the shard's own entries since its first term and on the next term and
    its entry, so a build that changes some terms cuts as before everywhere else (`repatch_shards`
    relies on it). A shard holds from half the target to all of it (a single larger entry, alone)."""

    def __init__(self, target: int = SHARD_BYTES):
        self.low, self.high = target // 2, target
        self.span = max(1, target // 8)
        self.terms: list[str] = []
        self.entries: list[str] = []
        self.size = 0

    def boundary(self, term: str, size: int) -> bool:
        return (zlib.crc32(term.encode("utf-8")) & 0xFFFF) * self.span < size * 0x10000

    def add(self, term: str, entry: str) -> Shard | None:
        """Adds a term; returns the shard it closed, if its entry begins a new one."""
        closed = None
        size = len(entry) + 1
        if self.entries and ((self.size >= self.low and self.boundary(term, size)) or self.size + size > self.high):
            closed = self.close()
        self.terms.append(term)
        self.entries.append(entry)
        self.size += size
        return closed

    def close(self) -> Shard | None:
        if not self.entries:
            return None
        data = ("[" + ",".join(self.entries) + "]").encode("utf-8")
        shard = Shard(self.terms[0], _name(data), data)
        self.terms, self.entries, self.size = [], [], 0
        return shard

    @property
    def empty(self) -> bool:
        return not self.entries


def cut_shards(terms: list[str], entries: list[str], target: int = SHARD_BYTES) -> list[Shard]:
    """The sorted terms' entries cut into shards (Cutter)."""
    cutter = Cutter(target)
    shards = [shard for term, entry in zip(terms, entries, strict=True) if (shard := cutter.add(term, entry))]
    last = cutter.close()
    return [*shards, last] if last else shards


def repatch_shards(
    old: list[tuple[str, str]], read: Any, changes: dict[str, str | None], target: int = SHARD_BYTES
) -> Iterator[Shard | int]:
    """The shards after `changes` (term -> new entry, or None: gone), given the old shards (first
    term, name) and `read(number)`, an old shard's entries as (term, entry) pairs: yields an old
    shard's number where it stands as it was, else a new Shard. The same shards as `cut_shards` on
    every term, for Cutter's decisions are local: an old shard is kept when the new cut reaches its
    first term at a boundary and nothing in its range, nor the term after it, changed."""
    firsts = [first for first, _ in old]
    dirty: set[int] = set()
    changed: dict[int, list[str]] = {}
    for term in changes:
        j = max(0, bisect_right(firsts, term) - 1)
        dirty.add(j)
        changed.setdefault(j, []).append(term)
        if j > 0 and firsts[j] == term:  # the shard before ends at this term, by its hash and size
            dirty.add(j - 1)
    cutter = Cutter(target)
    j = 0
    while j < len(old):
        if j not in dirty and cutter.empty:
            yield j
            j += 1
            continue
        entries = dict(read(j))
        for term in changed.get(j, ()):
            entry = changes[term]
            if entry is None:
                entries.pop(term, None)
            else:
                entries[term] = entry
        clean = j not in dirty
        for at, term in enumerate(sorted(entries)):
            shard = cutter.add(term, entries[term])
            if shard is not None:
                yield shard
                if clean and at == 0:  # cut where the old cut was, before a shard nothing changed in
                    cutter = Cutter(target)
                    yield j
                    break
        j += 1
    last = cutter.close()
    if last is not None:
        yield last


@dataclass(frozen=True)
class SplitIndex:
    manifest: dict[str, Any]
    files: dict[str, bytes]  # path under the language folder -> content


def lengths_file(lengths: list[list[int]]) -> bytes:
    """Every document's field lengths: one list per field."""
    return _json(lengths)


def text_files(texts: list[bytes], start: int) -> tuple[str, dict[str, bytes]]:
    """The result texts of one group of documents, from the document numbered `start`: the group's
    folder name (a hash of them all) and their files."""
    group = _name(b"\n".join(texts), 10)
    return group, {f"{TEXT_DIR}/{group}/{start + offset}.json": data for offset, data in enumerate(texts)}


def manifest_for(
    lang: str,
    fields: list[str],
    boosts: list[int],
    pipeline: list[str],
    count: int,
    sums: list[int],
    shards: list[tuple[str, str]],
    lengths: str,
    vocabulary: str,
    texts: list[str],
) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "lunr": LUNR_JS_VERSION,
        "lang": lang,
        "fields": fields,
        "boosts": boosts,
        "bm25": {"k1": K1, "b": B},
        "pipeline": pipeline,
        "count": count,
        "scripts": [],
        "shards": {"dir": f"{SHARD_DIR}/", "first": [first for first, _ in shards], "names": [name for _, name in shards]},
        "lengths": {"file": f"{LENGTH_DIR}/{lengths}.json", "sums": sums},
        "vocabulary": f"{SHARD_DIR}/{vocabulary}.txt",
        "texts": {"dir": f"{TEXT_DIR}/", "group": TEXT_GROUP, "names": texts},
    }


def split_index(
    lang: str,
    fields: list[str],
    boosts: list[int],
    pipeline: list[str],
    entries: dict[str, str],
    lengths: list[array[int]],
    texts: list[bytes],
    target: int = SHARD_BYTES,
) -> SplitIndex:
    """The manifest and files of one language (see the module's docstring), from every term's entry
    (`encode_entry`), each field's length per document and each document's result text (JSON)."""
    files: dict[str, bytes] = {}
    sorted_terms = sorted(entries)
    shards = cut_shards(sorted_terms, [entries[term] for term in sorted_terms], target)
    for shard in shards:
        files[f"{SHARD_DIR}/{shard.name}.json"] = shard.data
    vocabulary = "\n".join(sorted_terms).encode("utf-8")
    vocabulary_name = _name(vocabulary)
    files[f"{SHARD_DIR}/{vocabulary_name}.txt"] = vocabulary
    count = len(texts)
    data = lengths_file([column.tolist() for column in lengths])
    length_name = _name(data)
    files[f"{LENGTH_DIR}/{length_name}.json"] = data
    groups = []
    for start in range(0, count, TEXT_GROUP):
        group, group_files = text_files(texts[start : start + TEXT_GROUP], start)
        groups.append(group)
        files.update(group_files)
    sums = [sum(column) for column in lengths]
    shard_names = [(shard.first, shard.name) for shard in shards]
    manifest = manifest_for(lang, fields, boosts, pipeline, count, sums, shard_names, length_name, vocabulary_name, groups)
    return SplitIndex(manifest, files)


def with_worker(manifest: bytes, url: str) -> bytes:
    """The manifest naming the Worker script the search page starts (`url`, relative to the language
    folder, as the scripts are), written as the manifest is."""
    return _json({**json.loads(manifest), "worker": url})


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def site_terms(language_dir: Path) -> set[str]:
    """Every term of a built language's index (`site/{lang}/`), read from its vocabulary file."""
    manifest = json.loads((language_dir / "search-index.json").read_text(encoding="utf-8"))
    text = (language_dir / manifest["vocabulary"]).read_text(encoding="utf-8")
    return set(text.split("\n")) if text else set()
