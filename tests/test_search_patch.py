"""An edit patches the last build's search files (stages/search/patch.py) into the very bytes a
build made whole gives, and rewrites only the files the edit touched."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import random
from typing import Any

import pytest

from benchmarks.corpus import generate
from ogpsite.build import check
from ogpsite.incremental.stage_cache import StageCache, StoredValues
from ogpsite.stages import StageContext, search

from .conftest import ROOT, settings_for

LUNR_ES = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
pytestmark = pytest.mark.skipif(LUNR_ES is None, reason="node_modules/ is not installed (npm ci)")
TARGET = 1_500  # small shards, so edits land in many and boundaries are crossed


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("patch")
    generate(root / "content", 150, events=5, stories=5)
    found, problems = check(settings_for(root))
    assert found is not None, problems[:3]
    return found


@pytest.fixture(scope="module")
def corpus(model: Any) -> tuple[list[search.SearchDocument], list[search.AnalysedFields], search.Analyzer]:
    assert LUNR_ES is not None
    analyzer = search.analyzer_for("en", LUNR_ES)
    documents = search.documents_for(model, "en")[:60]
    return documents, [search.analyse_document(analyzer, doc) for doc in documents], analyzer


def fields_of(analysed: search.AnalysedFields) -> list[dict[str, int]]:
    return [dict(zip(*analysed.field(f), strict=True)) for f in range(len(search.FIELDS))]


def edited(analysed: search.AnalysedFields, rng: random.Random, vocabulary: list[str], round_: int) -> search.AnalysedFields:
    """Some terms of some fields taken out, added (known or new), counted again, moved first."""
    fields = fields_of(analysed)
    for counts in rng.sample(fields, rng.randint(1, 3)):
        terms = list(counts)
        for term in rng.sample(terms, min(len(terms), rng.randint(0, 3))):
            del counts[term]
        for _ in range(rng.randint(0, 3)):
            counts[rng.choice(vocabulary)] = rng.randint(1, 4)
        if rng.random() < 0.3:
            counts[f"zzq{round_}x{rng.randint(0, 9)}"] = 1  # a word no document had
        if counts and rng.random() < 0.3:  # a term moved to the front: its rank changes
            term = rng.choice(list(counts))
            moved = {term: counts.pop(term)}
            moved.update(counts)
            counts.clear()
            counts.update(moved)
        for term in list(counts)[:2]:
            counts[term] = rng.randint(1, 5)
    return search.AnalysedFields.of(fields)


def digests_of(documents: list[search.SearchDocument], analyses: list[search.AnalysedFields]) -> bytes:
    return b"".join(hashlib.sha256(repr((doc, analysed)).encode()).digest()[:16] for doc, analysed in zip(documents, analyses, strict=True))


def test_patched_files_are_the_files_made_whole(corpus: Any) -> None:
    """Edit after edit, each patched from the last: the files equal those made whole, byte for byte."""
    documents, analyses, analyzer = corpus
    documents, analyses = list(documents), list(analyses)
    vocabulary = sorted({term for analysed in analyses for joined in analysed.terms for term in joined.split(" ") if term})
    rng = random.Random(13)
    split = search.index_files("en", analyzer, documents, analyses, TARGET)
    assert len(split.manifest["shards"]["names"]) >= 30
    digests = digests_of(documents, analyses)
    known = dict(zip((digests[i : i + 16] for i in range(0, len(digests), 16)), analyses, strict=True))
    patched_rounds = 0
    for round_ in range(40):
        # the first document holds the most first occurrences
        picks = [0] if round_ % 10 == 0 else rng.sample(range(len(documents)), rng.randint(1, 3))
        for n in picks:
            analyses[n] = edited(analyses[n], rng, vocabulary, round_)
            if rng.random() < 0.3:
                documents[n] = dataclasses.replace(documents[n], title=f"{documents[n].title} {round_}")  # its result text
        new_digests = digests_of(documents, analyses)
        for i in range(0, len(new_digests), 16):
            known.setdefault(new_digests[i : i + 16], analyses[i // 16])
        patched = search.patch_index(split, digests, known.get, documents, new_digests, analyses, TARGET)
        whole = search.index_files("en", analyzer, documents, analyses, TARGET)
        assert patched is not None
        assert patched.manifest == whole.manifest, round_
        assert patched.files == whole.files, round_
        patched_rounds += 1
        split, digests = patched, new_digests
    assert patched_rounds == 40


def test_what_cannot_be_patched_is_made_whole(corpus: Any) -> None:
    documents, analyses, analyzer = corpus
    split = search.index_files("en", analyzer, documents, analyses, TARGET)
    digests = digests_of(documents, analyses)
    fewer = documents[:-1]
    assert search.patch_index(split, digests, lambda _: None, fewer, digests[:-16], analyses[:-1], TARGET) is None  # a document less
    changed = [search.AnalysedFields.of([{"zebra": 1}] * len(search.FIELDS)), *analyses[1:]]
    new = digests_of(documents, changed)
    assert search.patch_index(split, digests, lambda _: None, documents, new, changed, TARGET) is None  # its old terms unknown


def _stage_files(model: Any, cache: StageCache, tmp: Any) -> dict[str, bytes]:
    result = search.SearchStage().run(model, StageContext(settings_for(ROOT, tmp / "site"), "/", cache))
    assert result.problems == []
    return result.files


def test_an_edit_rewrites_few_index_files_and_equals_a_clean_build(model: Any, tmp_path: Any) -> None:
    first = StageCache()
    before = _stage_files(model, first, tmp_path)
    record = model.records["commitments"][len(model.records["commitments"]) // 2]
    original = record.texts["en"]
    record.texts["en"] = dataclasses.replace(original, plain=original.plain + " A sentence on procurement and zebras.")
    try:
        cache = StageCache(first.current)
        after = _stage_files(model, cache, tmp_path)
        clean = _stage_files(model, StageCache(), tmp_path)
    finally:
        record.texts["en"] = original
    assert after == clean  # patched, byte for byte the clean build's
    assert {name: data for name, data in after.items() if name.startswith("es/")} == {
        name: data for name, data in before.items() if name.startswith("es/")
    }
    changed = sorted(name for name, data in after.items() if before.get(name) != data)
    shards = [name for name in changed if name.startswith(f"en/{search.SHARD_DIR}/") and name.endswith(".json")]
    assert 1 <= len(shards) <= 6, changed  # the shards of the terms the sentence holds, not all
    total = sum(1 for name in after if name.startswith(f"en/{search.SHARD_DIR}/") and name.endswith(".json"))
    assert total >= 5 * len(shards), (len(shards), total)  # three terms: sentenc, procur, zebra
    assert [name for name in changed if name.startswith(f"en/{search.LENGTH_DIR}/")] != []  # its field lengths
    assert not [name for name in changed if name.startswith(f"en/{search.TEXT_DIR}/")]  # its result text is as it was


class CountedValues(StoredValues):
    """The cache file's values of a namespace (pickled), noting which are read back."""

    def __init__(self, values: dict[Any, Any]):
        super().__init__({key: pickle.dumps(value) for key, value in values.items()})
        self.read: set[Any] = set()

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def test_an_edit_reads_only_the_changed_documents_analyses_and_keeps_the_others(model: Any, tmp_path: Any) -> None:
    first = StageCache()
    _stage_files(model, first, tmp_path)
    namespace = "search-terms-en"
    stored = {name: CountedValues(dict(values)) for name, values in first.current.items()}
    records = model.records["commitments"]
    edits = [records[len(records) // 3], records[2 * len(records) // 3]]
    originals = [record.texts["en"] for record in edits]
    try:
        record = edits[0]
        record.texts["en"] = dataclasses.replace(originals[0], plain=originals[0].plain + " A sentence on procurement and zebras.")
        cache = StageCache(stored)  # type: ignore[arg-type]
        after = _stage_files(model, cache, tmp_path)
        assert after == _stage_files(model, StageCache(), tmp_path)  # patched, as a clean build
        every = len(stored[namespace])
        # read: the edited document's old analysis, and the first document holding each term its
        # entry is rewritten for (the term's rank there); not the others (all of them before)
        assert 0 < len(stored[namespace].read) < every / 2, (len(stored[namespace].read), every)
        kept = cache.kept()[namespace]
        assert len(kept) == every  # the edited document's analysis replaced, every other one carried over
        assert len(set(kept) - set(stored[namespace])) == 1

        # the next build patches from what was carried over, unread
        record = edits[1]
        record.texts["en"] = dataclasses.replace(originals[1], plain=originals[1].plain + " Open contracting for all.")
        again = StageCache({name: CountedValues(dict(values)) for name, values in cache.kept().items()})  # type: ignore[arg-type]
        assert _stage_files(model, again, tmp_path) == _stage_files(model, StageCache(), tmp_path)
    finally:
        for record, original in zip(edits, originals, strict=True):
            record.texts["en"] = original
