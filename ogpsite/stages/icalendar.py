"""Output stage: iCalendar files (icalendar), one per event and one with all events, per language.

Events are whole days in the place they happen, so DTSTART/DTEND are DATE values (no time zone:
an all-day event is the same calendar days everywhere) and DTEND is the day after the last day,
as RFC 5545 makes it exclusive. Only DTSTAMP is a moment, in UTC.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vDuration

from ogpsite import __version__
from ogpsite.model import i18n
from ogpsite.model.site import Record, SiteModel
from ogpsite.model.urls import absolute, record_url, section_url
from ogpsite.stages.base import StageContext, StageResult

_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/ogpsite/ogpsite/events")


def event_calendar_url(slug: str, lang: str) -> str:
    """en/events/open-americas-2022/open-americas-2022.ics"""
    return f"{record_url('events', slug, lang)}{slug}.ics"


def all_events_calendar_url(lang: str) -> str:
    return f"{section_url('events', lang)}events.ics"


def event_uid(record: Record) -> str:
    """The same in every language and at every base URL, so calendars recognise the event."""
    return f"{uuid.uuid5(_UID_NAMESPACE, record.slug)}@ogpsite"


def _calendar(name: str, lang: str, url: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//ogpsite//ogpsite {__version__}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if url:
        cal.add("url", url)
    return cal


def _page_address(base_url: str, url: str) -> str:
    """A page's absolute URL; '' when the site was built for a host-relative base (URL needs a URI)."""
    return absolute(base_url, url) if urlsplit(base_url).scheme else ""


def _event(model: SiteModel, record: Record, lang: str, base_url: str, stamp: dt.datetime) -> Event:
    facts = record.facts
    text = record.text(lang)
    text_lang = model.default_language if text.fallback else lang
    page = _page_address(base_url, record_url("events", record.slug, lang))
    country = record.refs.get("country")
    place = [facts.city, country.name(lang) if country else facts.country]
    venue = text.extra.get("venue", "")
    if venue:
        place = [venue, *(p for p in place if p not in venue)]
    event = Event()
    event.add("uid", event_uid(record))
    event.add("dtstamp", stamp)
    event.add("dtstart", facts.start)
    event.add("dtend", (facts.end or facts.start) + dt.timedelta(days=1))
    event.add("summary", text.title, parameters={"LANGUAGE": text_lang})
    description = "\n\n".join(p for p in (text.summary, page) if p)
    event.add("description", description, parameters={"LANGUAGE": text_lang})
    event.add("location", ", ".join(p for p in place if p), parameters={"LANGUAGE": text_lang})
    if page:
        event.add("url", page)
    event.add("class", "PUBLIC")
    event.add("status", "CONFIRMED")
    themes = [theme.text(lang).title for theme in record.refs.get("themes", [])]
    if themes:
        event.add("categories", themes)
    return event


class CalendarStage:
    """iCalendar files: all events, and one per event."""

    name = "calendar"
    reads_sections = ("events", "themes")  # besides site.yaml and the supporting files (see base.Stage)

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        files: dict[str, bytes] = {}
        # The build date, not the clock: two builds of the same content are byte-identical.
        stamp = dt.datetime.combine(context.settings.today, dt.time(0, 0), tzinfo=dt.UTC)
        base_url = context.base_url
        for lang in model.languages:
            _ = i18n.load_translations(context.settings.locale_dir(lang), lang).gettext
            site_title = model.site.title.get(lang) or model.site.title[model.default_language]
            everything = _calendar(f"{site_title}: {_('Events')}", lang, _page_address(base_url, section_url("events", lang)))
            everything.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
            everything.add("x-published-ttl", vDuration(dt.timedelta(days=1)))
            for record in model.records["events"]:
                event = _event(model, record, lang, base_url, stamp)
                everything.add_component(event)
                single = _calendar(record.text(lang).title, lang, _page_address(base_url, record_url("events", record.slug, lang)))
                single.add_component(event)
                files[event_calendar_url(record.slug, lang)] = single.to_ical()
            files[all_events_calendar_url(lang)] = everything.to_ical()
        return StageResult(files)
