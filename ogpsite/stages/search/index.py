"""The lunr.js index of one language: lunr's terms and scores, written whole (lunr's JSON) or cut into shards."""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION

from ogpsite.incremental.stage_cache import StageCache
from ogpsite.model.site import SiteModel
from ogpsite.stages.search.analysis import Analyzer, LunrSpanish, analyzer_for
from ogpsite.stages.search.documents import FIELDS, SearchDocument, documents_for
from ogpsite.stages.search.shards import SHARD_BYTES, SplitIndex, split_index

INDEX_FILE = "search-index.json"  # the manifest: what a query fetches first (shards.py)


@dataclass(frozen=True, slots=True)
class AnalysedFields:
    """One document's terms, field by field, in a compact form: each field's distinct terms in the
    order they first occur, joined by spaces (a term never holds one: the tokenizer splits at
    whitespace), and how often each occurs.

    The stage cache keeps one for every document of every language across builds, and the worker
    that analysed a language sends its own to the main process: as a dict per field they cost about
    50 bytes a term, some 110 MB a language at 10,000 commitments; this form costs about 13."""

    terms: tuple[str, ...]  # per field
    counts: tuple[array[int], ...]  # per field, one count per term

    @classmethod
    def of(cls, fields: Iterable[dict[str, int]]) -> AnalysedFields:
        """From each field's term -> occurrences, in first-seen order (Analyzer.term_counts)."""
        fields = list(fields)
        return cls(tuple(" ".join(counts) for counts in fields), tuple(array("I", counts.values()) for counts in fields))

    def field(self, number: int) -> tuple[list[str], list[int]]:
        """A field's terms and their counts, in first-seen order."""
        joined = self.terms[number]
        return (joined.split(" ") if joined else []), self.counts[number].tolist()


def analyse_document(analyzer: Analyzer, doc: SearchDocument) -> AnalysedFields:
    """A document's terms and their counts in each of FIELDS."""
    return AnalysedFields.of(analyzer.term_counts(doc.fields.get(name, "")) for name, _ in FIELDS)


@dataclass
class ScoredIndex:
    """A lunr.js 2.3.9 index before it is written: terms with lunr's numbering and each field of each
    document's scored terms, from which both the whole lunr JSON and its shards are written."""

    fields: list[str]
    pipeline: list[str]
    refs: list[str]  # document refs, in document order
    terms: dict[str, int]  # term -> lunr's `_index` (first-seen order, as Builder numbers them)
    # (field number, document number, [term index, score, term index, score, ...]) in Builder's
    # order: documents, then fields; term indexes ascending, scores rounded to 3 places as lunr does.
    vectors: list[tuple[int, int, list[float]]]


@dataclass
class NumberedTerms:
    """The documents' terms numbered as lunr's `Builder` numbers them (first seen, first numbered),
    before any score: what the scores need of the whole set of documents."""

    refs: list[str]
    terms: dict[str, int]  # term -> index
    postings: list[int]  # per term index: how many (field, document) pairs hold it
    lengths: list[int]  # per field: its length summed over the documents
    rows: list[tuple[int, int, list[int], list[int], int]]  # (field, document, term indexes, their counts, length)


def number_terms(
    documents: Iterable[SearchDocument], fields: list[str], analyse: Callable[[SearchDocument], AnalysedFields]
) -> NumberedTerms:
    numbered = NumberedTerms([], {}, [], [0] * len(fields), [])
    terms, postings, lengths, rows = numbered.terms, numbered.postings, numbered.lengths, numbered.rows
    get = terms.get
    for number, doc in enumerate(documents):
        numbered.refs.append(doc.ref)
        analysed = analyse(doc)
        for f in range(len(fields)):
            field_terms, tfs = analysed.field(f)
            indexes = []
            for term in field_terms:  # first-seen order, as Builder numbers new terms
                index = get(term)
                if index is None:
                    index = terms[term] = len(postings)
                    postings.append(1)
                else:
                    postings[index] += 1
                indexes.append(index)
            length = sum(tfs)
            lengths[f] += length
            rows.append((f, number, indexes, tfs, length))
    return numbered


