"""The lunr.js index of one language: the files the browser scores from (term frequencies and field
lengths, cut into shards: shards.py, patched after an edit: patch.py), and lunr's whole index with
its scores (`score_index`, `lunr_json`), the reference those files must answer as."""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION

from ogpsite.incremental.stage_cache import StageCache
from ogpsite.model.site import SiteModel
from ogpsite.stages.search.analysis import AnalysedFields, Analyzer, LunrSpanish, analyzer_for
from ogpsite.stages.search.documents import FIELDS, SearchDocument, SearchDocuments, borrowed_names, document_source, documents_for
from ogpsite.stages.search.lazy import LazySequence
from ogpsite.stages.search.patch import patch_index
from ogpsite.stages.search.shards import SHARD_BYTES, SplitIndex, encode_entry, split_index

INDEX_FILE = "search-index.json"  # the manifest: what a query fetches first (shards.py)
LANGUAGE_FILES = "search-files"  # StageCache namespace: a language's files (LanguageFiles) by language_key
DOCUMENT_DIGESTS = "search-documents"  # StageCache namespace, one per language ("search-documents-en"): DocumentDigests


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
    documents: Iterable[SearchDocument],
    analyzer: Analyzer,
    analyse: Callable[[SearchDocument], AnalysedFields] | None = None,
    analyses: Sequence[AnalysedFields] | None = None,
) -> ScoredIndex:
    """The terms and BM25 scores lunr's `Builder` gives the documents.

    Computed directly because `Builder` is slow at this size: it re-tokenises character by character,
    runs the pipeline on every occurrence and inserts vector entries one by one (≈ 20 s for 5,000
    commitments). Same numbering, BM25 scores (lunr's idf, b and k1, field boosts) and rounding;
    tests/test_search.py checks the output equals `Builder`'s."""
    fields = [name for name, _ in FIELDS]
    boosts = [boost for _, boost in FIELDS]
    if analyses is not None:
        analyse = lambda doc: analyses[int(doc.ref)]  # noqa: E731 (documents are numbered in order)
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
    # This loop runs once per (term, field, document): millions of times at 10,000 records, hence
    # its plain shape. It is the reference (tests, benchmarks), no longer the build's: the site gets
    # term frequencies and the browser scores (search-core.js, the same expression in the same order).
    # The score is lunr's expression with its operations in lunr's order, so the doubles are the same.
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


@dataclass(frozen=True)
class LanguageFiles:
    """What the search stage keeps of one language between builds (StageCache, LANGUAGE_FILES, by
    the stage's `language_key`): the files the site gets; the index files they hold (`split`, its
    manifest without the scripts) and each document's digest (`document_digest`), from which the
    next build patches the index when only some documents changed (patch.py)."""

    files: dict[str, bytes]
    split: SplitIndex
    digests: bytes


@dataclass
class LanguageIndex:
    """One language's search files (`built`: made whole, or patched from the last build's), and what
    they were made of, from which the whole lunr index is computed (the reference the files match)."""

    lang: str
    documents: Sequence[SearchDocument]
    analyzer: Analyzer
    analyses: Sequence[AnalysedFields]
    digests: bytes
    built: SplitIndex
    patched: bool = False
    scripts: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, Any]:
        """The whole lunr index, scores and all (the reference the shards are checked against; not written)."""
        return lunr_json(score_index(self.documents, self.analyzer, analyses=self.analyses))

    def index_bytes(self) -> bytes:
        return _json(self.index)

    @property
    def term_count(self) -> int:
        vocabulary = self.built.files[self.built.manifest["vocabulary"]]
        return vocabulary.count(b"\n") + 1 if vocabulary else 0

    def split(self, target: int = SHARD_BYTES) -> SplitIndex:
        """The manifest, shards and result texts, made whole (see shards.py), with the scripts."""
        made = index_files(self.lang, self.analyzer, self.documents, self.analyses, target)
        return SplitIndex({**made.manifest, "scripts": self.scripts}, made.files)

    def site_files(self) -> dict[str, bytes]:
        """What the site gets for this language, keyed by path under the site's root."""
        files = {f"{self.lang}/{path}": data for path, data in self.built.files.items()}
        files[f"{self.lang}/{INDEX_FILE}"] = _json({**self.built.manifest, "scripts": self.scripts})
        return files


