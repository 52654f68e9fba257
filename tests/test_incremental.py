"""A cached, incremental build always equals a clean build, byte for byte, and does less work.

Each step edits a small generated project (content, templates, translations, deletions, renames,
supporting files, settings), builds it incrementally with the build cache, builds the same
project from nothing into another folder with the cache off, and compares the two sites file by
file. Listings are cut into tiny pages so pagination is exercised too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.corpus import generate
from ogpsite.build import Builder, BuildMode, BuildReport, build
from ogpsite.errors import BuildFailed
from ogpsite.incremental.manifest import output_intact
from ogpsite.model import pagination
from ogpsite.settings import BuildSettings
from ogpsite.stages import search

from .conftest import BUILD_DATE, ROOT, run_cli

SMALL_PAGES = {"commitments.html": 7, "theme.html": 4, "stories.html": 2, "events.html": 2}


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    for template, size in SMALL_PAGES.items():
        monkeypatch.setitem(pagination.PER_PAGE, template, size)


def generated_project(folder: Path, commitments: int = 16, events: int = 4, stories: int = 4) -> Path:
    """A generated project in `folder`: commitments, events and stories from benchmarks/corpus.py
    (its small vocabulary), and a private copy of the templates."""
    generate(folder / "content", commitments, events=events, stories=stories, vocabulary_name="small")
    shutil.copytree(ROOT / "templates", folder / "templates")
    return folder


@pytest.fixture
def site_project(tmp_path: Path, small_pages: None) -> Path:
    """16 generated commitments, 4 events, 4 stories, and a private copy of the templates."""
    return generated_project(tmp_path)


def index_terms(language_dir: Path) -> str:
    """Every term of a built language's search index, one a line (its shards hold the same)."""
    return "\n".join(sorted(search.site_terms(language_dir)))


def settings(project: Path, output: str = "site", cache: bool = True, today: dt.date = BUILD_DATE) -> BuildSettings:
    return BuildSettings(project, project / "content", project / "templates", project / output, None, today, use_cache=cache)


