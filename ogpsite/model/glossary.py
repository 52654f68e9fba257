"""Glossary links: the first use of a glossary term in a page's texts links to a note with its definition.

Texts are rendered to HTML once, at load time, and cached per record; the glossary is known only
once every record is loaded. So the linking works on that HTML, at render time, for the pages
that render: an edit to a glossary term re-renders the pages that read the terms (their reads go
through the context, as every page's do), and nothing else is redone.

The HTML is our own (markdown-it, sanitised by nh3), so it is split into tags and text with one
expression that respects quoted attributes. Text inside links, headings, code and existing notes
is left alone; a match is a whole word (no letter or digit on either side), any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from ogpsite.model.site import GlossaryTerm

# A tag (quoted attribute values may hold '>'), or a comment.
_TAG = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
# Elements whose text is never linked: a link inside a link is invalid; headings stay plain.
SKIPPED = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style"})


@dataclass(frozen=True)
class Matcher:
    """One language's glossary as a regular expression, longest words first."""

    pattern: re.Pattern[str] | None
    by_word: dict[str, str]  # casefolded word -> term slug


@lru_cache(maxsize=8)
def matcher(terms: tuple[GlossaryTerm, ...]) -> Matcher:
    by_word: dict[str, str] = {}
    for term in terms:
        for word in term.words:
            by_word.setdefault(word.casefold(), term.slug)  # a word two terms share goes to the first
    if not by_word:
        return Matcher(None, by_word)
    words = sorted(by_word, key=lambda w: (-len(w), w))
    alternatives = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return Matcher(re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE), by_word)


def note_id(slug: str) -> str:
    """The id of a term's note on a page (the glossary page uses the bare slug)."""
    return f"term-{slug}"


def _link(match: re.Match[str], slug: str) -> str:
    return f'<a class="glossary-term" href="#{note_id(slug)}">{match.group(0)}</a>'


def link_terms(html: str, terms: Iterable[GlossaryTerm], seen: list[str]) -> Markup:
    """`html` with the first use of each term not in `seen` linked to its note; `seen` gains those slugs.

    `seen` is shared by the texts of one page, so a term is linked once per page, where it first occurs."""
    found = matcher(tuple(terms))
    if found.pattern is None:
        return Markup(html)
    out: list[str] = []
    skipping: list[str] = []  # open elements whose text is left alone
    position = 0
    for tag in _TAG.finditer(html):
        out.append(_link_text(html[position : tag.start()], found, seen) if not skipping else html[position : tag.start()])
        out.append(tag.group(0))
        position = tag.end()
        name_match = _TAG_NAME.match(tag.group(0))
        if name_match is None:
            continue
        name = name_match.group(1).lower()
        if name in SKIPPED:
            if tag.group(0).startswith("</"):
                if name in skipping:
                    del skipping[len(skipping) - 1 - skipping[::-1].index(name)]
            elif not tag.group(0).endswith("/>"):
                skipping.append(name)
    rest = html[position:]
    out.append(_link_text(rest, found, seen) if not skipping else rest)
    return Markup("".join(out))


def _link_text(text: str, found: Matcher, seen: list[str]) -> str:
    if not text.strip() or found.pattern is None:
        return text

    def replace(match: re.Match[str]) -> str:
        slug = found.by_word.get(" ".join(match.group(0).split()).casefold())
        if slug is None or slug in seen:
            return match.group(0)
        seen.append(slug)
        return _link(match, slug)

    return found.pattern.sub(replace, text)
