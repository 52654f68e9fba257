"""The preview's fast path: a save that edits the texts of records the site already has first
writes those records' own pages, so the browser reloads them at once; the incremental rebuild that
follows makes everything else right (listings, themes, search…) and writes the same pages again,
byte for byte the same when they read nothing else that changed.

Which saves may go this way is one decision, `fast_path_records` (the paths), then
`patch_refused` (the record as parsed again): only files of existing record folders with pages
of their own, none deleted, facts unchanged, no errors. Anything else (a new, deleted or renamed
record, a facts edit, site.yaml or a supporting file, templates, assets, catalogs) goes the normal
way only. The page is rendered from the last good build's model, kept in memory (`Shown`), with
the record's texts replaced in place: the lists and indexes holding that record see its new
texts, and nothing else of the model is read again (no loading of the other records, no page
digests, no outdated decision). If the rebuild then fails, `FastEdit.restore` puts back the files
the last good build published.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ogpsite.build.workers import RENDER_ERRORS
from ogpsite.content.load import RecordSource, load_record
from ogpsite.errors import Problem
from ogpsite.model.pages import SECTIONS, Page
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.texts import record_texts
from ogpsite.model.urls import output_file
from ogpsite.output.writers import InPlaceWriter
from ogpsite.render.renderer import Renderer
from ogpsite.settings import BuildSettings

MAX_RECORDS = 2  # a save names one record, two at most (a text and its translation saved at once)
RecordKey = tuple[str, str]  # (section, slug)


@dataclass(frozen=True)
class FastPath:
    """Which records' pages a save lets the preview write first (none: `reason` says why not)."""

    records: tuple[RecordKey, ...] = ()
    reason: str = ""


def fast_path_records(
    changed: Sequence[PurePath], content_dir: PurePath, known: Collection[RecordKey], gone: Collection[PurePath]
) -> FastPath:
    """The decision on the paths of a save (absolute, as the watcher reports them, with
    `content_dir` spelled the same way): every one a file of an existing record folder with pages
    of its own (`known`: the records of the last good build), either its facts.yaml or a text,
    none of them `gone` (deleted or renamed away), and at most MAX_RECORDS records."""
    if not changed:
        return FastPath(reason="nothing changed")
    records: list[RecordKey] = []
    for path in changed:
        if not path.is_relative_to(content_dir):
            return FastPath(reason=f"{path.name} is not content")
        parts = path.relative_to(content_dir).parts
        if len(parts) != 3 or parts[0] not in SECTIONS:
            return FastPath(reason=f"{path.name} is not a file of a record with pages")
        section, slug, name = parts
        if name != "facts.yaml" and not name.endswith(".md"):
            return FastPath(reason=f"{name} is not a record's facts or text")
        if (section, slug) not in known:
            return FastPath(reason=f"{section}/{slug} is a new record")
        if path in gone:
            return FastPath(reason=f"{name} was deleted")
        if (section, slug) not in records:
            records.append((section, slug))
    if len(records) > MAX_RECORDS:
        return FastPath(reason=f"{len(records)} records changed")
    return FastPath(tuple(records))


def patch_refused(record: Record, source: RecordSource | None, problems: Sequence[Problem], default: str) -> str:
    """Why a record parsed again cannot stand in the last model for the fast path ("": it can):
    it has errors (the rebuild reports them), its facts changed (its references, the lists it is
    in and their order may have), or it lost its default text."""
    if source is None or any(problem.is_error for problem in problems):
        return "the record has errors"
    if source.facts != record.facts:
        return "its facts changed"
    if default not in source.texts:
        return f"its {default} text is missing"
    return ""


