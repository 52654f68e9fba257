"""What search finds: one document per commitment, theme, event and story, with the fields the
index scores and the entry the result list shows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ogpsite.model.pages import SECTIONS
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.urls import record_url
from ogpsite.stages.search.lazy import LazySequence

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


def search_records(model: SiteModel) -> list[Record]:
    """The records search finds, in document order: by section, then by slug. A document's ref is
    its place in this list."""
    return [record for section in SECTIONS for record in sorted(model.records[section], key=lambda r: r.slug)]


class SearchDocuments(LazySequence[SearchDocument]):
    """The search documents of one language, each made when first asked for (and kept).

    After an edit the stage needs only the changed records' documents: the others' digests come
    from the last build (index.document_digests), and the patch reads only the changed documents'
    result texts. Making all ~10,600 of a language at 10,000 commitments took 0.8 s of an edit's
    search stage."""

    def __init__(self, model: SiteModel, lang: str, records: list[Record] | None = None):
        self.model, self.lang = model, lang
        self.records = records if records is not None else search_records(model)
        self._made: dict[int, SearchDocument] = {}

    @property
    def made(self) -> int:
        """How many documents were made so far (the others were never needed)."""
        return len(self._made)

    def _get(self, n: int) -> SearchDocument:
        found = self._made.get(n)
        if found is None:
            found = self._made[n] = _document(self.model, self.records[n], self.lang, str(n))
        return found

    def __len__(self) -> int:
        return len(self.records)


def documents_for(model: SiteModel, lang: str) -> list[SearchDocument]:
    """One search document per commitment, theme, event and story, in a stable order."""
    return list(SearchDocuments(model, lang))


@dataclass(frozen=True)
class BorrowedNames:
    """What a record's search document in one language takes from other records: its themes'
    titles, its institutions' names (a commitment's lead and supporting ones, an event's
    organisers) and the name of its place (a commitment's member, an event's or story's country).
    With the record's own files, everything its document is made from (`document_source`)."""

    themes: str
    institutions: str
    place: str


def borrowed_names(record: Record, lang: str) -> BorrowedNames:
    refs = record.refs
    themes = " · ".join(theme.text(lang).title for theme in refs.get("themes", []))
    if record.section == "commitments":
        institutions = _names([*refs.get("lead_institutions", []), *refs.get("support_institutions", [])], lang)
        return BorrowedNames(themes, institutions, _names([refs.get("member")], lang))
    if record.section == "events":
        return BorrowedNames(themes, _names(refs.get("organisers", []), lang), _names([refs.get("country")], lang))
    if record.section == "stories":
        return BorrowedNames(themes, "", _names([refs.get("country")], lang))
    return BorrowedNames(themes, "", "")


def document_source(load_key: str, lang: str, borrowed: BorrowedNames) -> bytes:
    """16 bytes naming what a record's search document in `lang` is made from: the record's load
    key (`StageCache.load_key`: its section, slug and files, the site's languages and default
    language, the generator), the language and the names it borrows from other records. Equal
    sources, equal documents but for their ref (their place), so the last build's digest of a
    document stands for it (index.document_digests) without the document being made."""
    named = (load_key, lang, borrowed.themes, borrowed.institutions, borrowed.place)
    return hashlib.sha256(repr(named).encode("utf-8", "surrogatepass")).digest()[:16]


def _document(model: SiteModel, record: Record, lang: str, ref: str) -> SearchDocument:
    text = record.text(lang)
    lead = " ".join(part for part in (text.title, text.summary) if part)
    body = text.plain[len(lead) :].strip() if text.plain.startswith(lead) else text.plain
    facts = record.facts
    # Everything read from other records goes through borrowed_names, so document_source names it.
    borrowed = borrowed_names(record, lang)
    institutions, place, record_id = borrowed.institutions, borrowed.place, ""
    if record.section == "commitments":
        record_id = facts.id
    elif record.section == "events":
        place = " · ".join(p for p in (text.extra.get("venue", ""), facts.city, borrowed.place) if p)
    fields = {
        "title": text.title,
        "id": record_id,
        "summary": text.summary,
        "themes": borrowed.themes,
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
