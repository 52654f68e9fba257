"""The build, top to bottom: scan -> nothing to do? -> load -> model -> plan pages -> decide what
is outdated -> render and run stages -> publish -> save state -> report (`Builder._run`).

`build(settings)` runs one complete build. A `Builder` in WATCH or PREVIEW mode is the same build
kept alive between edits (the preview server holds one): it remembers the last model, pages and
cache state, so `rebuild(changed_paths)` re-reads only the folders those paths are in and
re-renders only the pages that read something that changed (incremental/outdated.py). Every
mode keeps the persistent cache (incremental/cache.py) under `.cache/ogpsite/` unless
`settings.use_cache` is False, and renders in parallel (parallel.py). A build whose inputs all
hash the same as the last one's, with the site it wrote untouched, does nothing.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Only what a build with nothing to do needs is imported with this module: the check that finds
# nothing to do (scan, cache, manifest) must not pay for Jinja, pydantic, Markdown and the stages'
# libraries (about half a second). Each phase after it imports what it uses.
from ogpsite.build import parallel
from ogpsite.build.phases import BuildMode
from ogpsite.build.progress import Progress
from ogpsite.build.report import BuildReport, build_output, repeated_report
from ogpsite.build.stage_runs import StageRuns
from ogpsite.errors import BuildFailed, Problem
from ogpsite.incremental.cache import Cache, PageEntry, State
from ogpsite.incremental.manifest import is_intact, output_intact, output_manifest, site_moved
from ogpsite.incremental.scan import InputScan, scan_inputs, signature
from ogpsite.incremental.stage_cache import STAGE_OUTPUTS, StageCache
from ogpsite.output.writers import ChangesWriter, InPlaceWriter, SiteWriter, check_output_dir
from ogpsite.settings import BuildSettings, overlay_files

if TYPE_CHECKING:
    from ogpsite.build.fast import FastEdit, Shown
    from ogpsite.build.loading import LoadedRecord
    from ogpsite.build.phases import Loaded, Planned, Rendered
    from ogpsite.build.workers import RenderJob
    from ogpsite.incremental.outdated import RenderPlan
    from ogpsite.model.site import SiteModel
    from ogpsite.render.renderer import Templates
    from ogpsite.stages import Stage


def check(settings: BuildSettings) -> tuple[SiteModel | None, list[Problem]]:
    """Load, validate and resolve the content without writing anything."""
    from ogpsite.content.load import load_content
    from ogpsite.model.resolve import build_model

    content = load_content(settings.content_dir, settings.project_root)
    model, model_problems = build_model(content)
    return model, sorted(set(content.problems + model_problems))


def build(settings: BuildSettings, progress: Progress | None = None, stages: tuple[Stage, ...] | None = None) -> BuildReport:
    """Build the site; raises BuildFailed (problems listed) and leaves the old site untouched."""
    return Builder(settings, progress, BuildMode.BUILD, stages).build()


def print_problems(problems: list[Problem], stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        print(problem.format(), file=stream)


def strict_failures(loaded: Loaded, rendered: Rendered) -> list[Problem]:
    """What fails a `--strict` build: the content's and the stages' warnings, and the translations
    that are missing or outdated (as `check --strict`)."""
    assert rendered.stages is not None
    translations = [
        Problem(
            f"{record.folder}/{lang}.md",
            0,
            f"the {lang} translation is {status}",
            "'ogpsite check' says what to do; 'ogpsite translations' lists them all",
            "warning",
        )
        for record, lang, status in loaded.model.translation_report()
    ]
    return sorted(set(loaded.warnings + [p for found in rendered.stages.problems for p in found if not p.is_error] + translations))


def known_closures(remembered: object, templates_digest: str) -> tuple[str, dict[str, str]]:
    """The template closure digests a last build left (`State.report["closures"]`: its templates
    digest and template name -> digest), if made of the same templates, else none."""
    if (
        isinstance(remembered, tuple | list)
        and len(remembered) == 2
        and remembered[0] == templates_digest
        and isinstance(remembered[1], dict)
    ):
        return templates_digest, dict(remembered[1])
    return "", {}


def changes_in_place(rendering: int, pages: int, intact: Callable[[], bool]) -> bool:
    """Whether a build replaces its changed files in the published site (ChangesWriter) rather
    than swapping in a whole new copy (SiteWriter): only when the site is exactly as the last
    build left it (a stray or damaged file is dropped by a new copy) and at most a tenth of the
    pages render again, so the renames that are not atomic as a whole are few; a template or
    settings edit rewrites most files and swaps the site in whole, as a first build does."""
    return rendering * 10 <= pages and intact()  # `intact` reads every file's stat: asked last


@contextlib.contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while the phases run that read the last state and build the
    model (millions of objects that live as long as the build): each full collection on the way
    walks every object made so far, about a second of an edit's build at 10,000 commitments.
    Reference counting still frees what they drop; a cycle among it waits for a later collection.
    `freeze` (a single build, whose process ends with it): what they made is then moved out of
    the collector's sight (`gc.freeze`), so the first collections after them, and the one before
    the workers fork (parallel.run), do not walk it all again either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def longest_first(numbers: list[int], names: list[str], seconds: dict[str, float]) -> list[int]:
    """The stages to run (by number) in the order their tasks are handed out: the longest when it
    last ran first, so it starts at once while the others share the other processes; a stage
    never timed yet counts as long, and equal times keep the stages' own order."""
    return sorted(numbers, key=lambda n: -seconds.get(names[n], float("inf")))


