"""The Python half of the search pipeline: words into index terms, as lunr.js turns a query's words
into terms in the browser (see the package's docstring for the steps and why they are these)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from lunr.stop_word_filter import WORDS as ENGLISH_STOP_WORDS
from lunr.token import Token

# Bump when the Python side of the pipeline, or the form its terms are cached in, changes: they are
# dropped. 3: analyses keyed by index.document_digest.
ANALYSIS_VERSION = "3"

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


# The pure-Python Snowball classes themselves, never `snowballstemmer.stemmer(name)`: that returns
# PyStemmer's C stemmer whenever `import Stemmer` succeeds, a different Snowball release than the one
# whose JavaScript the browser runs, and index terms would drift from query terms without an error.
# Imported when a stemmer is made, not with this module: snowballstemmer's package imports the
# stemmers of all its 30-odd languages, a tenth of a second that a build with nothing to do or a
# build whose search stage is cached need not spend.
def stemmer(lang: str) -> Any:
    """A new Snowball stemmer for "en" or "es" (pure Python, from snowballstemmer)."""
    from snowballstemmer import EnglishStemmer, SpanishStemmer

    return {"en": EnglishStemmer, "es": SpanishStemmer}[lang]()


def english_steps() -> list[Step]:
    return [
        ("ogpsite-fold", fold),
        ("trimmer", _english_trim),
        ("stopWordFilter", lambda word: None if word in ENGLISH_STOP_WORDS else word),
        ("ogpsite-stemmer-en", stemmer("en").stemWord),
    ]


def spanish_steps(lunr_es: LunrSpanish) -> list[Step]:
    snowball = stemmer("es")
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


def analyzer_for(lang: str, lunr_es: LunrSpanish) -> Analyzer:
    if lang == "en":
        return Analyzer(english_steps())
    if lang == "es":
        return Analyzer(spanish_steps(lunr_es), [lunr_es.word_characters, *sorted(lunr_es.stop_words)])
    return Analyzer(plain_steps())


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
