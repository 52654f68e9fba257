"""Search stage: a prebuilt lunr 2.x index per language, the store its results show, and the
browser libraries that query it.

Writes `{lang}/search-index.json` (a lunr.js 2.3.9 index, loaded in the browser with
`lunr.Index.load`, never rebuilt there), `{lang}/search-docs.json` (type, title, URL and snippet of
each record, plus the scripts the browser loads) and `assets/vendor/` (copied from the pinned npm
and PyPI packages, never committed).

Index and query must turn every word into the same term, so both sides run the same steps in the
same order; the index names them in its "pipeline" and lunr.js runs the functions registered under
those labels (lunr.js and lunr.es register theirs, assets/search-core.js registers ours):

    en: ogpsite-fold, trimmer, stopWordFilter, ogpsite-stemmer-en
    es: trimmer-es, stopWordFilter-es, ogpsite-fold, ogpsite-stemmer-es

Accents are folded *before* stemming, so `participación` and `participacion` reach the stemmer as
the same string and accent-insensitivity holds by construction. That needs a stemmer that handles
accent-free Spanish: lunr.es's (an older Snowball) leaves `participacion` alone, current Snowball
stems it to `particip`. So both languages are stemmed by Snowball 3 on both sides: snowballstemmer
in Python, and the Snowball-generated JavaScript that Sphinx ships in the browser. (lunr.js's own
Porter stemmer is not used: Python lunr's port of it differs, `day` becomes `dai` there and stays
`day` in lunr.js.) The Spanish word characters and stop words are read from the installed lunr.es
itself, so the lists cannot drift.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import snowballstemmer
from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION
from lunr.idf import idf as lunr_idf
from lunr.stop_word_filter import WORDS as ENGLISH_STOP_WORDS
from lunr.token import Token

from ogpsite.errors import Problem
from ogpsite.incremental.cache import StageCache
from ogpsite.model.pages import SECTIONS
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.urls import record_url
from ogpsite.stages.base import StageContext, StageResult

INDEX_FILE = "search-index.json"
DOCS_FILE = "search-docs.json"
VENDOR_DIR = "assets/vendor"
CORE_SCRIPT = "search-core.js"  # in templates/assets: our pipeline functions and query logic
STORE_VERSION = 1
SNIPPET_CHARS = 200
ANALYSIS_VERSION = "1"  # bump when the Python side of the pipeline changes: cached terms are dropped

# (field, boost). `id` holds a commitment's ID so `AR0090` and `ar0090` both find it.
FIELDS: tuple[tuple[str, int], ...] = (
    ("title", 10),
    ("id", 10),
    ("summary", 3),
    ("themes", 2),
    ("institutions", 2),
    ("place", 2),
    ("body", 1),
)

TOOL_ROOT = Path(__file__).resolve().parents[2]  # where package.json and node_modules live
NODE_MODULES_ENV = "OGPSITE_NODE_MODULES"


# --- analysis: the Python half of the pipeline ---------------------------------------------------

# lunr.tokenizer.separator, /[\s\-]+/, spelled out with JavaScript's \s (Python's differs slightly).
SEPARATOR = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\\-]+")
_COMBINING = re.compile("[\u0300-\u036f]")
# lunr.trimmer: /^\W+/ and /\W+$/ without the u flag, so \W is ASCII-only.
_EN_TRIM_START = re.compile(r"^\W+", re.ASCII)
_EN_TRIM_END = re.compile(r"\W+\Z", re.ASCII)


def tokenize(text: str) -> list[str]:
    """lunr.tokenizer: lower-case, split on whitespace and hyphens."""
    return [token for token in SEPARATOR.split(text.lower()) if token]


def fold(word: str) -> str:
    """Remove accents: é→e, ñ→n, ü→u (assets/search-core.js does the same)."""
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", word)))


Step = tuple[str, Callable[[str], str | None]]  # (lunr.js label, function; None drops the word)


@dataclass(frozen=True)
class LunrSpanish:
    """What lunr.es (lunr-languages) defines for Spanish, read from the installed file."""

    word_characters: str  # a regular-expression character class body, as lunr.es writes it
    stop_words: frozenset[str]


def read_lunr_spanish(lunr_es_js: Path) -> LunrSpanish | None:
    """Parse lunr.es.js for its word characters and stop words (None when its layout changed)."""
    try:
        source = lunr_es_js.read_text(encoding="utf-8")
    except OSError:
        return None
    chars = re.search(r'lunr\.es\.wordCharacters\s*=\s*"([^"]+)"', source)
    words = re.search(r"lunr\.es\.stopWordFilter\s*=\s*lunr\.generateStopWordFilter\(\s*'([^']+)'\.split\(' '\)", source)
    if not chars or not words:
        return None
    return LunrSpanish(chars.group(1), frozenset(words.group(1).split(" ")))


def _trimmer(word_characters: str) -> Callable[[str], str]:
    # lunr.trimmerSupport.generateTrimmer: the language's word characters plus ASCII digits.
    start = re.compile(f"^[^{word_characters}0-9]+")
    end = re.compile(f"[^{word_characters}0-9]+\\Z")
    return lambda word: end.sub("", start.sub("", word))


def _english_trim(word: str) -> str:
    return _EN_TRIM_END.sub("", _EN_TRIM_START.sub("", word))


def english_steps() -> list[Step]:
    return [
        ("ogpsite-fold", fold),
        ("trimmer", _english_trim),
        ("stopWordFilter", lambda word: None if word in ENGLISH_STOP_WORDS else word),
        ("ogpsite-stemmer-en", snowballstemmer.stemmer("english").stemWord),
    ]


def spanish_steps(lunr_es: LunrSpanish) -> list[Step]:
    snowball = snowballstemmer.stemmer("spanish")
    return [
        ("trimmer-es", _trimmer(lunr_es.word_characters)),
        ("stopWordFilter-es", lambda word: None if word in lunr_es.stop_words else word),
        ("ogpsite-fold", fold),
        ("ogpsite-stemmer-es", snowball.stemWord),
    ]


def plain_steps() -> list[Step]:
    """For a site language with no stemmer here: accents folded, punctuation trimmed."""
    return [("ogpsite-fold", fold), ("trimmer", _english_trim)]


class Analyzer:
    """Turns text into index terms; each distinct word is analysed once."""

    def __init__(self, steps: list[Step], data: Iterable[str] = ()):
        self.steps = steps
        self.term = lru_cache(maxsize=None)(self._term)
        # Names what the terms depend on (steps, their word lists, the stemmer's version), for caches.
        parts = [ANALYSIS_VERSION, metadata.version("snowballstemmer"), *(label for label, _ in steps), *data]
        self.signature = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]

    def _term(self, word: str) -> str | None:
        for _, step in self.steps:
            result = step(word)
            if result is None:
                return None
            word = result
        return word or None  # an empty term (a lone punctuation mark) can never be searched for

    def terms(self, text: str) -> list[str]:
        return [term for term in map(self.term, tokenize(text)) if term is not None]

    def term_counts(self, text: str) -> dict[str, int]:
        """How often each term occurs, in the order terms first occur."""
        counts: dict[str, int] = {}
        for word, n in Counter(tokenize(text)).items():  # Counter keeps first-seen order
            term = self.term(word)
            if term is not None:
                counts[term] = counts.get(term, 0) + n
        return counts

    def lunr_pipeline(self) -> list[Callable[..., Any]]:
        """The steps as Python lunr pipeline functions (labelled), for lunr's own Builder and Index."""
        functions = []
        for label, step in self.steps:

            def run(token: Token, i: int | None = None, tokens: list[Token] | None = None, step: Callable = step) -> Token | None:
                result = step(str(token))
                return None if result is None else token.update(lambda _s, _m=None: result)

            run.label = label  # type: ignore[attr-defined]
            functions.append(run)
        return functions


