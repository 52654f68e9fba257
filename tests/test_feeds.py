"""Atom feeds per language for stories and events: parsed back with feedparser, checked against
RFC 4287's required elements and against the content."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

import feedparser
import pytest
import yaml

from ogpsite.build import build

from .conftest import ROOT, parse_html, settings_for

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://ogp-americas.example.org/"
LANGS = ("en", "es")
FEEDS = [(section, lang) for section in ("stories", "events") for lang in LANGS]


def front_matter(path: Path) -> dict:
    _, head, _ = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(head)


def content_records(section: str) -> dict[str, tuple[dict, dict[str, dict]]]:
    """slug -> (facts, {lang: front matter}) read straight from content/."""
    out = {}
    for folder in sorted((ROOT / "content" / section).iterdir()):
        facts = yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8"))
        out[folder.name] = (facts, {lang: front_matter(folder / f"{lang}.md") for lang in LANGS if (folder / f"{lang}.md").exists()})
    return out


@pytest.mark.parametrize(("section", "lang"), FEEDS)
def test_feed_parses_as_atom_and_lists_every_record(sample_site: Path, section: str, lang: str) -> None:
    path = sample_site / lang / section / "feed.xml"
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.language == lang
    label = {("stories", "en"): "Stories", ("stories", "es"): "Historias", ("events", "en"): "Events", ("events", "es"): "Eventos"}
    assert feed.feed.title.endswith(label[(section, lang)])
    records = content_records(section)
    by_link = {entry.link: entry for entry in feed.entries}
    assert len(feed.entries) == len(records)
    for slug, (facts, texts) in records.items():
        url = f"{BASE}{lang}/{section}/{slug}/"
        assert url in by_link, f"{slug} missing from {path.name}"
        entry = by_link[url]
        assert entry.title == texts.get(lang, texts["en"])["title"]
        assert (sample_site / lang / section / slug / "index.html").is_file()
        if section == "stories":
            assert entry.published_parsed[:3] == facts["date"].timetuple()[:3]
            assert entry.updated_parsed[:3] == (facts.get("updated") or facts["date"]).timetuple()[:3]
        else:
            assert entry.published_parsed[:3] == facts["start"].timetuple()[:3]
            assert facts["city"] in entry.summary
        assert {tag.term for tag in entry.get("tags", [])} == set(facts.get("themes", []))
    if section == "stories":
        dates = [entry.updated_parsed for entry in feed.entries]
        assert dates == sorted(dates, reverse=True), "newest story first"


@pytest.mark.parametrize(("section", "lang"), FEEDS)
def test_feed_has_what_rfc_4287_requires(sample_site: Path, section: str, lang: str) -> None:
    root = ET.parse(sample_site / lang / section / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{required}")) == 1, required
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == [f"{BASE}{lang}/{section}/feed.xml"]
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    ids = set()
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1, required
        entry_id = entry.findtext(f"{ATOM}id")
        assert entry_id.startswith("urn:uuid:") and entry_id not in ids
        ids.add(entry_id)
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        # Every date is an RFC 3339 timestamp with a time zone.
        for stamp in entry.findall(f"{ATOM}updated") + entry.findall(f"{ATOM}published"):
            assert dt.datetime.fromisoformat(stamp.text).tzinfo is not None
        content = entry.find(f"{ATOM}content")
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert content is not None or alternate, "an entry needs content or an alternate link"


def test_pages_link_their_feeds_for_autodiscovery(sample_site: Path) -> None:
    for lang in LANGS:
        for page in [sample_site / lang / "index.html", sample_site / lang / "stories" / "national-and-local-together" / "index.html"]:
            soup = parse_html(page)
            feeds = soup.select('link[rel=alternate][type="application/atom+xml"]')
            page_url = page.relative_to(sample_site).as_posix()
            targets = {urljoin(page_url, link["href"]) for link in feeds}
            assert targets == {f"{lang}/stories/feed.xml", f"{lang}/events/feed.xml"}
            assert all(link.get("title") for link in feeds)


def test_entry_ids_do_not_change_when_the_site_moves(tmp_path: Path, sample_site: Path) -> None:
    """Atom ids must stay the same for an entry, wherever the site is published."""
    moved = tmp_path / "site"
    build(settings_for(ROOT, moved, base_url="https://example.net/ogp/"))
    for section, lang in FEEDS:
        here = feedparser.parse((sample_site / lang / section / "feed.xml").read_bytes())
        there = feedparser.parse((moved / lang / section / "feed.xml").read_bytes())
        assert [e.id for e in here.entries] == [e.id for e in there.entries]
        assert all(e.link.startswith("https://example.net/ogp/") for e in there.entries)


def test_untranslated_story_keeps_its_english_title_in_the_spanish_feed(project: Path) -> None:
    (project / "content" / "stories" / "national-and-local-together" / "es.md").unlink()
    build(settings_for(project))
    feed = feedparser.parse((project / "site" / "es" / "stories" / "feed.xml").read_bytes())
    titles = [e.title for e in feed.entries]
    assert "When National and Local Work Together for Open Government" in titles


def test_relative_links_in_a_story_work_from_the_feed_and_the_data(project: Path) -> None:
    """Editors link records relatively; away from the page those links must still land right."""
    story = project / "content" / "stories" / "national-and-local-together" / "en.md"
    story.write_text(story.read_text(encoding="utf-8") + "\nSee [AR0090](../../commitments/ar0090/#problem).\n", encoding="utf-8")
    build(settings_for(project, base_url="https://example.org/ogp/"))
    site = project / "site"
    feed = feedparser.parse((site / "en" / "stories" / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if e.link.endswith("/national-and-local-together/"))
    expected = 'href="https://example.org/ogp/en/commitments/ar0090/#problem"'
    assert expected in entry.content[0].value
    data = (site / "data" / "stories" / "national-and-local-together.json").read_text(encoding="utf-8")
    assert expected.replace('"', '\\"') in data
    page = (site / "en" / "stories" / "national-and-local-together" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../commitments/ar0090/#problem"' in page, "the page itself keeps its relative link"
