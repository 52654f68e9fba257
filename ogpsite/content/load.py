"""Load stage: content/ on disk -> validated, not yet cross-referenced records.

Layout (see CONTRIBUTING.md):
    content/site.yaml                      site title, languages
    content/{members,action_plans,institutions,policy_areas}.yaml   supporting records
    content/{commitments,themes,events,stories}/{slug}/facts.yaml   language-neutral facts
    content/{commitments,themes,events,stories}/{slug}/{lang}.md    translatable text + body
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slugify import slugify

from ogpsite.content import schema
from ogpsite.content.markdown import MAX_RAW_HTML_TAGS, markup_over_limits, raw_html_over_limit
from ogpsite.content.sources import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES, outside_content, read_text, split_front_matter
from ogpsite.content.validate import validate
from ogpsite.content.yamlsource import YamlDocument, load_yaml
from ogpsite.errors import Problem, display_path


@dataclass(frozen=True)
class TextSource:
    """One language's text of a record."""

    lang: str
    fields: schema.TextBase
    body: str
    path: str
    body_line: int


@dataclass(frozen=True)
class RecordSource:
    section: str  # commitments, themes, events, stories
    slug: str
    facts: Any  # the section's *Facts model
    texts: dict[str, TextSource]
    folder: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False)

    def line_of(self, *loc: Any) -> int:
        return self.lines.get(tuple(loc), 1)


@dataclass
class Content:
    root: Path
    site: schema.SiteFile | None = None
    supporting: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> slug -> record
    supporting_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    records: dict[str, dict[str, RecordSource]] = field(default_factory=dict)
    broken: set[tuple[str, str]] = field(default_factory=set)  # records present but invalid
    problems: list[Problem] = field(default_factory=list)


def _load_yaml_file(file: Path, content: Content, project_root: Path) -> tuple[YamlDocument | None, str]:
    display = display_path(file, project_root)
    source, problems = read_text(file, display, content.root, MAX_YAML_BYTES)
    content.problems += problems
    if source is None:
        return None, display
    doc, problems = load_yaml(source.text, display)
    content.problems += problems
    return doc, display


def _load_site(content: Content, project_root: Path) -> None:
    file = content.root / "site.yaml"
    if not file.exists():
        content.problems.append(
            Problem(display_path(file, project_root), 0, "site.yaml is missing", "create it with 'title:' and 'languages: [en, es]'")
        )
        return
    doc, display = _load_yaml_file(file, content, project_root)
    if doc is not None:
        content.site, problems = validate(schema.SiteFile, doc, display)
        content.problems += problems


def _load_supporting(content: Content, project_root: Path) -> None:
    for name, model in schema.SUPPORTING_FILES.items():
        file = content.root / name
        records: dict[str, Any] = {}
        content.supporting[name] = records
        content.supporting_lines[name] = {}
        if not file.exists():
            continue
        doc, display = _load_yaml_file(file, content, project_root)
        if doc is None or doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            content.problems.append(Problem(display, 1, "expected one 'slug:' entry per record", "see CONTRIBUTING.md"))
            continue
        for slug, _value in doc.data.items():
            line = doc.line_of((slug,))
            content.supporting_lines[name][str(slug)] = line
            if not isinstance(slug, str) or not re.match(schema.SLUG_PATTERN, slug):
                content.problems.append(
                    Problem(display, line, f"'{slug}' is not a valid key", f"use a slug such as '{slugify(str(slug)) or 'name'}'")
                )
                continue
            if model is None:
                record, problems = _validate_localized(doc, display, slug)
            else:
                record, problems = validate(model, doc, display, prefix=(slug,))
            content.problems += problems
            if record is not None:
                records[slug] = record


def _validate_localized(doc: YamlDocument, display: str, slug: str) -> tuple[dict[str, str] | None, list[Problem]]:
    value = doc.data[slug]
    ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())
    if not ok:
        return None, [
            Problem(display, doc.line_of((slug,)), f"'{slug}' needs one name per language", "write e.g. '{en: Gender, es: Género}'")
        ]
    return {k: v.strip() for k, v in value.items()}, []


