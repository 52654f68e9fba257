"""Model stage: validated sources -> one resolved, cross-referenced site model.

Every reference is checked here (themes, events, institutions, plans, members); every record gets
a text in every site language, falling back to the default language with `fallback=True`.
"""

from __future__ import annotations

import difflib
import typing
import unicodedata
from typing import Any

from ogpsite.content import schema
from ogpsite.content.load import Content, RecordSource
from ogpsite.errors import Problem
from ogpsite.model.site import GlossaryTerm, Named, Record, SiteModel, Text
from ogpsite.model.texts import record_texts

Sources = dict[tuple[str, str], RecordSource]


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


def _check_supporting(
    content: Content, members: dict[str, Named], institutions: dict[str, Named], action_plans: dict[str, Named], problems: list[Problem]
) -> None:
    """Institutions and action plans name members that exist."""
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
    for slug, member in members.items():
        country = member.data.country
        if country is not None and (country not in members or members[country].data.kind != "national"):
            nationals = [key for key, other in members.items() if other.data.kind == "national"]
            close = difflib.get_close_matches(country, nationals, n=1)
            problems.append(
                Problem(
                    "content/members.yaml",
                    content.supporting_lines["members.yaml"].get(slug, 1),
                    f"country '{country}' of member '{slug}' is not a national member",
                    f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(nationals)}",
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


def member_plans(members: dict[str, Named], action_plans: dict[str, Named]) -> dict[str, list[Named]]:
    """Each member's action plans, newest cycle first (plans of one cycle by slug)."""
    out: dict[str, list[Named]] = {slug: [] for slug in members}
    for plan in sorted(action_plans.values(), key=lambda plan: (-plan.data.cycle, plan.slug)):
        if plan.data.member in out:
            out[plan.data.member].append(plan)
    return out


def _collect_records(
    content: Content, languages: list[str], default: str, texts: dict[tuple[str, str], dict[str, Text]] | None, problems: list[Problem]
) -> tuple[dict[str, list[Record]], dict[tuple[str, str], Record], Sources, set[str]]:
    """Every record with its texts, in load order; and the slugs of those whose default text is missing."""
    records: dict[str, list[Record]] = {}
    by_key: dict[tuple[str, str], Record] = {}
    sources: Sources = {}
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
            record = Record(section, slug, source.facts, ready or record_texts(source, languages, default), source.folder)
            records[section].append(record)
            by_key[record.key] = record
            sources[record.key] = source
    return records, by_key, sources, without_text


def _link_commitments(model: SiteModel, sources: Sources, resolve: _Resolver) -> None:
    ids: dict[str, Record] = {}
    for record in model.records["commitments"]:
        src, facts = sources[record.key], record.facts
        if facts.id in ids:
            resolve.problems.append(
                Problem(
                    f"{src.folder}/facts.yaml",
                    src.line_of("id"),
                    f"id '{facts.id}' is already used by {ids[facts.id].folder}",
                    "give each commitment its own id",
                )
            )
        ids[facts.id] = record
        member = resolve.one(facts.member, model.members, "member", src, "member")
        record.refs["member"] = member
        plan = resolve.one(facts.action_plan, model.action_plans, "action plan", src, "action_plan")
        if plan is not None and member is not None and plan.data.member != member.slug:
            resolve.problems.append(
                Problem(
                    f"{src.folder}/facts.yaml",
                    src.line_of("action_plan"),
                    f"action plan '{plan.slug}' belongs to member '{plan.data.member}', not to '{member.slug}'",
                    f"use one of {member.slug}'s plans: {', '.join(p.slug for p in model.member_plans[member.slug]) or '(none yet)'}",
                )
            )
            plan = None
        record.refs["action_plan"] = plan
        if plan is not None:
            model.plan_commitments[plan.slug].append(record)
        if member is not None:
            model.member_commitments[member.slug].append(record)
        record.refs["policy_areas"] = resolve.many(facts.policy_areas, model.policy_areas, "policy area", src, "policy_areas")
        for area in record.refs["policy_areas"]:
            model.area_commitments[area.slug].append(record)
        record.refs["lead_institutions"] = resolve.many(
            facts.lead_institutions, model.institutions, "institution", src, "lead_institutions"
        )
        record.refs["support_institutions"] = resolve.many(
            facts.support_institutions, model.institutions, "institution", src, "support_institutions"
        )


def _about_members(record: Record) -> list[Named]:
    """The members an event or story is about: its country, then the members it names, once each."""
    found = [record.refs["country"], *record.refs["members"]]
    return list({member.slug: member for member in found if member is not None}.values())


def _link_events_and_stories(model: SiteModel, sources: Sources, resolve: _Resolver, events: dict[str, Record]) -> None:
    for record in model.records["events"]:
        src, facts = sources[record.key], record.facts
        record.refs["country"] = resolve.one(facts.country, model.members, "country", src, "country")
        record.refs["members"] = resolve.many(facts.members, model.members, "member", src, "members")
        record.refs["organisers"] = resolve.many(facts.organisers, model.institutions, "institution", src, "organisers")
        for member in _about_members(record):
            model.member_events[member.slug].append(record)
    ids = {commitment.facts.id: commitment for commitment in model.records["commitments"]}
    for record in model.records["stories"]:
        src, facts = sources[record.key], record.facts
        record.refs["country"] = resolve.one(facts.country, model.members, "country", src, "country")
        record.refs["members"] = resolve.many(facts.members, model.members, "member", src, "members")
        event = resolve.one(facts.event, events, "event", src, "event")
        record.refs["event"] = event
        if event is not None:
            model.event_stories[event.slug].append(record)
        record.refs["commitments"] = resolve.many(facts.commitments, ids, "commitment", src, "commitments")
        for commitment in record.refs["commitments"]:
            model.commitment_stories[commitment.slug].append(record)
        members = _about_members(record) + [c.refs["member"] for c in record.refs["commitments"] if c.refs.get("member")]
        for slug in dict.fromkeys(member.slug for member in members):
            model.member_stories[slug].append(record)


def _link_themes(model: SiteModel, sources: Sources, resolve: _Resolver, themes: dict[str, Record]) -> None:
    for section in ("commitments", "events", "stories"):
        for record in model.records[section]:
            linked = resolve.many(record.facts.themes, themes, "theme", sources[record.key], "themes")
            record.refs["themes"] = linked
            for theme in linked:
                model.theme_members[theme.slug][section].append(record)
    # A story about a commitment belongs to the commitment's themes too.
    for story in model.records["stories"]:
        for commitment in story.refs["commitments"]:
            for theme in commitment.refs["themes"]:
                stories = model.theme_members[theme.slug]["stories"]
                if not any(other is story for other in stories):
                    stories.append(story)


def sort_key(text: str) -> str:
    """Alphabetical order for readers: accents and case do not count (Índice files under I)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def glossary_terms(terms: list[Record], lang: str) -> list[GlossaryTerm]:
    """Each term's words in one language (its own text's, or the stand-in's), for linking texts to it."""
    out = []
    for record in terms:
        text = record.text(lang)
        words = tuple(dict.fromkeys(word for word in (text.title, *text.aliases) if word.strip()))
        out.append(GlossaryTerm(record.slug, words))
    return out


def _link_glossary(model: SiteModel, sources: Sources, resolve: _Resolver) -> None:
    terms = {record.slug: record for record in model.records["glossary"]}
    for record in model.records["glossary"]:
        src = sources[record.key]
        record.refs["see_also"] = resolve.many(record.facts.see_also, terms, "glossary term", src, "see_also")
    for lang in model.languages:
        model.glossary_order[lang] = sorted(model.records["glossary"], key=lambda r: (sort_key(r.text(lang).title), r.slug))
        model.glossary_terms[lang] = glossary_terms(model.glossary_order[lang], lang)


def _sort(model: SiteModel) -> None:
    records = model.records
    records["commitments"].sort(key=lambda r: r.facts.id)
    records["themes"].sort(key=lambda r: (r.facts.order, r.slug))
    records["events"].sort(key=lambda r: (r.facts.start, r.slug))
    records["stories"].sort(key=lambda r: (r.facts.date, r.slug), reverse=True)
    for lists in (*model.theme_members.values(),):
        lists["commitments"].sort(key=lambda r: r.facts.id)
        lists["events"].sort(key=lambda r: r.facts.start)
        lists["stories"].sort(key=lambda r: r.facts.date, reverse=True)
    for plan_list in model.plan_commitments.values():
        plan_list.sort(key=lambda r: r.facts.id)
    for area_list in model.area_commitments.values():
        area_list.sort(key=lambda r: r.facts.id)
    for member, plans in model.member_plans.items():
        # Grouped by plan as the member page shows them: newest cycle first, then by ID.
        rank = {plan.slug: i for i, plan in enumerate(plans)}
        model.member_commitments[member].sort(key=lambda r: (rank.get(r.facts.action_plan, len(rank)), r.facts.id))
    for events in model.member_events.values():
        events.sort(key=lambda r: (r.facts.start, r.slug))  # as theme pages list them
    for stories in (*model.member_stories.values(), *model.commitment_stories.values()):
        stories.sort(key=lambda r: (r.facts.date, r.slug), reverse=True)


def status_counts(commitments: list[Record]) -> dict[str, int]:
    """How many of the commitments have each status, in the schema's order of statuses (zeros left out)."""
    counts = {status: 0 for status in typing.get_args(schema.CommitmentStatus)}
    for record in commitments:
        counts[record.facts.status] += 1
    return {status: count for status, count in counts.items() if count}


def area_counts(commitments: list[Record]) -> dict[str, int]:
    """How many of the commitments are in each policy area, the largest first (ties by slug)."""
    counts: dict[str, int] = {}
    for record in commitments:
        for area in record.refs.get("policy_areas", []):
            counts[area.slug] = counts.get(area.slug, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _count(model: SiteModel) -> None:
    model.plan_status_counts = {slug: status_counts(listed) for slug, listed in model.plan_commitments.items()}
    model.plan_area_counts = {slug: area_counts(listed) for slug, listed in model.plan_commitments.items()}
    model.member_status_counts = {slug: status_counts(listed) for slug, listed in model.member_commitments.items()}


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
    _check_supporting(content, members, institutions, action_plans, problems)
    records, by_key, sources, without_text = _collect_records(content, languages, default, texts, problems)

    themes = {r.slug: r for r in records["themes"]}
    events = {r.slug: r for r in records["events"]}
    broken = {slug for _, slug in content.broken} | without_text
    # Stories name commitments by ID: a broken commitment's ID is its folder name in capitals.
    broken |= {slug.upper() for section, slug in content.broken if section == "commitments"}
    resolve = _Resolver(problems, broken)
    theme_members: dict[str, dict[str, list[Record]]] = {slug: {s: [] for s in records} for slug in themes}
    event_stories: dict[str, list[Record]] = {slug: [] for slug in events}
    plan_commitments: dict[str, list[Record]] = {slug: [] for slug in action_plans}
    # The model is made before its references are resolved: the steps below fill its indexes in place.
    model = SiteModel(
        site, members, institutions, policy_areas, action_plans, records, by_key, theme_members, event_stories, plan_commitments
    )
    model.member_plans = member_plans(members, action_plans)
    for index in (model.member_commitments, model.member_events, model.member_stories):
        index.update({slug: [] for slug in members})
    model.area_commitments = {slug: [] for slug in policy_areas}
    model.commitment_stories = {record.slug: [] for record in records.get("commitments", [])}
    _link_commitments(model, sources, resolve)
    _link_events_and_stories(model, sources, resolve, events)
    _link_themes(model, sources, resolve, themes)
    _sort(model)
    _link_glossary(model, sources, resolve)
    _count(model)
    return model, problems
