"""The build, top to bottom: load -> validate -> model -> render -> index -> write.

`build(settings)` runs one complete build. `Builder` is the same build kept alive between edits
(the preview server holds one): it remembers the last model, pages and cache state, so
`rebuild(changed_paths)` re-reads only the folders those paths are in and re-renders only the
pages that read something that changed (deps.py). Both keep the persistent cache (cache.py)
under `.cache/ogpsite/` unless `settings.use_cache` is False, and render in parallel
(parallel.py). A build whose inputs all hash the same as the last one's, with the site it wrote
untouched, does nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from ogpsite.build import parallel
from ogpsite.build.progress import Progress
from ogpsite.content import schema
from ogpsite.content.load import Content, RecordSource, load_content
from ogpsite.errors import BuildFailed, Problem, display_path
from ogpsite.incremental import stage_reads as stages_mod
from ogpsite.incremental.cache import Cache, Inputs, PageEntry, StageCache, State, digest_of, generator_version, iter_chunks
from ogpsite.incremental.reads import changed_reads, record_owner
from ogpsite.model.pages import Page, plan_pages
from ogpsite.model.pagination import Listings
from ogpsite.model.site import SiteModel, build_model
from ogpsite.model.site import _texts_for as texts_for
from ogpsite.model.urls import output_file
from ogpsite.output.writers import MARKER, InPlaceWriter, SiteWriter, check_output_dir
from ogpsite.render.renderer import Renderer, RenderSettings
from ogpsite.settings import BuildSettings
from ogpsite.stages import DEFAULT_STAGES, Stage, StageContext


@dataclass
class BuildReport:
    pages: int = 0  # files made: pages and the output stages' files
    written: int = 0  # files written because they are new or changed
    reused: int = 0  # files unchanged from the previous site (hard-linked, modification time kept)
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    model: SiteModel | None = None  # None when nothing had changed (then nothing was loaded)
    rendered: int = 0  # pages rendered by this build
    cached: int = 0  # pages not rendered: the cache showed their last rendering still current
    translations: list[tuple[str, str, str]] = field(default_factory=list)  # (record folder, language, status)
    up_to_date: bool = False  # nothing had changed since the last build
    rendered_urls: list[str] = field(default_factory=list)  # the pages rendered (a preview reloads these)
    stage_seconds: dict[str, float | None] = field(default_factory=dict)  # per output stage; None: reused


def check(settings: BuildSettings) -> tuple[SiteModel | None, list[Problem]]:
    """Load, validate and resolve the content without writing anything."""
    content = load_content(settings.content_dir, settings.project_root)
    problems = list(content.problems)
    model, model_problems = build_model(content)
    problems += model_problems
    return model, sorted(set(problems))


def _template_problem(exc: Exception, page: Page, settings: BuildSettings) -> Problem:
    """Point at the template line that failed, not at Python internals."""
    templates = settings.templates_dir.resolve()
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return Problem(
            display_path(Path(exc.filename), settings.project_root), exc.lineno, f"template error: {exc.message}", "fix the template syntax"
        )
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and Path(frame.filename).resolve().is_relative_to(templates):
            return Problem(
                display_path(Path(frame.filename), settings.project_root),
                frame.lineno or 0,
                f"template error while rendering /{page.url}: {exc}",
                "fix the template",
            )
    return Problem(
        display_path(templates, settings.project_root), 0, f"template error while rendering /{page.url}: {exc}", "fix the template"
    )


def build(settings: BuildSettings, progress: Progress | None = None, stages: tuple[Stage, ...] = DEFAULT_STAGES) -> BuildReport:
    """Build the site; raises BuildFailed (problems listed) and leaves the old site untouched."""
    return Builder(settings, progress, keep=False, stages=stages).build()


def print_problems(problems: list[Problem], stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        print(problem.format(), file=stream)


# --- the incremental build ------------------------------------------------------------------------

RENDER_ERRORS = (TemplateError, TypeError, ValueError, KeyError, AttributeError, IndexError)
STAGE_OUTPUTS = "ogpsite:stage-outputs"  # StageCache namespace: each stage's last outputs, by inputs
INLINE_BELOW = 48  # fewer pages or records than this are not worth forking workers for


@dataclass
class _Scan:
    inputs: Inputs
    folders: dict[str, tuple[str, Path, str | None]]  # "section/name" -> (section, folder, digest or None: not cacheable)
    global_digest: str  # site.yaml, the supporting files, anything else at the top of content/
    templates_digest: str
    content_digest: str  # of what the model is made from ("" when a folder could not be read)
    signature: str  # of everything: inputs, settings, generator


@dataclass
class _RenderJob:
    """What the worker processes read (inherited by fork): see parallel.py."""

    renderer: Renderer
    writer: SiteWriter | InPlaceWriter
    settings: BuildSettings
    pages: list[Page]
    model: SiteModel
    stage_context: StageContext
    stages: tuple[Stage, ...]


@dataclass
class _LoadJob:
    content_root: Path
    project_root: Path
    languages: list[str]
    default: str


class Builder:
    """Builds the site, then rebuilds it after edits, re-rendering only what they touch."""

    def __init__(
        self,
        settings: BuildSettings,
        progress: Progress | None = None,
        in_place: bool = False,
        keep: bool = True,
        defer_stages: bool = False,
        stages: tuple[Stage, ...] = DEFAULT_STAGES,
    ):
        """`in_place`: after its first build, update the site in place instead of swapping in a new
        copy (output.InPlaceWriter): much faster for a preview, not atomic as a whole.
        `keep`: keep the loaded records in memory for the next rebuild (False for a single build,
        which then frees them before the worker processes start).
        `defer_stages`: a rebuild renders the pages an edit touched and leaves the site-wide files
        (search index, feeds, data files, sitemap) as they were, to be brought up to date by
        `finish()`: the preview reloads the edited page first. A deferred build is never taken
        for up to date, so any later build runs those stages if `finish()` did not."""
        self.settings = settings
        self.stages = stages
        self.in_place = in_place
        self.keep = keep
        self.defer_stages = defer_stages
        self.pending_stages: tuple[str, ...] = ()  # stages a deferred rebuild left behind
        self._stage_files: dict[str, dict[str, str]] = {}  # stage name -> files it last made (relpath -> sha)
        self._output_checked = False  # this Builder built the site, or saw it as the cached state describes it
        self._stage_keys: dict[str, str] = {}  # stage name -> its key in the stage cache, last build
        self.progress = progress or Progress()
        # Without use_cache the previous state is not read, but this build's replaces it.
        self.cache = Cache(settings.cache_root, settings.settings_key())
        self._state: State | None = None  # what the last successful build of this Builder left
        self._loaded: dict[str, tuple[str, Any]] = {}  # folder -> (load key, (record, problems, texts))
        self._scan: _Scan | None = None
        self.workers = parallel.worker_count(settings.workers)
        self.stage_seconds: dict[str, float | None] = {}
        self._closures: tuple[str, dict[str, str]] = ("", {})  # templates digest -> hashed closures

    def build(self) -> BuildReport:
        """A complete build (reusing what the cache and this Builder's memory show is current)."""
        return self.rebuild(None)

    def warm(self) -> bool:
        """After a build that found nothing to do: read the cached state and records into memory
        now, so the first rebuild after an edit is as quick as the later ones (the preview calls
        this while nobody is editing). False when there is nothing to read."""
        if self._state is not None or not self._output_checked or not self.keep or not self.settings.use_cache:
            return False
        state = self.cache.load()
        if not state.signature or not state.manifest:
            return False
        self.cache.load_rest(state)
        loaded = {name: (key, result) for name, (key, blob) in state.records.items() if (result := _cached_record(blob)) is not None}
        state.records = {name: (key, None) for name, (key, _) in state.records.items()}
        self._state, self._loaded = state, loaded
        return True

    def finish(self) -> BuildReport | None:
        """Run the output stages the last rebuild deferred (None: there were none)."""
        if not self.pending_stages:
            return None
        defer, self.defer_stages = self.defer_stages, False
        try:
            return self.rebuild([])
        finally:
            self.defer_stages = defer

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

    # --- steps ------------------------------------------------------------------------------------

    def _previous(self) -> tuple[State, bool]:
        """The last successful build's state: from memory, else the cache (small parts), else none."""
        if self._state is not None:
            return self._state, True
        if self.settings.use_cache:
            return self.cache.load(), False
        return State(), True

    def _run(self, changed_paths: Iterable[str | Path] | None, started: float) -> BuildReport:
        settings, progress = self.settings, self.progress
        previous, complete = self._previous()
        progress.stage("Checking inputs")
        scan = self._scan_inputs(previous, None if changed_paths is None or self._scan is None else changed_paths)
        if previous.signature == scan.signature and previous.manifest and self._output_intact(previous.manifest):
            self._scan = scan
            return self._up_to_date(previous, scan, started)
        if not complete:
            self.cache.load_rest(previous)

        # load -> validate -> model
        loaded: dict[str, tuple[str, Any]] = {}
        content = load_content(settings.content_dir, settings.project_root, self._record_loader(previous, scan, loaded))
        previous.records = {name: (key, None) for name, (key, _) in previous.records.items()}  # pickles used
        texts = {(r[0].section, r[0].slug): r[2] for _, r in loaded.values() if r[0] is not None and r[2]}
        # store what was loaded now, and keep no pickles in memory (a 10,000-record site's are 200 MB)
        self.cache.save_records([(name, key, result[3]) for name, (key, result) in loaded.items() if key and result[3] is not None])
        for name, (key, result) in loaded.items():
            loaded[name] = (key, (*result[:3], None))
        model, model_problems = build_model(content, texts)
        problems = sorted(set(content.problems + model_problems))
        del content, texts  # the model holds what it needs; a kept Builder keeps `loaded`
        record_keys = _record_keys(loaded)
        if not self.keep:  # sources and problems are not needed any more: free them before forking
            loaded = {name: (key, (None, None, None, None)) for name, (key, _) in loaded.items()}
        errors = [p for p in problems if p.is_error]
        if errors or model is None:
            raise BuildFailed(errors or problems)
        base_url = settings.base_url if settings.base_url is not None else (model.site.base_url or "/")

        # which pages must be rendered: new, or showing something that changed
        listings = Listings(model, settings.today)
        renderer = Renderer(model, RenderSettings(settings.templates_dir, base_url, settings.today), listings, universe=scan.signature)
        if self._closures[0] == scan.templates_digest:
            renderer._closures = self._closures[1]  # the same templates: no need to parse them again
        self._closures = (scan.templates_digest, renderer._closures)
        pages = plan_pages(model, settings.today, listings)
        owners = {
            record_owner(*folder.split("/", 1)) for folder, (key, _) in loaded.items() if previous.records.get(folder, ("",))[0] != key
        }
        owners |= {record_owner(*folder.split("/", 1)) for folder in previous.records.keys() - loaded.keys()}
        global_changed = previous.report.get("global_digest") != scan.global_digest
        changed = changed_reads(previous.digests, renderer.index, None if global_changed else owners)
        progress.stage("Checking pages", len(pages))
        page_digests = [renderer.page_digest(page) for page in pages]
        reuse: list[int] = []
        dirty: list[int] = []
        for i, page in enumerate(pages):
            entry = previous.pages.get(page.url)
            if entry is not None and entry.digest == page_digests[i] and not _touched(entry.reads, changed):
                reuse.append(i)
            else:
                dirty.append(i)

        # render (in parallel, workers writing into the staging folder) and run the output stages
        stage_cache = StageCache(previous.stages, {key: f"{key[0]}/{key[1]}:{k}" for key, k in record_keys.items()})
        stage_context = StageContext(settings, base_url, stage_cache)
        writer: SiteWriter | InPlaceWriter
        if self.in_place and self._output_checked and previous.manifest:
            writer = InPlaceWriter(settings.output_dir, {k for k in previous.manifest if not k.endswith("/")})
        else:
            writer = SiteWriter(settings.output_dir)
        try:
            new_pages: dict[str, PageEntry] = {}
            for i in reuse:
                entry = previous.pages[pages[i].url]
                if _intact(settings.output_dir, entry.relpath, entry.sha, previous.manifest) and writer.reuse(entry.relpath, present=True):
                    new_pages[pages[i].url] = entry
                else:
                    dirty.append(i)
            digests = {key: dict(attrs) for key, attrs in previous.digests.items()}
            for key, attrs in changed.items():
                for attr in attrs:
                    digests.setdefault(key, {})[attr] = renderer.index.digest(key, attr)
            stage_results, render_problems = self._render(
                _RenderJob(renderer, writer, settings, pages, model, stage_context, self.stages),
                dirty,
                page_digests,
                new_pages,
                digests,
                scan,
                previous,
            )
            if render_problems:
                raise BuildFailed(render_problems)
            progress.stage("Writing")
            deferred_files = {relpath for name in self.pending_stages for relpath in self._stage_files.get(name, {})}
            shas: dict[str, str] = {entry.relpath: entry.sha for entry in new_pages.values()}
            for number, (files, _) in enumerate(stage_results):
                for relpath, (how, sha, _) in sorted(files.items()):
                    if relpath in shas:
                        raise BuildFailed(
                            [Problem("ogpsite/pipeline.py", 0, f"{relpath} is made twice ({self.stages[number].name})", "")]
                        )
                    # a cached stage's file, seen unchanged (_intact), or a deferred stage's last file
                    if how == "published" and not writer.reuse(relpath, present=relpath not in deferred_files):
                        raise RuntimeError(f"{relpath} vanished from {settings.output_dir} during the build")
                    shas[relpath] = sha
            assets = settings.templates_dir / "assets"
            if assets.is_dir():
                for file in sorted(assets.rglob("*")):
                    if file.is_file() and not file.name.startswith("."):
                        data = file.read_bytes()
                        relpath = f"assets/{file.relative_to(assets).as_posix()}"
                        writer.write(relpath, data)
                        shas[relpath] = hashlib.sha256(data).hexdigest()
            writer.commit()
        except BaseException:
            writer.abort()
            raise

        # what the next build needs
        manifest = _manifest(settings.output_dir, shas, previous.manifest, writer.changed, isinstance(writer, InPlaceWriter))
        if len(dirty) * 10 > len(pages):  # forget what no page reads any more
            referenced = set().union(*(entry.reads.keys() for entry in new_pages.values()))
            digests = {key: attrs for key, attrs in digests.items() if key in referenced}
        warnings = [p for p in problems if not p.is_error] + [p for _, found in stage_results for p in found if not p.is_error]
        translations = [(record.folder, lang, status) for record, lang, status in model.translation_report()]
        report = BuildReport(
            pages=len(new_pages) + len({relpath for files, _ in stage_results for relpath in files} - new_pages.keys()),
            written=writer.written,
            reused=writer.reused,
            seconds=time.perf_counter() - started,
            warnings=warnings,
            model=model,
            rendered=len(dirty),
            cached=len(pages) - len(dirty),
            rendered_urls=sorted(pages[i].url for i in dirty),
            stage_seconds=dict(self.stage_seconds),
            translations=translations,
        )
        stage_reads = sorted({tuple(read) for entry in stage_cache.current.get(STAGE_OUTPUTS, {}).values() for read in entry[0]})
        signature = self._signature(scan, stage_reads)  # type: ignore[arg-type]
        state = State(
            signature=f"pending:{signature}" if self.pending_stages else signature,
            scan_ns=scan.inputs.scan_ns,
            report={
                "global_digest": scan.global_digest,
                "pages": report.pages,
                "page_count": len(pages),
                "stage_reads": stage_reads,
                # each stage's entry in the stage cache, unless deferred (its files are then older)
                "stage_keys": {name: key for name, key in self._stage_keys.items() if name not in self.pending_stages},
                "warnings": [(p.path, p.line, p.message, p.hint, p.severity) for p in warnings],
                "translations": translations,
            },
            files=scan.inputs.stamps,
            manifest=manifest,
            records={folder: (key, None) for folder, (key, _) in loaded.items() if key},
            pages=new_pages,
            digests=digests,
            stages=stage_cache.current,
        )
        self.cache.save(state, previous if self.settings.use_cache or self._state is not None else None)
        if self.keep:
            self._state, self._loaded, self._scan = state, loaded, scan
            self._output_checked = True
            self._stage_files = {
                stage.name: {relpath: sha for relpath, (_, sha, _) in files.items()}
                for stage, (files, _) in zip(self.stages, stage_results, strict=True)
            }
        report.seconds = time.perf_counter() - started
        return report

    def _up_to_date(self, previous: State, scan: _Scan, started: float) -> BuildReport:
        """Nothing changed and the site is as the last build left it: report that build again."""
        self._output_checked = True
        if scan.inputs.stamps != previous.files:  # hashes confirmed since: keep them, skip re-reading
            previous.files, previous.scan_ns = scan.inputs.stamps, scan.inputs.scan_ns
            self.cache.save_stamps(previous.files, previous.scan_ns)
        report = previous.report
        return BuildReport(
            pages=report.get("pages", 0),
            written=0,
            reused=sum(1 for relpath in previous.manifest if not relpath.endswith("/")),
            seconds=time.perf_counter() - started,
            warnings=[Problem(*fields) for fields in report.get("warnings", [])],
            cached=report.get("page_count", 0),
            translations=[tuple(t) for t in report.get("translations", [])],  # type: ignore[misc]
            up_to_date=True,
        )

    def _output_intact(self, manifest: dict[str, tuple[str, int, int, int]]) -> bool:
        """The output folder holds exactly what the last build left: every file and folder it
        recorded has the same size, time and inode. A file added anywhere changes its folder's
        time, so no walk through tens of thousands of folders is needed."""
        output = self.settings.output_dir
        if not (output / MARKER).is_file():
            return False
        base = os.fspath(output) + os.sep  # strings, not Paths: tens of thousands of files
        lstat = os.lstat
        for relpath, expected in manifest.items():
            try:
                st = lstat(base + relpath) if relpath != "/" else lstat(base)
            except OSError:
                return False
            if relpath.endswith("/"):
                if expected[2:] != (st.st_mtime_ns, st.st_ino):
                    return False
            elif expected[1:] != (st.st_size, st.st_mtime_ns, st.st_ino):
                return False
        return True

    def _scan_inputs(self, previous: State, hints: Iterable[str | Path] | None) -> _Scan:
        """Hash every input (trusting unchanged stats, see cache.Inputs), or with `hints` only
        what they name, the rest as this Builder's last scan found it."""
        settings = self.settings
        content = settings.content_dir.resolve()
        templates = settings.templates_dir.resolve()
        old = self._scan if hints is not None else None
        inputs = Inputs(previous.files, previous.scan_ns)
        touched: set[str] = set()
        templates_touched = global_touched = True
        if old is not None:
            templates_touched = global_touched = False
            for hint in hints or ():
                path = Path(os.path.abspath(hint))
                if path.is_relative_to(templates):
                    templates_touched = True
                elif path.is_relative_to(content):
                    parts = path.relative_to(content).parts
                    if len(parts) >= 2 and parts[0] in schema.RECORD_TYPES:
                        touched.add(f"{parts[0]}/{parts[1]}")
                    else:
                        global_touched = True
                else:  # outside what we know how to narrow down: check everything
                    return self._scan_inputs(previous, None)
            stale = [str(content / name) for name in touched]
            if templates_touched:
                stale.append(str(templates))
            keep = {path: stamp for path, stamp in old.inputs.stamps.items() if not any(path.startswith(s + os.sep) for s in stale)}
            inputs.stamps.update(keep)

        # the top of content/: site.yaml, the supporting files, anything else (reported there)
        if old is None or global_touched:
            top: list[tuple[str, str]] = []
            if content.is_dir():
                for entry in sorted(os.scandir(content), key=lambda e: e.name):
                    if entry.name.startswith("."):
                        continue
                    if entry.name in schema.RECORD_TYPES and entry.is_dir():
                        # loose files among the record folders are reported: they count too
                        top += [(f"{entry.name}/{e.name}", "file") for e in os.scandir(entry.path) if not e.is_dir()]
                    elif entry.is_dir():
                        top += [(f"{entry.name}/{rel}", kind) for rel, kind in inputs.tree(Path(entry.path))]
                    else:
                        top.append((entry.name, inputs.sha(Path(entry.path)) or "unreadable"))
            global_digest = digest_of(top)
        else:
            global_digest = old.global_digest

        folders: dict[str, tuple[str, Path, str | None]] = {}
        for section in schema.RECORD_TYPES:
            section_dir = content / section
            if not section_dir.is_dir():
                continue
            for entry in sorted(os.scandir(section_dir), key=lambda e: e.name):
                if entry.name.startswith(".") or not entry.is_dir():
                    continue
                name = f"{section}/{entry.name}"
                known = old.folders.get(name) if old is not None and name not in touched else None
                if known is not None:
                    folders[name] = known
                    continue
                try:
                    tree = inputs.tree(Path(entry.path))
                except OSError:
                    folders[name] = (section, Path(entry.path), None)
                    continue
                digest = None if any(kind == "unreadable" for _, kind in tree) else digest_of(tree)
                folders[name] = (section, Path(entry.path), digest)

        templates_digest = digest_of(inputs.tree(templates)) if (old is None or templates_touched) else old.templates_digest
        content_digest = digest_of(global_digest, sorted((name, digest) for name, (_, _, digest) in folders.items()))
        if any(digest is None for _, _, digest in folders.values()):
            content_digest = ""
        scan = _Scan(inputs, folders, global_digest, templates_digest, content_digest, "")
        # with what the output stages read besides the model last time (stages.py)
        scan.signature = self._signature(scan, previous.report.get("stage_reads", []))
        return scan

    def _signature(self, scan: _Scan, stage_reads: list[tuple[str, str]]) -> str:
        """Of every input and setting: equal to the last build's means there is nothing to do."""
        if not scan.content_digest:
            return f"uncacheable:{time.time_ns()}"  # a folder could not be read: always build
        settings = self.settings
        stage_inputs = stages_mod.fingerprint(stage_reads, scan.inputs) if stage_reads else ""
        return digest_of(
            generator_version(), settings.base_url, settings.today.isoformat(), scan.content_digest, scan.templates_digest, stage_inputs
        )

    def _record_loader(self, previous: State, scan: _Scan, loaded: dict[str, tuple[str, Any]]) -> Any:
        """load_content's record loader: cached results for unchanged folders, the rest in parallel."""

        def load(content: Content, items: list[tuple[str, Path]], languages: list[str], project_root: Path) -> list[Any]:
            default = content.site.default_language if content.site else languages[0]
            results: list[Any] = [None] * len(items)
            keys: list[str | None] = []
            todo: list[int] = []
            for n, (section, folder) in enumerate(items):
                name = f"{section}/{folder.name}"
                tree = scan.folders.get(name, (section, folder, None))[2]
                key = digest_of(tree, languages, default, project_root.as_posix(), generator_version()) if tree else None
                keys.append(key)
                if key is not None:
                    memory = self._loaded.get(name)
                    if memory is not None and memory[0] == key:
                        loaded[name] = memory
                        results[n] = memory[1]
                        continue
                    old = previous.records.get(name)
                    result = _cached_record(old[1]) if old is not None and old[0] == key else None
                    if result is not None:
                        loaded[name] = (key, result)
                        results[n] = result
                        continue
                todo.append(n)
            if todo:
                self.progress.stage("Loading records", len(todo))
                job = _LoadJob(content.root, project_root, languages, default)
                tasks: list[parallel.Task] = [
                    (_load_chunk, [(n, items[n][0], items[n][1]) for n in part]) for part in iter_chunks(todo, 32)
                ]
                for _, chunk in parallel.run(job, tasks, self.workers if len(todo) >= INLINE_BELOW else 1):
                    for n, blob in chunk:
                        section, folder = items[n]
                        loaded[f"{section}/{folder.name}"] = (keys[n] or "", (*pickle.loads(blob), blob))
                        results[n] = loaded[f"{section}/{folder.name}"][1]
                    self.progress.advance(len(chunk))
            return [(result[0], result[1]) for result in results]

        return load

    def _render(
        self,
        job: _RenderJob,
        dirty: list[int],
        page_digests: list[str],
        new_pages: dict[str, PageEntry],
        digests: dict[str, dict[str, str]],
        scan: _Scan,
        previous: State,
    ) -> tuple[list[tuple[dict[str, bytes], list[Problem]]], list[Problem]]:
        """Render the dirty pages and run the output stages whose inputs changed (stages.py), in
        worker processes when worth it. Returns each stage's (files, problems) and the errors
        that stop the build."""
        self.progress.stage("Rendering pages", len(dirty))
        stages = len(self.stages)
        results: list[Any] = [None] * stages
        outputs = job.stage_context.cache.current.setdefault(STAGE_OUTPUTS, {})
        keys = [stages_mod.key(stage, scan.content_digest, job.stage_context.base_url, self.settings.today) for stage in self.stages]
        previous_outputs = previous.stages.get(STAGE_OUTPUTS) or {}
        for number, key in enumerate(keys):
            # (files read, their fingerprint, {file made: sha256}, problems): reuse what was published
            cached = previous_outputs.get(key) if scan.content_digest else None
            if (
                cached is not None
                and stages_mod.fingerprint(cached[0], scan.inputs) == cached[1]
                and all(_intact(self.settings.output_dir, relpath, sha, previous.manifest) for relpath, sha in cached[2].items())
            ):
                results[number] = (_published(cached[2]), [Problem(*f) for f in cached[3]])
                outputs[key] = cached
        self.stage_seconds = {stage.name: None for stage in self.stages}
        deferred = []
        if self.defer_stages and self._output_checked:  # finish() runs them
            if not self._stage_files:  # what the cached state says the stages last published
                for name, key in previous.report.get("stage_keys", {}).items():
                    if key in previous_outputs:
                        self._stage_files[name] = dict(previous_outputs[key][2])
            for number, stage in enumerate(self.stages):
                if results[number] is None and stage.name in self._stage_files:
                    results[number] = (_published(self._stage_files[stage.name]), [])
                    deferred.append(stage.name)
        self.pending_stages = tuple(deferred)
        self._stage_keys = {stage.name: key for stage, key in zip(self.stages, keys, strict=True)}
        size = max(4, min(48, len(dirty) // (self.workers * 6) or 4))
        tasks: list[parallel.Task] = [(_run_stage, i) for i in range(stages) if results[i] is None]
        first_chunk = len(tasks)  # tasks before this one run stages, the others render pages
        tasks += [(_render_chunk, [(i, page_digests[i]) for i in part]) for part in iter_chunks(sorted(dirty), size)]
        problems: list[Problem] = []
        interned: dict[frozenset[str], frozenset[str]] = {}
        me = os.getpid()
        workers = self.workers if len(dirty) >= INLINE_BELOW or first_chunk > 1 else 1
        for index, result in parallel.run(job, tasks, workers):
            if index < first_chunk:
                number, run, staged, memo, pid = result
                results[number] = (staged, run.problems)
                self.stage_seconds[self.stages[number].name] = run.seconds
                if pid != me:
                    job.stage_context.cache.merged(memo)
                    for relpath, (_, _, written) in staged.items():
                        job.writer.record(relpath, written)
                if not any(p.is_error for p in run.problems):
                    fields = [(p.path, p.line, p.message, p.hint, p.severity) for p in run.problems]
                    made = {relpath: sha for relpath, (_, sha, _) in staged.items()}
                    outputs[keys[number]] = (run.reads, stages_mod.fingerprint(run.reads, scan.inputs), made, fields)
                continue
            rendered, chunk_digests, chunk_problems, pid = result
            for i, relpath, written, sha, reads in rendered:
                if pid != me:
                    job.writer.record(relpath, written)
                reads = {sys.intern(key): interned.setdefault(attrs, attrs) for key, attrs in reads.items()}  # memory
                new_pages[job.pages[i].url] = PageEntry(relpath, page_digests[i], sha, reads)
            for key, attrs in chunk_digests.items():
                digests.setdefault(sys.intern(key), {}).update(attrs)
            problems += chunk_problems
            self.progress.advance(len(rendered) + len(chunk_problems))
        errors = sorted(set(problems))[:10]
        for files_problems in results:
            errors += [p for p in files_problems[1] if p.is_error]
        return results, errors


# --- worker side (see parallel.py) ---------------------------------------------------------------


def _load_chunk(chunk: list[tuple[int, str, Path]]) -> list[tuple[int, bytes]]:
    from ogpsite.content.load import load_record

    job: _LoadJob = parallel.current_job()
    out = []
    for n, section, folder in chunk:
        record, problems = load_record(folder, section, job.content_root, job.project_root, job.languages)
        texts = texts_for(record, job.languages, job.default) if record is not None else {}
        if record is not None:  # the rendered texts are what the model needs: drop the sources' Markdown
            record = dataclasses.replace(record, texts=dict.fromkeys(record.texts))
        out.append((n, pickle.dumps((record, problems, texts), protocol=pickle.HIGHEST_PROTOCOL)))
    return out


def _render_chunk(chunk: list[tuple[int, str]]) -> tuple[list[Any], dict[str, dict[str, str]], list[Problem], int]:
    job: _RenderJob = parallel.current_job()
    index = job.renderer.index
    rendered = []
    digests: dict[str, dict[str, str]] = {}
    problems = []
    for i, _ in chunk:
        page = job.pages[i]
        try:
            html, reads = job.renderer.render_tracked(page)
        except RENDER_ERRORS as exc:
            problems.append(_template_problem(exc, page, job.settings))
            continue
        data = html.encode("utf-8")
        relpath = output_file(page.url)
        written = job.writer.write(relpath, data)
        for key, attrs in reads.items():
            known = digests.setdefault(key, {})
            for attr in attrs:
                if attr not in known:
                    known[attr] = index.digest(key, attr)
        rendered.append((i, relpath, written, hashlib.sha256(data).hexdigest(), reads))
    return rendered, digests, problems, os.getpid()


def _run_stage(number: int) -> tuple[int, stages_mod.StageRun, dict[str, tuple[str, str, bool]], dict[str, dict[Any, Any]], int]:
    """Run a stage and stage its files here (they can be large: only their hashes go back)."""
    job: _RenderJob = parallel.current_job()
    run = stages_mod.run(job.stages[number].run, job.model, job.stage_context)
    staged = {}
    if not any(p.is_error for p in run.problems):
        for relpath in sorted(run.files):
            data = run.files[relpath]
            staged[relpath] = ("staged", hashlib.sha256(data).hexdigest(), job.writer.write(relpath, data))
    run.files = {}
    memo = {name: values for name, values in job.stage_context.cache.current.items() if name != STAGE_OUTPUTS}
    return number, run, staged, memo, os.getpid()


# --- helpers ------------------------------------------------------------------------------------


def _cached_record(blob: bytes | None) -> tuple[Any, ...] | None:
    """A load result from the cache, as the loader keeps it (None: no entry, or an unreadable one,
    which is only a record parsed again)."""
    if blob is None:
        return None
    try:
        return (*pickle.loads(blob), None)  # None: the pickle is stored already
    except Exception:
        return None


def _published(files: dict[str, str]) -> dict[str, tuple[str, str, bool]]:
    """A stage's files kept as the site has them (relpath -> sha), in the form stages report."""
    return {relpath: ("published", sha, False) for relpath, sha in files.items()}


def _touched(reads: dict[str, frozenset[str]], changed: dict[str, set[str]]) -> bool:
    """Whether a page read any value that changed."""
    if not changed:
        return False
    if len(changed) < len(reads):
        return any(key in reads and not reads[key].isdisjoint(attrs) for key, attrs in changed.items())
    return any(key in changed and not attrs.isdisjoint(changed[key]) for key, attrs in reads.items())


def _intact(output: Path, relpath: str, sha: str, manifest: dict[str, tuple[str, int, int, int]]) -> bool:
    """The published file is the one the last build wrote with this content."""
    expected = manifest.get(relpath)
    if expected is None or expected[0] != sha:
        return False
    try:
        st = os.lstat(os.path.join(output, relpath))  # not a Path: called for every page
    except OSError:
        return False
    return expected[1:] == (st.st_size, st.st_mtime_ns, st.st_ino)


def _manifest(
    output: Path,
    shas: dict[str, str],
    previous: dict[str, tuple[str, int, int, int]],
    changed: set[str],
    in_place: bool,
) -> dict[str, tuple[str, int, int, int]]:
    """Each file published (sha, size, time, inode), and each folder holding them ("", 0, time,
    inode; keys ending in "/", the output folder itself "/").

    A file not written anew is the very file the last manifest describes (kept in place, or hard
    linked: same inode and time), so only written files are looked at again; in place, so are
    only the folders where a file was added, replaced or deleted. A wrong entry could only make
    the next build check more, never reuse a file it should not (see _intact)."""
    base = os.fspath(output) + os.sep  # strings: tens of thousands of files
    manifest = {}
    folders = {"/"}
    touched = {"/"}  # folders whose entries changed
    for relpath, sha in shas.items():
        old = previous.get(relpath)
        parent = relpath.rpartition("/")[0]
        if old is not None and old[0] == sha and relpath not in changed:
            manifest[relpath] = old
        else:
            st = os.lstat(base + relpath)
            manifest[relpath] = (sha, st.st_size, st.st_mtime_ns, st.st_ino)
            touched.add(parent + "/" if parent else "/")
        while parent and parent + "/" not in folders:
            folders.add(parent + "/")
            parent = parent.rpartition("/")[0]
    for relpath in previous.keys() - shas.keys() - folders:  # deleted files and folders: their parents changed
        parent = relpath.rstrip("/").rpartition("/")[0]
        touched.add(parent + "/" if parent else "/")
    for folder in folders - previous.keys():  # new folders: their parents changed
        parent = folder.rstrip("/").rpartition("/")[0]
        touched.add(parent + "/" if parent else "/")
    for folder in folders:
        old = previous.get(folder)
        if in_place and old is not None and folder not in touched:
            manifest[folder] = old
            continue
        st = os.lstat(base + folder) if folder != "/" else os.lstat(output)
        manifest[folder] = ("", 0, st.st_mtime_ns, st.st_ino)
    return manifest


def _record_keys(loaded: dict[str, tuple[str, Any]]) -> dict[tuple[str, str], str]:
    out = {}
    for key, result in loaded.values():
        record: RecordSource | None = result[0]
        if record is not None and key:
            out[(record.section, record.slug)] = key
    return out