def _load_text(file: Path, lang: str, text_model: type[schema.TextBase], content: Content, project_root: Path) -> TextSource | None:
    display = display_path(file, project_root)
    source, problems = read_text(file, display, content.root, MAX_MARKDOWN_BYTES)
    content.problems += problems
    if source is None:
        return None
    front, problems = split_front_matter(source)
    content.problems += problems
    if front is None:
        return None
    doc, problems = load_yaml(front.yaml_text, display, line_offset=front.yaml_first_line - 1)
    content.problems += problems
    if doc is None:
        return None
    if doc.data is None:
        doc.data = {}
    fields, problems = validate(text_model, doc, display)
    content.problems += problems
    if fields is None:
        return None
    content.problems += _raw_html_limits(display, front.body, front.body_first_line, fields, doc)
    return TextSource(lang, fields, front.body, display, front.body_first_line)


def _raw_html_limits(display: str, body: str, body_line: int, fields: schema.TextBase, doc: YamlDocument) -> list[Problem]:
    """Markdown texts with more raw HTML tags than the sanitiser handles quickly."""
    message = f"has more than {MAX_RAW_HTML_TAGS:,} raw HTML tags"
    hint = "write Markdown instead of HTML (see CONTRIBUTING.md), or split the text"
    problems = []
    line = raw_html_over_limit(body)
    if line is not None:
        problems.append(Problem(display, body_line + line - 1, f"the text {message}", hint))
    for name in schema.COMMITMENT_SECTIONS:
        value = getattr(fields, name, None)
        if isinstance(value, str) and raw_html_over_limit(value) is not None:
            problems.append(Problem(display, doc.line_of((name,)), f"'{name}' {message}", hint))
    # Markup that makes the Markdown parser slow (issue 14): refused before it is rendered long.
    over = markup_over_limits(body)
    if over is not None:
        problems.append(Problem(display, body_line + over.line - 1, f"the text has {over.limit.what}", over.limit.hint))
    for name in schema.COMMITMENT_SECTIONS:
        value = getattr(fields, name, None)
        if isinstance(value, str) and (over := markup_over_limits(value)) is not None:
            problems.append(Problem(display, doc.line_of((name,)), f"'{name}' has {over.limit.what}", over.limit.hint))
    return problems


def _valid_folder(folder: Path, content: Content, project_root: Path) -> bool:
    """The record folder is inside content/ and named with a slug."""
    folder_display = display_path(folder, project_root)
    slug = folder.name
    if outside_content(folder, content.root):
        content.problems.append(
            Problem(
                folder_display, 0, "leads outside content/ through a symbolic link", "copy the record into content/ instead of linking it"
            )
        )
        return False
    if not re.match(schema.SLUG_PATTERN, slug):
        suggestion = slugify(slug) or "name"
        content.problems.append(
            Problem(folder_display, 0, f"folder name '{slug}' is not a valid slug", f"rename the folder to '{suggestion}'")
        )
        return False
    return True


