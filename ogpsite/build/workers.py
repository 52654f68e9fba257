"""What runs in the worker processes (parallel.py): loading record folders, rendering pages and
running output stages. Each task reads the job its process inherited (`parallel.current_job()`)
and sends back only small results: pickles of loaded records, hashes and read sets of pages,
hashes of a stage's files. Files are written where they are made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import traceback
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError

from ogpsite.build import parallel
from ogpsite.content import load as content_load  # looked up at call time: tests count the folders parsed
from ogpsite.errors import Problem, display_path
from ogpsite.incremental.manifest import Manifest, is_intact
from ogpsite.incremental.reads import ReadSet
from ogpsite.incremental.stage_cache import MemoDelta, StageRun, run_observed
from ogpsite.model.pages import Page
from ogpsite.model.site import SiteModel
from ogpsite.model.texts import record_texts
from ogpsite.model.urls import output_file
from ogpsite.output.writers import InPlaceWriter, SiteWriter
from ogpsite.render.renderer import Renderer
from ogpsite.settings import BuildSettings
from ogpsite.stages import Stage, StageContext

RENDER_ERRORS = (TemplateError, TypeError, ValueError, KeyError, AttributeError, IndexError)


@dataclass
class LoadJob:
    content_root: Path
    project_root: Path
    languages: list[str]
    default: str


@dataclass
class RenderJob:
    renderer: Renderer
    writer: SiteWriter | InPlaceWriter
    settings: BuildSettings
    pages: list[Page]
    model: SiteModel
    stage_context: StageContext
    stages: tuple[Stage, ...]
    published: Manifest = dataclasses.field(default_factory=dict)  # what the last build published (its manifest)


@dataclass
class RenderedPage:
    index: int  # into RenderJob.pages
    relpath: str
    written: bool  # False: the file was already there with these bytes
    sha: str
    reads: ReadSet


@dataclass
class RenderedChunk:
    pages: list[RenderedPage]
    digests: dict[str, dict[str, str]]  # the digests of what they read: entity key -> attribute -> digest
    problems: list[Problem]
    pid: int


@dataclass(frozen=True)
class StagedFile:
    sha: str
    written: bool  # written anew by this build (False: already there, or kept from the last build)
    published: bool = False  # True: the site's file as the last build published it, not made now


@dataclass
class StageDone:
    number: int  # into RenderJob.stages
    run: StageRun  # its problems, reads and time (files already written)
    files: dict[str, StagedFile]
    memo: MemoDelta  # what it computed in, and reused from, the stage cache
    pid: int


def load_chunk(chunk: list[tuple[int, str, Path]]) -> list[tuple[int, bytes]]:
    """Load record folders: each one's (record, problems, rendered texts), pickled."""
    job: LoadJob = parallel.current_job()
    out = []
    for n, section, folder in chunk:
        record, problems = content_load.load_record(folder, section, job.content_root, job.project_root, job.languages)
        texts = record_texts(record, job.languages, job.default) if record is not None else {}
        if record is not None:  # the rendered texts are what the model needs: drop the sources' Markdown
            record = dataclasses.replace(record, texts=dict.fromkeys(record.texts))
        out.append((n, pickle.dumps((record, problems, texts), protocol=pickle.HIGHEST_PROTOCOL)))
    return out


def render_chunk(chunk: list[int]) -> RenderedChunk:
    """Render pages, write them, and note what each read (with the digests of those reads)."""
    job: RenderJob = parallel.current_job()
    index = job.renderer.index
    done = RenderedChunk([], {}, [], os.getpid())
    for i in chunk:
        page = job.pages[i]
        try:
            html, reads = job.renderer.render_tracked(page)
        except RENDER_ERRORS as exc:
            done.problems.append(template_problem(exc, page, job.settings))
            continue
        data = html.encode("utf-8")
        relpath = output_file(page.url)
        written = job.writer.write(relpath, data)
        for key, attrs in reads.items():
            known = done.digests.setdefault(key, {})
            for attr in attrs:
                if attr not in known:
                    known[attr] = index.digest(key, attr)
        done.pages.append(RenderedPage(i, relpath, written, hashlib.sha256(data).hexdigest(), reads))
    return done


def run_stage(number: int) -> StageDone:
    """Run a stage and write its files here (they can be large: only their hashes go back)."""
    job: RenderJob = parallel.current_job()
    job.stage_context.cache.take_delta()  # what an earlier stage in this process did was sent with it
    run = run_observed(job.stages[number].run, job.model, job.stage_context)
    files = {}
    if not any(p.is_error for p in run.problems):
        output = job.settings.output_dir
        for relpath in sorted(run.files):
            data = run.files[relpath]
            sha = hashlib.sha256(data).hexdigest()
            # the published file is this one (its manifest entry, and its stat, say so): kept
            # unread, as a page is; most of search's and the open data's files after an edit
            if is_intact(output, relpath, sha, job.published) and job.writer.reuse(relpath, present=True):
                files[relpath] = StagedFile(sha, False)
            else:
                files[relpath] = StagedFile(sha, job.writer.write(relpath, data))
    run.files = {}
    return StageDone(number, run, files, job.stage_context.cache.take_delta(), os.getpid())


def template_problem(exc: Exception, page: Page, settings: BuildSettings) -> Problem:
    """Point at the template line that failed, not at Python internals."""
    templates = settings.templates_dir.resolve()
    chain = [d.resolve() for d in settings.template_dirs]
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return Problem(
            display_path(Path(exc.filename), settings.project_root), exc.lineno, f"template error: {exc.message}", "fix the template syntax"
        )
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and any(Path(frame.filename).resolve().is_relative_to(d) for d in chain):
            return Problem(
                display_path(Path(frame.filename), settings.project_root),
                frame.lineno or 0,
                f"template error while rendering /{page.url}: {exc}",
                "fix the template",
            )
    return Problem(
        display_path(templates, settings.project_root), 0, f"template error while rendering /{page.url}: {exc}", "fix the template"
    )
