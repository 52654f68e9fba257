"""The preview's fast path (build/fast.py): a save that edits an existing record's texts writes
that record's own pages first, exactly as the rebuild that follows writes them; every other save
goes the normal way only; and a rebuild that fails leaves the last good site."""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePath

import pytest

from ogpsite.build import Builder, BuildMode
from ogpsite.build.fast import MAX_RECORDS, fast_path_records, patch_refused
from ogpsite.commands.serve_http import FIRST_LOOK_SECONDS, QUIET_REQUESTS, first_look_over, missed_reload
from ogpsite.commands.serve_rebuild import BuildState, Rebuilder
from ogpsite.content.load import load_record
from ogpsite.errors import Problem

from .test_incremental import assert_same_as_clean_build, commitment, edit, retitle, settings, site_project, small_pages

__all__ = ["site_project", "small_pages"]  # fixtures used here

CONTENT = PurePath("/p/content")
KNOWN = {("commitments", "ar0001"), ("commitments", "ar0002"), ("commitments", "ar0003"), ("themes", "open-state")}


def paths(*names: str) -> list[PurePath]:
    return [CONTENT / name for name in names]


# --- the decision on a save's paths ------------------------------------------------------------


def test_text_and_facts_files_of_existing_records_take_the_fast_path() -> None:
    decision = fast_path_records(paths("commitments/ar0001/en.md"), CONTENT, KNOWN, set())
    assert decision.records == (("commitments", "ar0001"),) and decision.reason == ""
    both = fast_path_records(
        paths("commitments/ar0001/en.md", "commitments/ar0001/es.md", "themes/open-state/facts.yaml"), CONTENT, KNOWN, set()
    )
    assert both.records == (("commitments", "ar0001"), ("themes", "open-state"))


@pytest.mark.parametrize(
    ("changed", "gone", "why"),
    [
        (["commitments/ar0009/en.md"], [], "new record"),  # added (or renamed to)
        (["commitments/ar0001/en.md"], ["commitments/ar0001/en.md"], "deleted"),
        (["commitments/ar0001"], [], "not a file of a record"),  # a folder added, renamed or removed
        (["site.yaml"], [], "not a file of a record"),
        (["members.yaml"], [], "not a file of a record"),
        (["glossary/budget/en.md"], [], "not a file of a record"),  # no pages of its own; links every text
        (["commitments/ar0001/notes.txt"], [], "not a record's facts or text"),
        (["commitments/ar0001/en.md", "site.yaml"], [], "not a file of a record"),
    ],
)
def test_other_saves_go_the_normal_way(changed: list[str], gone: list[str], why: str) -> None:
    decision = fast_path_records(paths(*changed), CONTENT, KNOWN | {("glossary", "budget")}, set(paths(*gone)))
    assert decision.records == () and why in decision.reason


def test_templates_and_saves_of_many_records_go_the_normal_way() -> None:
    template = fast_path_records([PurePath("/p/templates/commitment.html")], CONTENT, KNOWN, set())
    assert template.records == () and "not content" in template.reason
    many = [f"commitments/ar000{n}/en.md" for n in range(1, MAX_RECORDS + 2)]
    decision = fast_path_records(paths(*many), CONTENT, KNOWN, set())
    assert decision.records == () and "records changed" in decision.reason
    assert fast_path_records([], CONTENT, KNOWN, set()).records == ()


def test_a_record_parsed_again_patches_the_model_only_with_the_same_facts(site_project: Path) -> None:
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    model = builder.build().model
    assert model is not None
    folder = commitment(site_project, 0)
    record = model.by_key[("commitments", folder.name)]
    content = site_project / "content"

    def parsed() -> tuple[object, list[Problem]]:
        return load_record(folder, "commitments", content, site_project, model.languages)

    source, problems = parsed()
    assert patch_refused(record, source, problems, "en") == ""  # type: ignore[arg-type]
    edit(folder / "facts.yaml", lambda t: re.sub(r"^status: .*$", "status: inactive", t, count=1, flags=re.M))
    source, problems = parsed()
    assert patch_refused(record, source, problems, "en") == "its facts changed"  # type: ignore[arg-type]
    edit(folder / "facts.yaml", lambda t: re.sub(r"^status: .*$", "status: finished", t, count=1, flags=re.M))
    source, problems = parsed()
    assert patch_refused(record, source, problems, "en") == "the record has errors"  # type: ignore[arg-type]


# --- the fast page and the final one -------------------------------------------------------------


def page_bytes(project: Path, record: Path, lang: str) -> bytes:
    return (project / "site" / lang / "commitments" / record.name / "index.html").read_bytes()


@pytest.mark.parametrize(
    "change",
    [
        lambda t: retitle(t, "A title the fast path shows first"),
        lambda t: t.replace("## Milestones", "## Milestones\n\nA paragraph only this page shows.\n"),
    ],
    ids=["title", "body"],
)
def test_the_fast_page_is_the_page_the_rebuild_makes(site_project: Path, change) -> None:  # type: ignore[no-untyped-def]
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    builder.build()
    first = commitment(site_project, 0)
    before = page_bytes(site_project, first, "en")
    edit(first / "en.md", change)
    fast = builder.write_edited([first / "en.md"])
    assert fast.reason == "" and f"en/commitments/{first.name}/" in fast.urls
    early = page_bytes(site_project, first, "en")
    assert early != before and fast.previous[f"en/commitments/{first.name}/index.html"] == before
    builder.rebuild([first / "en.md"])
    assert page_bytes(site_project, first, "en") == early  # byte for byte what the rebuild made
    builder.finish()
    assert_same_as_clean_build(site_project)