# --- the index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchDocument:
    ref: str
    kind: str  # commitment, theme, event, story
    title: str
    url: str  # relative to the language folder: commitments/ar0090/
    snippet: str
    fields: dict[str, str]
    record_id: str = ""  # a commitment's ID, shown before its title
    text_lang: str | None = None  # set when the text is the default language standing in

    def store_entry(self) -> dict[str, str]:
        # Short keys, as this is sent for every record: k kind, t title, u URL (relative to the
        # language folder), s snippet, i commitment ID, l language of a stand-in (untranslated) text.
        entry = {"k": self.kind, "t": self.title, "u": self.url, "s": self.snippet}
        if self.record_id:
            entry["i"] = self.record_id
        if self.text_lang:
            entry["l"] = self.text_lang
        return entry


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


def _names(items: Iterable[Any], lang: str) -> str:
    return " · ".join(item.name(lang) for item in items if item is not None)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.–—-")
    return cut + "…"


def documents_for(model: SiteModel, lang: str) -> list[SearchDocument]:
    """One search document per commitment, theme, event and story, in a stable order."""
    docs: list[SearchDocument] = []
    for section in SECTIONS:
        for record in sorted(model.records[section], key=lambda r: r.slug):
            docs.append(_document(model, record, lang, str(len(docs))))
    return docs


