"""`ogpsite build --summary FILE`: what a build changed, in Markdown an editor reads on GitHub.

Two decisions, each a pure function tested on hand-built inputs (tests/test_summary.py):

- `site_changes` compares the output manifest of the previous build in the same output folder
  with the one this build published (relpath -> SHA-256 of every file, as the build cache keeps
  them): a page is *changed* only when the bytes written differ, never because it was rendered
  again. Pages (`*.html`) are listed per language by URL; every other file (search index, feeds,
  calendars, open data, sitemap, assets) is site-wide and only counted, by kind, because one edit
  rewrites several of them and none is a page to open.
- `render_summary` turns that, the warnings and the translation status of the records the change
  touched into GitHub-flavoured Markdown. Everything that comes from content (titles, messages,
  paths) goes through `markdown_text`, so a title such as `<script>` or `[x](javascript:…)` stays
  text: HTML is written as entities and Markdown punctuation is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from ogpsite.build.report import BuildOutput, BuildReport
from ogpsite.errors import Problem
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import absolute

LISTED_PER_GROUP = 50  # pages listed per language and kind of change; the rest are counted

NEUTRAL = ""  # the "language" of pages that have none: the language chooser, 404.html


@dataclass(frozen=True)
class PageChanges:
    """Page URLs (site URLs, "es/commitments/ar0090/") of one language, sorted."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


@dataclass(frozen=True)
class FileCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0


@dataclass(frozen=True)
class SiteChanges:
    pages: dict[str, PageChanges]  # language (NEUTRAL for none) -> its pages that changed
    files: dict[str, FileCounts]  # kind of site-wide file -> how many changed

    @property
    def page_total(self) -> int:
        return sum(changes.total for changes in self.pages.values())


@dataclass(frozen=True)
class SummaryInput:
    """What `render_summary` reads: plain values, so it can be tested without a build."""

    output_dir: str
    base_url: str
    languages: tuple[str, ...]
    page_counts: dict[str, int]  # language -> pages now (NEUTRAL included)
    file_count: int  # every file of the site now
    changes: SiteChanges | None  # None: no previous build to compare with
    titles: dict[str, str] = field(default_factory=dict)  # page URL -> what the page shows as its title
    translations: list[tuple[str, str, str]] = field(default_factory=list)  # (record folder, language, status) of touched records
    warnings: list[Problem] = field(default_factory=list)
    up_to_date: bool = False


# --- the decision: what changed ---------------------------------------------------------------


def file_shas(manifest: Mapping[str, tuple[str, int, int, int]]) -> dict[str, str]:
    """relpath -> SHA-256 of every file of an output manifest (folders, ending in "/", left out)."""
    return {relpath: entry[0] for relpath, entry in manifest.items() if not relpath.endswith("/")}


def is_page(relpath: str) -> bool:
    return relpath.endswith(".html")


def page_url(relpath: str) -> str:
    """The site URL of a page file: en/commitments/ar0090/index.html -> en/commitments/ar0090/."""
    if relpath == "index.html":
        return ""
    return relpath[: -len("index.html")] if relpath.endswith("/index.html") else relpath


def page_language(url: str, languages: Sequence[str]) -> str:
    first = url.split("/", 1)[0]
    return first if first in languages and "/" in url else NEUTRAL


def file_kind(relpath: str) -> str:
    """The kind of a site-wide (non-page) file, as the summary counts them."""
    name = relpath.rsplit("/", 1)[-1]
    parts = relpath.split("/")
    # the manifest, its shards and the result texts (stages/search/shards.py)
    if name in ("search-index.json", "search-docs.json") or (
        len(parts) > 2 and parts[1] in ("search-index", "search-texts", "search-lengths")
    ):
        return "search index"
    if parts[0] == "filters":  # what the commitments index's filters fetch (stages/filters.py)
        return "filter data"
    if name.endswith(".xml") and name != "sitemap.xml":
        return "feeds"
    if name in ("sitemap.xml", "robots.txt"):
        return "sitemap"
    if name.endswith(".ics"):
        return "calendars"
    if relpath.startswith("data/"):
        return "open data"
    if relpath.startswith("assets/"):
        return "assets"
    return "other"


