"""Output stage: sitemap.xml with every page and its language alternates, and robots.txt.

Each page lists itself and its counterparts in the other languages as `xhtml:link` alternates (plus
x-default), exactly as the pages' own `hreflang` links do. The sitemap protocol needs absolute
URLs, so a site built for a host-relative base URL (`/ogp/`) gets no sitemap, and a warning.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

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


def build_sitemap(model: SiteModel, base_url: str, today: dt.date | None = None) -> bytes:
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for page in site_pages(model, today):  # the build date: how many pages of past events there are
        if page.url in NOT_LISTED:
            continue
        entry = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = absolute(base_url, page.url)
        lastmod = _lastmod(model, page.section, page.slug)
        if lastmod is not None:
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
        if page.lang is None:
            continue
        for other in model.languages:
            href = absolute(base_url, in_language(page.url, other))
            ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=other, href=href)
        default_href = absolute(base_url, in_language(page.url, model.languages[0]))
        ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", hreflang="x-default", href=default_href)
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


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
