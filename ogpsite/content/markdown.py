"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises."""

from __future__ import annotations

import html as html_lib
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from ogpsite.content.sources import CONTROL_CHARACTERS

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "small", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}

# The HTML5 tree builder under nh3 slows down quadratically with deeply nested raw HTML (40,000
# nested <div>s take 16 s), so one text may hold at most this many raw tags; real pages use a few.
MAX_RAW_HTML_TAGS = 2_000
# Every possible start tag (and some that are not), comment, declaration and processing
# instruction: an unclosed `<!--` makes the inline parser look ahead too (125,000 take 1 s).
_TAG_START = re.compile(r"<[A-Za-z!?]")


def raw_html_over_limit(text: str) -> int | None:
    """The 1-based line of the first raw HTML tag over MAX_RAW_HTML_TAGS, or None."""
    if text.count("<") <= MAX_RAW_HTML_TAGS:
        return None
    for count, match in enumerate(_TAG_START.finditer(text), 1):
        if count > MAX_RAW_HTML_TAGS:
            return text.count("\n", 0, match.start()) + 1
    return None


# markdown-it-py spends ~10-30 µs on each '[' (every one may open a link or image) and on each
# emphasis mark, so 500 KB of '[' took 7-15 s; at most these many per text keep the worst text
# under the size limit to well under 2 s (benchmarks/safety_bench.py). Real pages use a few
# hundred of each.
MAX_BRACKETS = 10_000
MAX_EMPHASIS_MARKS = 30_000


@dataclass(frozen=True)
class MarkupLimit:
    """A count of characters a text may not exceed, and what to tell the editor who did."""

    pattern: re.Pattern[str]
    limit: int
    what: str
    hint: str


MARKUP_LIMITS = (
    MarkupLimit(
        re.compile(r"\["),
        MAX_BRACKETS,
        f"more than {MAX_BRACKETS:,} '[' (each may start a link or an image)",
        "split the text into several records, or remove the run of '[' that starts on this line",
    ),
    MarkupLimit(
        re.compile(r"[*_]"),
        MAX_EMPHASIS_MARKS,
        f"more than {MAX_EMPHASIS_MARKS:,} '*' and '_' (emphasis marks)",
        "split the text into several records, or remove the run of '*' or '_' that starts on this line",
    ),
)


@dataclass(frozen=True)
class OverLimit:
    """Where a text first goes over one of MARKUP_LIMITS (1-based line), and which."""

    line: int
    limit: MarkupLimit


def markup_over_limits(text: str) -> OverLimit | None:
    """The first of MARKUP_LIMITS the text exceeds, at the line of the first character over it."""
    for limit in MARKUP_LIMITS:
        if len(limit.pattern.findall(text)) > limit.limit:
            over = next(itertools.islice(limit.pattern.finditer(text), limit.limit, None))
            return OverLimit(text.count("\n", 0, over.start()) + 1, limit)
    return None


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is parsed so it can be sanitised, rather than shown as literal tags.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def render_markdown(text: str, heading_offset: int = 1) -> Markup:
    """Render editor Markdown. Headings shift down by `heading_offset` so the page keeps one h1."""
    if not text.strip():
        return Markup("")
    if markup_over_limits(text) is not None or raw_html_over_limit(text) is not None:
        # Refused by the load stage (the build stops there); parsing it would take seconds.
        return Markup("<p>" + html_lib.escape(CONTROL_CHARACTERS.sub("\ufffd", text)) + "</p>")
    md = _parser()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + heading_offset)
            token.tag = f"h{level}"
    html = md.renderer.render(tokens, md.options, {})
    clean = _cleaner().clean(html)
    # Character references in raw HTML (&#4;, &#xFFFE;) can still spell control characters: XML
    # feeds refuse them, so they become U+FFFD as markdown-it does for its own references.
    return Markup(CONTROL_CHARACTERS.sub("\ufffd", clean))


def plain_text(text: str) -> str:
    """Markdown reduced to its words, for snippets and the search index."""
    if not text.strip():
        return ""
    return html_text(render_markdown(text, 0))


def html_text(html: str) -> str:
    """The words of HTML that render_markdown made (heading levels do not change them)."""
    if not html:
        return ""
    return " ".join(html_lib.unescape(_text_cleaner().clean(str(html))).split())


# Built once: passing the allowed sets to nh3.clean on every call costs a third of its time.
@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set())