def site_changes(previous: Mapping[str, str], current: Mapping[str, str], languages: Sequence[str]) -> SiteChanges:
    """Pages added, changed (other bytes) and removed per language, and site-wide files by kind,
    between two builds' files (relpath -> SHA-256)."""
    grouped: dict[str, dict[str, list[str]]] = {}
    counts: dict[str, dict[str, int]] = {}
    for relpath in sorted(previous.keys() | current.keys()):
        before, after = previous.get(relpath), current.get(relpath)
        if before == after:
            continue
        how = "added" if before is None else "removed" if after is None else "changed"
        if is_page(relpath):
            url = page_url(relpath)
            grouped.setdefault(page_language(url, languages), {}).setdefault(how, []).append(url)
        else:
            kind = counts.setdefault(file_kind(relpath), {})
            kind[how] = kind.get(how, 0) + 1
    return SiteChanges(
        {lang: PageChanges(*(tuple(sorted(by.get(how, ()))) for how in ("added", "changed", "removed"))) for lang, by in grouped.items()},
        {kind: FileCounts(**by) for kind, by in sorted(counts.items())},
    )


def touched_records(previous: Mapping[str, str], current: Mapping[str, str]) -> set[str]:
    """Record folders ("commitments/ar0090") added, edited or removed: their load key differs
    (a record's load key is the hash of every file in its folder)."""
    return {name for name in previous.keys() | current.keys() if previous.get(name) != current.get(name)}


# --- the rendering ----------------------------------------------------------------------------

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$])")


