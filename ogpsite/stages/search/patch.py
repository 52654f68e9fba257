"""One language's index files patched after an edit, instead of made whole: the same bytes as a
build made whole (tests/test_search_patch.py), for work proportional to the edit.

The last build's files (`SplitIndex`) and each document's digest are kept in the stage cache
(index.LanguageFiles). When the documents are the same ones in the same places and only some
changed (their digests differ), their old and new analysed terms name every term whose entry may
change; only those entries are decoded from their old shards and rewritten (the changed documents'
postings taken out and put back), only the shards holding them are cut again (shards.repatch_shards:
boundaries are content-defined, so the others stand), and only the field-lengths file and the
result-text group of each changed document are written again. The manifest is always written again (the summed
field lengths change with almost any edit). Anything else (documents added, removed or moved, many
changed, an old analysis missing) returns None: the caller makes the files whole.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from ogpsite.stages.search.analysis import AnalysedFields
from ogpsite.stages.search.documents import FIELDS, SearchDocument
from ogpsite.stages.search.shards import (
    LENGTH_DIR,
    MANIFEST_VERSION,
    SHARD_BYTES,
    SHARD_DIR,
    TEXT_DIR,
    TEXT_GROUP,
    Shard,
    SplitIndex,
    _encode,
    _json,
    _name,
    decode_entry,
    entry_of,
    lengths_file,
    manifest_for,
    repatch_shards,
    text_files,
)

PATCH_LIMIT = 200  # changed documents beyond which the files are made whole again (as fast, by then)


def patch_index(
    old: SplitIndex,
    old_digests: bytes,
    old_analysis: Callable[[bytes], AnalysedFields | None],
    documents: Sequence[SearchDocument],
    digests: bytes,
    analyses: Sequence[AnalysedFields],
    target: int = SHARD_BYTES,
) -> SplitIndex | None:
    """The files of `documents` patched from `old` (see the module's docstring), or None; `target`
    as the shards of `old` were cut (Cutter)."""
    manifest = old.manifest
    count = len(documents)
    fields = [name for name, _ in FIELDS]
    width = len(fields)
    if (
        manifest.get("version") != MANIFEST_VERSION
        or manifest["fields"] != fields
        or manifest["boosts"] != [boost for _, boost in FIELDS]
        or manifest["count"] != count
        or len(old_digests) != len(digests)
        or manifest["texts"]["group"] != TEXT_GROUP
        or not manifest["shards"]["names"]
    ):
        return None
    changed = [n for n in range(count) if digests[16 * n : 16 * n + 16] != old_digests[16 * n : 16 * n + 16]]
    if len(changed) > PATCH_LIMIT:
        return None
    before: dict[int, AnalysedFields] = {}
    for n in changed:
        analysed = old_analysis(old_digests[16 * n : 16 * n + 16])
        if analysed is None:
            return None
        before[n] = analysed
    files = dict(old.files)

    # Result texts: each changed document's group, named by its texts again.
    texts = list(manifest["texts"]["names"])
    for group in sorted({n // TEXT_GROUP for n in changed}):
        start, stop = group * TEXT_GROUP, min(count, (group + 1) * TEXT_GROUP)
        old_paths = [f"{TEXT_DIR}/{texts[group]}/{n}.json" for n in range(start, stop)]
        encoded = [
            _json(documents[n].store_entry()) if n in before else files[path] for n, path in zip(range(start, stop), old_paths, strict=True)
        ]
        name, group_files = text_files(encoded, start)
        if name != texts[group]:
            for path in old_paths:
                del files[path]
            files.update(group_files)
            texts[group] = name

    # Field lengths: the changed documents', and the sums.
    path = manifest["lengths"]["file"]
    sums = list(manifest["lengths"]["sums"])
    columns = json.loads(files[path])
    for n in changed:
        for f in range(width):
            length = sum(analyses[n].counts[f])
            sums[f] += length - columns[f][n]
            columns[f][n] = length
    data = lengths_file(columns)
    length_name = _name(data)
    if f"{LENGTH_DIR}/{length_name}.json" != path:
        del files[path]
        files[f"{LENGTH_DIR}/{length_name}.json"] = data

    # Term entries: every term a changed document held or holds.
    shards = list(zip(manifest["shards"]["first"], manifest["shards"]["names"], strict=True))
    firsts = [first for first, _ in shards]
    decoded: dict[int, dict[str, list[Any]]] = {}

    def shard(number: int) -> dict[str, list[Any]]:
        if number not in decoded:
            decoded[number] = {entry[0]: entry for entry in json.loads(files[f"{SHARD_DIR}/{shards[number][1]}.json"])}
        return decoded[number]

    touched: set[str] = set()
    for n in changed:
        for joined in before[n].terms:
            if joined:
                touched.update(joined.split(" "))
    now: dict[int, list[dict[str, int]]] = {}  # changed document -> per field, term -> frequency
    for n in changed:
        now[n] = [dict(zip(terms, tfs, strict=True)) for terms, tfs in map(analyses[n].field, range(width))]
        for counts in now[n]:
            touched.update(counts)
    ranks: dict[tuple[int, int], dict[str, int]] = {}

    def rank_of(term: str, doc: int, f: int) -> int:
        if (doc, f) not in ranks:
            terms, _ = analyses[doc].field(f)
            ranks[doc, f] = {t: r for r, t in enumerate(terms)}
        return ranks[doc, f][term]

    changes: dict[str, str | None] = {}
    added = removed = False
    for term in sorted(touched):
        number = max(0, bisect_right(firsts, term) - 1)
        entry = shard(number).get(term)
        postings: dict[int, tuple[list[int], list[int]]] = decode_entry(entry)[2] if entry is not None else {}
        for n in changed:  # out with each changed document's old postings
            for docs, tfs in postings.values():
                at = bisect_left(docs, n)
                if at < len(docs) and docs[at] == n:
                    del docs[at], tfs[at]
        for n in changed:  # in with its new ones
            for f, counts in enumerate(now[n]):
                tf = counts.get(term)
                if tf is not None:
                    docs, tfs = postings.setdefault(f, ([], []))
                    at = bisect_left(docs, n)
                    docs.insert(at, n)
                    tfs.insert(at, tf)
        held = sorted((f, docs, tfs) for f, (docs, tfs) in postings.items() if docs)
        if not held:
            if entry is not None:
                changes[term] = None
                removed = True
            continue
        first_doc = min(docs[0] for _, docs, _ in held)
        first_field = next(f for f, docs, _ in held if docs[0] == first_doc)
        new_entry = entry_of(term, rank_of(term, first_doc, first_field), held)
        if entry is None:
            changes[term] = _encode(new_entry)
            added = True
        elif new_entry != entry:  # compared as read back: a common word's entry is long to encode again
            changes[term] = _encode(new_entry)

    new_shards: list[tuple[str, str]] = []
    kept: set[int] = set()
    read = lambda number: [(term, _encode(entry)) for term, entry in shard(number).items()]  # noqa: E731
    for made in repatch_shards(shards, read, changes, target):
        if not isinstance(made, Shard):
            kept.add(made)
            new_shards.append(shards[made])
        else:
            files[f"{SHARD_DIR}/{made.name}.json"] = made.data
            new_shards.append((made.first, made.name))
    new_names = {name for _, name in new_shards}
    for number, (_, name) in enumerate(shards):
        if number not in kept and name not in new_names:
            del files[f"{SHARD_DIR}/{name}.json"]

    vocabulary_path = manifest["vocabulary"]
    vocabulary_name = vocabulary_path.removeprefix(f"{SHARD_DIR}/").removesuffix(".txt")
    if added or removed:
        terms = set(files.pop(vocabulary_path).decode("utf-8").split("\n"))
        terms.difference_update(term for term, entry in changes.items() if entry is None)
        terms.update(term for term, entry in changes.items() if entry is not None)
        vocabulary = "\n".join(sorted(terms)).encode("utf-8")
        vocabulary_name = _name(vocabulary)
        files[f"{SHARD_DIR}/{vocabulary_name}.txt"] = vocabulary
        if not terms:
            return None
    new_manifest = manifest_for(
        manifest["lang"],
        fields,
        manifest["boosts"],
        manifest["pipeline"],
        count,
        sums,
        new_shards,
        length_name,
        vocabulary_name,
        texts,
    )
    return SplitIndex(new_manifest, files)