def _load_facts(folder: Path, section: str, content: Content, project_root: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The record's validated facts.yaml (None if missing or invalid), and its line numbers."""
    facts_model = schema.RECORD_TYPES[section][0]
    slug = folder.name
    facts_file = folder / "facts.yaml"
    facts = None
    lines: dict[tuple[Any, ...], int] = {}
    if not facts_file.exists():
        content.problems.append(
            Problem(
                display_path(facts_file, project_root), 0, "facts.yaml is missing", "run 'ogpsite new' to scaffold a record, or copy one"
            )
        )
        return facts, lines
    doc, display = _load_yaml_file(facts_file, content, project_root)
    if doc is not None:
        if doc.data is None:
            doc.data = {}
        facts, problems = validate(facts_model, doc, display)
        content.problems += problems
        lines = doc.lines
        if facts is not None and section == "commitments" and facts.id.lower() != slug:
            content.problems.append(
                Problem(
                    display,
                    doc.line_of(("id",)),
                    f"id '{facts.id}' does not match the folder name '{slug}'",
                    f"rename the folder to '{facts.id.lower()}' or write 'id: {slug.upper()}'",
                )
            )
            facts = None
    return facts, lines


def _load_texts(folder: Path, section: str, content: Content, project_root: Path, languages: list[str]) -> dict[str, TextSource]:
    """The record's {lang}.md texts that load; every other file in the folder is reported."""
    text_model = schema.RECORD_TYPES[section][1]
    texts: dict[str, TextSource] = {}
    for file in sorted(folder.iterdir()):
        if file.name == "facts.yaml":
            continue
        display = display_path(file, project_root)
        if file.suffix != ".md":
            content.problems.append(
                Problem(display, 0, "is not a content file and is ignored", "remove it, or name it {lang}.md", "warning")
            )
            continue
        lang = file.stem
        if lang not in languages:
            meant = slugify(lang)  # 'ES', 'és' and 'es ' all mean es.md
            hint = (
                f"rename it to {meant}.md"
                if meant in languages
                else f"rename it to one of {', '.join(code + '.md' for code in languages)}, or add '{lang}' to site.yaml's languages"
            )
            content.problems.append(Problem(display, 0, f"'{lang}' is not one of the site's languages ({', '.join(languages)})", hint))
            continue
        text = _load_text(file, lang, text_model, content, project_root)
        if text is not None:
            texts[lang] = text
    return texts


def _load_record(folder: Path, section: str, content: Content, project_root: Path, languages: list[str]) -> RecordSource | None:
    if not _valid_folder(folder, content, project_root):
        return None
    facts, lines = _load_facts(folder, section, content, project_root)
    texts = _load_texts(folder, section, content, project_root, languages)
    if facts is None:
        return None
    return RecordSource(section, folder.name, facts, texts, display_path(folder, project_root), lines)


def load_record(
    folder: Path, section: str, content_root: Path, project_root: Path, languages: list[str]
) -> tuple[RecordSource | None, list[Problem]]:
    """One record folder on its own: what the build cache and the parallel loader call."""
    scratch = Content(content_root)
    record = _load_record(folder, section, scratch, project_root, languages)
    return record, scratch.problems


# (content so far, [(section, folder)], languages, project root) -> [(record or None, problems)], in order
RecordLoader = Callable[[Content, list[tuple[str, Path]], list[str], Path], list[tuple[RecordSource | None, list[Problem]]]]


def _load_each(content: Content, items: list[tuple[str, Path]], languages: list[str], project_root: Path) -> list[Any]:
    return [load_record(folder, section, content.root, project_root, languages) for section, folder in items]


def _report_unknown_entries(content: Content, project_root: Path) -> None:
    known = {"site.yaml", *schema.SUPPORTING_FILES, *schema.RECORD_TYPES}
    for entry in sorted(content.root.iterdir()):
        if entry.name not in known and not entry.name.startswith("."):
            content.problems.append(
                Problem(
                    display_path(entry, project_root),
                    0,
                    "is not part of the content layout and is ignored",
                    "see CONTRIBUTING.md for where each kind of record goes",
                    "warning",
                )
            )


def _record_folders(content: Content, project_root: Path) -> list[tuple[str, Path]]:
    """(section, folder) of every record folder, in order; each section gets its (empty) table of records."""
    items: list[tuple[str, Path]] = []
    for section in schema.RECORD_TYPES:
        content.records[section] = {}
        section_dir = content.root / section
        if not section_dir.is_dir():
            continue
        if outside_content(section_dir, content.root):
            content.problems.append(
                Problem(
                    display_path(section_dir, project_root),
                    0,
                    "leads outside content/ through a symbolic link",
                    f"make content/{section} a real folder holding the records",
                )
            )
            continue
        # Names sorted as strings, and the file type from the listing itself: this runs for every
        # record folder of every build (sorting Path objects compares their parts, a second each
        # 10,000 folders).
        for entry in sorted(os.scandir(section_dir), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            folder = Path(entry.path)
            if not entry.is_dir():
                content.problems.append(
                    Problem(
                        display_path(folder, project_root),
                        0,
                        "records live in folders, not loose files",
                        f"move it to {section}/{slugify(folder.stem) or 'name'}/en.md with a facts.yaml beside it",
                    )
                )
                continue
            items.append((section, folder))
    return items


def load_content(content_root: Path, project_root: Path | None = None, load_records: RecordLoader | None = None) -> Content:
    """Read and validate every content file. Problems are collected, never raised.

    `load_records` loads the record folders (all at once, so it may use a cache or processes)."""
    project_root = project_root or content_root.parent
    content = Content(content_root)
    if not content_root.is_dir():
        content.problems.append(
            Problem(content_root.as_posix(), 0, "content folder not found", "run from the project folder, or pass --content DIR")
        )
        return content
    _load_site(content, project_root)
    _load_supporting(content, project_root)
    languages = content.site.languages if content.site else ["en", "es"]
    _report_unknown_entries(content, project_root)
    items = _record_folders(content, project_root)
    loaded = (load_records or _load_each)(content, items, languages, project_root)
    for (section, folder), (record, problems) in zip(items, loaded, strict=True):
        content.problems += problems
        if record is not None:
            content.records[section][record.slug] = record
        else:
            content.broken.add((section, folder.name))
    return content
