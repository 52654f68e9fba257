"""What templates call besides the context: the Jinja filters and globals of every environment.

Like the templates, these reach the model only through what they are passed (proxies of the
model, deps.py) or the template context, never through a closure or a module global, so the
dependency tracking sees every read.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from babel import Locale
from jinja2 import pass_context

from ogpsite.incremental.reads import current_session, record_text, unwrap
from ogpsite.model import i18n
from ogpsite.model.glossary import link_terms
from ogpsite.model.pages import Page
from ogpsite.model.site import Record
from ogpsite.model.urls import absolute, base_path, record_url, relative, section_url


@lru_cache(maxsize=64)
def language_name(lang: str) -> str:
    """A language's name in itself: English, Español."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


@pass_context
def _link(ctx: Any, target: str) -> str:
    page: Page = ctx["page"]
    if page.template == "404.html":  # served at any depth: links must not be relative
        return base_path(ctx["settings"].base_url) + target
    return relative(page.url, target)


@pass_context
def _record_link(ctx: Any, record: Record) -> str:
    raw = unwrap(record)  # section and slug are what names the record: nothing to log
    return _link(ctx, record_url(raw.section, raw.slug, ctx["lang"]))


@pass_context
def _section_link(ctx: Any, section: str) -> str:
    return _link(ctx, section_url(section, ctx["lang"]))


@pass_context
def _asset(ctx: Any, name: str) -> str:
    return _link(ctx, f"assets/{name}") + "?v=" + ctx["asset_versions"].get(name, "0")


SEARCH_WORKER = "search-worker:"  # asset_versions key of a language's search Worker script, + lang


@pass_context
def _search_worker(ctx: Any, lang: str) -> str:
    """The URL of the language's search Worker script (see Renderer.asset_versions), "" when the
    browser libraries are missing (the search page then reads it from the manifest)."""
    path = ctx["asset_versions"].get(SEARCH_WORKER + lang)
    return _link(ctx, path) if path else ""


@pass_context
def _date(ctx: Any, value: dt.date) -> str:
    return i18n.long_date(value, ctx["lang"] or "en")


@pass_context
def _date_range(ctx: Any, start: dt.date, end: dt.date | None) -> str:
    return i18n.date_range(start, end, ctx["lang"] or "en")


@pass_context
def _number(ctx: Any, value: float) -> str:
    return i18n.number(value, ctx["lang"] or "en")


@pass_context
def _name(ctx: Any, named: Any) -> str:
    return named.name(ctx["lang"] or "en")


@pass_context
def _text(ctx: Any, record: Record) -> Any:
    return record_text(record, ctx["lang"])


class Absolute:
    """`absolute(url)` in templates; its digest is the base URL it depends on."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def __call__(self, url: str) -> str:
        return absolute(self.base_url, url)

    def _ogp_digest(self) -> str:
        return self.base_url


def around(items: Any, item: Any, count: int = 10) -> Any:
    """Up to `count` neighbours of `item` in `items` (in their order, without `item` itself).

    Works on the model's own list (a template passes proxies, deps.py): which list it is was
    logged when the template looked it up, and the neighbours come back as proxies."""
    raw, target = unwrap(items), unwrap(item)
    seq = raw if isinstance(raw, list | tuple) else list(raw)
    index = next((i for i, candidate in enumerate(seq) if candidate is target), None)
    if index is None:
        window = list(seq[:count])
    else:
        start = max(0, min(index - count // 2, len(seq) - count - 1))
        window = [candidate for candidate in seq[start : start + count + 1] if candidate is not target][:count]
    session = current_session()
    return session.wrap(window) if session is not None else window


@pass_context
def _glossary(ctx: Any, html: Any, text: Any, seen: list[str]) -> Any:
    """A record text's HTML with its first uses of glossary terms linked to their notes (model/glossary.py).

    `text` is the record text the HTML belongs to (its language and whether the editor turned
    links off); `seen` collects the terms linked so far on the page, for the notes after the text."""
    if not text.glossary_links:
        return html
    lang = ctx["site"].default_language if text.fallback else ctx["lang"]
    terms = unwrap(ctx["site"].glossary_terms.get(lang)) or []  # the read is logged: a glossary edit re-renders
    return link_terms(str(html), terms, seen)


# Installed in every environment by Renderer.environment (besides `translate` and jsonld's helpers).
TEMPLATE_GLOBALS: dict[str, Any] = {
    "link": _link,
    "record_link": _record_link,
    "section_link": _section_link,
    "asset": _asset,
    "search_worker": _search_worker,
    "text": _text,
    "name": _name,
}
TEMPLATE_FILTERS: dict[str, Any] = {
    "date": _date,
    "date_range": _date_range,
    "number": _number,
    "name": _name,
    "around": around,
    "glossary": _glossary,
}
