"""Random sequences of edits: after each, the incremental build equals a clean build, byte for byte.

tests/test_incremental.py walks one fixed sequence of every kind of edit. Here Hypothesis draws
sequences of them (texts, titles, statuses, themes, translations removed, records added and
deleted, a supporting file, a story, a shared template) on a small generated project, built
either as `ogpsite build` does (a new Builder each time, the cache on disk) or as the preview
does (one Builder told which paths changed, its site-wide stages left to `finish()`).

A few examples keep the suite fast; `OGPSITE_RANDOM_EDITS=200` (say) runs more.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogpsite.build import Builder, BuildMode, build

from .test_incremental import assert_same_as_clean_build, edit, generated_project, retitle, small_pages
from .test_incremental import settings as build_settings

EXAMPLES = int(os.environ.get("OGPSITE_RANDOM_EDITS", "3"))
KINDS = ("body", "title", "status", "themes", "drop-es", "delete", "add", "story", "member", "template")
THEME_SETS = ("[open-state]", "[civic-tech, sdgs]", "[subnational]")


@dataclass(frozen=True)
class Step:
    kind: str  # one of KINDS
    pick: int  # which record (modulo how many there are)
    lang: str  # the text edited, where the kind edits one


__all__ = ["small_pages"]  # a fixture used here (as tests/test_finish_stop.py does)

steps = st.builds(Step, st.sampled_from(KINDS), st.integers(0, 50), st.sampled_from(["en", "es"]))


class Editor:
    """Makes one step's edit in the project and says which paths it touched."""

    def __init__(self, project: Path):
        self.project = project
        self.content = project / "content"
        self.counter = itertools.count(1)

    def commitments(self) -> list[Path]:
        return sorted((self.content / "commitments").iterdir())

    def apply(self, step: Step) -> list[Path]:
        n = next(self.counter)
        records = self.commitments()
        record = records[step.pick % len(records)]
        text = record / f"{step.lang}.md"
        if step.kind == "drop-es" and (record / "es.md").exists():
            (record / "es.md").unlink()
            return [record / "es.md"]
        if step.kind == "delete" and len(records) > 3:
            shutil.rmtree(record)
            return [record]
        if step.kind == "add":
            added = self.content / "commitments" / f"zz{9000 + n}"
            shutil.copytree(record, added)
            edit(added / "facts.yaml", lambda t: re.sub(r"^id: \w+$", f"id: ZZ{9000 + n}", t, flags=re.M))
            return [added]
        if step.kind == "status":
            flip = {"active": "inactive", "inactive": "active"}
            edit(
                record / "facts.yaml", lambda t: re.sub(r"^status: (\w+)$", lambda m: f"status: {flip.get(m[1], 'active')}", t, flags=re.M)
            )
            return [record / "facts.yaml"]
        if step.kind == "themes":
            themes = THEME_SETS[n % len(THEME_SETS)]
            facts = record / "facts.yaml"
            if f"themes: {themes}\n" in facts.read_text(encoding="utf-8"):
                themes = THEME_SETS[(n + 1) % len(THEME_SETS)]
            edit(facts, lambda t: re.sub(r"^themes: .*$", f"themes: {themes}", t, count=1, flags=re.M))
            return [facts]
        if step.kind == "story":
            story = sorted((self.content / "stories").iterdir())[step.pick % 2] / "en.md"
            edit(story, lambda t: retitle(t, f"A story retitled, take {n}"))
            return [story]
        if step.kind == "member":
            members = self.content / "members.yaml"
            edit(members, lambda t: re.sub(r'name: \{en: "([^"]*?)(?: \d+)?"', rf'name: {{en: "\1 {n}"', t, count=1))
            return [members]
        if step.kind == "template":
            macros = self.project / "templates" / "_macros.html"
            edit(macros, lambda t: re.sub(r'<li class="record-item[^"]*">', f'<li class="record-item e{n}">', t))
            return [macros]
        if not text.exists():  # "body" and "title" on a dropped translation, and the steps not possible
            text = record / "en.md"
        if step.kind == "title":
            edit(text, lambda t: retitle(t, f"Title number {n}"))
        else:
            edit(text, lambda t: t.rstrip("\n") + f"\n\nA paragraph added by edit {n}, about procurement.\n")
        return [text]


def project_for(base: Path) -> Path:
    """A new project for each example (Hypothesis runs several in one test's tmp_path)."""
    return generated_project(base / f"p{len(list(base.iterdir()))}", 8, events=2, stories=2)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(steps, min_size=1, max_size=4), preview=st.booleans())
def test_random_edit_sequences_build_as_a_clean_build(tmp_path: Path, small_pages: None, edits: list[Step], preview: bool) -> None:
    project = project_for(tmp_path)
    editor = Editor(project)
    builder = Builder(build_settings(project), mode=BuildMode.PREVIEW) if preview else None
    first = builder.build() if builder else build(build_settings(project))
    assert first.rendered > 0
    for step in edits:
        touched = editor.apply(step)
        if builder is not None:
            report = builder.rebuild(touched)
            builder.finish()
            assert builder.pending_stages == (), step
        else:
            report = build(build_settings(project))
        assert not report.up_to_date, step
        assert report.cached > 0 or step.kind == "template", f"{step}: every page rendered again"
        assert_same_as_clean_build(project)


def test_every_kind_of_step_changes_the_site(tmp_path: Path, small_pages: None) -> None:
    """The steps above are real edits: each one, made in turn, changes some published file."""
    project = project_for(tmp_path)
    editor = Editor(project)
    build(build_settings(project))
    for kind in KINDS:
        before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
        editor.apply(Step(kind, 1, "en"))
        build(build_settings(project))
        after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
        assert before != after, kind
