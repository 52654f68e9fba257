"""Output stage: an Atom feed per language for stories and for events (feedgen).

Entry ids are `urn:uuid:` names derived from the record's site URL, so they stay the same when the
site moves to another base URL (Atom asks ids never to change); links use the base URL.
"""

from __future__ import annotations

import datetime as dt
import gettext
import uuid

import lxml.html
from feedgen.feed import FeedGenerator

from ogpsite.model import i18n
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.urls import absolute, record_url, section_url
from ogpsite.stages.base import StageContext, StageResult

FEED_SECTIONS = ("stories", "events")
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/ogpsite/ogpsite/ids")


def feed_url(section: str, lang: str) -> str:
    """Where the Atom feed of a section is published: en/stories/feed.xml."""
    return f"{section_url(section, lang)}feed.xml"


def stable_id(site_url: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, site_url)}"


def absolute_links(html: str, page_url: str) -> str:
    """Resolve the relative links of a record's HTML against its page, so they keep working away
    from the page (in a feed reader, in a data file)."""
    if "href" not in html and "src" not in html:
        return html
    wrapper = lxml.html.fragment_fromstring(html, create_parent="div")
    wrapper.make_links_absolute(page_url, resolve_base_href=False)
    return lxml.html.tostring(wrapper, encoding="unicode").removeprefix("<div>").removesuffix("</div>")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def entry_dates(record: Record) -> tuple[dt.datetime, dt.datetime]:
    """(published, updated). An event has no publication date of its own: its start date stands in."""
    facts = record.facts
    if record.section == "stories":
        return _midnight(facts.date), _midnight(facts.updated or facts.date)
    return _midnight(facts.start), _midnight(facts.start)


def _event_line(record: Record, lang: str, model: SiteModel) -> str:
    facts = record.facts
    country = record.refs.get("country")
    place = ", ".join(p for p in (facts.city, country.name(lang) if country else facts.country) if p)
    return f"{i18n.date_range(facts.start, facts.end, lang)} · {place}"


def build_feed(model: SiteModel, section: str, lang: str, base_url: str, translations: gettext.NullTranslations) -> bytes:
    _ = translations.gettext
    site_title = model.site.title.get(lang) or model.site.title[model.default_language]
    label = _("Stories") if section == "stories" else _("Events")
    url = feed_url(section, lang)
    fg = FeedGenerator()
    fg.id(stable_id(url))
    fg.title(f"{site_title}: {label}")
    tagline = model.site.tagline.get(lang)
    if tagline:
        fg.subtitle(tagline)
    fg.language(lang)
    fg.author({"name": site_title, "uri": absolute(base_url, f"{lang}/")})
    fg.link(href=absolute(base_url, url), rel="self", type="application/atom+xml")
    fg.link(href=absolute(base_url, section_url(section, lang)), rel="alternate", type="text/html", hreflang=lang)
    for other in model.languages:
        if other != lang:
            fg.link(href=absolute(base_url, feed_url(section, other)), rel="alternate", type="application/atom+xml", hreflang=other)

    records = list(model.records[section])
    # Newest first; feedgen writes entries in the reverse of the order they are added.
    records.sort(key=lambda r: (entry_dates(r)[1], r.slug))
    newest = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for record in records:
        text = record.text(lang)
        page = record_url(section, record.slug, lang)
        published, updated = entry_dates(record)
        newest = max(newest, updated)
        entry = fg.add_entry()
        entry.id(stable_id(page))
        entry.title(text.title)
        entry.link(href=absolute(base_url, page), rel="alternate", type="text/html", hreflang=lang)
        entry.published(published)
        entry.updated(updated)
        summary = text.summary
        if section == "events":
            summary = f"{_event_line(record, lang, model)}. {summary}" if summary else _event_line(record, lang, model)
        if summary:
            entry.summary(summary)
        if text.body:
            entry.content(absolute_links(str(text.body), absolute(base_url, page)), type="html")
        author = getattr(record.facts, "author", None)
        entry.author({"name": author or site_title})
        for theme in record.refs.get("themes", []):
            entry.category(term=theme.slug, label=theme.text(lang).title, scheme=absolute(base_url, section_url("themes", lang)))
    fg.updated(newest)
    return fg.atom_str(pretty=True)


class FeedsStage:
    """Atom feeds of stories and events, per language."""

    name = "feeds"
    # What it reads besides site.yaml and the supporting files (themes: the entries' categories),
    # so editing a commitment leaves the feeds as they are.
    reads_sections = ("stories", "events", "themes")

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        files: dict[str, bytes] = {}
        for lang in model.languages:
            translations = i18n.load_translations(context.settings.locale_dir(lang), lang)
            for section in FEED_SECTIONS:
                files[feed_url(section, lang)] = build_feed(model, section, lang, context.base_url, translations)
        return StageResult(files)
