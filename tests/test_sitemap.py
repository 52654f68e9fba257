"""sitemap.xml lists every page with its language alternates; robots.txt points at it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from ogpsite.build import build
from ogpsite.build.builder import check
from ogpsite.model.pages import site_pages
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import absolute, in_language
from ogpsite.stages.sitemap import NOT_LISTED, _lastmod, build_sitemap

from .conftest import BUILD_DATE, ROOT, build_args, parse_html, run_cli, settings_for
from .test_feeds import BASE

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def sitemap_entries(site: Path) -> dict[str, dict[str, str]]:
    """loc -> {hreflang: href}"""
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    entries: dict[str, dict[str, str]] = {}
    for url in root.findall(f"{SM}url"):
        loc = url.findtext(f"{SM}loc")
        assert loc not in entries, f"{loc} listed twice"
        entries[loc] = {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link") if link.get("rel") == "alternate"}
    return entries


def test_sitemap_lists_every_page_once_and_nothing_else(sample_site: Path) -> None:
    entries = sitemap_entries(sample_site)
    pages = {
        BASE + page.relative_to(sample_site).as_posix().removesuffix("index.html")
        for page in sample_site.rglob("*.html")
        if page.name != "404.html"
    }
    assert set(entries) == pages
    assert len(entries) > 200


def test_sitemap_alternates_match_the_pages_hreflang_links(sample_site: Path) -> None:
    entries = sitemap_entries(sample_site)
    for loc, alternates in entries.items():
        path = loc.removeprefix(BASE)
        if path == "":
            assert alternates == {}, "the language chooser has no language of its own"
            continue
        assert set(alternates) == {"en", "es", "x-default"}
        assert alternates[path.split("/")[0]] == loc, "each page lists itself"
        for lang in ("en", "es"):
            assert entries[alternates[lang]] == alternates, "alternates are reciprocal"
        head = parse_html(sample_site / path / "index.html")
        declared = {link["hreflang"]: link["href"] for link in head.select("head link[rel=alternate][hreflang]")}
        assert declared == alternates


def test_stories_carry_lastmod(sample_site: Path) -> None:
    root = ET.parse(sample_site / "sitemap.xml").getroot()
    lastmod = {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root.findall(f"{SM}url")}
    assert lastmod[f"{BASE}en/stories/national-and-local-together/"] == "2022-12-15"
    assert lastmod[f"{BASE}es/stories/subnational-meeting-buenos-aires-2016/"] == "2016-11-10"


def test_robots_txt_allows_all_and_names_the_sitemap(sample_site: Path) -> None:
    lines = (sample_site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)
    assert f"Sitemap: {BASE}sitemap.xml" in lines


def test_sitemap_under_a_sub_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_report = build(settings_for(ROOT, site, "https://example.org/ogp/"))
    assert build_report.pages
    entries = sitemap_entries(site)
    assert "https://example.org/ogp/en/commitments/ar0090/" in entries
    assert "Sitemap: https://example.org/ogp/sitemap.xml" in (site / "robots.txt").read_text(encoding="utf-8")


def test_host_relative_base_url_skips_the_sitemap_with_a_warning(tmp_path: Path) -> None:
    args = build_args("--content", str(ROOT / "content"), "--output", str(tmp_path / "site"), "--base-url", "/ogp/")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no sitemap.xml" in result.stderr and "not absolute" in result.stderr
    assert not (tmp_path / "site" / "sitemap.xml").exists()
    assert "Sitemap:" not in (tmp_path / "site" / "robots.txt").read_text(encoding="utf-8")


def tree_sitemap(model: SiteModel, base_url: str, today: dt.date) -> bytes:
    """The sitemap as an ElementTree, indented and serialised: what build_sitemap writes as text."""
    ET.register_namespace("", SM[1:-1])
    ET.register_namespace("xhtml", XHTML[1:-1])
    urlset = ET.Element(f"{SM}urlset")
    for page in site_pages(model, today):
        if page.url in NOT_LISTED:
            continue
        entry = ET.SubElement(urlset, f"{SM}url")
        ET.SubElement(entry, f"{SM}loc").text = absolute(base_url, page.url)
        lastmod = _lastmod(model, page.section, page.slug)
        if lastmod is not None:
            ET.SubElement(entry, f"{SM}lastmod").text = lastmod.isoformat()
        if page.lang is None:
            continue
        for other in [*model.languages, "x-default"]:
            href = absolute(base_url, in_language(page.url, other if other != "x-default" else model.languages[0]))
            ET.SubElement(entry, f"{XHTML}link", rel="alternate", hreflang=other, href=href)
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


@pytest.mark.parametrize("base_url", [BASE, 'https://example.org/a&b<c>/"q"/', "https://example.org/\tx\ny\r/"])
def test_the_sitemap_text_is_what_an_element_tree_serialises(base_url: str) -> None:
    model, _ = check(settings_for(ROOT))
    assert model is not None
    assert build_sitemap(model, base_url, BUILD_DATE) == tree_sitemap(model, base_url, BUILD_DATE)
