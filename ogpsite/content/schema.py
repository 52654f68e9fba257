"""What each content file may contain: one pydantic model per file kind.

The same definitions validate the content, give editors their hints and export JSON Schema.
Language-neutral facts live in `facts.yaml`; translatable text in `{lang}.md` front matter + body.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
COMMITMENT_ID_PATTERN = r"^[A-Z]{2}[0-9]{4}$"
LANG_PATTERN = r"^[a-z]{2}$"


def _date_from_text(value: Any) -> Any:
    # YAML integers (20220926) would otherwise be read as Unix timestamps.
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_text", "a date must be written as text, not {kind}", {"kind": type(value).__name__})
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_from_text), Field(examples=["2022-09-26"])]
Slug = Annotated[
    str,
    Field(pattern=SLUG_PATTERN, description="lower-case letters, digits and single hyphens", examples=["open-state"]),
]
# Titles and names are one line: a line break is invisible on a page and breaks calendar names.
LINE_PATTERN = r"^[^\r\n]*$"
Line = Annotated[str, Field(pattern=LINE_PATTERN)]
Text = Annotated[str, Field(min_length=1, pattern=LINE_PATTERN)]
Markdown = Annotated[str, Field(description="Markdown text")]
Localized = Annotated[
    dict[Annotated[str, Field(pattern=LANG_PATTERN)], Text],
    Field(description="one text per language code", examples=[{"en": "Argentina", "es": "Argentina"}]),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


# --- site and supporting records -------------------------------------------------------------


class SiteFile(Strict):
    """content/site.yaml"""

    title: Localized
    tagline: Localized = {}
    languages: list[Annotated[str, Field(pattern=LANG_PATTERN)]] = Field(min_length=1, examples=[["en", "es"]])
    default_language: Annotated[str, Field(pattern=LANG_PATTERN)] = "en"
    base_url: str = Field("", description="absolute address the site is published at, e.g. https://example.org/ogp/")

    @model_validator(mode="after")
    def _default_is_a_language(self) -> SiteFile:
        if self.default_language not in self.languages:
            raise PydanticCustomError("default_language", "default_language '{lang}' is not in languages", {"lang": self.default_language})
        return self


MemberKind = Literal["national", "local"]
Programme = Literal["subnational-pilot", "ogp-local"]
Year = Annotated[int, Field(ge=2011, le=2100, examples=[2019])]


class Member(Strict):
    """An OGP member: a national government, or a local one (a city, a province…)."""

    name: Localized
    kind: MemberKind = Field("national", description="national (a country) or local (a city, province or state)")
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 two-letter country code", examples=["AR"])] | None = None
    country: Slug | None = Field(None, description="for a local member: the key of the national member it lies in")
    programme: Programme | None = Field(None, description="how a local member joined OGP")
    joined: Year | None = Field(None, description="the year the member joined OGP")

    @model_validator(mode="after")
    def _national_has_code(self) -> Member:
        if self.kind == "national" and self.code is None:
            raise PydanticCustomError("member_code", "a national member needs its two-letter 'code'", {})
        if self.kind == "national" and self.country is not None:
            raise PydanticCustomError("member_country", "only a local member lies in a 'country'", {})
        return self


class ActionPlan(Strict):
    member: Slug
    cycle: Annotated[Year, Field(description="first year of the action plan cycle")]
    end: Year | None = Field(None, description="last year of the plan's period, e.g. 2022 for 2019-2022")
    title: Localized

    @model_validator(mode="after")
    def _ends_after_cycle(self) -> ActionPlan:
        if self.end is not None and self.end < self.cycle:
            raise PydanticCustomError(
                "plan_period", "end ({end}) is before the cycle year ({cycle})", {"end": self.end, "cycle": self.cycle}
            )
        return self


class Institution(Strict):
    name: Localized
    kind: Literal["government", "civil-society", "international", "legislature", "judiciary"]
    member: Slug | None = None


# These files hold a mapping slug -> record.
SUPPORTING_FILES: dict[str, type[BaseModel] | None] = {
    "members.yaml": Member,
    "action_plans.yaml": ActionPlan,
    "institutions.yaml": Institution,
    "policy_areas.yaml": None,  # slug -> Localized
}


# --- facts.yaml, per record type --------------------------------------------------------------

CommitmentStatus = Literal["active", "inactive"]


class CommitmentFacts(Strict):
    id: Annotated[str, Field(pattern=COMMITMENT_ID_PATTERN, description="two capital letters and four digits", examples=["AR0090"])]
    member: Slug
    action_plan: Slug
    status: CommitmentStatus
    policy_areas: list[Slug] = []
    themes: list[Slug] = Field([], description="slugs of the themes this commitment belongs to")
    lead_institutions: list[Slug] = []
    support_institutions: list[Slug] = []


class ThemeFacts(Strict):
    order: Annotated[int, Field(ge=1, description="position in theme lists", examples=[1])]


EventKind = Literal["regional", "national", "local"]


class EventFacts(Strict):
    start: IsoDate
    end: IsoDate | None = None
    city: Text
    country: Slug = Field(description="a key of content/members.yaml")
    kind: EventKind
    members: list[Slug] = Field([], description="keys of content/members.yaml the event is also about (local members, say)")
    themes: list[Slug] = []
    organisers: list[Slug] = []

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventFacts:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "date_order", "end ({end}) is before start ({start})", {"end": str(self.end), "start": str(self.start)}
            )
        return self


ContentType = Literal["story", "news", "blog"]
GovernmentLevel = Literal["local", "subnational", "national"]
Stage = Literal["planned", "in-progress", "completed"]


Region = Literal["africa-middle-east", "americas", "asia-pacific", "europe"]
CommitmentId = Annotated[str, Field(pattern=COMMITMENT_ID_PATTERN, description="a commitment ID", examples=["AR0090"])]


class StoryFacts(Strict):
    date: IsoDate
    updated: IsoDate | None = None
    content_type: ContentType = "story"
    author: Line | None = None
    country: Slug | None = None
    event: Slug | None = Field(None, description="slug of the event this story is about")
    members: list[Slug] = Field([], description="keys of content/members.yaml the story is also about (local members, say)")
    themes: list[Slug] = []
    source: Literal["individual", "organisation", "ogp"] | None = None
    stage: Stage | None = None
    government_levels: list[GovernmentLevel] = []
    region: Region | None = Field(None, description="the OGP region the story is from")
    commitments: list[CommitmentId] = Field([], description="IDs of the commitments the story is about, e.g. AR0090")


# --- {lang}.md front matter, per record type --------------------------------------------------


class TextBase(Strict):
    title: Text
    summary: str = ""
    translates: str | None = Field(None, description="for a translation: the fingerprint of the source-language text it was made from")
    glossary_links: bool = Field(True, description="false: do not link the glossary terms this text uses to their definitions")


class CommitmentText(TextBase):
    problem: Markdown = Field("", description="What is the public problem that the commitment will address?")
    commitment: Markdown = Field("", description="What is the commitment?")
    contribution: Markdown = Field("", description="How will the commitment contribute to solving the public problem?")
    relevance: Markdown = Field("", description="Why is this commitment relevant to OGP values?")
    additional: Markdown = Field("", description="Additional information")


class ThemeText(TextBase):
    pass


class EventText(TextBase):
    venue: Line = ""


class StoryText(TextBase):
    author_role: Line = ""
    credit: Line = Field("", description="who the photos or the text come from, e.g. Open Government Federal Program")
    tags: list[Text] = Field([], description="free-text tags in this language, e.g. [Anti-Corruption, Open Parliaments]")


class GlossaryFacts(Strict):
    see_also: list[Slug] = Field([], description="folder names of related glossary terms")


class GlossaryText(TextBase):
    """The term is the title; the definition is the Markdown body."""

    aliases: list[Text] = Field([], description="other words for the term in this language, e.g. [SDGs, SDG]")


RECORD_TYPES: dict[str, tuple[type[Strict], type[TextBase]]] = {
    "commitments": (CommitmentFacts, CommitmentText),
    "themes": (ThemeFacts, ThemeText),
    "events": (EventFacts, EventText),
    "stories": (StoryFacts, StoryText),
    "glossary": (GlossaryFacts, GlossaryText),
}

COMMITMENT_SECTIONS = ("problem", "commitment", "contribution", "relevance", "additional")