def markdown_text(text: str) -> str:
    """Content text made inert for GitHub Markdown: one line, HTML as entities, every Markdown
    punctuation character backslash-escaped (no link, image, emphasis, table cell or @mention)."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def code_span(text: str) -> str:
    """Text shown literally as code: backslashes and HTML stay as they are inside backticks, so
    only a backtick (which would end the span) and line breaks are replaced."""
    return "`" + " ".join(text.replace("`", "'").split()) + "`"


def _href(base_url: str, url: str) -> str:
    # site URLs are made of slugs (lower-case letters, digits, hyphens), but quote them anyway
    return absolute(base_url, quote(url, safe="/"))


def _page_line(url: str, given: SummaryInput, link: bool) -> str:
    """A list item naming the page (its title when it has one) and its URL; a link when the base
    URL is absolute and the page exists (not for a removed one)."""
    shown = code_span(f"/{url}")
    title = given.titles.get(url)
    label = f"{markdown_text(title)} ({shown})" if title else shown
    return f"- [{label}]({_href(given.base_url, url)})" if link and given.base_url.startswith(("http://", "https://")) else f"- {label}"


LANGUAGE_NAMES = {"en": "English", "es": "Spanish", NEUTRAL: "No language (language chooser, 404)"}


def _language_name(lang: str) -> str:
    name = LANGUAGE_NAMES.get(lang, lang)
    return f"{name} ({code_span(lang)})" if lang else name


def _counts_line(given: SummaryInput) -> str:
    per_language = ", ".join(f"{given.page_counts.get(lang, 0)} in {_language_name(lang)}" for lang in given.languages)
    neutral = given.page_counts.get(NEUTRAL, 0)
    pages = sum(given.page_counts.values())
    return f"**{pages} pages** ({per_language}, {neutral} without a language) and {given.file_count - pages} other files."


def render_summary(given: SummaryInput) -> str:
    """The summary as GitHub-flavoured Markdown."""
    out = ["## Site build summary", ""]
    out.append(_counts_line(given))
    out.append("")
    changes = given.changes
    if changes is None:
        out += [
            f"There is no previous build in {code_span(given.output_dir)} to compare with (or its build cache is gone), "
            "so this summary cannot say what changed; the counts above are the whole site.",
            "",
        ]
    elif given.up_to_date or (not changes.page_total and not changes.files):
        out += [f"Nothing changed since the previous build in {code_span(given.output_dir)}.", ""]
    else:
        out += [f"Compared with the previous build in {code_span(given.output_dir)}: {changes.page_total} page(s) differ.", ""]
        for lang in [*given.languages, NEUTRAL]:
            pages = changes.pages.get(lang)
            if pages is None or not pages.total:
                continue
            out += [f"### {_language_name(lang)}", ""]
            for how, urls in (("Added", pages.added), ("Changed", pages.changed), ("Removed", pages.removed)):
                if not urls:
                    continue
                out.append(f"{how} ({len(urls)}):")
                out.append("")
                out += [_page_line(url, given, link=how != "Removed") for url in urls[:LISTED_PER_GROUP]]
                if len(urls) > LISTED_PER_GROUP:
                    out.append(f"- … and {len(urls) - LISTED_PER_GROUP} more")
                out.append("")
        if changes.files:
            out += ["### Site-wide files", "", "Not pages: rewritten whenever what they list changes.", ""]
            out += ["| kind | added | changed | removed |", "| --- | ---: | ---: | ---: |"]
            out += [f"| {kind} | {n.added} | {n.changed} | {n.removed} |" for kind, n in changes.files.items()]
            out.append("")
        out += ["### Translations of the records this change touched", ""]
        if given.translations:
            out += [f"- {code_span(folder)}: {markdown_text(lang)} {markdown_text(status)}" for folder, lang, status in given.translations]
        else:
            out.append("None missing or outdated.")
        out.append("")
    out += [f"### Warnings ({len(given.warnings)})", ""]
    if given.warnings:
        out += [f"- {markdown_text(_problem_text(p))}" for p in given.warnings]
    else:
        out.append("None.")
    out.append("")
    return "\n".join(out)


def _problem_text(problem: Problem) -> str:
    where = f"{problem.path}:{problem.line}" if problem.line else problem.path
    return f"{where}: {problem.message}" + (f" — {problem.hint}" if problem.hint else "")


# --- from a build report ----------------------------------------------------------------------


def page_titles(urls: Sequence[str], model: SiteModel | None) -> dict[str, str]:
    """What each page shows as its title, for the record pages among `urls` (from the model)."""
    if model is None:
        return {}
    titles = {}
    for url in urls:
        parts = url.split("/")
        if len(parts) >= 4 and (record := model.by_key.get((parts[1], parts[2]))) is not None and parts[0] in record.texts:
            titles[url] = record.texts[parts[0]].title
    return titles


def summary_input(report: BuildReport, output_dir: str) -> SummaryInput:
    """The summary's input from a build's report (its `output` must be set)."""
    output: BuildOutput | None = report.output
    assert output is not None, "the builder fills report.output"
    model = report.model
    current = file_shas(output.manifest)
    languages = tuple(model.languages) if model is not None else _languages_of(current)
    page_counts: dict[str, int] = {}
    for relpath in current:
        if is_page(relpath):
            lang = page_language(page_url(relpath), languages)
            page_counts[lang] = page_counts.get(lang, 0) + 1
    changes = None
    translations: list[tuple[str, str, str]] = []
    if output.previous_manifest is not None:
        changes = site_changes(file_shas(output.previous_manifest), current, languages)
        touched = touched_records(
            {name: key for name, (key, _) in output.previous_records.items()}, {name: key for name, (key, _) in output.records.items()}
        )
        if model is not None:
            translations = [
                (record.folder, lang, status)
                for record, lang, status in model.translation_report()
                if f"{record.section}/{record.slug}" in touched
            ]
    listed = [url for pages in (changes.pages.values() if changes else ()) for url in (*pages.added, *pages.changed)]
    return SummaryInput(
        output_dir=output_dir,
        base_url=output.base_url,
        languages=languages,
        page_counts=page_counts,
        file_count=len(current),
        changes=changes,
        titles=page_titles(listed, model),
        translations=translations,
        warnings=list(report.warnings),
        up_to_date=report.up_to_date,
    )


def _languages_of(files: Mapping[str, str]) -> tuple[str, ...]:
    """The languages of a site whose model was not loaded (nothing had changed): its top folders
    that hold a search page."""
    return tuple(sorted(relpath.split("/", 1)[0] for relpath in files if relpath.endswith("/search/index.html")))
