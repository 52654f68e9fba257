"""Model stage: validated sources -> one resolved, cross-referenced site model.

Every reference is checked here (themes, events, institutions, plans, members); every record gets
a text in every site language, falling back to the default language with `fallback=True`.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ogpsite.content import schema
from ogpsite.content.load import Content, RecordSource, TextSource
from ogpsite.content.markdown import html_text, render_markdown
from ogpsite.errors import Problem

SINGULAR = {"commitments": "commitment", "themes": "theme", "events": "event", "stories": "story"}


@dataclass(frozen=True)
class Named:
    """A supporting record with a name per language (member, institution, policy area, plan)."""

    slug: str
    names: dict[str, str]
    default_language: str
    data: Any = None  # the validated supporting record, when it has more than names

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get(self.default_language) or self.slug


@dataclass(frozen=True)
class Text:
    """A record's text in one language, ready for templates."""

    lang: str
    title: str
    summary: str
    body: Markup
    sections: dict[str, Markup]
    extra: dict[str, str]
    plain: str  # title, summary, body and sections as plain words (search, snippets)
    fallback: bool  # True: this is the default language's text standing in for a missing one
    status: str  # complete, missing, outdated
    source: str  # file it came from


@dataclass
class Record:
    section: str
    slug: str
    facts: Any
    texts: dict[str, Text]
    folder: str
    refs: dict[str, Any] = field(default_factory=dict)  # resolved references, filled by the model

    @property
    def kind(self) -> str:
        return SINGULAR[self.section]

    @property
    def key(self) -> tuple[str, str]:
        return (self.section, self.slug)

    def text(self, lang: str) -> Text:
        return self.texts[lang]


@dataclass
class SiteModel:
    site: schema.SiteFile
    members: dict[str, Named]
    institutions: dict[str, Named]
    policy_areas: dict[str, Named]
    action_plans: dict[str, Named]
    records: dict[str, list[Record]]  # section -> ordered records
    by_key: dict[tuple[str, str], Record]
    theme_members: dict[str, dict[str, list[Record]]]  # theme slug -> section -> records
    event_stories: dict[str, list[Record]]
    plan_commitments: dict[str, list[Record]]

    @property
    def languages(self) -> list[str]:
        return self.site.languages

    @property
    def default_language(self) -> str:
        return self.site.default_language

    def translation_report(self) -> list[tuple[Record, str, str]]:
        """(record, language, status) for every text that is missing or outdated."""
        return [
            (record, lang, text.status)
            for section in self.records.values()
            for record in section
            for lang, text in record.texts.items()
            if text.status != "complete"
        ]


def _normalised(value: Any) -> Any:
    # Re-wrapping lines or adding blank lines is not a change a translator must follow;
    # paragraphs (blank-line separated) and words are.
    if isinstance(value, str):
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return value


