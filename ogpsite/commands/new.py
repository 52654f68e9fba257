"""`ogpsite new KIND NAME`: a new record folder with every required field present and explained.

The files validate as written, so the record shows up at once in `ogpsite serve`; values the
editor must write or confirm carry `TODO:`, which `ogpsite check` reports until they are gone.
Existing records are never overwritten.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ogpsite.commands.translations import stamp_line
from ogpsite.content import schema
from ogpsite.content.load import Content, TextSource, load_content
from ogpsite.content.sources import SourceText, split_front_matter
from ogpsite.content.validate import validate
from ogpsite.content.yamlsource import load_yaml
from ogpsite.errors import Problem, display_path
from ogpsite.model.texts import translation_fingerprint

KINDS = {"commitment": "commitments", "theme": "themes", "event": "events", "story": "stories"}


@dataclass(frozen=True)
class Scaffold:
    folder: Path
    files: dict[str, str]  # file name -> text


def _choices(literal: object) -> str:
    return ", ".join(str(v) for v in typing.get_args(literal))


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _schema_line(kind: str) -> str:
    # yaml-language-server (VS Code's YAML extension and others) reads this for completion.
    return f"# yaml-language-server: $schema=../../../schemas/{kind}.facts.schema.json"


def _commitment_facts(ident: str, content: Content) -> tuple[str | None, Problem | None]:
    code = ident[:2]
    members = {m.code: slug for slug, m in content.supporting.get("members.yaml", {}).items() if m.code}  # local members have none
    member = members.get(code)
    if member is None:
        return None, Problem(
            "content/members.yaml",
            0,
            f"no member has the code '{code}' (the first two letters of {ident})",
            f"add the member to content/members.yaml first, or use one of: {', '.join(sorted(members)) or '(none)'}",
        )
    plans = sorted(
        ((plan.cycle, slug) for slug, plan in content.supporting.get("action_plans.yaml", {}).items() if plan.member == member),
        reverse=True,
    )
    if not plans:
        return None, Problem(
            "content/action_plans.yaml", 0, f"{member} has no action plan yet", "add its action plan to content/action_plans.yaml first"
        )
    others = ", ".join(slug for _, slug in plans[1:6])
    return (
        f"""{_schema_line("commitment")}
# Facts of commitment {ident}: the same in every language. See CONTRIBUTING.md.
# Required: id, member, action_plan, status. The lists may stay empty.
id: {ident}   # two capital letters and four digits; must match the folder name
member: {member}   # a key of content/members.yaml (from the ID's letters)
action_plan: {plans[0][1]}   # TODO: confirm the action plan{f" (others: {others})" if others else ""}
status: active   # one of: {_choices(schema.CommitmentStatus)}
policy_areas: []   # keys of content/policy_areas.yaml, e.g. [public-participation]
themes: []   # folder names in content/themes/, e.g. [open-state]
lead_institutions: []   # keys of content/institutions.yaml
support_institutions: []   # keys of content/institutions.yaml
""",
        None,
    )


def _theme_facts(slug: str, content: Content) -> str:
    orders = [r.facts.order for r in content.records.get("themes", {}).values()]
    return f"""{_schema_line("theme")}
# Facts of theme '{slug}'. See CONTRIBUTING.md.
order: {max(orders, default=0) + 1}   # required: position in theme lists (1, 2, 3…)
"""


def _event_facts(slug: str, content: Content, today: dt.date) -> str:
    countries = Counter(r.facts.country for r in content.records.get("events", {}).values())
    members = sorted(content.supporting.get("members.yaml", {}))
    country = countries.most_common(1)[0][0] if countries else (members[0] if members else "argentina")
    return f"""{_schema_line("event")}
# Facts of event '{slug}': the same in every language. See CONTRIBUTING.md.
# Required: start, city, country, kind.
start: {today.isoformat()}   # TODO: the first day, written YYYY-MM-DD
# end: {today.isoformat()}   # the last day, for an event of several days
city: {_q("TODO: city")}   # where it takes place
country: {country}   # TODO: confirm; a key of content/members.yaml
kind: national   # TODO: confirm; one of: {_choices(schema.EventKind)}
themes: []   # folder names in content/themes/, e.g. [open-state]
organisers: []   # keys of content/institutions.yaml
"""


def _story_facts(slug: str, today: dt.date) -> str:
    return f"""{_schema_line("story")}
