"""The lunr.js index of one language, written in lunr's own JSON format, and its result store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION
from lunr.idf import idf as lunr_idf

from ogpsite.incremental.stage_cache import StageCache
from ogpsite.model.site import SiteModel
from ogpsite.stages.search.analysis import Analyzer, LunrSpanish, analyzer_for
from ogpsite.stages.search.documents import FIELDS, SearchDocument, documents_for

INDEX_FILE = "search-index.json"
DOCS_FILE = "search-docs.json"
STORE_VERSION = 1

TermCounts = dict[str, dict[str, int]]  # field -> term -> occurrences


def build_index(
    documents: Iterable[SearchDocument], analyzer: Analyzer, analyse: Callable[[SearchDocument], TermCounts] | None = None
) -> dict[str, Any]:
    """A serialised lunr.js 2.3.9 index of the documents (lunr-schema), as lunr's `Builder` makes it.

    Written directly because `Builder` is slow at this size: it re-tokenises character by character,
    runs the pipeline on every occurrence and inserts vector entries one by one (≈ 20 s for 5,000
    commitments). Same numbering, BM25 scores (lunr's idf, b and k1, field boosts) and rounding;
    tests/test_search.py checks the output equals `Builder`'s."""
    fields = [name for name, _ in FIELDS]
    boosts = dict(FIELDS)
    inverted: dict[str, dict[str, Any]] = {}
    frequencies: list[tuple[str, str, dict[str, int], int]] = []  # (field, ref, term -> count, length)
    lengths = dict.fromkeys(fields, 0)
    count = 0
    analyse = analyse or (lambda doc: {name: analyzer.term_counts(doc.fields.get(name, "")) for name in fields})
    for doc in documents:
        count += 1
        analysed = analyse(doc)
        for name in fields:
            counts = analysed[name]
            length = sum(counts.values())
            frequencies.append((name, doc.ref, counts, length))
            lengths[name] += length
            for term in counts:  # first-seen order, as Builder numbers new terms
                posting = inverted.get(term)
                if posting is None:
                    posting = {field_name: {} for field_name in fields}
                    posting["_index"] = len(inverted)
                    inverted[term] = posting
                posting[name][doc.ref] = {}
    average = {name: (lengths[name] / count if count else 0.0) for name in fields}
    idfs = {term: lunr_idf(posting, count) for term, posting in inverted.items()}
    k1, b = 1.2, 0.75  # lunr's defaults
    vectors = []
    for name, ref, counts, length in frequencies:
        norm = k1 * (1 - b + b * (length / average[name])) if average[name] else k1 * (1 - b)
        elements: list[float] = []
        for index, term, tf in sorted((inverted[term]["_index"], term, tf) for term, tf in counts.items()):
            score = idfs[term] * ((k1 + 1) * tf) / (norm + tf) * boosts[name]
            elements += (index, round(score, 3))
        vectors.append([f"{name}/{ref}", elements])
    return {
        "version": LUNR_JS_VERSION,
        "fields": fields,
        "fieldVectors": vectors,
        "invertedIndex": [[term, inverted[term]] for term in sorted(inverted)],
        "pipeline": [label for label, _ in analyzer.steps],
    }


@dataclass
class LanguageIndex:
    lang: str
    documents: list[SearchDocument]
    index: dict[str, Any]
    scripts: list[str] = field(default_factory=list)

    def index_bytes(self) -> bytes:
        return _json(self.index)

    def docs_bytes(self) -> bytes:
        store = {"version": STORE_VERSION, "lang": self.lang, "scripts": self.scripts, "docs": [d.store_entry() for d in self.documents]}
        return _json(store)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_language(model: SiteModel, lang: str, lunr_es: LunrSpanish, cache: StageCache | None = None) -> LanguageIndex:
    """The index of one language. With a cache, each document's words are analysed once across
    builds (most of the work), keyed by its text and the analysis; scores are always recomputed."""
    documents = documents_for(model, lang)
    analyzer = analyzer_for(lang, lunr_es)
    analyse = None
    if cache is not None:
        names = [name for name, _ in FIELDS]

        def analyse(doc: SearchDocument) -> TermCounts:
            text = "\x1f".join(doc.fields.get(name, "") for name in names)
            key = (lang, analyzer.signature, hashlib.sha256(text.encode("utf-8")).hexdigest())
            return cache.memo("search-terms", key, lambda: {name: analyzer.term_counts(doc.fields.get(name, "")) for name in names})

    return LanguageIndex(lang, documents, build_index(documents, analyzer, analyse))