def test_a_spanish_text_edit_and_later_saves_stay_exact(site_project: Path) -> None:
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    builder.build()
    for n in range(3):  # each save patches the model the last rebuild left
        record = commitment(site_project, n % 2)
        title = f'title: "Un título nuevo {n}"'
        edit(record / "es.md", lambda t: re.sub(r"^title: .*$", title, t, count=1, flags=re.M))  # noqa: B023 (called at once)
        fast = builder.write_edited([record / "es.md"])
        assert f"es/commitments/{record.name}/" in fast.urls, fast.reason
        early = page_bytes(site_project, record, "es")
        builder.rebuild([record / "es.md"])
        assert page_bytes(site_project, record, "es") == early
    builder.finish()
    assert_same_as_clean_build(site_project)


def test_saves_that_are_not_text_edits_write_nothing_first(site_project: Path) -> None:
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    builder.build()
    site = site_project / "site"
    stamp = {path: path.stat().st_mtime_ns for path in site.rglob("*.html")}
    first = commitment(site_project, 0)
    edit(first / "facts.yaml", lambda t: re.sub(r"^status: .*$", "status: inactive", t, count=1, flags=re.M))
    assert builder.write_edited([first / "facts.yaml"]).reason.endswith("its facts changed")
    template = site_project / "templates" / "commitment.html"
    edit(template, lambda t: t.replace('<article class="record commitment">', '<article class="record commitment" id="c">'))
    assert "not content" in builder.write_edited([first / "facts.yaml", template]).reason
    assert {path: path.stat().st_mtime_ns for path in site.rglob("*.html")} == stamp  # nothing written
    builder.rebuild([first / "facts.yaml", template])
    builder.finish()
    assert_same_as_clean_build(site_project)


def test_a_content_error_writes_nothing_and_the_build_fails_as_before(site_project: Path) -> None:
    rebuilder = Rebuilder(settings(site_project), BuildState(), io.StringIO())
    assert rebuilder.rebuild()
    first = commitment(site_project, 0)
    before = page_bytes(site_project, first, "en")
    edit(first / "en.md", lambda t: t.replace("title:", "title: [unclosed", 1))
    early: list[bytes] = []
    assert not rebuilder.rebuild([str(first / "en.md")], lambda: early.append(page_bytes(site_project, first, "en")))
    assert early == []  # the fast path did not run
    assert rebuilder.state.failure is not None and page_bytes(site_project, first, "en") == before


def test_a_rebuild_that_fails_after_the_fast_page_puts_the_last_good_page_back(site_project: Path) -> None:
    # The listing (not the record's page) fails on this title: the fast page renders, the rebuild does not.
    listing = site_project / "templates" / "commitments.html"
    edit(
        listing,
        lambda t: t.replace(
            "{% block main %}",
            '{% block main %}{% if "Boom" in site.records.commitments[0].texts[lang].title %}{{ no_such_value }}{% endif %}',
            1,
        ),
    )
    rebuilder = Rebuilder(settings(site_project), BuildState(), io.StringIO())
    assert rebuilder.rebuild()
    first = commitment(site_project, 0)
    before = page_bytes(site_project, first, "en")
    edit(first / "en.md", lambda t: retitle(t, "Boom goes the listing"))
    early: list[bytes] = []
    assert not rebuilder.rebuild([str(first / "en.md")], lambda: early.append(page_bytes(site_project, first, "en")))
    assert len(early) == 1 and b"Boom goes the listing" in early[0]  # the fast page was served first
    assert rebuilder.state.failure is not None and "no_such_value" in "\n".join(rebuilder.state.failure.lines)
    assert page_bytes(site_project, first, "en") == before  # and then taken back
    # Fixed, the next save builds, fast page first, as always.
    edit(first / "en.md", lambda t: retitle(t, "A title that builds"))
    early.clear()
    assert rebuilder.rebuild([str(first / "en.md")], lambda: early.append(page_bytes(site_project, first, "en")))
    assert page_bytes(site_project, first, "en") != before


def test_the_reload_after_the_rebuild_is_left_out_when_it_wrote_nothing_more(site_project: Path) -> None:
    rebuilder = Rebuilder(settings(site_project), BuildState(), io.StringIO())
    assert rebuilder.rebuild()
    first = commitment(site_project, 0)
    edit(first / "en.md", lambda t: retitle(t, "A title in the listings too"))
    told: list[bool] = []
    assert rebuilder.rebuild([str(first / "en.md")], lambda: told.append(True))
    assert told == [True] and rebuilder.reload_needed  # the listings changed as well
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nA sentence only its own page shows.\n"))
    assert rebuilder.rebuild([str(first / "en.md")], lambda: told.append(True))
    assert told == [True, True] and not rebuilder.reload_needed


def test_the_first_look_ends_once_the_page_and_its_files_are_served() -> None:
    told = 100.0
    assert not first_look_over(told + 0.05, told, 0.0, 0.0)  # nothing served yet
    assert not first_look_over(told + 0.06, told, told + 0.05, told + 0.055)  # its styles still coming
    assert first_look_over(told + 0.061 + QUIET_REQUESTS, told, told + 0.05, told + 0.06)
    assert not first_look_over(told + 0.2, told, told - 1, told - 1)  # a page served before the save does not count
    assert first_look_over(told + FIRST_LOOK_SECONDS, told, 0.0, 0.0)  # no browser came: the build goes on


def test_a_page_that_connects_after_a_reload_it_was_read_before_reloads() -> None:
    # A save's fast path reloads the pages, then its rebuild (or a failure's panel) reloads them
    # again: a page still loading from the first misses the second unless it catches up.
    assert missed_reload(read_at=10.0, last_reload=10.2)  # read, then told while it loaded
    assert not missed_reload(read_at=10.3, last_reload=10.2)  # read after the reload: current
    assert not missed_reload(read_at=None, last_reload=10.2)  # not a page this server sent
