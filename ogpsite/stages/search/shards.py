"""The index of one language cut into files a reader fetches only when a query needs them.

lunr.js 2.3.9 scores a document's field as the dot product of the query vector with the field's
vector, divided by the query vector's length, summed over the terms both hold in ascending term
index. So a document's entries for the terms a query touches are all its score needs, and a lunr
index holding only those terms (their postings, their field-vector entries, their original term
indexes) gives the same refs, order and scores as the whole index. The files:

* `{lang}/search-index.json`, the manifest (fetched first, small): lunr's fields and pipeline, the
  number of documents, the first term of every shard, the names of the other files, the scripts
  (one by one, as Node's tests load them) and the Worker script that bundles them (`worker`,
  vendor.py's `worker_bundle`, added by `with_worker`).
* `{lang}/search-index/<hash>.json`, the shards: consecutive runs of the sorted terms, each term
  with its lunr term index and, per field, the documents holding it and their scores. The browser
  (assets/search-core.js) rebuilds lunr's JSON from the shards a query needs and runs
  `lunr.Index.load` on it: one posting and one vector entry come from one number pair here.
* `{lang}/search-index/<hash>.txt`, every term, one a line: only for the queries whose expansion
  can reach any term (fuzzy `word~1`, a wildcard not at the end: `*ción`).
* `{lang}/search-texts/<group hash>/<ref>.json`, what a result shows (kind, title, URL, snippet),
  one small file per document, so only the results on screen are fetched; the folder of each
  group of documents is named by the hash of their texts.

Content-hashed names let a reader and a CDN keep every file but the manifest for long. (A record
edit that changes a field's average length changes lunr's scores everywhere, so after such an edit
most shards get new names: the scores are lunr's, not ours to keep stable.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION

SHARD_BYTES = 16_000  # a shard closes once it holds this much JSON (a single frequent term may hold more)
TEXT_GROUP = 256  # documents per result-text folder (one hash each in the manifest)
SHARD_DIR = "search-index"
TEXT_DIR = "search-texts"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Shard:
    first: str  # the shard's first term; it holds the terms up to the next shard's first
    name: str  # file name, from a hash of the content
    data: bytes


def _name(data: bytes, length: int = 12) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def term_entries(fields: list[str], terms: dict[str, int], vectors: list[tuple[int, int, list[float]]]) -> list[str]:
    """Each term's shard entry, as JSON text, in sorted term order:
    `[term, lunr term index, field number, [document gaps], [scores × 1000], field number, ...]`.
    Documents are numbered in ref order and given as gaps from the previous one (the first from 0);
    lunr's scores are rounded to 3 places, so × 1000 they are integers and ÷ 1000 gives back the
    very same double."""
    width = len(fields)
    # Two dicts of plain lists, filled in one pass with bound lookups: this runs once per vector
    # entry (millions at 10,000 records), on every build whose search stage runs.
    docs: dict[int, list[int]] = {}
    scores: dict[int, list[int]] = {}
    for f, number, elements in vectors:  # in document order, so each list grows in document order
        for index, score in zip(elements[::2], elements[1::2], strict=True):
            key = int(index) * width + f
            held = docs.get(key)
            if held is None:
                docs[key] = [number]
                scores[key] = [round(score * 1000)]
            else:
                held.append(number)
                scores[key].append(round(score * 1000))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    entries = []
    for term in sorted(terms):
        index = terms[term]
        entry: list[Any] = [term, index]
        base = index * width
        for f in range(width):
            held = docs.get(base + f)
            if held is None:
                continue
            gaps = [held[0], *map(int.__sub__, held[1:], held)]
            entry += (f, gaps, scores[base + f])
        entries.append(encode(entry))
    return entries


def cut_shards(terms: list[str], entries: list[str], target: int = SHARD_BYTES) -> list[Shard]:
    """Consecutive runs of terms of about `target` bytes each."""
    shards: list[Shard] = []
    start, size = 0, 0
    for i, entry in enumerate(entries):
        size += len(entry) + 1
        if size >= target or i == len(entries) - 1:
            data = ("[" + ",".join(entries[start : i + 1]) + "]").encode("utf-8")
            shards.append(Shard(terms[start], _name(data), data))
            start, size = i + 1, 0
    return shards


@dataclass(frozen=True)
class SplitIndex:
    manifest: dict[str, Any]
    files: dict[str, bytes]  # path under the language folder -> content


def split_index(
    lang: str,
    fields: list[str],
    pipeline: list[str],
    terms: dict[str, int],
    vectors: list[tuple[int, int, list[float]]],
    texts: list[dict[str, str]],
    scripts: list[str],
    target: int = SHARD_BYTES,
) -> SplitIndex:
    """The manifest and files of one language (see the module's docstring)."""
    files: dict[str, bytes] = {}
    sorted_terms = sorted(terms)
    shards = cut_shards(sorted_terms, term_entries(fields, terms, vectors), target)
    for shard in shards:
        files[f"{SHARD_DIR}/{shard.name}.json"] = shard.data
    vocabulary = "\n".join(sorted_terms).encode("utf-8")
    vocabulary_name = _name(vocabulary)
    files[f"{SHARD_DIR}/{vocabulary_name}.txt"] = vocabulary
    groups = []
    for start in range(0, len(texts), TEXT_GROUP):
        encoded = [_json(entry) for entry in texts[start : start + TEXT_GROUP]]
        group = _name(b"\n".join(encoded), 10)
        groups.append(group)
        for offset, data in enumerate(encoded):
            files[f"{TEXT_DIR}/{group}/{start + offset}.json"] = data
    manifest = {
        "version": MANIFEST_VERSION,
        "lunr": LUNR_JS_VERSION,
        "lang": lang,
        "fields": fields,
        "pipeline": pipeline,
        "count": len(texts),
        "scripts": scripts,
        "shards": {"dir": f"{SHARD_DIR}/", "first": [s.first for s in shards], "names": [s.name for s in shards]},
        "vocabulary": f"{SHARD_DIR}/{vocabulary_name}.txt",
        "texts": {"dir": f"{TEXT_DIR}/", "group": TEXT_GROUP, "names": groups},
    }
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