def term_entries(analyses: Sequence[AnalysedFields], width: int) -> tuple[dict[str, str], list[array[int]]]:
    """Every term's shard entry (shards.encode_entry) and each field's length per document (lunr's
    field length: the number of terms), from the documents' analysed fields in document order."""
    # Per field, plain dicts of lists filled in one pass with bound lookups: this runs once per
    # (term, field, document), millions of times at 10,000 records, on a build made whole.
    docs: list[dict[str, list[int]]] = [{} for _ in range(width)]
    tfs: list[dict[str, list[int]]] = [{} for _ in range(width)]
    ranks: dict[str, int] = {}  # term -> its place in the field where it first occurs
    lengths = [array("I") for _ in range(width)]
    for number, analysed in enumerate(analyses):
        for f in range(width):
            counts = analysed.counts[f]
            lengths[f].append(sum(counts))
            joined = analysed.terms[f]
            if not joined:
                continue
            field_docs, field_tfs, get = docs[f], tfs[f], docs[f].get
            for rank, (term, tf) in enumerate(zip(joined.split(" "), counts, strict=True)):
                held = get(term)
                if held is None:
                    field_docs[term] = [number]
                    field_tfs[term] = [tf]
                    if term not in ranks:  # the first occurrence: lowest document, then lowest field
                        ranks[term] = rank
                else:
                    held.append(number)
                    field_tfs[term].append(tf)
    entries = {}
    for term, rank in ranks.items():
        entries[term] = encode_entry(term, rank, [(f, docs[f][term], tfs[f][term]) for f in range(width) if term in docs[f]])
    return entries, lengths


def index_files(
    lang: str, analyzer: Analyzer, documents: Sequence[SearchDocument], analyses: Sequence[AnalysedFields], target: int = SHARD_BYTES
) -> SplitIndex:
    """One language's index files made whole (shards.py)."""
    if [doc.ref for doc in documents] != [str(n) for n in range(len(documents))]:
        raise ValueError("search documents must be numbered 0, 1, 2, … in order (the shards give numbers, not refs)")
    fields = [name for name, _ in FIELDS]
    entries, lengths = term_entries(analyses, len(fields))
    texts = [_json(doc.store_entry()) for doc in documents]
    pipeline = [label for label, _ in analyzer.steps]
    return split_index(lang, fields, [boost for _, boost in FIELDS], pipeline, entries, lengths, texts, target)


def document_digest(doc: SearchDocument) -> bytes:
    """16 bytes naming everything a document is but its ref (its place): what it is analysed from,
    and what its result shows. Equal digests, equal analysis and result text, wherever it stands."""
    # Each part with its length before it, so no two documents join to the same text; hashed as
    # one string (a `repr` of the document copied without its ref cost twice as much).
    parts = [doc.kind, doc.title, doc.url, doc.snippet, doc.record_id, doc.text_lang or "", "+" if doc.text_lang is None else "="]
    for name, value in doc.fields.items():
        parts += (name, value)
    joined = "".join(f"{len(part)}:{part}" for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).digest()[:16]


@dataclass(frozen=True)
class DocumentDigests:
    """One language's document digests by their documents' sources (documents.document_source),
    kept for the next build (StageCache, DOCUMENT_DIGESTS): a record whose source is among them
    has the digest its document had, so the document is not made to learn it."""

    by_source: dict[bytes, bytes]


