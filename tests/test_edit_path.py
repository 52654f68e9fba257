"""The edit path: what a build after one edit re-does. Site-wide stages kept per record (the open
data's JSON and CSV of each record are made once and re-joined after an edit, giving the bytes a
clean build writes), and the templates' closure digests kept from the last build.

Also the pieces that makes safe: the indented-JSON writer equals `json.dumps(indent=2)`, a record's
key names everything its open data is made from, and a stage run in a worker process hands back
only what it computed (plus the keys it reused) to the builder's stage cache.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ogpsite.build import Builder, BuildMode, build
from ogpsite.build.builder import changes_in_place, check, collector_paused, known_closures, longest_first
from ogpsite.build.stage_runs import content_digest_for
from ogpsite.incremental.cache import Cache, State
from ogpsite.incremental.inputs import Inputs
from ogpsite.incremental.scan import FolderScan, InputScan
from ogpsite.incremental.stage_cache import StageCache, StoredValues
from ogpsite.output import writers
from ogpsite.render.renderer import Renderer
from ogpsite.stages import opendata
from ogpsite.stages.jsontext import indented_json, json_list_bytes
from ogpsite.stages.search import documents as search_documents
from ogpsite.stages.search import stage as search_stage

from .test_incremental import assert_same_as_clean_build, commitment, edit, generated_project, retitle, settings


@pytest.fixture
def site_project(tmp_path: Path) -> Path:
    """16 generated commitments, 4 events, 4 stories, and a private copy of the templates."""
    return generated_project(tmp_path)


_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
_json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(st.integers() | st.none() | st.booleans(), inner, max_size=3)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_indented_json_is_json_dumps_with_indent_2(value: object) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


@given(st.lists(_json_values, max_size=5))
def test_a_list_joined_from_its_items_texts_is_the_list_dumped_whole(values: list[object]) -> None:
    items = [indented_json(value).encode("utf-8") for value in values]
    assert json_list_bytes(items) == json.dumps(values, ensure_ascii=False, indent=2).encode("utf-8")
    # as the open-data stage joins them: from the records' own files (each ends with a newline)
    files = [item + b"\n" for item in items]
    assert json_list_bytes(files, newline_ended=True, end=b"\n") == (json.dumps(values, ensure_ascii=False, indent=2) + "\n").encode(
        "utf-8"
    )


def test_strings_are_escaped_as_json_dumps_escapes_them() -> None:
    value = {"t": 'a "quote", a \\ and\na newline\t\u2028 é ñ \x00', "n": [1, -2, 3.5, True, None], "e": {}, "l": []}
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


def _model(project: Path):  # type: ignore[no-untyped-def]
    model, problems = check(settings(project))
    assert model is not None, problems
    return model


def test_a_records_open_data_key_names_what_its_data_is_made_from(site_project: Path) -> None:
    model = _model(site_project)
    record = model.records["commitments"][0]
    key = opendata.record_data_key(model, record, "https://example.org/", "digest-1")
    assert opendata.record_data_key(model, record, "https://example.org/", "digest-1") == key
    assert opendata.record_data_key(model, record, "https://example.org/", "digest-2") != key  # its folder changed
    assert opendata.record_data_key(model, record, "https://example.net/", "digest-1") != key  # another base URL
    other = model.records["commitments"][1]
    assert opendata.record_data_key(model, other, "https://example.org/", "digest-1") != key  # another record's facts

    # Its plan's cycle is read from another record (the plans' file): the key follows it.
    edit(site_project / "content" / "action_plans.yaml", lambda t: re.sub(r"cycle: (\d+)", "cycle: 1999", t))
    replanned = _model(site_project)
    moved = replanned.by_key[("commitments", record.slug)]
    assert opendata.record_data_key(replanned, moved, "https://example.org/", "digest-1") != key


def test_a_worker_hands_back_what_it_computed_and_only_the_keys_it_reused() -> None:
    previous = {"terms": {"a": 1, "b": 2, "gone": 3}}
    builder = StageCache(previous)
    worker = pickle.loads(pickle.dumps(builder))  # a forked worker has its own copy
    assert worker.memo("terms", "a", lambda: pytest.fail("not recomputed")) == 1
    assert worker.memo("terms", "c", lambda: 30) == 30
    delta = worker.take_delta()
    assert delta.computed == {"terms": {"c": 30}}
    assert delta.reused == {"terms": ["a"]}
    assert worker.take_delta().computed == {}  # each stage sends its own
    builder.apply(delta)
    assert builder.current == {"terms": {"a": 1, "c": 30}}  # "b" and "gone" unused: dropped when saved


def test_stored_stage_values_are_unpickled_only_by_the_stage_that_asks_for_them(tmp_path: Path) -> None:
    blobs = {"a": pickle.dumps([1]), "b": pickle.dumps([2]), "broken": b"not a pickle"}
    builder = StageCache({"terms": StoredValues(dict(blobs))})
    worker = pickle.loads(pickle.dumps(builder))  # a forked worker has its own copy
    assert worker.memo("terms", "a", lambda: pytest.fail("not recomputed")) == [1]
    assert worker.memo("terms", "broken", lambda: [30]) == [30]  # unreadable: computed again
    assert worker.memo("terms", "new", lambda: [40]) == [40]
    delta = worker.take_delta()
    assert delta.reused == {"terms": ["a"]} and delta.computed == {"terms": {"broken": [30], "new": [40]}}
    builder.apply(delta)
    current = builder.current["terms"]
    assert isinstance(current, StoredValues)
    assert current.stored("a") == blobs["a"]  # taken over as read: not unpickled in the builder
    assert current.stored("new") is None and dict(current) == {"a": [1], "broken": [30], "new": [40]}

    cache = Cache(tmp_path, "settings")
    cache.save(State(signature="one", stages=builder.kept()), None)
    loaded = Cache(tmp_path, "settings")
    state = loaded.load()
    loaded.load_rest(state)
    assert dict(state.stages["terms"]) == {"a": [1], "broken": [30], "new": [40]}
    again = StageCache(state.stages)
    assert again.memo("terms", "a", lambda: pytest.fail("kept")) == [1]
    loaded.save(State(signature="two", stages=again.kept()), state)  # only what differs is written
    state = Cache(tmp_path, "settings").load()
    assert state.signature == "two"


def _record_data_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    real = opendata.record_data

    def counted(model, record, base_url):  # type: ignore[no-untyped-def]
        made.append(f"{record.section}/{record.slug}")
        return real(model, record, base_url)

    monkeypatch.setattr(opendata, "record_data", counted)
    return made


def test_open_data_after_an_edit_an_add_and_a_delete_re_encodes_only_those_records(
    site_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _record_data_calls(monkeypatch)
    one = dataclasses.replace(settings(site_project), workers=1)  # in this process, so the calls are counted
    build(one)
    every = len(made)
    assert every >= 24  # commitments, themes, events, stories

    first = commitment(site_project, 0)
    made.clear()
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nA sentence for the open data.\n"))
    build(one)
    assert made == [f"commitments/{first.name}"]
    assert_same_as_clean_build(site_project)

    added = site_project / "content" / "commitments" / "ar9997"
    shutil.copytree(commitment(site_project, 2), added)
    edit(added / "facts.yaml", lambda t: re.sub(r"^id: \w+$", "id: AR9997", t, flags=re.M))
    made.clear()
    build(one)
    assert made == ["commitments/ar9997"]
    assert_same_as_clean_build(site_project)

    gone = commitment(site_project, 3)
    shutil.rmtree(gone)
    made.clear()
    build(one)
    assert made == []
    assert_same_as_clean_build(site_project)
    assert not (site_project / "site" / "data" / "commitments" / f"{gone.name}.json").exists()

    # A plan's cycle is shown in every commitment of that plan: those are made again, not kept.
    plan = re.search(r"^action_plan: (\S+)$", (first / "facts.yaml").read_text(encoding="utf-8"), re.M)
    assert plan is not None
    plans = site_project / "content" / "action_plans.yaml"
    edit(
        plans,
        lambda t: re.sub(
            rf"^({re.escape(plan.group(1))}:\n  member: \S+\n  cycle: )(\d+)", lambda m: f"{m[1]}{int(m[2]) - 1}", t, flags=re.M
        ),
    )
    in_plan = {
        f"commitments/{folder.name}"
        for folder in (site_project / "content" / "commitments").iterdir()
        if f"action_plan: {plan.group(1)}\n" in (folder / "facts.yaml").read_text(encoding="utf-8")
    }
    made.clear()
    build(one)
    assert set(made) == in_plan and f"commitments/{first.name}" in in_plan
    assert_same_as_clean_build(site_project)


def test_per_record_open_data_from_worker_processes_equals_a_clean_build(site_project: Path) -> None:
    parallel = dataclasses.replace(settings(site_project), workers=2)
    build(parallel)
    first = commitment(site_project, 0)
    edit(first / "es.md", lambda t: t.replace("## ", "## Nuevo: ", 1))
    build(parallel)
    assert_same_as_clean_build(site_project)
    shutil.rmtree(commitment(site_project, 1))
    build(parallel)
    assert_same_as_clean_build(site_project)


def test_template_closures_are_taken_from_the_last_build_only_for_the_same_templates() -> None:
    closures = {"commitment.html": "c1", "base.html": "b1"}
    assert known_closures(("t1", closures), "t1") == ("t1", closures)
    assert known_closures(["t1", closures], "t1") == ("t1", closures)  # as the cache may give it back
    assert known_closures(("t0", closures), "t1") == ("", {})  # a template changed since
    assert known_closures(None, "t1") == ("", {})  # a cache from before closures were kept
    assert known_closures(("t1", "not a dict"), "t1") == ("", {})


def test_a_build_reuses_the_last_builds_template_closures(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = dataclasses.replace(settings(site_project), workers=1)
    build(one)
    parsed: list[str] = []
    real = Renderer._closure_digest

    def counted(self, name):  # type: ignore[no-untyped-def]
        if name not in self._closures:
            parsed.append(name)
        return real(self, name)

    monkeypatch.setattr(Renderer, "_closure_digest", counted)
    edit(commitment(site_project, 0) / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nOne more line.\n"))
    build(one)
    assert parsed == []
    edit(site_project / "templates" / "commitment.html", lambda t: t.replace('{{ _("Commitment") }}', '{{ _("Commitment") }}:'))
    build(one)
    assert "commitment.html" in parsed
    assert_same_as_clean_build(site_project)


def test_the_stage_that_took_longest_last_time_starts_first() -> None:
    names = ["feeds", "calendar", "opendata", "sitemap", "search", "filters"]
    seconds = {"feeds": 0.1, "calendar": 0.3, "opendata": 2.0, "sitemap": 0.2, "search": 9.0, "filters": 0.05}
    assert longest_first([0, 1, 2, 3, 4, 5], names, seconds) == [4, 2, 1, 3, 0, 5]
    assert longest_first([0, 3, 5], names, seconds) == [3, 0, 5]  # only those to run
    # never timed (a first build, a new stage): as long as any, and in the stages' own order
    assert longest_first([0, 1, 4], names, {"search": 9.0}) == [0, 1, 4]
    assert longest_first([0, 1, 4], names, {"feeds": 0.1, "calendar": 0.3}) == [4, 1, 0]


def test_a_stage_file_the_site_already_has_is_kept_unread(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = dataclasses.replace(settings(site_project), workers=1)
    build(one)
    compared: list[str] = []
    real = writers._same_file

    def counted(old: Path, data: bytes) -> bool:
        compared.append(old.relative_to(site_project / "site").as_posix())
        return real(old, data)

    monkeypatch.setattr(writers, "_same_file", counted)
    first = commitment(site_project, 0)
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nOne more line.\n"))
    build(one)
    monkeypatch.undo()
    records = {name for name in compared if name.startswith("data/commitments/")}
    assert records == {f"data/commitments/{first.name}.json"}  # the others are the site's already
    assert not [name for name in compared if "/search-texts/" in name and name.startswith("es/")]  # an English edit
    assert_same_as_clean_build(site_project)


def _scan(folders: dict[str, tuple[str, str | None]], top: str = "top") -> InputScan:
    scanned = {name: FolderScan(section, name, digest) for name, (section, digest) in folders.items()}
    content = "" if any(digest is None for _, digest in folders.values()) else f"all:{sorted(folders.items())}:{top}"
    return InputScan(Inputs({}, 0), scanned, top, "templates", content)


def test_a_stage_naming_its_sections_is_keyed_by_those_folders_and_the_top_of_content_only() -> None:
    folders = {"commitments/ar0001": ("commitments", "c1"), "events/meet": ("events", "e1"), "themes/open": ("themes", "t1")}
    feeds = ("stories", "events", "themes")
    key = content_digest_for(_scan(folders), feeds)
    assert content_digest_for(_scan({**folders, "commitments/ar0001": ("commitments", "c2")}), feeds) == key  # edited
    assert content_digest_for(_scan({**folders, "commitments/ar0002": ("commitments", "c9")}), feeds) == key  # added
    assert content_digest_for(_scan({**folders, "events/meet": ("events", "e2")}), feeds) != key
    assert content_digest_for(_scan({**folders, "stories/new": ("stories", "s1")}), feeds) != key
    assert content_digest_for(_scan({k: v for k, v in folders.items() if k != "themes/open"}), feeds) != key
    assert content_digest_for(_scan(folders, top="other"), feeds) != key  # site.yaml or a supporting file
    assert content_digest_for(_scan(folders), ("events", "themes")) != key  # another set of sections
    assert content_digest_for(_scan(folders), None) == _scan(folders).content_digest  # a stage naming none: everything
    assert content_digest_for(_scan({**folders, "commitments/bad": ("commitments", None)}), feeds) == ""  # unreadable


def test_feeds_and_calendars_stand_after_a_commitment_edit_and_follow_an_event_edit(site_project: Path) -> None:
    one = dataclasses.replace(settings(site_project), workers=1)
    build(one)
    edit(commitment(site_project, 0) / "en.md", lambda t: retitle(t, "A commitment retitled"))
    report = build(one)
    assert report.stage_seconds["feeds"] is None and report.stage_seconds["calendar"] is None
    assert report.stage_seconds["opendata"] is not None  # it shows commitments
    assert_same_as_clean_build(site_project)
    event = sorted((site_project / "content" / "events").iterdir())[0]
    edit(event / "en.md", lambda t: retitle(t, "An event retitled"))
    report = build(one)
    assert report.stage_seconds["feeds"] is not None and report.stage_seconds["calendar"] is not None
    assert_same_as_clean_build(site_project)


def test_finish_after_a_deferred_rebuild_recomputes_only_the_edited_record(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _record_data_calls(monkeypatch)
    builder = Builder(dataclasses.replace(settings(site_project), workers=1), mode=BuildMode.PREVIEW)
    builder.build()
    first = commitment(site_project, 0)
    for n in range(2):  # the second time, from the state the first finish() left
        text = first / "en.md"
        edit(text, lambda t, n=n: t.replace("## Milestones", f"## Milestones\n\nPreview line {n}.\n"))
        made.clear()
        builder.rebuild([text])
        assert "opendata" in builder.pending_stages and made == []  # deferred: its memo is kept meanwhile
        builder.finish()
        assert made == [f"commitments/{first.name}"]
    monkeypatch.undo()
    assert_same_as_clean_build(site_project)


def test_an_edit_of_one_language_indexes_only_that_language(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    indexed: list[str] = []
    real = search_stage.build_language

    def counted(model, lang, *args, **kwargs):  # type: ignore[no-untyped-def]
        indexed.append(lang)
        return real(model, lang, *args, **kwargs)

    monkeypatch.setattr(search_stage, "build_language", counted)
    one = dataclasses.replace(settings(site_project), workers=1)  # in this process, so the calls are counted
    build(one)
    assert sorted(indexed) == ["en", "es"]

    first = commitment(site_project, 0)
    indexed.clear()
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nA sentence only English readers get.\n"))
    build(one)
    assert indexed == ["en"]  # the Spanish documents are as they were: their files are kept
    assert_same_as_clean_build(site_project)

    indexed.clear()
    assert (first / "es.md").is_file()
    edit(first / "es.md", lambda t: t.rstrip("\n") + "\n\nUna frase solo para quien lee en español.\n")
    build(one)
    assert indexed == ["es"]
    assert_same_as_clean_build(site_project)


def test_an_edit_makes_the_search_documents_of_the_records_it_changed_only(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str, str]] = []
    real = search_documents._document

    def counted(model, record, lang, ref):  # type: ignore[no-untyped-def]
        made.append((record.section, record.slug, lang))
        return real(model, record, lang, ref)

    monkeypatch.setattr(search_documents, "_document", counted)
    one = dataclasses.replace(settings(site_project), workers=1)  # in this process, so the calls are counted
    build(one)
    assert len(made) > 40  # all of them, the first time

    first = commitment(site_project, 0)
    made.clear()
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nA sentence for the search documents.\n"))
    build(one)
    assert sorted(made) == [("commitments", first.name, "en"), ("commitments", first.name, "es")]  # its folder's, no other
    assert_same_as_clean_build(site_project)

    # a member's English name: the English documents of the commitments it holds (their place)
    made.clear()
    members = site_project / "content" / "members.yaml"
    edit(members, lambda t: t.replace('name: {en: "Argentina"', 'name: {en: "Argentine Republic"', 1))
    build(one)
    argentine = {path.name for path in (site_project / "content" / "commitments").iterdir() if path.name.startswith("ar")}
    assert argentine and {(section, slug) for section, slug, _ in made} >= {("commitments", slug) for slug in argentine}
    assert {lang for _, _, lang in made} == {"en"}
    assert len(made) < 20
    assert_same_as_clean_build(site_project)


def test_a_build_replaces_its_changed_files_in_place_only_when_few_change_on_an_intact_site() -> None:
    asked: list[bool] = []

    def intact(answer: bool) -> Callable[[], bool]:
        def ask() -> bool:
            asked.append(answer)
            return answer

        return ask

    assert changes_in_place(3, 1000, intact(True))
    assert changes_in_place(100, 1000, intact(True))  # a tenth of the pages
    assert not changes_in_place(101, 1000, intact(True))  # more: a new copy, swapped in whole
    assert not changes_in_place(3, 1000, intact(False))  # a stray or damaged file: a new copy drops it
    assert asked == [True, True, False]  # the site's stats are read only when few pages render


def test_an_edit_replaces_the_changed_files_in_the_published_site(site_project: Path) -> None:
    build(settings(site_project))
    site = site_project / "site"
    folder, kept = site.stat().st_ino, (site / "en/index.html").stat()
    first = commitment(site_project, 0)
    page = site / "en/commitments" / first.name / "index.html"
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nReplaced in place.\n"))
    report = build(settings(site_project))
    assert 0 < report.written < 20
    assert "Replaced in place." in page.read_text(encoding="utf-8")
    assert site.stat().st_ino == folder  # not a new copy swapped in
    assert (site / "en/index.html").stat().st_ino == kept.st_ino
    assert not list(site_project.glob(".site.building-*"))  # the staged files were renamed into the site
    assert_same_as_clean_build(site_project)


def test_a_failed_edit_build_leaves_the_site_and_no_staged_files(site_project: Path) -> None:
    build(settings(site_project))
    site = site_project / "site"
    writer = writers.ChangesWriter(site, {"en/index.html"})
    assert writer.write("en/new/index.html", b"<p>new</p>")
    assert not writer.write("en/index.html", (site / "en/index.html").read_bytes())  # the same bytes: not staged
    writer.abort()
    assert not (site / "en/new").exists() and not list(site_project.glob(".site.building-*"))
    writer = writers.ChangesWriter(site, {"en/index.html", "es/index.html"})
    writer.write("en/index.html", b"<p>changed</p>")
    writer.reuse("es/index.html", present=True)
    writer.commit()
    assert (site / "en/index.html").read_bytes() == b"<p>changed</p>"
    assert (site / "es/index.html").is_file()
    assert not list(site_project.glob(".site.building-*"))


def test_the_collector_is_paused_while_the_model_is_made_and_left_as_it_was() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
    frozen = gc.get_freeze_count()
    try:
        with collector_paused(freeze=True):
            made = [[n] for n in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(made)  # out of the collector's sight
    finally:
        gc.unfreeze()


def test_a_file_no_longer_made_goes_with_the_folders_it_leaves_empty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for relpath in ("en/a/one/index.html", "en/a/two/index.html", "en/b/index.html"):
        (site / relpath).parent.mkdir(parents=True, exist_ok=True)
        (site / relpath).write_bytes(b"x")
    writer = writers.InPlaceWriter(site, {"en/a/one/index.html", "en/a/two/index.html", "en/b/index.html"})
    writer.reuse("en/a/two/index.html")
    writer.commit()
    assert not (site / "en/a/one").exists() and not (site / "en/b").exists()
    assert (site / "en/a/two/index.html").is_file()  # its folder still holds a file: kept


def test_a_single_build_leaves_nothing_frozen_in_its_process(site_project: Path) -> None:
    for workers in (1, 2):  # in one process, or forking workers (parallel.run freezes too)
        edit(commitment(site_project, 0) / "en.md", lambda t, n=workers: t.replace("## Milestones", f"## Milestones\n\nRun {n}.\n"))
        build(dataclasses.replace(settings(site_project), workers=workers))
        assert gc.get_freeze_count() == 0  # what it made can be collected once dropped
