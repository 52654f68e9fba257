"""Listings are split into pages of a sensible size, without losing or repeating a record.

Page 1 keeps the listing's URL (/en/commitments/); page n is /en/commitments/page/n/, in both
languages, for the commitments, each theme's commitments, the stories and the past events.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from benchmarks.corpus import generate
from ogpsite.build import build
from ogpsite.commands.linkcheck import check_links
from ogpsite.model import pagination
from ogpsite.settings import BuildSettings

from .conftest import BUILD_DATE, ROOT, parse_html


def _build(project: Path, today: dt.date = BUILD_DATE) -> Path:
    build(BuildSettings(project, project / "content", ROOT / "templates", project / "site", None, today, use_cache=False))
    return project / "site"


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """210 commitments in 12 long action plans with the real page sizes: three pages of commitments."""
    project = tmp_path_factory.mktemp("paginated")
    generate(project / "content", 210, events=6, stories=6, cycles=1)
    return _build(project)


@pytest.fixture(scope="module")
def small_pages_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A few records per page, so themes, stories and events paginate too."""
    project = tmp_path_factory.mktemp("small-pages")
    generate(project / "content", 40, events=9, stories=9)
    with pytest.MonkeyPatch.context() as patch:
        for template, size in {"commitments.html": 7, "theme.html": 4, "stories.html": 2, "events.html": 2}.items():
            patch.setitem(pagination.PER_PAGE, template, size)
        yield _build(project, dt.date(2020, 1, 1))  # some events are still to come
    shutil.rmtree(project / ".cache", ignore_errors=True)


def listing_pages(site: Path, first: str) -> list[Path]:
    """The index.html of every page of a listing, in order, checking the URL pattern on the way."""
    pages = [site / first / "index.html"]
    assert pages[0].is_file()
    assert not (site / first / "page" / "1").exists(), "page 1 is the listing's own URL"
    n = 2
    while (site / first / "page" / str(n) / "index.html").is_file():
        pages.append(site / first / "page" / str(n) / "index.html")
        n += 1
    if (site / first / "page").is_dir():
        assert sorted(p.name for p in (site / first / "page").iterdir()) == sorted(str(i) for i in range(2, n))
    return pages


def ids_listed(soup: BeautifulSoup, selector: str = "main .record-list") -> list[str]:
    return [span.get_text(strip=True) for lst in soup.select(selector) for span in lst.select(".record-id")]


def slugs_listed(soup: BeautifulSoup, selector: str) -> list[str]:
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for lst in soup.select(selector) for a in lst.select(".record-item > a")]


def test_commitments_are_paginated_each_once(big_site: Path) -> None:
    for lang in ("en", "es"):
        pages = listing_pages(big_site, f"{lang}/commitments")
        assert len(pages) == 3
        listed = [cid for page in pages for cid in ids_listed(parse_html(page))]
        assert len(listed) == len(set(listed)) == 210
        for page in pages:
            assert page.stat().st_size < 60_000, f"{page} is {page.stat().st_size} bytes"


def test_plans_run_newest_first_across_pages(small_pages_site: Path) -> None:
    soups = [parse_html(p) for p in listing_pages(small_pages_site, "en/commitments")]
    assert len(soups) == 6
    # plans newest cycle first, and within a plan by ID; a plan cut by a page says so on the next
    order = []
    for soup in soups:
        for section in soup.select("main section[aria-labelledby^=plan-]"):
            heading = section.h2.get_text(" ", strip=True)
            cycle = int(re.search(r"(20\d\d)", heading).group(1))
            ids = ids_listed(section, ".record-list")
            assert ids == sorted(ids)
            order.append((cycle, heading, bool(section.select(".continued"))))
    assert [cycle for cycle, _, _ in order] == sorted((cycle for cycle, _, _ in order), reverse=True)
    assert any(continued for _, _, continued in order), "some plan runs over two pages"


