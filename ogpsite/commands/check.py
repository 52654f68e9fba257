"""`ogpsite check`: validate the content without writing a site.

Runs the build's own load and model stages (schema, references, duplicate IDs and keys), then the
checks in `CONTENT_CHECKS` that only an editor's review needs: links between records in Markdown,
translation status, duplicate titles and placeholders left by `ogpsite new`.

Each check is a function `(CheckInput) -> list[Problem]`. To add one behind an option (for
example checking a built site's links), give `run_check` the option through `CheckOptions` and
append the check's problems in `run_check`; the CLI command stays a thin wrapper.
"""

from __future__ import annotations

import difflib
import posixpath
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ogpsite.build import check
from ogpsite.commands.linkcheck import LinkReport, check_links
from ogpsite.errors import Problem
from ogpsite.model.pages import site_pages
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import base_path, output_file, record_url, relative
from ogpsite.settings import BuildSettings, overlay_files

PLACEHOLDER = "TODO:"


@dataclass(frozen=True)
class CheckOptions:
    strict: bool = False  # warnings fail the check too
    links: bool = False  # also check the internal links of the built site (linkcheck.py)
    site_dir: Path | None = None  # the built site for `links` (default: the settings' output folder)
    base_url: str | None = None  # where that site is published (default: read from the site itself)


@dataclass(frozen=True)
class CheckInput:
    settings: BuildSettings
    model: SiteModel


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    model: SiteModel | None = None
    links: LinkReport | None = None  # when the built site's links were checked

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, strict: bool) -> bool:
        return bool(self.errors or (strict and self.warnings))


def _source_lines(settings: BuildSettings, path: str) -> list[str]:
    try:
        return (settings.project_root / path).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return []


def _line_containing(settings: BuildSettings, path: str, needle: str, start: int = 0) -> int:
    for number, line in enumerate(_source_lines(settings, path), 1):
        if number > start and needle in line:
            return number
    return 0


# --- links between records ----------------------------------------------------------------


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.links.append(value)


def _links(html: str) -> list[str]:
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    return collector.links