def document_digests(documents: SearchDocuments, cache: StageCache | None) -> bytes:
    """Each document's `document_digest`, in order: taken from the last build's (DocumentDigests)
    when the record's source is the same, made otherwise (and then only is the document made). A
    record without a load key (StageCache.load_key) has its document made every time."""
    if cache is None:
        return b"".join(map(document_digest, documents))
    lang = documents.lang
    namespace = f"{DOCUMENT_DIGESTS}-{lang}"  # per language, kept while its stage does not run
    known: dict[bytes, bytes] = {}
    for value in cache.previous_entries(namespace).values():
        if isinstance(value, DocumentDigests):
            known.update(value.by_source)
    now: dict[bytes, bytes] = {}
    digests = []
    for n, record in enumerate(documents.records):
        load_key = cache.load_key(record)
        if load_key is None:
            digests.append(document_digest(documents[n]))
            continue
        source = document_source(load_key, lang, borrowed_names(record, lang))
        digest = known.get(source)
        if digest is None:
            digest = document_digest(documents[n])
        now[source] = digest
        digests.append(digest)
    if now:  # (none when no record has a load key: nothing to keep)
        table = DocumentDigests(now)
        named = hashlib.sha256(b"".join(source + digest for source, digest in now.items())).hexdigest()
        cache.memo(namespace, (lang, named), lambda: table)  # equal tables: the last build's is kept as it was read
    return b"".join(digests)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class MemoAnalyses(LazySequence[AnalysedFields]):
    """Each document's analysed fields from the stage cache (made if not there), read when first
    asked for. A patched index asks for those of the documents an edit changed and of a few others
    (patch.py): reading all 10,000 documents' analyses from the cache took a second of an edit's
    build. `keep_unread` carries the entries of the others over to the next build unread."""

    def __init__(
        self, cache: StageCache, namespace: str, lang: str, analyzer: Analyzer, documents: Sequence[SearchDocument], digests: bytes
    ):
        self.cache, self.namespace, self.lang, self.analyzer = cache, namespace, lang, analyzer
        self.documents, self.digests = documents, digests
        self._read: dict[int, AnalysedFields] = {}

    def key(self, n: int) -> tuple[str, str, str]:
        return (self.lang, self.analyzer.signature, self.digests[16 * n : 16 * n + 16].hex())

    def _get(self, n: int) -> AnalysedFields:
        found = self._read.get(n)
        if found is None:
            # the document is made only if its analysis is not in the cache (SearchDocuments)
            found = self._read[n] = self.cache.memo(self.namespace, self.key(n), lambda: analyse_document(self.analyzer, self.documents[n]))
        return found

    def __len__(self) -> int:
        return len(self.documents)

    def keep_unread(self) -> None:
        for n in range(len(self)):
            if n not in self._read and not self.cache.keep(self.namespace, self.key(n)):
                self._get(n)  # not there: made now, for the next build


def build_language(
    model: SiteModel,
    lang: str,
    lunr_es: LunrSpanish,
    cache: StageCache | None = None,
    documents: Sequence[SearchDocument] | None = None,
    digests: bytes | None = None,
) -> LanguageIndex:
    """The index of one language (of `documents`, when the caller has made them already, with their
    `document_digest`s). With a cache, each document's words are analysed once across builds (most of
    the work), keyed by its digest and the analysis; and when the last build's files of this language
    are there (LANGUAGE_FILES) and only some documents changed, in place, those files are patched
    (patch.py): the terms those documents hold, the shards holding those terms. Else made whole."""
    documents = documents if documents is not None else documents_for(model, lang)
    digests = digests if digests is not None else b"".join(map(document_digest, documents))
    analyzer = analyzer_for(lang, lunr_es)
    namespace = f"search-terms-{lang}"  # one per language: its entries are kept while its stage does not run
    if cache is None:
        analyses: Sequence[AnalysedFields] = [analyse_document(analyzer, doc) for doc in documents]
    else:
        analyses = memo = MemoAnalyses(cache, namespace, lang, analyzer, documents, digests)
        old_terms = cache.previous_entries(namespace)
        for key, value in cache.previous_entries(LANGUAGE_FILES).items():
            if key[:2] != (lang, analyzer.signature) or not isinstance(value, LanguageFiles):
                continue
            patched = patch_index(
                value.split,
                value.digests,
                lambda digest: old_terms.get((lang, analyzer.signature, digest.hex())),
                documents,
                digests,
                analyses,
            )
            if patched is not None:
                memo.keep_unread()
                return LanguageIndex(lang, documents, analyzer, analyses, digests, patched, patched=True)
    return LanguageIndex(lang, documents, analyzer, analyses, digests, index_files(lang, analyzer, documents, analyses))
