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


def test_a_document_digest_names_everything_but_the_ref(corpus: Any) -> None:
    documents, _, _ = corpus
    doc = documents[3]
    digest = search.document_digest(doc)
    assert search.document_digest(dataclasses.replace(doc, ref="99")) == digest  # its place is not part of it
    others = [
        dataclasses.replace(doc, title=doc.title + "!"),
        dataclasses.replace(doc, snippet=doc.snippet[:-1]),
        dataclasses.replace(doc, url="elsewhere/"),
        dataclasses.replace(doc, kind="story"),
        dataclasses.replace(doc, record_id=doc.record_id + "1"),
        dataclasses.replace(doc, text_lang="en"),
        dataclasses.replace(doc, text_lang=""),
        dataclasses.replace(doc, fields={**doc.fields, "body": doc.fields["body"] + " x"}),
        # a character moved from one field to the next: the same text joined, another document
        dataclasses.replace(
            doc, fields={**doc.fields, "title": doc.fields["title"][:-1], "id": doc.fields["title"][-1] + doc.fields["id"]}
        ),
    ]
    digests = [search.document_digest(other) for other in others]
    assert digest not in digests and len(set(digests)) == len(digests)


def _renamed(named: Any, lang: str) -> Any:
    return dataclasses.replace(named, names={**named.names, lang: named.name(lang) + " (renamed)"})


def test_a_document_source_changes_with_each_name_its_document_borrows(model: Any) -> None:
    commitment = next(r for r in model.records["commitments"] if r.refs.get("themes") and r.refs.get("lead_institutions"))
    event = next(r for r in model.records["events"] if r.refs.get("organisers") and r.refs.get("country"))
    story = next(r for r in model.records["stories"] if r.refs.get("country"))
    theme = commitment.refs["themes"][0]
    retitled = dataclasses.replace(theme, texts={**theme.texts, "en": dataclasses.replace(theme.texts["en"], title="Another title")})
    changes = [  # (record, the same record with one borrowed name changed)
        (commitment, dataclasses.replace(commitment, refs={**commitment.refs, "themes": [retitled, *commitment.refs["themes"][1:]]})),
        (commitment, dataclasses.replace(commitment, refs={**commitment.refs, "member": _renamed(commitment.refs["member"], "en")})),
        (
            commitment,
            dataclasses.replace(
                commitment,
                refs={**commitment.refs, "lead_institutions": [_renamed(commitment.refs["lead_institutions"][0], "en")]},
            ),
        ),
        (event, dataclasses.replace(event, refs={**event.refs, "organisers": [_renamed(event.refs["organisers"][0], "en")]})),
        (event, dataclasses.replace(event, refs={**event.refs, "country": _renamed(event.refs["country"], "en")})),
        (story, dataclasses.replace(story, refs={**story.refs, "country": _renamed(story.refs["country"], "en")})),
    ]
    for record, changed in changes:
        source = search.document_source("key", "en", search.borrowed_names(record, "en"))
        assert search.document_source("key", "en", search.borrowed_names(record, "en")) == source
        assert search.document_source("key", "en", search.borrowed_names(changed, "en")) != source, record.key
        # the document does change with it: the source names what the document is made from
        made = [search.SearchDocuments(model, "en", [r])[0] for r in (record, changed)]
        assert search.document_digest(made[0]) != search.document_digest(made[1]), record.key
        # and a name in the other language is not part of this language's document
        other = (
            dataclasses.replace(record, refs={**record.refs, "member": _renamed(record.refs["member"], "es")})
            if "member" in record.refs
            else None
        )
        if other is not None:
            assert search.document_source("key", "en", search.borrowed_names(other, "en")) == source
    source = search.document_source("key", "en", search.borrowed_names(commitment, "en"))
    assert search.document_source("key2", "en", search.borrowed_names(commitment, "en")) != source  # its own files
    assert search.document_source("key", "es", search.borrowed_names(commitment, "es")) != source


def load_keys(model: Any, edited: dict[tuple[str, str], str] | None = None) -> dict[tuple[str, str], str]:
    """Each record's load key (StageCache.load_key), as the builder hands them over; `edited`: the
    records whose folders an edit changed, with a word for the change."""
    edited = edited or {}
    return {r.key: f"{r.section}/{r.slug}:{edited.get(r.key, 'as generated')}" for records in model.records.values() for r in records}


def test_an_edit_makes_only_the_search_documents_of_what_it_changed(model: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[tuple[str, str], str]] = []
    real = search.documents._document

    def counted(model: Any, record: Any, lang: str, ref: str) -> Any:
        made.append((record.key, lang))
        return real(model, record, lang, ref)

    monkeypatch.setattr(search.documents, "_document", counted)
    first = StageCache(None, load_keys(model))
    before = _stage_files(model, first, tmp_path)
    assert len(made) == 2 * len(search.search_records(model))  # a first build makes them all

    record = model.records["commitments"][len(model.records["commitments"]) // 2]
    theme = next(r for r in model.records["themes"] if model.theme_members[r.slug]["commitments"])
    originals = [record.texts["en"], theme.texts["en"]]
    try:
        made.clear()
        record.texts["en"] = dataclasses.replace(originals[0], plain=originals[0].plain + " A sentence on procurement and zebras.")
        cache = StageCache(first.current, load_keys(model, {record.key: "edited"}))
        after = _stage_files(model, cache, tmp_path)
        # its folder changed, so both its documents are made (the Spanish one is as it was: its
        # language's files are kept); no other
        assert sorted(made) == [(record.key, "en"), (record.key, "es")]
        assert after == _stage_files(model, StageCache(), tmp_path)
        assert {name: data for name, data in after.items() if name.startswith("es/")} == {
            name: data for name, data in before.items() if name.startswith("es/")
        }

        # a theme's English title: its documents, and the English documents of what shows it
        made.clear()
        theme.texts["en"] = dataclasses.replace(originals[1], title="Zebra crossings")
        keys = load_keys(model, {record.key: "edited", theme.key: "retitled"})
        again = _stage_files(model, StageCache(cache.kept(), keys), tmp_path)
        showing = {r.key for r in search.search_records(model) if any(t is theme for t in r.refs.get("themes", []))}
        assert showing and set(made) == {(theme.key, "en"), (theme.key, "es")} | {(key, "en") for key in showing}
        assert again == _stage_files(model, StageCache(), tmp_path)
    finally:
        record.texts["en"], theme.texts["en"] = originals


@pytest.mark.parametrize(
    "postings",
    [
        [(0, [3], [1])],
        [(0, [0, 4, 9], [1, 2, 1]), (6, [2, 4], [7, 1])],
        [(2, [10_000, 10_001], [3, 1])],
    ],
)
def test_an_entry_equals_what_its_text_reads_back_as_and_no_other(postings: list[tuple[int, list[int], list[int]]]) -> None:
    import json

    entry = search.entry_of("zebra", 2, postings)
    assert json.loads(search.encode_entry("zebra", 2, postings)) == entry  # patch.py compares entries so
    f, docs, tfs = postings[-1]
    others = [
        search.entry_of("zebras", 2, postings),
        search.entry_of("zebra", 1, postings),
        search.entry_of("zebra", 2, [*postings[:-1], (f, docs, [*tfs[:-1], tfs[-1] + 1])]),
        search.entry_of("zebra", 2, [*postings[:-1], (f, [*docs[:-1], docs[-1] + 1], tfs)]),
    ]
    assert all(other != entry for other in others)
