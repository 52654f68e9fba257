"""The site model's data: records with their texts and resolved references, supporting records, indexes.

`model.resolve.build_model` makes it from validated sources; `model.texts` gives each record its texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from markupsafe import Markup

from ogpsite.content import schema

SINGULAR = {"commitments": "commitment", "themes": "theme", "events": "event", "stories": "story", "glossary": "term"}


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
    tags: tuple[str, ...] = ()  # a story's free-text tags in this language
    aliases: tuple[str, ...] = ()  # a glossary term's other words in this language
    glossary_links: bool = True  # False: the editor turned glossary links off for this text


@dataclass(frozen=True)
class GlossaryTerm:
    """What a text is searched for: a term's words in one language, and where its definition is."""

    slug: str
    words: tuple[str, ...]  # the term, then its aliases


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
    # Browsing by member, plan and policy area (issue 15): filled by resolve.build_model.
    member_plans: dict[str, list[Named]] = field(default_factory=dict)  # member -> its plans, newest cycle first
    member_commitments: dict[str, list[Record]] = field(default_factory=dict)  # by plan (newest first), then ID
    member_events: dict[str, list[Record]] = field(default_factory=dict)  # events in or about the member
    member_stories: dict[str, list[Record]] = field(default_factory=dict)  # stories about it or its commitments
    area_commitments: dict[str, list[Record]] = field(default_factory=dict)  # policy area -> commitments by ID
    commitment_stories: dict[str, list[Record]] = field(default_factory=dict)  # commitment slug -> stories about it
    plan_status_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # plan -> status -> commitments
    plan_area_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # plan -> policy area -> commitments
    member_status_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # member -> status -> commitments
    glossary_order: dict[str, list[Record]] = field(default_factory=dict)  # language -> terms alphabetically
    glossary_terms: dict[str, list[GlossaryTerm]] = field(default_factory=dict)  # language -> what texts are searched for

    # The indexes over all records: every page reading one depends on the whole structure
    # (incremental/index.py names each of them, so the read tracking sees them).
    INDEXES: ClassVar[tuple[str, ...]] = (
        "records",
        "by_key",
        "theme_members",
        "event_stories",
        "plan_commitments",
        "member_plans",
        "member_commitments",
        "member_events",
        "member_stories",
        "area_commitments",
        "commitment_stories",
        "plan_status_counts",
        "plan_area_counts",
        "member_status_counts",
        "glossary_order",
        "glossary_terms",
    )

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
