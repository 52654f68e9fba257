"""What search finds: one document per commitment, theme, event and story, with the fields the
index scores and the entry the result list shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ogpsite.model.pages import SECTIONS
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.urls import record_url

SNIPPET_CHARS = 200


# (field, boost). `id` holds a commitment's ID so `AR0090` and `ar0090` both find it.
FIELDS: tuple[tuple[str, int], ...] = (
    ("title", 10),
    ("id", 10),
    ("summary", 3),
    ("themes", 2),
    ("institutions", 2),
    ("place", 2),
    ("body", 1),
)


@dataclass(frozen=True)
class SearchDocument:
    ref: str
    kind: str  # commitment, theme, event, story
    title: str
    url: str  # relative to the language folder: commitments/ar0090/
    snippet: str
    fields: dict[str, str]
    record_id: str = ""  # a commitment's ID, shown before its title
    text_lang: str | None = None  # set when the text is the default language standing in

    def store_entry(self) -> dict[str, str]:
        # Short keys, as this is sent for every record: k kind, t title, u URL (relative to the
        # language folder), s snippet, i commitment ID, l language of a stand-in (untranslated) text.
        entry = {"k": self.kind, "t": self.title, "u": self.url, "s": self.snippet}
        if self.record_id:
            entry["i"] = self.record_id
        if self.text_lang:
            entry["l"] = self.text_lang
        return entry


def _names(items: Iterable[Any], lang: str) -> str:
    return " · ".join(item.name(lang) for item in items if item is not None)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.–—-")
    return cut + "…"


def documents_for(model: SiteModel, lang: str) -> list[SearchDocument]:
    """One search document per commitment, theme, event and story, in a stable order."""
    docs: list[SearchDocument] = []
    for section in SECTIONS:
        for record in sorted(model.records[section], key=lambda r: r.slug):
            docs.append(_document(model, record, lang, str(len(docs))))
    return docs


def _document(model: SiteModel, record: Record, lang: str, ref: str) -> SearchDocument:
    text = record.text(lang)
    lead = " ".join(part for part in (text.title, text.summary) if part)
    body = text.plain[len(lead) :].strip() if text.plain.startswith(lead) else text.plain
    refs, facts = record.refs, record.facts
    themes = " · ".join(theme.text(lang).title for theme in refs.get("themes", []))
    institutions, place, record_id = "", "", ""
    if record.section == "commitments":
        record_id = facts.id
        institutions = _names([*refs.get("lead_institutions", []), *refs.get("support_institutions", [])], lang)
        place = _names([refs.get("member")], lang)
    elif record.section == "events":
        institutions = _names(refs.get("organisers", []), lang)
        place = " · ".join(p for p in (text.extra.get("venue", ""), facts.city, _names([refs.get("country")], lang)) if p)
    elif record.section == "stories":
        place = _names([refs.get("country")], lang)
    fields = {
        "title": text.title,
        "id": record_id,
        "summary": text.summary,
        "themes": themes,
        "institutions": institutions,
        "place": place,
        "body": body,
    }
    url = record_url(record.section, record.slug, lang).removeprefix(f"{lang}/")
    return SearchDocument(
        ref=ref,
        kind=record.kind,
        title=text.title,
        url=url,
        snippet=snippet(text.summary or body),
        fields=fields,
        record_id=record_id,
        text_lang=model.default_language if text.fallback else None,
    )
