"""`ogpsite build --summary`: what changed since the previous build, as Markdown an editor reads.

The decision (`site_changes`, `touched_records`) and the rendering (`render_summary`) are tested
on hand-built inputs; then real builds of the sample content, edited between them, are compared
with what the pages really hold.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ogpsite.build import build
from ogpsite.build.summary import (
    NEUTRAL,
    FileCounts,
    PageChanges,
    SiteChanges,
    SummaryInput,
    file_kind,
    markdown_text,
    render_summary,
    site_changes,
    summary_input,
    touched_records,
)
from ogpsite.errors import Problem

from .conftest import build_args, run_cli, settings_for

LANGUAGES = ("en", "es")


def as_html(markdown: str) -> str:
    """Rendered as GitHub would, raw HTML allowed through (GitHub then sanitises; we must not need it)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def listed_urls(markdown: str) -> list[str]:
    """The page URLs a summary lists (each list item names its URL in a code span)."""
    return [m.group(1) for line in markdown.splitlines() if line.startswith("- ") for m in [re.search(r"`/([^`]*)`", line)] if m]


# --- the decision, on hand-built manifests ------------------------------------------------------


def test_site_changes_sorts_pages_by_language_and_counts_site_wide_files() -> None:
    previous = {
        "index.html": "a",
        "404.html": "b",
        "en/commitments/ar0001/index.html": "c",
        "es/commitments/ar0001/index.html": "d",
        "es/commitments/ar0002/index.html": "e",
        "en/search-index.json": "f",
        "data/commitments.csv": "g",
        "assets/site.css": "h",
    }
    current = {
        "index.html": "a",  # same bytes: not listed
        "404.html": "B",
        "en/commitments/ar0001/index.html": "c",
        "es/commitments/ar0001/index.html": "D",
        "es/commitments/ar0003/index.html": "x",  # added; ar0002 removed
        "en/search-index.json": "F",
        "data/commitments.csv": "g",
        "data/commitments/ar0003.json": "y",
        "assets/site.css": "h",
    }
    changes = site_changes(previous, current, LANGUAGES)
    assert changes.pages == {
        NEUTRAL: PageChanges(changed=("404.html",)),
        "es": PageChanges(added=("es/commitments/ar0003/",), changed=("es/commitments/ar0001/",), removed=("es/commitments/ar0002/",)),
    }
    assert changes.files == {"open data": FileCounts(added=1), "search index": FileCounts(changed=1)}
    assert changes.page_total == 4


def test_site_changes_of_identical_builds_is_empty() -> None:
    files = {"index.html": "a", "en/index.html": "b", "en/stories/feed.xml": "c"}
    assert site_changes(files, dict(files), LANGUAGES) == SiteChanges({}, {})


def test_site_wide_files_are_not_pages() -> None:
    kinds = {
        "en/search-index.json": "search index",
        "es/search-docs.json": "search index",
        "en/search-index/0774c7bea3aa.json": "search index",
        "es/search-texts/361e202f1f/12.json": "search index",
        "filters/commitments.json": "filter data",
        "filters/commitment-titles-es-0.json": "filter data",
        "en/stories/feed.xml": "feeds",
        "sitemap.xml": "sitemap",
        "robots.txt": "sitemap",
        "es/events/events.ics": "calendars",
        "en/events/summit/summit.ics": "calendars",
        "data/datapackage.json": "open data",
        "assets/vendor/lunr.min.js": "assets",
    }
    assert {relpath: file_kind(relpath) for relpath in kinds} == kinds
    changes = site_changes({}, dict.fromkeys(kinds, "x"), LANGUAGES)
    assert changes.pages == {}


def test_touched_records_are_those_whose_folder_changed() -> None:
    previous = {"commitments/ar0001": "k1", "commitments/ar0002": "k2", "themes/open-state": "k3"}
    current = {"commitments/ar0001": "k1", "commitments/ar0002": "k2b", "stories/new": "k4"}
    assert touched_records(previous, current) == {"commitments/ar0002", "themes/open-state", "stories/new"}


# --- the rendering ----------------------------------------------------------------------------

HOSTILE = "Agua <script>alert(1)</script> [clic](javascript:alert(1)) ![x](javascript:alert(2)) <img src=x onerror=alert(3)> **@org** | $x$"


def test_hostile_title_stays_text() -> None:
    given = SummaryInput(
        output_dir="site",
        base_url="https://example.org/ogp/",
        languages=LANGUAGES,
        page_counts={"en": 1, "es": 1},
        file_count=3,
        changes=SiteChanges({"es": PageChanges(changed=("es/commitments/ar0090/",))}, {}),
        titles={"es/commitments/ar0090/": HOSTILE},
        warnings=[Problem("content/commitments/ar0090/es.md", 2, f"title is the same as {HOSTILE}", "", "warning")],
    )
    markdown = render_summary(given)
    html = as_html(markdown)
    assert "<script" not in html and "<img" not in html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only in text, never in an attribute
    assert html.count("<a ") == 1 and 'href="https://example.org/ogp/es/commitments/ar0090/"' in html
    assert html.count("<strong>") == 1 and "<table>" not in html  # only the summary's own bold counts line
    # the text reads as written
    assert "Agua &lt;script&gt;alert(1)&lt;/script&gt; [clic](javascript:alert(1))" in html
    assert markdown_text("a_b*c") == r"a\_b\*c"


