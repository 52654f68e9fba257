"""What a page tells machines about itself: schema.org JSON-LD and Open Graph details.

Templates call `json_ld()` and serialise it with Jinja's `tojson`, which escapes `<`, `>`, `&` and
`'`, so no text (a title containing `</script>`, say) can end the data block early.
"""

from __future__ import annotations

from typing import Any

from babel.core import get_global
from jinja2 import pass_context

from ogpsite.model.pages import Page
from ogpsite.model.site import Named, Record, SiteModel
from ogpsite.model.urls import absolute, home_url, record_url

ARTICLE_TYPES = {"story": "Article", "news": "NewsArticle", "blog": "BlogPosting"}
SCHEMA = "https://schema.org"


def og_locale(lang: str) -> str:
    """Open Graph wants language_TERRITORY: en -> en_US, es -> es_ES (CLDR's likely territory)."""
    subtags = get_global("likely_subtags").get(lang, "")
    territory = next((part for part in subtags.split("_")[1:] if len(part) == 2 and part.isupper()), None)
    return f"{lang}_{territory}" if territory else lang


def _organisation(named: Named, lang: str) -> dict[str, Any]:
    kind = getattr(named.data, "kind", None)
    return {"@type": "GovernmentOrganization" if kind == "government" else "Organization", "name": named.name(lang)}


def _text_language(model: SiteModel, record: Record, lang: str) -> str:
    return model.default_language if record.text(lang).fallback else lang


def _themes(record: Record, lang: str) -> list[str]:
    return [theme.text(lang).title for theme in record.refs.get("themes", [])]


def _publisher(model: SiteModel, lang: str, base_url: str) -> dict[str, Any]:
    title = model.site.title.get(lang) or model.site.title[model.default_language]
    return {"@type": "Organization", "name": title, "url": absolute(base_url, home_url(lang))}


def commitment_data(model: SiteModel, record: Record, lang: str, base_url: str) -> dict[str, Any]:
    facts, text, refs = record.facts, record.text(lang), record.refs
    data: dict[str, Any] = {
        "@type": "CreativeWork",
        "identifier": facts.id,
        "name": text.title,
        "description": text.summary,
        "inLanguage": _text_language(model, record, lang),
        "creativeWorkStatus": facts.status,
        "keywords": [area.name(lang) for area in refs.get("policy_areas", [])] + _themes(record, lang),
    }
    if refs.get("member"):
        data["spatialCoverage"] = {"@type": "Country", "name": refs["member"].name(lang)}
    if refs.get("action_plan"):
        data["isPartOf"] = {"@type": "CreativeWork", "name": refs["action_plan"].name(lang)}
    if refs.get("lead_institutions"):
        data["producer"] = [_organisation(inst, lang) for inst in refs["lead_institutions"]]
    if refs.get("support_institutions"):
        data["contributor"] = [_organisation(inst, lang) for inst in refs["support_institutions"]]
    return data


def event_data(model: SiteModel, record: Record, lang: str, base_url: str) -> dict[str, Any]:
    facts, text, refs = record.facts, record.text(lang), record.refs
    country = refs.get("country")
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": facts.city}
    if country is not None and getattr(country.data, "code", None):
        address["addressCountry"] = country.data.code
    data: dict[str, Any] = {
        "@type": "Event",
        "name": text.title,
        "description": text.summary,
        "inLanguage": _text_language(model, record, lang),
        "startDate": facts.start.isoformat(),
        "endDate": (facts.end or facts.start).isoformat(),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": {"@type": "Place", "name": text.extra.get("venue") or facts.city, "address": address},
        "keywords": _themes(record, lang),
    }
    if refs.get("organisers"):
        data["organizer"] = [_organisation(inst, lang) for inst in refs["organisers"]]
    return data


def story_data(model: SiteModel, record: Record, lang: str, base_url: str) -> dict[str, Any]:
    facts, text, refs = record.facts, record.text(lang), record.refs
    publisher = _publisher(model, lang, base_url)
    data: dict[str, Any] = {
        "@type": ARTICLE_TYPES[facts.content_type],
        "headline": text.title,
        "description": text.summary,
        "inLanguage": _text_language(model, record, lang),
        "datePublished": facts.date.isoformat(),
        "dateModified": (facts.updated or facts.date).isoformat(),
        "author": {"@type": "Person", "name": facts.author} if facts.author else publisher,
        "publisher": publisher,
        "keywords": _themes(record, lang),
    }
    if refs.get("event"):
        event = refs["event"]
        data["about"] = {
            "@type": "Event",
            "name": event.text(lang).title,
            "url": absolute(base_url, record_url("events", event.slug, lang)),
        }
    if refs.get("country"):
        data["contentLocation"] = {"@type": "Country", "name": refs["country"].name(lang)}
    return data


def page_data(model: SiteModel, page: Page, base_url: str) -> dict[str, Any] | None:
    """The JSON-LD object of a page, or None for pages that describe nothing (404)."""
    lang = page.lang
    if lang is None:
        return None
    url = absolute(base_url, page.url)
    record = model.by_key.get((page.section or "", page.slug)) if page.slug else None
    title = model.site.title.get(lang) or model.site.title[model.default_language]
    data: dict[str, Any]
    if record is not None and record.kind in ("commitment", "event", "story"):
        build = {"commitment": commitment_data, "event": event_data, "story": story_data}[record.kind]
        data = build(model, record, lang, base_url)
        data["mainEntityOfPage"] = url
    elif record is not None:  # a theme: the page collects the records under it
        text = record.text(lang)
        data = {"@type": "CollectionPage", "name": text.title, "description": text.summary, "inLanguage": lang}
    elif page.template == "home.html":
        data = {
            "@type": "WebSite",
            "name": title,
            "description": model.site.tagline.get(lang, ""),
            "inLanguage": lang,
            "publisher": _publisher(model, lang, base_url),
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": absolute(base_url, f"{home_url(lang)}search/") + "?q={search_term_string}",
                },
                "query-input": "required name=search_term_string",
            },
        }
    elif page.template == "search.html":
        data = {"@type": "SearchResultsPage", "inLanguage": lang}
    else:
        data = {
            "@type": "CollectionPage",
            "inLanguage": lang,
            "isPartOf": {"@type": "WebSite", "name": title, "url": absolute(base_url, home_url(lang))},
        }
    data["url"] = url
    return {"@context": SCHEMA, **{k: v for k, v in data.items() if v not in ("", [], None)}}


@pass_context
def json_ld(ctx: Any) -> dict[str, Any] | None:
    return page_data(ctx["site"], ctx["page"], ctx["settings"].base_url)


# What templates may call (registered in render.py).
TEMPLATE_GLOBALS = {"json_ld": json_ld, "og_locale": og_locale}