def fingerprint(text: TextSource) -> str:
    """A short hash of a source-language text; translations record it in `translates:`.

    Empty and default fields are left out, so a new optional field in the schema does not mark
    every translation outdated.
    """
    fields = text.fields.model_dump(exclude={"translates"}, exclude_defaults=True)
    payload = json.dumps(
        [{k: _normalised(v) for k, v in fields.items()}, _normalised(text.body)], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def _make_text(source: TextSource, lang: str, fallback: bool, status: str, section: str) -> Text:
    fields = source.fields
    body = render_markdown(source.body)
    sections: dict[str, Markup] = {}
    extra: dict[str, str] = {}
    # Words come from the HTML already rendered: Markdown is the costliest step of a cold build.
    words = [fields.title, fields.summary, html_text(body)]
    if section == "commitments":
        for name in schema.COMMITMENT_SECTIONS:
            value = getattr(fields, name)
            if value.strip():
                sections[name] = render_markdown(value, heading_offset=2)
                words.append(html_text(sections[name]))
    for name in ("venue", "author_role"):
        if getattr(fields, name, ""):
            extra[name] = getattr(fields, name)
    return Text(lang, fields.title, fields.summary, body, sections, extra, " ".join(w for w in words if w), fallback, status, source.path)


def _texts_for(source: RecordSource, languages: list[str], default: str) -> dict[str, Text]:
    original = source.texts.get(default)
    if original is None:
        return {}
    expected = fingerprint(original)
    texts: dict[str, Text] = {}
    stand_in: Text | None = None  # the default text, rendered once for every language lacking its own
    for lang in languages:
        own = source.texts.get(lang)
        if own is None:
            if stand_in is None:
                stand_in = _make_text(original, lang, True, "missing", source.section)
            texts[lang] = dataclasses.replace(stand_in, lang=lang)
            continue
        outdated = lang != default and own.fields.translates is not None and own.fields.translates != expected
        texts[lang] = _make_text(own, lang, False, "outdated" if outdated else "complete", source.section)
    return texts


class _Resolver:
    """Checks references and reports each unresolved one on its own line."""

    def __init__(self, problems: list[Problem], broken: set[str]):
        self.problems = problems
        self.broken = broken  # slugs of records that exist but failed validation: already reported

    def one(self, slug: str | None, table: dict[str, Any], what: str, source: RecordSource, *loc: Any) -> Any:
        if slug is None:
            return None
        if slug in table:
            return table[slug]
        if slug in self.broken:
            return None
        close = difflib.get_close_matches(slug, list(table), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(sorted(table)) or '(none defined yet)'}"
        path = f"{source.folder}/facts.yaml"
        self.problems.append(Problem(path, source.line_of(*loc), f"{what} '{slug}' does not exist", hint))
        return None

    def many(self, slugs: list[str], table: dict[str, Any], what: str, source: RecordSource, field_name: str) -> list[Any]:
        found = [self.one(slug, table, what, source, field_name, i) for i, slug in enumerate(slugs)]
        seen: set[str] = set()
        for i, slug in enumerate(slugs):
            if slug in seen:
                self.problems.append(
                    Problem(
                        f"{source.folder}/facts.yaml",
                        source.line_of(field_name, i),
                        f"{what} '{slug}' is listed twice",
                        "remove the repeated line",
                    )
                )
            seen.add(slug)
        return [f for f in found if f is not None]


def _named(content: Content, file: str, default: str) -> dict[str, Named]:
    out = {}
    for slug, data in content.supporting[file].items():
        names = data if isinstance(data, dict) else getattr(data, "name", None) or getattr(data, "title", {})
        out[slug] = Named(slug, dict(names), default, None if isinstance(data, dict) else data)
    return out


def build_model(content: Content, texts: dict[tuple[str, str], dict[str, Text]] | None = None) -> tuple[SiteModel | None, list[Problem]]:
    """Resolve references and translations. Returns problems instead of raising.

    `texts`: records' texts already rendered (by the build cache or a worker process), by key."""
    problems: list[Problem] = []
    if content.site is None:
        return None, problems
    site = content.site
    languages, default = site.languages, site.default_language
    members = _named(content, "members.yaml", default)
    institutions = _named(content, "institutions.yaml", default)
    policy_areas = _named(content, "policy_areas.yaml", default)
    action_plans = _named(content, "action_plans.yaml", default)
    for slug, institution in institutions.items():
        member = institution.data.member
        if member is not None and member not in members:
            line = content.supporting_lines["institutions.yaml"].get(slug, 1)
            problems.append(
                Problem(
                    "content/institutions.yaml",
                    line,
                    f"member '{member}' of institution '{slug}' does not exist",
                    f"use one of: {', '.join(members)}",
                )
            )
    for slug, plan in action_plans.items():
        if plan.data.member not in members:
            problems.append(
                Problem(
                    "content/action_plans.yaml",
                    content.supporting_lines["action_plans.yaml"].get(slug, 1),
                    f"member '{plan.data.member}' of action plan '{slug}' does not exist",
                    f"use one of: {', '.join(members)}",
                )
            )

    records: dict[str, list[Record]] = {}
    by_key: dict[tuple[str, str], Record] = {}
    sources: dict[tuple[str, str], RecordSource] = {}
    without_text: set[str] = set()  # its default text failed to load: already reported, so are not references to it
    for section, found in content.records.items():
        records[section] = []
        for slug, source in found.items():
            if default not in source.texts:
                without_text.add(slug)
                if not any(p.path.startswith(f"{source.folder}/{default}.md") for p in content.problems):
                    problems.append(
                        Problem(
                            f"{source.folder}/{default}.md",
                            0,
                            f"the {default} text of this record is missing",
                            f"create {default}.md with at least 'title:' in its front matter",
                        )
                    )
                continue
            ready = texts.get((section, slug)) if texts else None
            record = Record(section, slug, source.facts, ready or _texts_for(source, languages, default), source.folder)
            records[section].append(record)
            by_key[record.key] = record
            sources[record.key] = source

    themes = {r.slug: r for r in records["themes"]}
    events = {r.slug: r for r in records["events"]}
    resolve = _Resolver(problems, {slug for _, slug in content.broken} | without_text)
    theme_members: dict[str, dict[str, list[Record]]] = {slug: {s: [] for s in records} for slug in themes}
    event_stories: dict[str, list[Record]] = {slug: [] for slug in events}
    plan_commitments: dict[str, list[Record]] = {slug: [] for slug in action_plans}

    ids: dict[str, Record] = {}
    for record in records["commitments"]:
        src, facts = sources[record.key], record.facts
        if facts.id in ids:
            problems.append(
                Problem(
                    f"{src.folder}/facts.yaml",
                    src.line_of("id"),
                    f"id '{facts.id}' is already used by {ids[facts.id].folder}",
                    "give each commitment its own id",
                )
            )
        ids[facts.id] = record
        record.refs["member"] = resolve.one(facts.member, members, "member", src, "member")
        plan = resolve.one(facts.action_plan, action_plans, "action plan", src, "action_plan")
        record.refs["action_plan"] = plan
        if plan is not None:
            plan_commitments[plan.slug].append(record)
        record.refs["policy_areas"] = resolve.many(facts.policy_areas, policy_areas, "policy area", src, "policy_areas")
        record.refs["lead_institutions"] = resolve.many(facts.lead_institutions, institutions, "institution", src, "lead_institutions")
        record.refs["support_institutions"] = resolve.many(
            facts.support_institutions, institutions, "institution", src, "support_institutions"
        )
    for record in records["events"]:
        src, facts = sources[record.key], record.facts
        record.refs["country"] = resolve.one(facts.country, members, "country", src, "country")
        record.refs["organisers"] = resolve.many(facts.organisers, institutions, "institution", src, "organisers")
    for record in records["stories"]:
        src, facts = sources[record.key], record.facts
        record.refs["country"] = resolve.one(facts.country, members, "country", src, "country")
        event = resolve.one(facts.event, events, "event", src, "event")
        record.refs["event"] = event
        if event is not None:
            event_stories[event.slug].append(record)
    for section in ("commitments", "events", "stories"):
        for record in records[section]:
            linked = resolve.many(record.facts.themes, themes, "theme", sources[record.key], "themes")
            record.refs["themes"] = linked
            for theme in linked:
                theme_members[theme.slug][section].append(record)

    records["commitments"].sort(key=lambda r: r.facts.id)
    records["themes"].sort(key=lambda r: (r.facts.order, r.slug))
    records["events"].sort(key=lambda r: (r.facts.start, r.slug))
    records["stories"].sort(key=lambda r: (r.facts.date, r.slug), reverse=True)
    for lists in (*theme_members.values(),):
        lists["commitments"].sort(key=lambda r: r.facts.id)
        lists["events"].sort(key=lambda r: r.facts.start)
        lists["stories"].sort(key=lambda r: r.facts.date, reverse=True)
    for plan_list in plan_commitments.values():
        plan_list.sort(key=lambda r: r.facts.id)

    model = SiteModel(
        site, members, institutions, policy_areas, action_plans, records, by_key, theme_members, event_stories, plan_commitments
    )
    return model, problems