@dataclass
class Shown:
    """What the last good build of a kept Builder showed: its model, renderer and pages."""

    model: SiteModel
    renderer: Renderer
    pages: list[Page]
    # The texts a fast edit replaced, kept alive: the renderer's index knows objects by id(),
    # and a freed one's id could be given to a new object.
    replaced: list[object] = field(default_factory=list)
    _record_pages: dict[RecordKey, list[Page]] | None = None

    def record_pages(self, key: RecordKey) -> list[Page]:
        """A record's own pages (every language, every numbered page)."""
        if self._record_pages is None:
            self._record_pages = {}
            for page in self.pages:
                if page.slug is not None and page.section is not None:
                    self._record_pages.setdefault((page.section, page.slug), []).append(page)
        return self._record_pages.get(key, [])

    def prepare(self) -> None:
        """What the first fast edit would otherwise spend its time on, done while the preview is
        idle (Builder.warm): the records' pages found, and one page of each kind rendered in each
        language (the last build may have rendered them all in worker processes), so that the
        templates are compiled and the values every page shares are made."""
        if self._record_pages is not None:
            return
        self.record_pages(("", ""))
        assert self._record_pages is not None
        first: dict[tuple[str, str | None], Page] = {}
        for pages in self._record_pages.values():
            for page in pages:
                first.setdefault((page.template, page.lang), page)
        for page in first.values():
            with contextlib.suppress(*RENDER_ERRORS):  # the page's own fault: the build reported it
                self.renderer.render(page)


@dataclass
class FastEdit:
    """What the fast path did: the pages written and the files they replaced (to put back)."""

    urls: list[str] = field(default_factory=list)
    previous: dict[str, bytes] = field(default_factory=dict)  # relpath -> its bytes before
    output: Path | None = None
    seconds: float = 0.0
    reason: str = ""  # why it wrote nothing

    @property
    def written(self) -> bool:
        return bool(self.previous)

    def restore(self) -> None:
        """Put back the last good build's files (the rebuild after it failed)."""
        if self.output is None:
            return
        writer = InPlaceWriter(self.output, set())
        for relpath, data in self.previous.items():
            writer.write(relpath, data)
        self.previous = {}


def write_edited(shown: Shown, settings: BuildSettings, changed: Sequence[Path]) -> FastEdit:
    """Write the pages of the records a save edited, from the last model patched with them
    (the fast path; `FastEdit.reason` says why it wrote nothing)."""
    started = time.perf_counter()
    model = shown.model
    content = settings.content_dir.absolute()
    gone = {path for path in changed if not path.exists()}
    decision = fast_path_records(changed, content, model.by_key.keys(), gone)
    if not decision.records:
        return FastEdit(reason=decision.reason)
    languages, default = model.languages, model.default_language
    patches: list[tuple[Record, dict]] = []  # type: ignore[type-arg]
    for section, slug in decision.records:
        record = model.by_key[(section, slug)]
        source, problems = load_record(content / section / slug, section, content, settings.project_root, languages)
        refused = patch_refused(record, source, problems, default)
        if refused:
            return FastEdit(reason=f"{section}/{slug}: {refused}")
        assert source is not None
        patches.append((record, record_texts(source, languages, default)))
    for record, texts in patches:  # in place: every list holding the record sees its new texts
        shown.replaced.append(record.texts)
        record.texts = texts
    pages = [page for key in decision.records for page in shown.record_pages(key)]
    rendered = []
    for page in pages:
        try:
            rendered.append((output_file(page.url), shown.renderer.render(page).encode("utf-8"), page.url))
        except RENDER_ERRORS:  # the rebuild reports it, with the template's line
            return FastEdit(reason=f"/{page.url} did not render")
    output = settings.output_dir.absolute()
    edit = FastEdit(output=output)
    writer = InPlaceWriter(output, set())
    try:
        for relpath, data, url in rendered:
            try:
                before = (output / relpath).read_bytes()
            except FileNotFoundError:
                continue  # not published by the last build: left to the rebuild
            if writer.write(relpath, data):
                edit.previous[relpath] = before
                edit.urls.append(url)
    except OSError as exc:  # a full disk…: the rebuild says so; nothing of this stays
        with contextlib.suppress(OSError):  # if it cannot be put back, the rebuild sees the file changed
            edit.restore()
        return FastEdit(reason=f"the page could not be written ({exc.strerror})")
    edit.seconds = time.perf_counter() - started
    return edit
