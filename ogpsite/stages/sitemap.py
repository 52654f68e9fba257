"""Output stage: sitemap.xml with every page and its language alternates, and robots.txt.

Each page lists itself and its counterparts in the other languages as `xhtml:link` alternates (plus
x-default), exactly as the pages' own `hreflang` links do. The sitemap protocol needs absolute
URLs, so a site built for a host-relative base URL (`/ogp/`) gets no sitemap, and a warning.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from ogpsite.errors import Problem
from ogpsite.model.pages import site_pages
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import absolute, in_language
from ogpsite.stages.base import StageContext, StageResult

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SITEMAP_URL = "sitemap.xml"
ROBOTS_URL = "robots.txt"
# Pages that are never worth indexing (the 404 page also says noindex).
NOT_LISTED = {"404.html"}


def _lastmod(model: SiteModel, section: str | None, slug: str | None) -> dt.date | None:
    record = model.by_key.get((section or "", slug)) if slug else None
    if record is not None and record.section == "stories":
        return record.facts.updated or record.facts.date
    return None


def _text(value: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    value = _text(value).replace('"', "&quot;")
    return value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def build_sitemap(model: SiteModel, base_url: str, today: dt.date | None = None) -> bytes:
    """The sitemap, written as text: the bytes ElementTree's indented `tostring` gives for the same
    tree (`tests/test_sitemap.py` compares them), in a tenth of its time. A page is a few lines;
    building 20,000 elements and serialising them was half a second of every edit at 10,000."""
    lines: list[str] = []
    linked = False  # the xhtml namespace is declared only if an alternate uses it
    for page in site_pages(model, today):  # the build date: how many pages of past events there are
        if page.url in NOT_LISTED:
            continue
        lines.append(f"  <url>\n    <loc>{_text(absolute(base_url, page.url))}</loc>")
        lastmod = _lastmod(model, page.section, page.slug)
        if lastmod is not None:
            lines.append(f"    <lastmod>{lastmod.isoformat()}</lastmod>")
        if page.lang is not None:
            linked = True
            for other in model.languages:
                href = _attribute(absolute(base_url, in_language(page.url, other)))
                lines.append(f'    <xhtml:link rel="alternate" hreflang="{_attribute(other)}" href="{href}" />')
            default_href = _attribute(absolute(base_url, in_language(page.url, model.languages[0])))
            lines.append(f'    <xhtml:link rel="alternate" hreflang="x-default" href="{default_href}" />')
        lines.append("  </url>")
    namespaces = f'xmlns="{SITEMAP_NS}"' + (f' xmlns:xhtml="{XHTML_NS}"' if linked else "")
    head = "<?xml version='1.0' encoding='utf-8'?>\n"
    if not lines:
        return f"{head}<urlset {namespaces} />\n".encode()
    return f"{head}<urlset {namespaces}>\n".encode() + "\n".join(lines).encode() + b"\n</urlset>\n"


def build_robots(base_url: str, with_sitemap: bool) -> bytes:
    lines = ["# Everything on this site may be indexed.", "User-agent: *", "Allow: /"]
    if with_sitemap:
        lines += ["", f"Sitemap: {absolute(base_url, SITEMAP_URL)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


class SitemapStage:
    """sitemap.xml with language alternates, and robots.txt."""

    name = "sitemap"

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        base_url = context.base_url
        if not urlsplit(base_url).scheme:
            warning = Problem(
                "content/site.yaml",
                0,
                f"no sitemap.xml: the base URL '{base_url}' is not absolute, and sitemaps need full addresses",
                "set base_url (or --base-url) to the full address, e.g. https://example.org/ogp/",
                severity="warning",
            )
            return StageResult({ROBOTS_URL: build_robots(base_url, False)}, [warning])
        return StageResult({SITEMAP_URL: build_sitemap(model, base_url, context.settings.today), ROBOTS_URL: build_robots(base_url, True)})