def _document(model: SiteModel, record: Record, lang: str, ref: str) -> SearchDocument:
    text = record.text(lang)
    lead = " ".join(part for part in (text.title, text.summary) if part)
    body = text.plain[len(lead) :].strip() if text.plain.startswith(lead) else text.plain
    refs, facts = record.refs, record.facts
    themes = " · ".join(theme.text(lang).title for theme in refs.get("themes", []))
    institutions, place, record_id = "", "", ""
    if record.section == "commitments":
        record_id = facts.id
        institutions = _names([*refs.get("lead_institutions", []), *refs.get("support_institutions", [])], lang)
        place = _names([refs.get("member")], lang)
    elif record.section == "events":
        institutions = _names(refs.get("organisers", []), lang)
        place = " · ".join(p for p in (text.extra.get("venue", ""), facts.city, _names([refs.get("country")], lang)) if p)
    elif record.section == "stories":
        place = _names([refs.get("country")], lang)
    fields = {
        "title": text.title,
        "id": record_id,
        "summary": text.summary,
        "themes": themes,
        "institutions": institutions,
        "place": place,
        "body": body,
    }
    url = record_url(record.section, record.slug, lang).removeprefix(f"{lang}/")
    return SearchDocument(
        ref=ref,
        kind=record.kind,
        title=text.title,
        url=url,
        snippet=snippet(text.summary or body),
        fields=fields,
        record_id=record_id,
        text_lang=model.default_language if text.fallback else None,
    )


# --- the browser libraries ----------------------------------------------------------------------


@dataclass(frozen=True)
class VendorFile:
    source: str  # package-relative path
    target: str  # path under assets/vendor/
    package: str  # npm package, or "pypi:NAME"


VENDOR_FILES: tuple[VendorFile, ...] = (
    VendorFile("lunr/lunr.min.js", "lunr.min.js", "lunr"),
    VendorFile("lunr/LICENSE", "LICENSE-lunr.txt", "lunr"),
    VendorFile("lunr-languages/min/lunr.stemmer.support.min.js", "lunr.stemmer.support.min.js", "lunr-languages"),
    VendorFile("lunr-languages/min/lunr.es.min.js", "lunr.es.min.js", "lunr-languages"),
    VendorFile("lunr-languages/LICENSE", "LICENSE-lunr-languages.txt", "lunr-languages"),
    VendorFile("sphinx/search/minified-js/base-stemmer.js", "snowball/base-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx/search/minified-js/english-stemmer.js", "snowball/english-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx/search/minified-js/spanish-stemmer.js", "snowball/spanish-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx-{version}.dist-info/licenses/LICENSE.rst", "snowball/LICENSE-sphinx.txt", "pypi:sphinx"),
)

# What the browser loads, in order, per language; "core" is templates/assets/search-core.js.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "en": ("lunr.min.js", "snowball/base-stemmer.js", "snowball/english-stemmer.js", "core"),
    "es": (
        "lunr.min.js",
        "lunr.stemmer.support.min.js",
        "lunr.es.min.js",
        "snowball/base-stemmer.js",
        "snowball/spanish-stemmer.js",
        "core",
    ),
}
DEFAULT_SCRIPTS = ("lunr.min.js", "core")


