"""The build, top to bottom: load -> validate -> model -> render -> index -> write."""

from __future__ import annotations

import datetime as dt
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError

from .calendar import calendar_stage
from .content import load_content
from .errors import BuildFailed, Problem, display_path
from .feeds import feeds_stage
from .model import SiteModel, build_model
from .opendata import opendata_stage
from .output import SiteWriter, check_output_dir
from .pages import Page, plan_pages
from .render import Renderer, RenderSettings
from .search import search_stage
from .sitemap import sitemap_stage
from .urls import output_file


@dataclass(frozen=True)
class BuildSettings:
    project_root: Path
    content_dir: Path
    templates_dir: Path
    output_dir: Path
    base_url: str | None = None  # overrides content/site.yaml
    today: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class StageContext:
    """What an output stage (search index, feeds, data files…) may know about the build."""

    settings: BuildSettings
    base_url: str


# Stages that add files beside the rendered pages: (model, context) -> (files, problems).
# Each lives in its own module; add it here to run it in every build.
OUTPUT_STAGES: tuple[Callable[[SiteModel, StageContext], tuple[dict[str, bytes], list[Problem]]], ...] = (
    feeds_stage,  # Atom per language (issue 6)
    calendar_stage,  # iCalendar per event and for all events
    opendata_stage,  # data/: JSON, CSV, datapackage.json
    sitemap_stage,  # sitemap.xml, robots.txt
    search_stage,  # {lang}/search-index.json + search-docs.json, assets/vendor/ (issue 3)
)


@dataclass
class BuildReport:
    pages: int = 0
    written: int = 0
    reused: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    model: SiteModel | None = None


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


def render_site(model: SiteModel, settings: BuildSettings, base_url: str) -> tuple[dict[str, bytes], list[Problem]]:
    renderer = Renderer(model, RenderSettings(settings.templates_dir, base_url, settings.today))
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in plan_pages(model):
        try:
            files[output_file(page.url)] = renderer.render(page).encode("utf-8")
        except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
            problems.append(_template_problem(exc, page, settings))
            if len(problems) >= 10:
                break
    return files, problems


def build(settings: BuildSettings) -> BuildReport:
    """Build the site; raises BuildFailed (problems listed) and leaves the old site untouched."""
    started = time.perf_counter()
    check_output_dir(settings.output_dir, [settings.content_dir, settings.templates_dir, settings.project_root / "ogpsite"])
    model, problems = check(settings)
    errors = [p for p in problems if p.is_error]
    if errors or model is None:
        raise BuildFailed(errors or problems)
    base_url = settings.base_url if settings.base_url is not None else (model.site.base_url or "/")
    files, render_problems = render_site(model, settings, base_url)
    stage_context = StageContext(settings, base_url)
    for stage in OUTPUT_STAGES:
        extra, stage_problems = stage(model, stage_context)
        files.update(extra)
        render_problems += [p for p in stage_problems if p.is_error]
        problems += [p for p in stage_problems if not p.is_error]  # warnings are reported, not fatal
    if render_problems:
        raise BuildFailed(render_problems)
    writer = SiteWriter(settings.output_dir)
    try:
        for relpath in sorted(files):
            writer.write(relpath, files[relpath])
        writer.copy_tree(settings.templates_dir / "assets", "assets")
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildReport(
        pages=len(files),
        written=writer.written,
        reused=writer.reused,
        seconds=time.perf_counter() - started,
        warnings=[p for p in problems if not p.is_error],
        model=model,
    )


def print_problems(problems: list[Problem], stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        print(problem.format(), file=stream)