def score_index(
    documents: Iterable[SearchDocument], analyzer: Analyzer, analyse: Callable[[SearchDocument], AnalysedFields] | None = None
) -> ScoredIndex:
    """The terms and BM25 scores lunr's `Builder` gives the documents.

    Computed directly because `Builder` is slow at this size: it re-tokenises character by character,
    runs the pipeline on every occurrence and inserts vector entries one by one (≈ 20 s for 5,000
    commitments). Same numbering, BM25 scores (lunr's idf, b and k1, field boosts) and rounding;
    tests/test_search.py checks the output equals `Builder`'s."""
    fields = [name for name, _ in FIELDS]
    boosts = [boost for _, boost in FIELDS]
    analyse = analyse or (lambda doc: analyse_document(analyzer, doc))
    numbered = number_terms(documents, fields, analyse)
    refs, terms = numbered.refs, numbered.terms
    count = len(refs)
    average = [(length / count if count else 0.0) for length in numbered.lengths]
    # lunr's idf (lunr.idf.idf), which counts a term's (field, document) pairs as its documents.
    idfs = [math.log(1 + abs((count - df + 0.5) / (df + 0.5))) for df in numbered.postings]
    k1, b = 1.2, 0.75  # lunr's defaults
    k1_plus_1 = k1 + 1
    vectors = []
    # This loop runs once per (term, field, document): millions of times at 10,000 records, on
    # every edit (an edit changes the average lengths, so every score), hence its plain shape. The
    # score is lunr's expression with its operations in lunr's order, so the doubles are the same.
    for f, number, indexes, tfs, length in numbered.rows:
        norm = k1 * (1 - b + b * (length / average[f])) if average[f] else k1 * (1 - b)
        boost = boosts[f]
        n = len(indexes)
        if n > 1:  # ascending term index, as lunr's vectors hold them
            order = sorted(range(n), key=indexes.__getitem__)
            indexes = [indexes[j] for j in order]
            tfs = [tfs[j] for j in order]
        elements: list[float] = [0.0] * (2 * n)
        elements[::2] = indexes
        elements[1::2] = [round(idfs[index] * (k1_plus_1 * tf) / (norm + tf) * boost, 3) for index, tf in zip(indexes, tfs, strict=True)]
        vectors.append((f, number, elements))
    return ScoredIndex(fields, [label for label, _ in analyzer.steps], refs, terms, vectors)


def lunr_json(scored: ScoredIndex) -> dict[str, Any]:
    """The whole index in lunr's serialised form (lunr-schema), as `lunr.Index.load` reads it."""
    fields, refs = scored.fields, scored.refs
    inverted: dict[int, dict[str, Any]] = {}
    by_index = {index: term for term, index in scored.terms.items()}
    vectors = []
    for f, number, elements in scored.vectors:
        name, ref = fields[f], refs[number]
        for index in elements[::2]:
            posting = inverted.get(index)  # type: ignore[call-overload]
            if posting is None:
                posting = inverted[index] = {field_name: {} for field_name in fields}  # type: ignore[index]
                posting["_index"] = index
            posting[name][ref] = {}
        vectors.append([f"{name}/{ref}", elements])
    return {
        "version": LUNR_JS_VERSION,
        "fields": fields,
        "fieldVectors": vectors,
        "invertedIndex": [[by_index[index], inverted[index]] for index in sorted(inverted, key=by_index.__getitem__)],
        "pipeline": scored.pipeline,
    }


def build_index(
    documents: Iterable[SearchDocument], analyzer: Analyzer, analyse: Callable[[SearchDocument], AnalysedFields] | None = None
) -> dict[str, Any]:
    """A serialised lunr.js 2.3.9 index of the documents, whole: the reference the shards match."""
    return lunr_json(score_index(documents, analyzer, analyse))


@dataclass
class LanguageIndex:
    lang: str
    documents: list[SearchDocument]
    scored: ScoredIndex
    scripts: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, Any]:
        """The whole lunr index (the reference the shards are checked against; not written)."""
        return lunr_json(self.scored)

    def index_bytes(self) -> bytes:
        return _json(self.index)

    def split(self, target: int = SHARD_BYTES) -> SplitIndex:
        """The manifest, shards and result texts the site gets (see shards.py)."""
        s = self.scored
        if s.refs != [str(n) for n in range(len(s.refs))]:
            raise ValueError("search documents must be numbered 0, 1, 2, … in order (the shards give numbers, not refs)")
        texts = [doc.store_entry() for doc in self.documents]
        return split_index(self.lang, s.fields, s.pipeline, s.terms, s.vectors, texts, self.scripts, target)

    def site_files(self) -> dict[str, bytes]:
        """What the site gets for this language, keyed by path under the site's root."""
        split = self.split()
        files = {f"{self.lang}/{path}": data for path, data in split.files.items()}
        files[f"{self.lang}/{INDEX_FILE}"] = _json(split.manifest)
        return files


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_language(
    model: SiteModel, lang: str, lunr_es: LunrSpanish, cache: StageCache | None = None, documents: list[SearchDocument] | None = None
) -> LanguageIndex:
    """The index of one language (of `documents`, when the caller has made them already). With a
    cache, each document's words are analysed once across builds (most of the work), keyed by its
    text and the analysis; scores are always recomputed."""
    documents = documents if documents is not None else documents_for(model, lang)
    analyzer = analyzer_for(lang, lunr_es)
    analyse = None
    if cache is not None:
        names = [name for name, _ in FIELDS]

        def analyse(doc: SearchDocument) -> AnalysedFields:
            text = "\x1f".join(doc.fields.get(name, "") for name in names)
            key = (lang, analyzer.signature, hashlib.sha256(text.encode("utf-8")).hexdigest())
            # one namespace per language: a language's entries are kept while its stage does not run
            return cache.memo(f"search-terms-{lang}", key, lambda: analyse_document(analyzer, doc))

    return LanguageIndex(lang, documents, score_index(documents, analyzer, analyse))
