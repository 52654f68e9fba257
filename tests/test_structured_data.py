"""What pages tell crawlers and link previews: canonical URL, Open Graph, Twitter card, JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from ogpsite.build import build

from .conftest import parse_html, settings_for
from .test_feeds import BASE, LANGS, content_records


def json_ld(soup: BeautifulSoup) -> dict:
    blocks = soup.select('script[type="application/ld+json"]')
    assert len(blocks) == 1
    return json.loads(blocks[0].string)


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.select_one(f'meta[property="{key}"]') or soup.select_one(f'meta[name="{key}"]')
    return tag["content"] if tag else None


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_has_canonical_and_link_preview_tags(sample_site: Path, lang: str) -> None:
    for page in (sample_site / lang).rglob("index.html"):
        soup = parse_html(page)
        canonical = soup.select_one("link[rel=canonical]")["href"]
        assert canonical == BASE + page.relative_to(sample_site).as_posix().removesuffix("index.html")
        assert meta(soup, "og:url") == canonical
        assert meta(soup, "og:title") and meta(soup, "twitter:title") == meta(soup, "og:title")
        assert meta(soup, "og:locale") == {"en": "en_US", "es": "es_ES"}[lang]
        assert meta(soup, "og:site_name") == {"en": "Open Government in the Americas", "es": "Gobierno Abierto en las Américas"}[lang]
        assert meta(soup, "twitter:card") == "summary"
        data = json_ld(soup)
        assert data["@context"] == "https://schema.org" and data["url"] == canonical


@pytest.mark.parametrize("lang", LANGS)
def test_events_are_schema_org_events_with_dates_and_place(sample_site: Path, lang: str) -> None:
    for slug, (facts, texts) in content_records("events").items():
        data = json_ld(parse_html(sample_site / lang / "events" / slug / "index.html"))
        assert data["@type"] == "Event"
        assert data["name"] == texts[lang]["title"]
        assert data["startDate"] == facts["start"].isoformat()
        assert data["endDate"] == (facts.get("end") or facts["start"]).isoformat()
        assert data["location"]["@type"] == "Place"
        assert data["location"]["address"]["addressLocality"] == facts["city"]
        assert len(data["location"]["address"]["addressCountry"]) == 2
        assert data["inLanguage"] == lang


@pytest.mark.parametrize("lang", LANGS)
def test_stories_are_articles_of_their_kind(sample_site: Path, lang: str) -> None:
    kinds = {"story": "Article", "news": "NewsArticle", "blog": "BlogPosting"}
    for slug, (facts, texts) in content_records("stories").items():
        soup = parse_html(sample_site / lang / "stories" / slug / "index.html")
        data = json_ld(soup)
        assert data["@type"] == kinds[facts.get("content_type", "story")]
        assert data["headline"] == texts[lang]["title"]
        assert data["datePublished"] == facts["date"].isoformat()
        assert data["dateModified"] == (facts.get("updated") or facts["date"]).isoformat()
        if facts.get("author"):
            assert data["author"] == {"@type": "Person", "name": facts["author"]}
        assert meta(soup, "og:type") == "article"
        assert meta(soup, "article:published_time") == facts["date"].isoformat()


def test_commitment_is_a_creative_work_with_its_id(sample_site: Path) -> None:
    soup = parse_html(sample_site / "es" / "commitments" / "ar0090" / "index.html")
    data = json_ld(soup)
    assert data["@type"] == "CreativeWork"
    assert data["identifier"] == "AR0090"
    assert data["name"] == "Programa Federal de Gobierno Abierto"
    assert data["isPartOf"]["name"] == "Plan de Acción de Argentina 2019-2022"
    assert {"@type": "GovernmentOrganization", "name": data["producer"][0]["name"]} == data["producer"][0]
    assert meta(soup, "og:title") == "AR0090: Programa Federal de Gobierno Abierto"
    assert meta(soup, "og:type") == "website"


def test_home_declares_the_site_search(sample_site: Path) -> None:
    data = json_ld(parse_html(sample_site / "en" / "index.html"))
    assert data["@type"] == "WebSite"
    assert data["potentialAction"]["target"]["urlTemplate"] == f"{BASE}en/search/?q={{search_term_string}}"


def test_json_ld_cannot_be_broken_out_of(project: Path) -> None:
    """A title that closes the script element stays data: the block parses back to the exact text."""
    hostile = "Ends here </script><script>alert(1)</script> & 'quoted' <!-- x"
    story = project / "content" / "stories" / "national-and-local-together" / "en.md"
    original = "title: When National and Local Work Together for Open Government"
    story.write_text(story.read_text(encoding="utf-8").replace(original, f'title: "{hostile}"', 1), encoding="utf-8")
    build(settings_for(project))
    page = project / "site" / "en" / "stories" / "national-and-local-together" / "index.html"
    soup = parse_html(page)
    assert json_ld(soup)["headline"] == hostile
    for script in soup.find_all("script"):
        if script.get("type") != "application/ld+json":
            assert "/assets/" in script.get("src", "") and not script.string, f"injected script: {script}"
    assert "</script><script>" not in page.read_text(encoding="utf-8")


@pytest.mark.browser
def test_json_ld_needs_no_unsafe_inline_under_a_strict_csp(page: Any, sample_url: str) -> None:
    """The JSON-LD block is data, never run: a policy without 'unsafe-inline' reports nothing."""
    policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'"
    violations: list[str] = []

    def with_policy(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route("**/*", with_policy)
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(sample_url + "en/events/open-americas-2022/", wait_until="networkidle")
    assert page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)['@type']") == "Event"
    assert violations == [] and page.console_errors == []
    # The policy is really in force: an inline script is refused.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }")
    assert page.evaluate("window.ran === undefined") and violations