def test_pager_links_titles_and_alternates(big_site: Path) -> None:
    page2 = big_site / "en" / "commitments" / "page" / "2" / "index.html"
    soup = parse_html(page2)
    assert soup.title.get_text().startswith("Commitments (page 2 of 3) · ")
    pager = soup.select_one("nav.pager")
    assert pager["aria-label"] == "Pages"
    assert pager.select_one("[aria-current=page]").get_text() == "2"
    assert pager.select_one("a[rel=prev]")["href"] == "../../"
    assert pager.select_one("a[rel=next]")["href"] == "../3/"
    assert [a["href"] for a in pager.select("li > a:not([rel])")] == ["../../", "../3/"]
    assert soup.select_one("link[rel=alternate][hreflang=es]")["href"].endswith("/es/commitments/page/2/")
    assert soup.select_one("nav.languages a[hreflang=es]")["href"] == "../../../../es/commitments/page/2/"
    es = parse_html(big_site / "es" / "commitments" / "page" / "3" / "index.html")
    assert "(página 3 de 3)" in es.title.get_text()
    assert es.select_one("nav.pager")["aria-label"] == "Páginas"
    assert not es.select_one("nav.pager a[rel=next]")
    first = parse_html(big_site / "en" / "commitments" / "index.html")
    assert first.title.get_text().startswith("Commitments · "), "page 1 keeps its title"


def test_plan_links_land_where_the_plan_starts(big_site: Path) -> None:
    listing = big_site / "en" / "commitments" / "index.html"
    toc = parse_html(listing).select("nav.toc a")
    assert len(toc) == 12
    for link in toc:
        href = link["href"]
        path, _, anchor = href.partition("#")
        target = (listing.parent / path / "index.html") if path else listing
        soup = parse_html(target.resolve())
        heading = soup.find(id=anchor)
        assert heading is not None, href
        assert not heading.select(".continued"), f"{href} is where the plan starts"


def test_a_commitment_shows_its_nearest_siblings_and_a_link_to_all(big_site: Path) -> None:
    long_plans = 0
    for page in sorted((big_site / "en" / "commitments").glob("ar*/index.html")):
        soup = parse_html(page)
        related = soup.select_one("section.related")
        items = related.select(".record-item")
        assert 1 <= len(items) <= 10
        assert page.parent.name.upper() not in [span.get_text() for span in related.select(".record-id")]
        more = related.select_one("p > a")
        if more is None:
            continue
        long_plans += 1  # the plan has more commitments than are shown: a link to all of them
        total = int(re.search(r"All (\d+) commitments", more.get_text()).group(1))
        assert total > len(items) + 1 and len(items) == 10
        path, _, anchor = more["href"].partition("#")
        assert parse_html((page.parent / path / "index.html").resolve()).find(id=anchor) is not None
    assert long_plans


def test_theme_pages_paginate_their_commitments(small_pages_site: Path) -> None:
    themes = [p.name for p in (small_pages_site / "en" / "themes").iterdir() if p.is_dir()]
    paginated = 0
    for theme in themes:
        pages = listing_pages(small_pages_site, f"en/themes/{theme}")
        soups = [parse_html(p) for p in pages]
        count = int(soups[0].select_one("#theme-commitments .count").get_text(strip=True).strip("()"))
        listed = [cid for soup in soups for cid in ids_listed(soup, "section[aria-labelledby=theme-commitments] .record-list")]
        assert len(listed) == len(set(listed)) == count
        assert len(pages) == max(1, -(-count // 4))
        for soup in soups[1:]:
            paginated += 1
            assert not soup.select("#theme-events, #theme-stories"), "events and stories are on page 1"
            assert not soup.select(".body")
    assert paginated, "at least one theme needs a second page"


def test_stories_and_past_events_paginate_in_order(small_pages_site: Path) -> None:
    stories = [s for p in listing_pages(small_pages_site, "en/stories") for s in slugs_listed(parse_html(p), "main .record-list")]
    assert sorted(stories) == sorted(p.name for p in (small_pages_site / "en" / "stories").iterdir() if p.name.startswith("story-"))
    assert stories == sorted(stories, reverse=True), "newest first across pages"
    pages = listing_pages(small_pages_site, "en/events")
    soups = [parse_html(p) for p in pages]
    assert soups[0].select("#upcoming") and not any(s.select("#upcoming") for s in soups[1:])
    upcoming = slugs_listed(soups[0], "section[aria-labelledby=upcoming] .record-list")
    past = [s for soup in soups for s in slugs_listed(soup, "section[aria-labelledby=past] .record-list")]
    assert upcoming and past
    assert past == sorted(past, reverse=True), "most recent first across pages"
    assert sorted(upcoming + past) == sorted(p.name for p in (small_pages_site / "en" / "events").iterdir() if p.name.startswith("event-"))


def test_every_link_of_a_paginated_site_resolves(small_pages_site: Path) -> None:
    report = check_links(small_pages_site)
    assert report.pages > 100
    assert not report.problems, [p.format() for p in report.problems[:5]]
