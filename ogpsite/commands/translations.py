"""Translation status: which texts are complete, missing or outdated, and the `translates:` stamp.

A translation records the fingerprint of the source-language text it was made from
(`translates: 3f2a…` in its front matter, see `model.texts.translation_fingerprint`). When the source text changes,
the fingerprints differ and the translation is reported as outdated.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from ogpsite.content.load import Content, RecordSource, load_content
from ogpsite.errors import Problem, display_path
from ogpsite.model.site import SiteModel
from ogpsite.model.texts import translation_fingerprint

STATUSES = ("complete", "missing", "outdated")
_TRANSLATES_LINE = re.compile(r"^translates:.*$", re.MULTILINE)


def stamp_line(value: str) -> str:
    # Quoted: a fingerprint of digits only (or like 12e45) would otherwise be read as a number.
    return f'translates: "{value}"'


@dataclass
class StatusTable:
    """Counts per record type and language, and the texts that need work."""

    languages: list[str]
    counts: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)  # section -> lang -> status -> n
    untracked: list[str] = field(default_factory=list)  # translations without a `translates:` stamp
    to_do: list[tuple[str, str, str]] = field(default_factory=list)  # (folder, lang, status)


def status_table(model: SiteModel, content_sources: dict[str, dict[str, RecordSource]] | None = None) -> StatusTable:
    translated = [lang for lang in model.languages if lang != model.default_language]
    table = StatusTable(translated)
    for section, records in model.records.items():
        table.counts[section] = {lang: Counter() for lang in translated}
        for record in records:
            for lang in translated:
                text = record.texts[lang]
                table.counts[section][lang][text.status] += 1
                if text.status != "complete":
                    table.to_do.append((record.folder, lang, text.status))
                elif content_sources is not None:
                    source = content_sources[section][record.slug].texts.get(lang)
                    if source is not None and source.fields.translates is None:
                        table.untracked.append(f"{record.folder}/{lang}.md")
    table.to_do.sort(key=lambda item: (item[2] != "outdated", item[0], item[1]))
    return table


@dataclass(frozen=True)
class Stamp:
    """The fingerprint a translation file should carry, and whether it does."""

    path: Path  # the translation file
    display: str
    fingerprint: str
    current: str | None  # what the file says now (None: no stamp, or no file)


def find_record(path: Path, content_root: Path) -> tuple[str, str, str | None] | None:
    """(section, slug, language or None) for a record folder or one of its text files."""
    path = path.resolve()
    root = content_root.resolve()
    lang = None
    if path.suffix == ".md":
        lang, path = path.stem, path.parent
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    if len(parts) != 2:
        return None
    return parts[0], parts[1], lang


def stamps_for(target: Path, content_root: Path, project_root: Path, content: Content | None = None) -> tuple[list[Stamp], list[Problem]]:
    """The stamp each translation of a record should carry (one file, or every translation).

    Pass `content` (from `load_content`) to stamp many records with one reading of the content.
    """
    display = display_path(target, project_root)
    found = find_record(target, content_root)
    if found is None:
        return [], [Problem(display, 0, "is not a record folder or text file", "name e.g. content/commitments/ar0090/es.md")]
    section, slug, lang = found
    content = content or load_content(content_root, project_root)
    record = content.records.get(section, {}).get(slug)
    problems = [p for p in content.problems if p.path.startswith(display_path(content_root / section / slug, project_root))]
    if record is None:
        return [], problems or [Problem(display, 0, "no such record", "check the folder name")]
    default = content.site.default_language if content.site else "en"
    source = record.texts.get(default)
    if source is None:
        return [], problems or [Problem(f"{record.folder}/{default}.md", 0, f"the {default} text is missing", "create it first")]
    if lang == default:
        return [], [Problem(display, 0, f"is the source text ({default}); translations are stamped, not the source", "name a translation")]
    expected = translation_fingerprint(source)
    folder = project_root / record.folder
    languages = [lang] if lang else [code for code in (content.site.languages if content.site else []) if code != default]
    stamps = []
    for code in languages:
        file = folder / f"{code}.md"
        text = record.texts.get(code)
        current = text.fields.translates if text is not None else None
        stamps.append(Stamp(file, display_path(file, project_root), expected, current))
    return stamps, [p for p in problems if p.is_error]


def write_stamp(file: Path, value: str) -> bool:
    """Set `translates: "VALUE"` in the file's front matter, keeping every other line as it is.

    Returns whether the file changed (False too when it has no front matter to write into).
    """
    text = file.read_bytes().decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if not lines or lines[0].strip() != "---":
        return False
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return False
    front = newline.join(lines[1:end])
    stamped = stamp_line(value)
    if _TRANSLATES_LINE.search(front):
        front = _TRANSLATES_LINE.sub(stamped, front, count=1)
        lines = [lines[0], *front.split(newline), *lines[end:]]
    else:
        lines = [*lines[:end], stamped, *lines[end:]]
    updated = newline.join(lines)
    if updated == text:
        return False
    file.write_text(updated, encoding="utf-8", newline="")
    return True


def print_status(table: StatusTable, console: Console | None = None) -> None:
    """One table: a row per record type, complete / missing / outdated per translated language."""
    console = console or Console(highlight=False, soft_wrap=True)
    grid = Table(box=box.SIMPLE_HEAD, title="Translations", title_justify="left")
    grid.add_column("record type")
    for lang in table.languages:
        for status in STATUSES:
            grid.add_column(f"{lang} {status}", justify="right")
    for section, per_lang in table.counts.items():
        grid.add_row(section, *(str(per_lang[lang][status]) for lang in table.languages for status in STATUSES))
    console.print(grid)
    for folder, lang, status in table.to_do:
        console.print(f"{folder}/{lang}.md: {status}", markup=False)
    if table.untracked:
        console.print(
            f"{len(table.untracked)} translation(s) have no 'translates:' line and count as complete; once checked, "
            "stamp them with 'ogpsite fingerprint --write PATH'.",
            markup=False,
        )