def test_a_relative_base_url_lists_paths_without_links() -> None:
    given = SummaryInput("site", "/", LANGUAGES, {"en": 1}, 1, SiteChanges({"en": PageChanges(added=("en/",))}, {}))
    markdown = render_summary(given)
    assert "<a " not in as_html(markdown)
    assert listed_urls(markdown) == ["en/"]


# --- real builds --------------------------------------------------------------------------------


def set_title(file: Path, title: str) -> None:
    text = file.read_text(encoding="utf-8")
    new, count = re.subn(r"^title: .*$", f"title: {title}", text, count=1, flags=re.M)
    assert count == 1
    file.write_text(new, encoding="utf-8")


@pytest.fixture
def built(project: Path) -> Path:
    """The sample content copied and built once: the previous build of each test."""
    build(settings_for(project))
    return project


def test_editing_one_title_lists_exactly_the_pages_that_show_it(built: Path) -> None:
    title = "Programa federal de gobierno abierto, segunda edición"
    set_title(built / "content" / "commitments" / "ar0090" / "es.md", title)
    report = build(settings_for(built))
    given = summary_input(report, "site")
    assert given.changes is not None
    site = built / "site"
    showing = sorted(
        str(path.parent.relative_to(site).as_posix()) + "/"
        for path in (site / "es").rglob("index.html")
        if title in path.read_text(encoding="utf-8")
    )
    assert given.changes.pages == {"es": PageChanges(changed=tuple(showing))}
    # that is: its own page, the commitments listing and its themes' pages (and its neighbours')
    assert {"es/commitments/ar0090/", "es/commitments/", "es/themes/subnational/", "es/themes/cocreation/"} <= set(showing)
    assert not any(url.startswith("es/events/") for url in showing)
    # the one story about AR0090 lists it by title (its `commitments:`); no other story shows it
    assert [url for url in showing if url.startswith("es/stories/")] == ["es/stories/national-and-local-together/"]
    markdown = render_summary(given)
    assert listed_urls(markdown) == showing
    assert f"[{markdown_text(title)} (`/es/commitments/ar0090/`)](https://ogp-americas.example.org/es/commitments/ar0090/)" in markdown
    assert "### English" not in markdown
    # counted, not listed as pages (the filters' title shards hold the title too, since issue 15)
    assert set(given.changes.files) <= {"search index", "open data", "filter data"}
    assert "None missing or outdated." in markdown

    # the same record's English title: its Spanish becomes outdated, and that record alone is named
    set_title(built / "content" / "commitments" / "ar0090" / "en.md", "Federal Program on Open Government, second edition")
    given = summary_input(build(settings_for(built)), "site")
    assert given.translations == [("content/commitments/ar0090", "es", "outdated")]
    assert "- `content/commitments/ar0090`: es outdated" in render_summary(given)


def test_added_and_removed_records_are_listed_as_such(built: Path) -> None:
    commitments = built / "content" / "commitments"
    shutil.copytree(commitments / "ar0090", commitments / "ar0099")
    facts = commitments / "ar0099" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("id: AR0090", "id: AR0099"), encoding="utf-8")
    for lang in LANGUAGES:
        set_title(commitments / "ar0099" / f"{lang}.md", f"Commitment ninety-nine ({lang})")
    shutil.rmtree(commitments / "ar0001")
    report = build(settings_for(built))
    given = summary_input(report, "site")
    assert given.changes is not None
    for lang in LANGUAGES:
        assert given.changes.pages[lang].added == (f"{lang}/commitments/ar0099/",)
        assert given.changes.pages[lang].removed == (f"{lang}/commitments/ar0001/",)
    assert given.changes.files["open data"].added >= 1 and given.changes.files["open data"].removed >= 1
    markdown = render_summary(given)
    assert "Added (1):" in markdown and "Removed (1):" in markdown
    assert "Commitment ninety\\-nine \\(es\\)" in markdown
    assert "- `/es/commitments/ar0001/`" in markdown  # a removed page has no title left to show


def test_cli_summary_without_then_with_a_previous_build(project: Path) -> None:
    first = run_cli(*build_args("--summary", "first.md"), cwd=project)
    assert first.returncode == 0, first.stderr
    markdown = (project / "first.md").read_text(encoding="utf-8")
    assert "There is no previous build in `site`" in markdown
    assert "pages**" in markdown and listed_urls(markdown) == []
    again = run_cli(*build_args("--summary", "again.md"), cwd=project)
    assert again.returncode == 0, again.stderr
    assert "Nothing changed since the previous build in `site`." in (project / "again.md").read_text(encoding="utf-8")
