"""The outdated decision on small hand-built states (incremental/outdated.py): which pages render
again, which last files stand, which records an edit touched, which stage outputs stand."""

from __future__ import annotations

from ogpsite.incremental.cache import PageEntry
from ogpsite.incremental.inputs import Inputs
from ogpsite.incremental.outdated import current_stage_outputs, decide_outdated, edited_records, touched
from ogpsite.incremental.stage_cache import StageOutputs, reads_digest


def entry(digest: str = "d", **reads: set[str]) -> PageEntry:
    return PageEntry("x/index.html", digest, "sha", {key.replace("_", "/"): frozenset(attrs) for key, attrs in reads.items()})


PREVIOUS = {
    "en/commitments/ar0090/": entry("d1", rec_ar0090={"texts", "id"}),
    "en/commitments/": entry("d2", site={"plan_commitments"}, rec_ar0090={"id"}, rec_ar0091={"id"}),
    "en/themes/open-state/": entry("d3", rec_ar0091={"id"}),
}
URLS = list(PREVIOUS)
DIGESTS = ["d1", "d2", "d3"]


def always(_: PageEntry) -> bool:
    return True


def test_nothing_changed_reuses_every_page() -> None:
    plan = decide_outdated(URLS, DIGESTS, PREVIOUS, {}, always)
    assert (plan.render, plan.reuse) == ([], [0, 1, 2])


def test_a_changed_read_renders_exactly_the_pages_that_made_it() -> None:
    plan = decide_outdated(URLS, DIGESTS, PREVIOUS, {"rec/ar0090": {"texts"}}, always)
    assert (plan.render, plan.reuse) == ([0], [1, 2]), "only the page that showed the text"
    plan = decide_outdated(URLS, DIGESTS, PREVIOUS, {"rec/ar0090": {"id"}}, always)
    assert (plan.render, plan.reuse) == ([0, 1], [2]), "the listing showed the ID too"


def test_an_attribute_no_page_read_renders_nothing() -> None:
    plan = decide_outdated(URLS, DIGESTS, PREVIOUS, {"rec/ar0090": {"summary"}, "rec/ar0999": {"id"}}, always)
    assert plan.render == []


def test_a_new_page_or_a_new_page_digest_renders() -> None:
    plan = decide_outdated([*URLS, "es/commitments/ar0090/"], ["d1", "d2", "other", "d4"], PREVIOUS, {}, always)
    assert (plan.render, plan.reuse) == ([2, 3], [0, 1])


def test_a_page_whose_last_file_does_not_stand_renders() -> None:
    plan = decide_outdated(URLS, DIGESTS, PREVIOUS, {}, lambda e: e is not PREVIOUS["en/commitments/"])
    assert (plan.render, plan.reuse) == ([1], [0, 2])


def test_touched_compares_either_way_round() -> None:
    reads = {"a": frozenset({"x"}), "b": frozenset({"y"}), "c": frozenset({"z"})}
    assert touched(reads, {"b": {"y", "w"}}) and not touched(reads, {"b": {"w"}})
    assert touched(reads, {"c": {"z"}, "d": {"z"}, "e": {"z"}, "f": {"z"}})
    assert not touched(reads, {}) and not touched({}, {"a": {"x"}})


def test_edited_records_are_the_added_changed_and_removed_folders() -> None:
    before = {"commitments/ar0090": "k1", "commitments/ar0091": "k2", "events/old": "k3"}
    after = {"commitments/ar0090": "k1", "commitments/ar0091": "k2b", "stories/new": "k4"}
    assert edited_records(before, after) == {"commitments/ar0091", "events/old", "stories/new"}
    assert edited_records(before, before) == set()


def test_a_stage_output_stands_while_its_key_reads_and_files_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    read = tmp_path / "catalog.po"
    read.write_text("first", encoding="utf-8")
    reads = [("file", str(read))]
    outputs = StageOutputs(reads, reads_digest(reads, Inputs({}, 0)), {"sitemap.xml": "s1"}, [])
    previous = {"key-a": outputs}
    assert set(current_stage_outputs(["key-a", "key-b"], previous, Inputs({}, 0), lambda path, sha: True)) == {0}
    assert current_stage_outputs(["key-a"], previous, Inputs({}, 0), lambda path, sha: path != "sitemap.xml") == {}
    read.write_text("second", encoding="utf-8")
    assert current_stage_outputs(["key-a"], previous, Inputs({}, 0), lambda path, sha: True) == {}