class Builder:
    """Builds the site, then rebuilds it after edits, re-rendering only what they touch."""

    def __init__(
        self,
        settings: BuildSettings,
        progress: Progress | None = None,
        mode: BuildMode = BuildMode.BUILD,
        stages: tuple[Stage, ...] | None = None,  # None: DEFAULT_STAGES
    ):
        self.settings, self.mode, self._stages = settings, mode, stages
        self.progress = progress or Progress()
        # Without use_cache the previous state is not read, but this build's replaces it.
        self.cache = Cache(settings.cache_root, settings.settings_key())
        self.workers = parallel.worker_count(settings.workers)
        # What a kept Builder remembers between rebuilds:
        self._state: State | None = None  # what its last successful build left
        self._loaded: dict[str, LoadedRecord] = {}
        self._scan: InputScan | None = None
        self._output_checked = False  # it built the site, or saw it as the cached state describes it
        self._closures: tuple[str, dict[str, str]] = ("", {})  # templates digest -> hashed closures
        self._stop: Callable[[], bool] | None = None  # finish(stop): asked between stages
        self._moved = False  # this build found the site restored or copied (manifest.site_moved)
        self._templates: Templates | None = None  # Jinja environments, kept while the templates are unchanged
        self._shown: Shown | None = None  # the last good build's model and renderer, for write_edited()

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The output stages (DEFAULT_STAGES unless given), imported when first needed."""
        if self._stages is None:
            from ogpsite.stages import DEFAULT_STAGES

            self._stages = DEFAULT_STAGES
        return self._stages

    @functools.cached_property
    def stage_runs(self) -> StageRuns:
        return StageRuns(self.stages)

    @property
    def pending_stages(self) -> tuple[str, ...]:
        """The stages a deferred rebuild left behind, for `finish()`."""
        return self.stage_runs.pending

    @property
    def stage_seconds(self) -> dict[str, float | None]:
        return self.stage_runs.seconds

    def build(self) -> BuildReport:
        """A complete build (reusing what the cache and this Builder's memory show is current)."""
        return self.rebuild(None)

    def warm(self) -> bool:
        """While nobody is editing (the preview calls this): compile the templates of the records'
        pages for write_edited(), if not yet; and after a build that found nothing to do, read the
        cached state and records into memory now, so the first rebuild after an edit is as quick
        as the later ones. False when there is nothing to read."""
        if self._shown is not None:
            self._shown.prepare()  # for write_edited()
        if self._state is not None or not self._output_checked or not self.mode.keeps_memory or not self.settings.use_cache:
            return False
        from ogpsite.build.loading import cached_record

        state = self.cache.load()
        if not state.signature or not state.manifest:
            return False
        self.cache.load_rest(state)
        loaded = {name: result for name, (key, blob) in state.records.items() if (result := cached_record(key, blob)) is not None}
        state.records = {name: (key, None) for name, (key, _) in state.records.items()}
        self._state, self._loaded = state, loaded
        return True

    def write_edited(self, changed_paths: Iterable[str | Path]) -> FastEdit:
        """The preview's fast path (build/fast.py): when the changes are edits of existing
        records' texts, write those records' own pages now, from the last good build's model
        patched with them, before `rebuild(changed_paths)` (which must follow) makes the rest.
        Its `reason` says why it wrote nothing; `restore()` undoes it if the rebuild fails."""
        from ogpsite.build.fast import FastEdit, write_edited

        if self._shown is None or not self.mode.in_place:
            return FastEdit(reason="no site in memory")
        return write_edited(self._shown, self.settings, [Path(p).absolute() for p in changed_paths])

    def finish(self, stop: Callable[[], bool] | None = None) -> BuildReport | None:
        """Run the output stages the last rebuild deferred (None: there were none). `stop` is
        asked before each stage starts: once it says True (a new save came), the stages not
        started stay pending, their last files published, for the next finish()."""
        if not self.pending_stages:
            return None
        mode, self.mode, self._stop = self.mode, BuildMode.WATCH, stop
        try:
            return self.rebuild([])
        finally:
            self.mode, self._stop = mode, None

    def rebuild(self, changed_paths: Iterable[str | Path] | None = None) -> BuildReport:
        """Build again after edits. `changed_paths` (files or folders created, changed or deleted,
        as a file watcher reports them) limits what is re-read: it must name every change since
        the last build of this Builder. None re-checks every input."""
        started = time.perf_counter()
        settings = self.settings
        check_output_dir(settings.output_dir, [settings.content_dir, settings.templates_dir, settings.project_root / "ogpsite"])
        try:
            return self._run(changed_paths, started)
        finally:
            self.progress.close()
            if not self.mode.keeps_memory:
                gc.unfreeze()  # what collector_paused froze: collectable again once the build drops it

    # --- the phases, in order ---------------------------------------------------------------------

    def _run(self, changed_paths: Iterable[str | Path] | None, started: float) -> BuildReport:
        previous, complete = self._previous()
        self._moved = site_moved(self.settings.output_dir, previous.manifest)  # restored from a CI cache?
        scan = self._scan_inputs(previous, changed_paths)
        if self._nothing_to_do(previous, scan):
            return self._up_to_date(previous, scan, started)
        self._shown = None  # until this build succeeds (a fast edit may have patched its model)
        # these phases make the objects the build lives on, and little garbage
        with collector_paused(freeze=not self.mode.keeps_memory):
            if not complete:
                self.cache.load_rest(previous)
            from ogpsite.build.workers import RenderJob
            from ogpsite.stages import StageContext

            loaded = self._load(previous, scan)
            planned = self._plan_pages(previous, loaded, scan)
            outdated = self._decide_outdated(previous, scan, loaded, planned)
        context = StageContext(self.settings, loaded.base_url, StageCache(previous.stages, loaded.record_keys))
        writer = self._writer(previous, len(outdated.render), len(planned.pages))
        job = RenderJob(planned.renderer, writer, self.settings, planned.pages, loaded.model, context, self.stages, previous.manifest)
        try:
            rendered = self._render(job, outdated, planned, scan, previous)
            if self.settings.strict and (warnings := strict_failures(loaded, rendered)):
                raise BuildFailed(warnings)  # `build --strict`: the previous site stays as it was
            shas = self._publish(writer, rendered)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        state = self._next_state(previous, scan, loaded, planned, outdated, rendered, context.cache, writer, shas)
        report = self._report(loaded, planned, outdated, rendered, writer, started)
        report.output = build_output(previous, state, loaded.base_url)
        state.report.update(report.remembered())
        self._save(previous, state, loaded, scan, rendered)
        if self.mode.keeps_memory:
            from ogpsite.build.fast import Shown

            self._shown = Shown(loaded.model, planned.renderer, planned.pages)
        report.seconds = time.perf_counter() - started
        return report

    def _previous(self) -> tuple[State, bool]:
        """The last successful build's state: from memory, else the cache (small parts), else none."""
        if self._state is not None:
            return self._state, True
        if self.settings.use_cache:
            return self.cache.load(), False
        return State(), True

    def _scan_inputs(self, previous: State, changed_paths: Iterable[str | Path] | None) -> InputScan:
        self.progress.stage("Checking inputs")
        hints = None if changed_paths is None or self._scan is None else changed_paths
        return scan_inputs(self.settings, previous.files, previous.scan_ns, previous.report.get("stage_reads", []), self._scan, hints)

    def _nothing_to_do(self, previous: State, scan: InputScan) -> bool:
        return (
            previous.signature == scan.signature and bool(previous.manifest) and output_intact(self.settings.output_dir, previous.manifest)
        )

    def _up_to_date(self, previous: State, scan: InputScan, started: float) -> BuildReport:
        """Nothing changed and the site is as the last build left it: report that build again."""
        self._scan = scan
        self._output_checked = True
        if scan.inputs.stamps != previous.files:  # hashes confirmed since: keep them, skip re-reading
            previous.files, previous.scan_ns = scan.inputs.stamps, scan.inputs.scan_ns
            self.cache.save_stamps(previous.files, previous.scan_ns)
        return repeated_report(previous, time.perf_counter() - started)

    def _load(self, previous: State, scan: InputScan) -> Loaded:
        """Load, validate and resolve the content (records known by their load key are not parsed)."""
        from ogpsite.build.loading import RecordLoader, stored
        from ogpsite.build.phases import Loaded
        from ogpsite.content.load import load_content
        from ogpsite.model.resolve import build_model

        settings = self.settings
        loader = RecordLoader(previous, scan, self._loaded, self.workers, self.progress)
        content = load_content(settings.content_dir, settings.project_root, loader)
        previous.records = {name: (key, None) for name, (key, _) in previous.records.items()}  # pickles used
        loaded = loader.loaded
        texts = {(r.record.section, r.record.slug): r.texts for r in loaded.values() if r.record is not None and r.texts}
        # store what was loaded now, and keep no pickles in memory
        self.cache.save_records([(name, r.key, r.pickle) for name, r in loaded.items() if r.key and r.pickle is not None])
        model, model_problems = build_model(content, texts)
        problems = sorted(set(content.problems + model_problems))
        del content, texts  # the model holds what it needs; a kept Builder keeps `loaded`
        record_keys = {
            (r.record.section, r.record.slug): f"{r.record.section}/{r.record.slug}:{r.key}" for r in loaded.values() if r.record and r.key
        }
        if self.mode.keeps_memory:
            records = {name: stored(r) for name, r in loaded.items()}  # records from memory are kept as they are
        else:  # sources and problems are not needed any more: free them before forking
            records = {name: r.forgotten() for name, r in loaded.items()}
        errors = [p for p in problems if p.is_error]
        if errors or model is None:
            raise BuildFailed(errors or problems)
        base_url = settings.base_url if settings.base_url is not None else (model.site.base_url or "/")
        return Loaded(model, [p for p in problems if not p.is_error], records, record_keys, base_url)

    def _plan_pages(self, previous: State, loaded: Loaded, scan: InputScan) -> Planned:
        """Every page of the site, with the renderer that makes them and each page's own digest."""
        from ogpsite.build.phases import Planned
        from ogpsite.model.pages import site_pages
        from ogpsite.model.pagination import Listings
        from ogpsite.render.renderer import Renderer, RenderSettings, Templates
        from ogpsite.stages.search.vendor import worker_paths

        settings, model = self.settings, loaded.model
        listings = Listings(model, settings.today)
        if self._closures[0] != scan.templates_digest:  # the last build's, if made of the same templates
            self._closures = known_closures(previous.report.get("closures"), scan.templates_digest)
        same_templates = self._closures[0] == scan.templates_digest  # no need to parse them again
        if self._templates is None or self._templates.digest != scan.templates_digest or not self.mode.keeps_memory:
            self._templates = Templates(scan.templates_digest)
        renderer = Renderer(
            model,
            RenderSettings(
                settings.template_dirs,
                loaded.base_url,
                settings.today,
                worker_paths(settings.project_root, settings.template_dirs, model.languages),
            ),
            listings,
            universe=scan.signature,
            closures=self._closures[1] if same_templates else None,
            templates=self._templates,
        )
        self._closures = (scan.templates_digest, renderer.closures)
        pages = site_pages(model, settings.today, listings)
        self.progress.stage("Checking pages", len(pages))
        return Planned(renderer, pages, [renderer.page_digest(page) for page in pages])

    def _decide_outdated(self, previous: State, scan: InputScan, loaded: Loaded, planned: Planned) -> RenderPlan:
        """Which pages render again: see incremental/outdated.py."""
        from ogpsite.incremental.index import changed_reads
        from ogpsite.incremental.outdated import decide_outdated, edited_records

        edited = edited_records({name: key for name, (key, _) in previous.records.items()}, {n: r.key for n, r in loaded.records.items()})
        everything = previous.report.get("global_digest") != scan.global_digest
        planned.changed = changed_reads(previous.digests, planned.renderer.index, None if everything else edited)
        output, manifest = self.settings.output_dir, previous.manifest
        return decide_outdated(
            [page.url for page in planned.pages],
            planned.digests,
            previous.pages,
            planned.changed,
            lambda entry: is_intact(output, entry.relpath, entry.sha, manifest),
        )

    def _writer(self, previous: State, rendering: int, pages: int) -> SiteWriter | InPlaceWriter:
        """In place once this Builder knows the site (WATCH, PREVIEW); else, after an edit that
        renders a small part of an intact site, the changed files replaced in place (ChangesWriter);
        else a new copy swapped in whole."""
        output = self.settings.output_dir
        published = {k for k in previous.manifest if not k.endswith("/")}
        if self.mode.in_place and self._output_checked and previous.manifest:
            return InPlaceWriter(output, published)
        if previous.manifest and changes_in_place(rendering, pages, lambda: output_intact(output, previous.manifest)):
            return ChangesWriter(output, published)
        return SiteWriter(output)

    def _render(self, job: RenderJob, outdated: RenderPlan, planned: Planned, scan: InputScan, previous: State) -> Rendered:
        """Render the outdated pages and run the output stages whose inputs changed, in worker
        processes when worth it (pages whose last file stands are kept as they are)."""
        from ogpsite.build.phases import Rendered

        rendered = Rendered(digests={key: dict(attrs) for key, attrs in previous.digests.items()})
        standing = []
        for i in outdated.reuse:  # the last file stands: linked into the new site, or kept in place
            entry = previous.pages[planned.pages[i].url]
            if job.writer.reuse(entry.relpath, present=True):
                rendered.pages[planned.pages[i].url] = entry
                standing.append(i)
            else:
                outdated.render.append(i)
        outdated.reuse = standing
        for key, attrs in planned.changed.items():
            for attr in attrs:
                rendered.digests.setdefault(key, {})[attr] = planned.renderer.index.digest(key, attr)
        self.progress.stage("Rendering pages", len(outdated.render))
        settings, context = self.settings, job.stage_context
        defer = self.mode.defers_stages and self._output_checked
        rendered.stages = self.stage_runs.plan(scan, previous, settings.output_dir, context.base_url, settings.today, context.cache, defer)
        order = longest_first(rendered.stages.todo, [stage.name for stage in self.stages], previous.report.get("stage_seconds", {}))
        self._run_tasks(job, order, sorted(outdated.render), planned.digests, scan, rendered)
        not_run = [n for n in rendered.stages.todo if self.stage_seconds.get(self.stages[n].name) is None]
        if not_run:  # finish() was stopped: they wait for the next one
            self.stage_runs.leave_for_later(rendered.stages, not_run)
        rendered.errors = sorted(set(rendered.errors))[:10] + [p for found in rendered.stages.problems for p in found if p.is_error]
        if rendered.errors:
            raise BuildFailed(rendered.errors)
        return rendered

    def _run_tasks(
        self, job: RenderJob, stages: list[int], pages: list[int], digests: list[str], scan: InputScan, rendered: Rendered
    ) -> None:
        """Stages first (they take longest), then pages in chunks, over the worker processes."""
        from ogpsite.build.loading import INLINE_BELOW
        from ogpsite.build.workers import RenderedChunk, StageDone, render_chunk, run_stage

        size = max(4, min(48, len(pages) // (self.workers * 6) or 4))
        tasks: list[parallel.Task] = [(run_stage, number) for number in stages]
        tasks += [(render_chunk, part) for part in parallel.iter_chunks(pages, size)]
        workers = self.workers if len(pages) >= INLINE_BELOW or len(stages) > 1 else 1
        interned: dict[frozenset[str], frozenset[str]] = {}
        me = os.getpid()
        stop = self._stop if not pages else None  # pages always render: a stop leaves only stages for later
        for _, result in parallel.run(job, tasks, workers, stop):
            if isinstance(result, StageDone):
                assert rendered.stages is not None
                self.stage_runs.done(rendered.stages, result, scan, job.stage_context.cache)
                if result.pid != me:  # what the worker wrote and memoised
                    job.stage_context.cache.apply(result.memo)
                    for relpath, staged in result.files.items():
                        job.writer.record(relpath, staged.written)
                continue
            chunk: RenderedChunk = result
            for page in chunk.pages:
                if chunk.pid != me:
                    job.writer.record(page.relpath, page.written)
                reads = {sys.intern(key): interned.setdefault(attrs, attrs) for key, attrs in page.reads.items()}  # memory
                rendered.pages[job.pages[page.index].url] = PageEntry(page.relpath, digests[page.index], page.sha, reads)
            for key, attrs in chunk.digests.items():
                rendered.digests.setdefault(sys.intern(key), {}).update(attrs)
            rendered.errors += chunk.problems
            self.progress.advance(len(chunk.pages) + len(chunk.problems))

    def _publish(self, writer: SiteWriter | InPlaceWriter, rendered: Rendered) -> dict[str, str]:
        """Every file of the new site (relpath -> sha256): pages, stage files kept or made, assets."""
        from ogpsite.build.publish import publish_assets, publish_stage_files

        self.progress.stage("Writing")
        shas: dict[str, str] = {entry.relpath: entry.sha for entry in rendered.pages.values()}
        assert rendered.stages is not None
        publish_stage_files(writer, rendered.stages, self.stages, self.stage_runs.deferred_files(), shas)
        publish_assets(writer, overlay_files(self.settings.template_dirs, "assets"), shas)
        return shas

    def _next_state(
        self,
        previous: State,
        scan: InputScan,
        loaded: Loaded,
        planned: Planned,
        outdated: RenderPlan,
        rendered: Rendered,
        cache: StageCache,
        writer: SiteWriter | InPlaceWriter,
        shas: dict[str, str],
    ) -> State:
        """What the next build needs to know of this one."""
        in_place = isinstance(writer, InPlaceWriter)
        manifest = output_manifest(self.settings.output_dir, shas, previous.manifest, writer.changed, in_place, self._moved)
        digests = rendered.digests
        if len(outdated.render) * 10 > len(planned.pages):  # forget what no page reads any more
            referenced = set().union(*(entry.reads.keys() for entry in rendered.pages.values()))
            digests = {key: attrs for key, attrs in digests.items() if key in referenced}
        stage_reads = sorted({tuple(read) for outputs in cache.current.get(STAGE_OUTPUTS, {}).values() for read in outputs.reads})
        done = signature(self.settings, scan, stage_reads)  # type: ignore[arg-type]
        return State(
            signature=f"pending:{done}" if self.pending_stages else done,
            scan_ns=scan.inputs.scan_ns,
            report={
                "global_digest": scan.global_digest,
                "page_count": len(planned.pages),
                "stage_reads": stage_reads,
                # each stage's entry in the stage cache, unless deferred (its files are then older)
                "stage_keys": self.stage_runs.keys_to_keep(),
                # each template's closure digest (parsing them all takes a while), by templates digest
                "closures": (scan.templates_digest, dict(planned.renderer.closures)),
                # how long each stage took when it last ran: the longest starts first next time
                "stage_seconds": {
                    **previous.report.get("stage_seconds", {}),
                    **{n: t for n, t in self.stage_seconds.items() if t is not None},
                },
            },
            files=scan.inputs.stamps,
            manifest=manifest,
            records={name: (r.key, None) for name, r in loaded.records.items() if r.key},
            pages=rendered.pages,
            digests=digests,
            stages=cache.kept(),  # with the memo of the stages that did not run
        )

    def _report(
        self,
        loaded: Loaded,
        planned: Planned,
        outdated: RenderPlan,
        rendered: Rendered,
        writer: SiteWriter | InPlaceWriter,
        started: float,
    ) -> BuildReport:
        assert rendered.stages is not None
        stage_files = {relpath for files in rendered.stages.files for relpath in files}
        return BuildReport(
            pages=len(rendered.pages) + len(stage_files - rendered.pages.keys()),
            written=writer.written,
            reused=writer.reused,
            seconds=time.perf_counter() - started,
            warnings=loaded.warnings + [p for found in rendered.stages.problems for p in found if not p.is_error],
            model=loaded.model,
            rendered=len(outdated.render),
            cached=len(planned.pages) - len(outdated.render),
            rendered_urls=sorted(planned.pages[i].url for i in outdated.render),
            stage_seconds=dict(self.stage_seconds),
            translations=[(record.folder, lang, status) for record, lang, status in loaded.model.translation_report()],
        )

    def _save(self, previous: State, state: State, loaded: Loaded, scan: InputScan, rendered: Rendered) -> None:
        """Store the new state; a kept Builder also remembers it, with the records as loaded."""
        self.cache.save(state, previous if self.settings.use_cache or self._state is not None else None)
        if self.mode.keeps_memory:
            self._state, self._loaded, self._scan = state, loaded.records, scan
            self._output_checked = True
            assert rendered.stages is not None
            self.stage_runs.remember(rendered.stages)