# Facts of story '{slug}': the same in every language. See CONTRIBUTING.md.
# Required: date. The other fields are optional; remove the '# ' to use one.
date: {today.isoformat()}   # publication date, YYYY-MM-DD
content_type: story   # one of: {_choices(schema.ContentType)}
# updated: {today.isoformat()}
# author: Name Surname
# country: argentina   # a key of content/members.yaml
# event: open-americas-2022   # folder name of the event the story is about
themes: []   # folder names in content/themes/
# source: organisation   # one of: individual, organisation, ogp
# stage: in-progress   # one of: {_choices(schema.Stage)}
# government_levels: [local]   # any of: {_choices(schema.GovernmentLevel)}
"""


_TEXT = {
    "en": {
        "intro": "English text of {what}. Keep the field names; write Markdown in the values and below the second ---.",
        "title": "TODO: title",
        "summary": "TODO: one or two sentences shown in lists and search results",
        "body": "TODO: the text of the page, in Markdown.",
        "venue": "TODO: venue, or remove this line",
        "author_role": "TODO: the author's role, or remove this line",
    },
    "es": {
        "intro": "Spanish translation of en.md. Translate every value and the body; keep the field names in English.",
        "title": "TODO: título",
        "summary": "TODO: una o dos frases para las listas y los resultados de búsqueda",
        "body": "TODO: el texto de la página, en Markdown.",
        "venue": "TODO: lugar, o borre esta línea",
        "author_role": "TODO: cargo del autor, o borre esta línea",
    },
}
_SECTION_TODO = {"en": "TODO: answer in a few paragraphs of Markdown.", "es": "TODO: responda en unos párrafos de Markdown."}


def _text(kind: str, lang: str, what: str, folder: str, default: str) -> str:
    words = _TEXT.get(lang, _TEXT["en"])
    lines = ["---", f"# {words['intro'].format(what=what)}"]
    if lang != default:
        lines.append(f"# After translating, run: ogpsite fingerprint --write {folder}/{lang}.md")
    lines += [f"title: {_q(words['title'])}", f"summary: {_q(words['summary'])}"]
    if kind == "commitment":
        for name in schema.COMMITMENT_SECTIONS:
            question = schema.CommitmentText.model_fields[name].description
            lines += [f"# {question}", f"{name}: |", f"  {_SECTION_TODO.get(lang, _SECTION_TODO['en'])}"]
    elif kind == "event":
        lines.append(f"venue: {_q(words['venue'])}")
    elif kind == "story":
        lines.append(f"author_role: {_q(words['author_role'])}")
    lines += ["---", "" if kind == "commitment" else words["body"], ""]
    return "\n".join(lines)


def scaffold(
    kind: str, name: str, content_root: Path, project_root: Path, today: dt.date | None = None
) -> tuple[Scaffold | None, list[Problem]]:
    """What `ogpsite new` would write; nothing is written here."""
    today = today or dt.date.today()
    section = KINDS.get(kind)
    if section is None:
        return None, [Problem(kind, 0, f"'{kind}' is not a kind of record", f"use one of: {', '.join(KINDS)}")]
    if kind == "commitment":
        ident = name.strip().upper()
        if not re.match(schema.COMMITMENT_ID_PATTERN, ident):
            return None, [Problem(name, 0, f"'{name}' is not a commitment ID", "write two capital letters and four digits, e.g. AR0095")]
        slug = ident.lower()
    else:
        slug = name.strip()
        if not re.match(schema.SLUG_PATTERN, slug):
            from slugify import slugify

            return None, [
                Problem(
                    name,
                    0,
                    f"'{name}' is not a valid folder name",
                    f"use lower-case letters, digits and single hyphens, e.g. '{slugify(name) or 'my-' + kind}'",
                )
            ]
    folder = content_root / section / slug
    shown = display_path(folder, project_root)
    if folder.exists():
        return None, [
            Problem(shown, 0, "already exists; 'ogpsite new' never overwrites a record", "edit its files, or choose another name")
        ]
    content = load_content(content_root, project_root)
    if content.site is None:
        return None, [p for p in content.problems if p.is_error][:5] or [Problem(shown, 0, "content/site.yaml could not be read", "")]
    default = content.site.default_language
    if kind == "commitment":
        facts, problem = _commitment_facts(ident, content)
        if problem is not None:
            return None, [problem]
        what = f"commitment {ident}"
    elif kind == "theme":
        facts, what = _theme_facts(slug, content), f"theme '{slug}'"
    elif kind == "event":
        facts, what = _event_facts(slug, content, today), f"event '{slug}'"
    else:
        facts, what = _story_facts(slug, today), f"story '{slug}'"
    files = {"facts.yaml": facts or ""}
    for lang in content.site.languages:
        files[f"{lang}.md"] = _text(kind, lang, what, shown, default)
    # Stamp the translations with the placeholder English: once the English is written, they
    # show as outdated until translated.
    source = _parse_text(files[f"{default}.md"], f"{shown}/{default}.md", schema.RECORD_TYPES[section][1])
    if source is not None:
        stamp = translation_fingerprint(source)
        for lang in content.site.languages:
            if lang != default:
                files[f"{lang}.md"] = files[f"{lang}.md"].replace("\n---\n", f"\n{stamp_line(stamp)}\n---\n", 1)
    return Scaffold(folder, files), []


def _parse_text(text: str, display: str, model: type[schema.TextBase]) -> TextSource | None:
    front, _ = split_front_matter(SourceText(display, text))
    if front is None:
        return None
    doc, _ = load_yaml(front.yaml_text, display)
    if doc is None:
        return None
    fields, _ = validate(model, doc, display)
    return TextSource("", fields, front.body, display, front.body_first_line) if fields is not None else None


def write_scaffold(scaffold_: Scaffold) -> list[Path]:
    """Create the folder and files; refuses (FileExistsError) if the folder appeared meanwhile."""
    scaffold_.folder.parent.mkdir(parents=True, exist_ok=True)
    scaffold_.folder.mkdir()
    written = []
    for name, text in scaffold_.files.items():
        path = scaffold_.folder / name
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
        written.append(path)
    return written