def files(folder: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def assert_same_as_clean_build(project: Path, today: dt.date = BUILD_DATE) -> None:
    clean = project / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.rmtree(project / ".clean.spare", ignore_errors=True)
    build(BuildSettings(project, project / "content", project / "templates", clean, None, today, use_cache=False, workers=1))
    built, expected = files(project / "site"), files(clean)
    assert built.keys() == expected.keys(), (sorted(built.keys() - expected.keys()), sorted(expected.keys() - built.keys()))
    different = [name for name in expected if built[name] != expected[name]]
    assert not different, f"differs from a clean build: {different[:10]}"


def commitment(project: Path, n: int) -> Path:
    return sorted((project / "content" / "commitments").iterdir())[n]


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"the edit did not change {path}"
    path.write_text(changed, encoding="utf-8")


def retitle(text: str, title: str) -> str:
    return re.sub(r'^title: ".*?"$', f'title: "{title}"', text, count=1, flags=re.M)


def renamed_commitment(project: Path, n: int, new_id: str) -> None:
    source = commitment(project, n)
    target = source.parent / new_id.lower()
    os.rename(source, target)
    edit(target / "facts.yaml", lambda t: re.sub(r"^id: \w+$", f"id: {new_id}", t, flags=re.M))


def edit_sequence(project: Path) -> Iterator[tuple[str, dt.date, list[Path]]]:
    """(what changed, build date, paths touched) after making each edit."""
    content, templates = project / "content", project / "templates"
    first = commitment(project, 0)
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nA paragraph added to the body.\n"))
    yield "a commitment's English body", BUILD_DATE, [first / "en.md"]
    edit(first / "en.md", lambda t: retitle(t, "A title shown in listings"))
    yield "a commitment's title", BUILD_DATE, [first / "en.md"]
    theme = content / "themes" / "open-state"
    edit(theme / "es.md", lambda t: re.sub(r"^title: .*$", "title: Estado abierto y transparente", t, count=1, flags=re.M))
    yield "a theme's Spanish title (shown on commitment pages and in JSON-LD)", BUILD_DATE, [theme / "es.md"]
    edit(templates / "commitment.html", lambda t: t.replace('{{ _("Commitment") }}', '{{ _("Commitment") }}:'))
    yield "the commitment template", BUILD_DATE, [templates / "commitment.html"]
    edit(templates / "_macros.html", lambda t: t.replace('<li class="record-item">', '<li class="record-item item">'))
    yield "a macro every listing imports", BUILD_DATE, [templates / "_macros.html"]
    po = templates / "locale" / "es" / "LC_MESSAGES" / "messages.po"
    edit(po, lambda t: t.replace('msgstr "Página siguiente"', 'msgstr "Siguiente página"'))
    yield "a Spanish UI translation", BUILD_DATE, [po]
    es = commitment(project, 1) / "es.md"
    es.unlink()
    yield "a deleted translation (the Spanish page falls back to English)", BUILD_DATE, [es]
    gone = commitment(project, 3)
    shutil.rmtree(gone)
    yield "a deleted commitment", BUILD_DATE, [gone]
    old = commitment(project, 4)
    renamed_commitment(project, 4, "ZZ9999")
    yield "a renamed commitment (folder and id)", BUILD_DATE, [old, content / "commitments" / "zz9999"]
    added = content / "commitments" / "ar9998"
    shutil.copytree(commitment(project, 2), added)
    edit(added / "facts.yaml", lambda t: re.sub(r"^id: \w+$", "id: AR9998", t, flags=re.M))
    yield "an added commitment", BUILD_DATE, [added]
    edit(content / "members.yaml", lambda t: t.replace('name: {en: "Argentina"', 'name: {en: "Argentine Republic"', 1))
    yield "a member's name (a supporting file)", BUILD_DATE, [content / "members.yaml"]
    edit(content / "site.yaml", lambda t: t.replace("Open Government in the Americas", "Open Government, Americas"))
    yield "the site title", BUILD_DATE, [content / "site.yaml"]
    yield "the build date (events move from upcoming to past)", dt.date(2019, 6, 1), []
    edit(templates / "assets" / "site.css", lambda t: t + "\n.pager { margin: 2rem 0; }\n")
    yield "a stylesheet (its version is in every page)", dt.date(2019, 6, 1), [templates / "assets" / "site.css"]
    script = templates / "assets" / "search-core.js"
    edit(script, lambda t: t + "\n// edited\n")
    yield "a script the search stage reads (its version is in the search data)", dt.date(2019, 6, 1), [script]


def test_incremental_builds_equal_clean_builds(site_project: Path) -> None:
    first = build(settings(site_project))
    assert first.rendered > 60 and first.cached == 0
    assert_same_as_clean_build(site_project)
    again = build(settings(site_project))
    assert again.up_to_date and again.written == 0 and again.rendered == 0
    for what, today, _ in edit_sequence(site_project):
        report = build(settings(site_project, today=today))
        assert not report.up_to_date, what
        assert report.cached > 0 or what.startswith(("the site title", "a stylesheet")), what
        assert_same_as_clean_build(site_project, today)


def test_the_preview_builders_rebuilds_equal_clean_builds(site_project: Path) -> None:
    """The preview server's path: one Builder, told which paths changed, updating the site in place."""
    builder = Builder(settings(site_project), mode=BuildMode.WATCH)
    builder.build()
    checkpoints = ("a commitment's title", "a Spanish UI translation", "a renamed commitment (folder and id)", "the site title")
    for what, today, touched in edit_sequence(site_project):
        if today != builder.settings.today:
            builder = Builder(settings(site_project, today=today), mode=BuildMode.WATCH)  # a new date is a new preview
            builder.build()
        else:
            report = builder.rebuild(touched)
            assert not report.up_to_date, what
        state = builder._state
        assert state is not None and output_intact(builder.settings.output_dir, state.manifest), f"stale manifest after {what}"
        if what in checkpoints:
            assert_same_as_clean_build(site_project, today)
    assert_same_as_clean_build(site_project, today)


def test_deferred_stages_catch_up_in_finish_or_in_the_next_build(site_project: Path) -> None:
    """The preview's fast path: a rebuild renders the touched pages and leaves the search index,
    feeds and data files as they were; finish() (or any later build) brings them up to date."""
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    builder.build()
    assert builder.pending_stages == ()
    site = site_project / "site"
    first = commitment(site_project, 0)
    index_before = (site / "en" / "search-index.json").read_bytes()
    edit(first / "en.md", lambda t: retitle(t, "Zanzibarian procurement register"))
    report = builder.rebuild([first / "en.md"])
    assert "search" in builder.pending_stages and "opendata" in builder.pending_stages
    assert "Zanzibarian" in (site / "en" / "commitments" / first.name / "index.html").read_text(encoding="utf-8")
    assert (site / "en" / "search-index.json").read_bytes() == index_before, "deferred: the old index stays"
    assert f"en/commitments/{first.name}/" in report.rendered_urls

    finished = builder.finish()
    assert finished is not None and finished.rendered == 0 and builder.pending_stages == ()
    assert "zanzibarian" in index_terms(site / "en")
    assert builder.finish() is None
    assert_same_as_clean_build(site_project)

    # deferred and never finished (the server stopped): the next build is not taken for up to date
    edit(first / "en.md", lambda t: retitle(t, "Quetzal transparency register"))
    builder.rebuild([first / "en.md"])
    assert builder.pending_stages
    later = build(settings(site_project))
    assert not later.up_to_date and later.rendered == 0
    assert "quetzal" in index_terms(site / "en")
    assert_same_as_clean_build(site_project)
    assert build(settings(site_project)).up_to_date

    # a server started on an up-to-date site defers too from its first save, updating in place
    restarted = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    assert restarted.build().up_to_date
    page = site / "en" / "commitments" / first.name / "index.html"
    inode = (site / "index.html").stat().st_ino
    edit(first / "en.md", lambda t: retitle(t, "Okapi openness register"))
    restarted.rebuild([first / "en.md"])
    assert "search" in restarted.pending_stages
    assert "Okapi" in page.read_text(encoding="utf-8") and (site / "index.html").stat().st_ino == inode
    assert "okapi" not in index_terms(site / "en")
    restarted.finish()
    assert "okapi" in index_terms(site / "en")
    assert_same_as_clean_build(site_project)


def test_a_warmed_builder_rebuilds_from_memory(site_project: Path) -> None:
    """warm(): a preview started on an up-to-date site reads the cache once, between edits; its
    first rebuild then reads neither the cache's records nor any unchanged record's files."""
    from ogpsite.content import load as content
    from ogpsite.incremental import cache

    build(settings(site_project))
    builder = Builder(settings(site_project), mode=BuildMode.PREVIEW)
    assert builder.build().up_to_date
    assert builder.warm() and not builder.warm(), "once"

    def no_cache_read(*_: object) -> None:
        raise AssertionError("the rebuild read the cache again")

    parsed: list[str] = []
    real_load_record = content.load_record
    first = commitment(site_project, 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache.Cache, "load_rest", no_cache_read)
        patch.setattr(content, "load_record", lambda folder, *a, **k: parsed.append(folder.name) or real_load_record(folder, *a, **k))
        edit(first / "en.md", lambda t: retitle(t, "Axolotl accountability register"))
        report = builder.rebuild([first / "en.md"])
    assert parsed == [first.name]
    assert 0 < report.rendered < report.cached and builder.pending_stages
    builder.finish()
    assert "axolotl" in index_terms(site_project / "site" / "en")
    assert_same_as_clean_build(site_project)


def test_an_edit_renders_only_the_pages_that_show_it(site_project: Path) -> None:
    build(settings(site_project))
    first = commitment(site_project, 0)
    slug = first.name
    edit(first / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nOne more paragraph.\n"))
    report = build(settings(site_project))
    assert report.rendered_urls == [f"en/commitments/{slug}/"], "the body is shown on its own page only"

    edit(first / "en.md", lambda t: retitle(t, "Renamed for the listings"))
    report = build(settings(site_project))
    rendered = set(report.rendered_urls)
    assert f"en/commitments/{slug}/" in rendered
    assert any((url.startswith("en/commitments/") and "/page/" in url) or url == "en/commitments/" for url in rendered), rendered
    assert any(url.startswith("en/themes/") for url in rendered), "its themes list its title"
    assert not any(url.startswith("es/") for url in rendered), "the Spanish pages show the Spanish title"
    assert report.cached > report.rendered * 5


def test_unchanged_files_keep_their_inode_and_time(site_project: Path) -> None:
    site = site_project / "site"
    build(settings(site_project))
    slug = commitment(site_project, 0).name
    other = site / "en" / "commitments" / commitment(site_project, 5).name / "index.html"
    edited = site / "en" / "commitments" / slug / "index.html"
    before_other, before_edited = other.stat(), edited.stat()
    edit(commitment(site_project, 0) / "en.md", lambda t: t.replace("## Milestones", "## Milestones\n\nChanged.\n"))
    report = build(settings(site_project))
    after_other, after_edited = other.stat(), edited.stat()
    assert (after_other.st_ino, after_other.st_mtime_ns) == (before_other.st_ino, before_other.st_mtime_ns)
    assert after_edited.st_ino != before_edited.st_ino
    assert report.written < 10 and report.reused > 100


def test_a_tampered_site_is_repaired(site_project: Path) -> None:
    site = site_project / "site"
    build(settings(site_project))
    (site / "en" / "commitments" / commitment(site_project, 2).name / "index.html").unlink()
    (site / "es" / "index.html").write_text("tampered", encoding="utf-8")
    (site / "en" / "stray.html").write_text("not ours", encoding="utf-8")
    report = build(settings(site_project))
    assert not report.up_to_date
    assert_same_as_clean_build(site_project)


def test_a_damaged_cache_is_only_a_slower_build(site_project: Path) -> None:
    build(settings(site_project))
    [state] = (site_project / ".cache" / "ogpsite").glob("*/state.sqlite")
    with sqlite3.connect(state) as db:
        db.execute("UPDATE pages SET entry = x'00ff'")
        db.execute("DELETE FROM digests")
    edit(commitment(site_project, 0) / "en.md", lambda t: retitle(t, "After the damage"))
    build(settings(site_project))
    assert_same_as_clean_build(site_project)
    state.write_bytes(b"not a database at all")
    edit(commitment(site_project, 1) / "en.md", lambda t: retitle(t, "Again"))
    build(settings(site_project))
    assert_same_as_clean_build(site_project)


def test_a_failed_build_changes_neither_the_site_nor_the_cache(site_project: Path) -> None:
    build(settings(site_project))
    before = files(site_project / "site")
    facts = commitment(site_project, 0) / "facts.yaml"
    good = facts.read_text(encoding="utf-8")
    facts.write_text(good.replace("status: ", "status: finished # "), encoding="utf-8")
    with pytest.raises(BuildFailed):
        build(settings(site_project))
    assert files(site_project / "site") == before
    facts.write_text(good, encoding="utf-8")
    report = build(settings(site_project))
    assert report.up_to_date, "the cache still describes the site the failed build left alone"


def test_parallel_and_single_process_builds_are_identical(site_project: Path) -> None:
    content, templates = site_project / "content", site_project / "templates"
    one = BuildSettings(site_project, content, templates, site_project / "one", None, BUILD_DATE, use_cache=False, workers=1)
    two = BuildSettings(site_project, content, templates, site_project / "two", None, BUILD_DATE, use_cache=False, workers=2)
    report = build(two)
    assert report.rendered >= 48, "enough pages for the worker processes to be used"
    build(one)
    assert files(site_project / "one") == files(site_project / "two")


def test_output_stages_rerun_only_when_what_they_read_changes(site_project: Path) -> None:
    """A stage's outputs are reused unless the model, the settings or a file it read changed."""
    from ogpsite.stages import DEFAULT_STAGES, StageResult

    notes = site_project / "notes.txt"
    notes.write_text("first", encoding="utf-8")
    runs: list[str] = []

    class NotesStage:  # a stage added by a site: given to the build, nothing patched
        name = "notes"

        def run(self, model: object, context: object) -> StageResult:
            text = notes.read_text(encoding="utf-8")
            runs.append(text)
            return StageResult({"notes.txt": text.encode()})

    stages = (*DEFAULT_STAGES, NotesStage())
    content, templates = site_project / "content", site_project / "templates"
    one = BuildSettings(site_project, content, templates, site_project / "site", None, BUILD_DATE, workers=1)
    build(one, stages=stages)
    assert runs == ["first"]
    edit(site_project / "templates" / "commitment.html", lambda t: t.replace('{{ _("Commitment") }}', "{{ _('Commitment') }} ·"))
    report = build(one, stages=stages)
    assert runs == ["first"] and report.rendered > 0, "a page template is not one of its inputs"
    notes.write_text("second", encoding="utf-8")
    report = build(one, stages=stages)
    assert not report.up_to_date and runs == ["first", "second"]
    assert (site_project / "site" / "notes.txt").read_text(encoding="utf-8") == "second"
    edit(commitment(site_project, 0) / "en.md", lambda t: retitle(t, "New"))
    build(one, stages=stages)
    assert runs == ["first", "second", "second"], "the model changed"
    assert build(one, stages=stages).up_to_date


# --- the command line ---------------------------------------------------------------------------


def _cli(project: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("build", "--templates", str(project / "templates"), "--date", BUILD_DATE.isoformat(), *args, cwd=project)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def cli_project(tmp_path: Path) -> Path:
    generate(tmp_path / "content", 12, events=3, stories=3, vocabulary_name="small")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


def test_cli_summary_no_cache_and_clean(cli_project: Path) -> None:
    code, out, err = _cli(cli_project)
    assert code == 0, err
    assert re.search(r"^Built \d+ pages in [\d.]+ s into site/ \(\d+ files written, 0 unchanged; (\d+) pages rendered, 0 reused", out, re.M)
    assert "\x1b[" not in out + err, "no progress display when the output is not a terminal"
    code, out, _ = _cli(cli_project)
    assert "nothing had changed" in out
    code, out, _ = _cli(cli_project, "--no-cache")
    assert code == 0 and re.search(r"(\d+) pages rendered, 0 reused from the cache", out)
    assert (cli_project / ".cache" / "ogpsite").is_dir()

    result = run_cli("clean", cwd=cli_project)
    assert result.returncode == 0, result.stderr
    assert not (cli_project / ".cache" / "ogpsite").exists()
    assert not (cli_project / "site").exists() and not (cli_project / ".site.spare").exists()
    result = run_cli("clean", cwd=cli_project)
    assert "Nothing to remove" in result.stdout


def test_clean_refuses_a_folder_ogpsite_did_not_make(cli_project: Path) -> None:
    (cli_project / "notes").mkdir()
    (cli_project / "notes" / "keep.txt").write_text("mine", encoding="utf-8")
    result = run_cli("clean", "--output", "notes", cwd=cli_project)
    assert result.returncode == 3
    assert (cli_project / "notes" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from ogpsite.build import progress

    primary, secondary = os.openpty()
    with os.fdopen(secondary, "w") as terminal:
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        assert progress.wanted(terminal)
        monkeypatch.setenv("CI", "true")
        assert not progress.wanted(terminal)
    os.close(primary)
    with open(os.devnull, "w") as not_a_terminal:
        monkeypatch.delenv("CI", raising=False)
        assert not progress.wanted(not_a_terminal)


def test_report_counts(site_project: Path) -> None:
    report: BuildReport = build(settings(site_project))
    assert report.pages >= report.rendered
    assert report.written + report.reused >= report.pages