def _site_target(page_url: str, href: str, site_base: str) -> str | None:
    """The site path an href points at, '' for the root; None when it leaves the site."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("#") or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        # Root-relative: under the published base path if it starts with it.
        path = path[len(site_base) :] if path.startswith(site_base) else path[1:]
        joined = path
    else:
        folder = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url) + "/"
        joined = posixpath.join(folder, path)
    trailing = joined.endswith("/")
    normal = posixpath.normpath(joined) if joined else "."
    if normal == "." or normal == "":
        return ""
    if normal.startswith("../") or normal == "..":
        return "../"
    return normal + ("/" if trailing else "")


def check_markdown_links(given: CheckInput) -> list[Problem]:
    """Links in Markdown that point inside the site must reach a page or an asset."""
    model, settings = given.model, given.settings
    pages = {page.url for page in site_pages(model)}
    files = {output_file(url) for url in pages}
    files |= {f"assets/{name}" for name in overlay_files(settings.template_dirs, "assets")}
    site_base = base_path(settings.base_url or model.site.base_url or "/")
    problems: list[Problem] = []
    for section in model.records.values():
        for record in section:
            for lang, text in record.texts.items():
                if text.fallback:
                    continue  # the default language's own text is checked once, as itself
                page_url = record_url(record.section, record.slug, lang)
                html = str(text.body) + "".join(str(s) for s in text.sections.values())
                for href in _links(html):
                    target = _site_target(page_url, href, site_base)
                    if target is None:
                        continue
                    bare = target.rstrip("/")
                    if target in pages or target in files or bare + "/" in pages or (target.endswith("/") and bare in files):
                        continue
                    if target.endswith("index.html") and target[: -len("index.html")] in pages:
                        continue
                    close = difflib.get_close_matches(bare + "/", sorted(pages), n=1, cutoff=0.8)
                    hint = (
                        f"did you mean '{relative(page_url, close[0])}'?"
                        if close
                        else "link to a page that exists; from a record, '../other-slug/' reaches a record of the same kind"
                    )
                    where = "outside the site" if target == "../" else f"/{target}"
                    problems.append(
                        Problem(
                            text.source,
                            _line_containing(settings, text.source, href.split("#")[0] or href),
                            f"link '{href}' leads nowhere: there is no page {where}",
                            hint,
                        )
                    )
    return problems


# --- translations ---------------------------------------------------------------------------


def check_translations(given: CheckInput) -> list[Problem]:
    """Missing and outdated translations are warnings: the site shows the source text meanwhile."""
    model, settings = given.model, given.settings
    default = model.default_language
    problems = []
    for record, lang, status in model.translation_report():
        path = f"{record.folder}/{lang}.md"
        source = f"{record.folder}/{default}.md"
        if status == "missing":
            problems.append(
                Problem(
                    path,
                    0,
                    f"the {lang} translation is missing; the {default} text is shown instead",
                    f"copy {default}.md to {lang}.md, translate it, then run 'ogpsite fingerprint --write {path}'",
                    "warning",
                )
            )
        elif status == "outdated":
            problems.append(
                Problem(
                    path,
                    _line_containing(settings, path, "translates:"),
                    f"translation is outdated: {source} has changed since it was translated",
                    f"bring the translation up to date (see 'git diff' of {default}.md), then run 'ogpsite fingerprint --write {path}'",
                    "warning",
                )
            )
    return problems


# --- duplicates and placeholders -----------------------------------------------------------


def check_duplicate_titles(given: CheckInput) -> list[Problem]:
    """Two records of one kind with the same title confuse readers and search results."""
    problems = []
    for section, records in given.model.records.items():
        seen: dict[tuple[str, str], list[str]] = defaultdict(list)
        for record in records:
            for lang, text in record.texts.items():
                if not text.fallback:
                    seen[(lang, " ".join(text.title.casefold().split()))].append(text.source)
        for (_lang, _title), paths in sorted(seen.items()):
            for path in paths[1:]:
                problems.append(
                    Problem(
                        path,
                        _line_containing(given.settings, path, "title:"),
                        f"title is the same as in {paths[0]}",
                        f"give each of the {section} its own title",
                        "warning",
                    )
                )
    return problems


def check_placeholders(given: CheckInput) -> list[Problem]:
    """Lines still marked 'TODO:' (as `ogpsite new` writes them) must be filled in before merging."""
    root = given.settings.project_root
    problems = []
    for records in given.model.records.values():
        for record in records:
            folder = root / record.folder
            for file in sorted(folder.glob("*")):
                if file.suffix not in (".yaml", ".md") or not file.is_file():
                    continue
                path = f"{record.folder}/{file.name}"
                for number, line in enumerate(_source_lines(given.settings, path), 1):
                    if PLACEHOLDER in line:
                        problems.append(
                            Problem(path, number, "placeholder left from 'ogpsite new'", "write the real value and remove 'TODO:'")
                        )
    return problems


CONTENT_CHECKS: list[Callable[[CheckInput], list[Problem]]] = [
    check_markdown_links,
    check_translations,
    check_duplicate_titles,
    check_placeholders,
]


def run_check(settings: BuildSettings, options: CheckOptions | None = None) -> CheckResult:
    """Everything `check` reports, errors and warnings, sorted by file and line."""
    options = options or CheckOptions()
    model, problems = check(settings)
    if model is not None:
        given = CheckInput(settings, model)
        for content_check in CONTENT_CHECKS:
            problems = problems + content_check(given)
    links = None
    if options.links:
        links = check_links(options.site_dir or settings.output_dir, options.base_url, settings.project_root)
        problems = problems + links.problems
    return CheckResult(sorted(set(problems)), model, links)


# --- output ---------------------------------------------------------------------------------


def format_human(problem: Problem) -> str:
    if problem.is_error:
        return problem.format()
    where = f"{problem.path}:{problem.line}" if problem.line else problem.path
    return f"{where}: warning: {problem.message}" + (f" — {problem.hint}" if problem.hint else "")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problem: Problem) -> str:
    """A GitHub Actions workflow command: the pull request shows it on the file's line."""
    kind = "error" if problem.is_error else "warning"
    properties = [f"file={_escape_property(problem.path)}"]
    if problem.line:
        properties.append(f"line={problem.line}")
    properties.append(f"title={_escape_property('ogpsite check')}")
    message = problem.message + (f" — {problem.hint}" if problem.hint else "")
    return f"::{kind} {','.join(properties)}::{_escape_data(message)}"


def summary(result: CheckResult) -> str:
    counts = ""
    if result.model is not None:
        counts = ", ".join(f"{len(records)} {section}" for section, records in result.model.records.items())
    errors, warnings = len(result.errors), len(result.warnings)
    verdict = "no problems" if not errors and not warnings else f"{errors} error(s), {warnings} warning(s)"
    if result.links is not None:
        counts += f"{', and ' if counts else ''}{result.links.links} links in {result.links.pages} built pages"
    return f"Checked {counts or 'the content'}: {verdict}."