def node_modules_dirs(project_root: Path) -> list[Path]:
    """Where to look for the npm packages: $OGPSITE_NODE_MODULES alone when set, else the project's
    and then ogpsite's own node_modules/."""
    override = os.environ.get(NODE_MODULES_ENV)
    if override:
        return [Path(override)]
    return list(dict.fromkeys([project_root / "node_modules", TOOL_ROOT / "node_modules"]))


def _npm_file(dirs: list[Path], relpath: str) -> Path | None:
    return next((d / relpath for d in dirs if (d / relpath).is_file()), None)


def _pypi_file(package: str, relpath: str) -> Path | None:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(relpath.format(version=dist.version))))
    return path if path.is_file() else None


def vendor_files(project_root: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The browser libraries, read from the installed packages, keyed by their path in the site."""
    dirs = node_modules_dirs(project_root)
    files: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    for vendor in VENDOR_FILES:
        if vendor.package.startswith("pypi:"):
            path = _pypi_file(vendor.package.removeprefix("pypi:"), vendor.source)
        else:
            path = _npm_file(dirs, vendor.source)
        if path is None:
            missing.setdefault(vendor.package, vendor.source)
            continue
        files[f"{VENDOR_DIR}/{vendor.target}"] = path.read_bytes()
    problems = []
    for package, source in missing.items():
        if package.startswith("pypi:"):
            name = package.removeprefix("pypi:")
            problems.append(
                Problem(
                    "pyproject.toml",
                    0,
                    f"the Python package '{name}' is not installed, so search cannot be built (it provides {source})",
                    "run `make site`, or `pip install -e .` in ogpsite's folder",
                )
            )
        else:
            where = " or ".join(str(d) for d in dirs)
            problems.append(
                Problem(
                    f"node_modules/{package}",
                    0,
                    f"the npm package '{package}' is not installed (looked for {source} in {where}), so search cannot be built",
                    "run `npm ci` in ogpsite's folder, or `make site`, which installs it",
                )
            )
    return files, problems


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def script_urls(lang: str, vendor: dict[str, bytes], core: bytes) -> list[str]:
    """Script URLs relative to `{lang}/search-docs.json`, versioned by content."""
    urls = []
    for name in SCRIPTS.get(lang, DEFAULT_SCRIPTS):
        if name == "core":
            urls.append(f"../assets/{CORE_SCRIPT}?v={_version(core)}")
        else:
            urls.append(f"../{VENDOR_DIR}/{name}?v={_version(vendor[f'{VENDOR_DIR}/{name}'])}")
    return urls


# --- the stage -----------------------------------------------------------------------------------


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


def analyzer_for(lang: str, lunr_es: LunrSpanish) -> Analyzer:
    if lang == "en":
        return Analyzer(english_steps())
    if lang == "es":
        return Analyzer(spanish_steps(lunr_es), [lunr_es.word_characters, *sorted(lunr_es.stop_words)])
    return Analyzer(plain_steps())


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


class SearchStage:
    """The lunr index and result store of every language, and the browser libraries."""

    name = "search"

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        settings = context.settings
        vendor, problems = vendor_files(settings.project_root)
        core_path = settings.templates_dir / "assets" / CORE_SCRIPT
        if not core_path.is_file():
            problems.append(
                Problem(str(core_path), 0, "the search script is missing", f"restore {CORE_SCRIPT} in the templates' assets/ folder")
            )
        if problems:
            return StageResult({}, problems)
        lunr_es_js = _npm_file(node_modules_dirs(settings.project_root), "lunr-languages/lunr.es.js")
        lunr_es = read_lunr_spanish(lunr_es_js) if lunr_es_js else None
        if lunr_es is None:
            return StageResult({}, [
                Problem(
                    "node_modules/lunr-languages/lunr.es.js",
                    0,
                    "could not read the Spanish word characters and stop words from lunr.es.js",
                    "reinstall the version pinned in package.json with `npm ci`",
                )
            ])
        files = dict(vendor)
        core = core_path.read_bytes()
        for lang in model.languages:
            built = build_language(model, lang, lunr_es, context.cache)
            built.scripts = script_urls(lang, vendor, core)
            files[f"{lang}/{INDEX_FILE}"] = built.index_bytes()
            files[f"{lang}/{DOCS_FILE}"] = built.docs_bytes()
        return StageResult(files)
