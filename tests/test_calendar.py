"""iCalendar files, one per event and one with all events, per language: parsed back with
icalendar and checked against the content. Events are all-day: DATE values, DTEND exclusive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urljoin

import pytest
from icalendar import Calendar

from .conftest import BUILD_DATE, parse_html
from .test_feeds import BASE, LANGS, content_records

EVENTS = content_records("events")


def read_calendar(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", sorted(EVENTS))
def test_event_calendar_has_the_event_on_the_right_days(sample_site: Path, slug: str, lang: str) -> None:
    facts, texts = EVENTS[slug]
    path = sample_site / lang / "events" / slug / f"{slug}.ics"
    calendar = read_calendar(path)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    (event,) = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    # All-day: plain dates, not date-times (no time zone can shift them to another day).
    assert type(start) is dt.date and type(end) is dt.date
    assert start == facts["start"]
    assert end == (facts.get("end") or facts["start"]) + dt.timedelta(days=1), "DTEND is the day after the last day"
    assert str(event["SUMMARY"]) == texts[lang]["title"]
    assert event["SUMMARY"].params["LANGUAGE"] == lang
    assert str(event["URL"]) == f"{BASE}{lang}/events/{slug}/"
    assert facts["city"] in str(event["LOCATION"])
    stamp = event.decoded("DTSTAMP")
    assert stamp.tzinfo is not None and stamp.utcoffset() == dt.timedelta(0), "DTSTAMP is UTC"
    assert stamp.date() == BUILD_DATE
    raw = path.read_bytes()
    assert b"DTSTART;VALUE=DATE:" in raw and b"TZID" not in raw
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(0 < len(line) <= 75 for line in lines[:-1]), "CRLF lines folded at 75 octets"


@pytest.mark.parametrize("lang", LANGS)
def test_all_events_calendar_holds_every_event_once(sample_site: Path, lang: str) -> None:
    calendar = read_calendar(sample_site / lang / "events" / "events.ics")
    events = calendar.walk("VEVENT")
    assert sorted(e.decoded("DTSTART") for e in events) == sorted(facts["start"] for facts, _ in EVENTS.values())
    assert len({str(e["UID"]) for e in events}) == len(EVENTS)
    singles = {str(read_calendar(sample_site / lang / "events" / s / f"{s}.ics").walk("VEVENT")[0]["UID"]) for s in EVENTS}
    assert singles == {str(e["UID"]) for e in events}, "a calendar app sees the same event in both files"


def test_an_event_has_one_uid_in_every_language(sample_site: Path) -> None:
    for slug in EVENTS:
        uids = {str(read_calendar(sample_site / lang / "events" / slug / f"{slug}.ics").walk("VEVENT")[0]["UID"]) for lang in LANGS}
        assert len(uids) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_event_page_offers_add_to_calendar(sample_site: Path, lang: str) -> None:
    for slug in EVENTS:
        page = f"{lang}/events/{slug}/index.html"
        soup = parse_html(sample_site / page)
        link = soup.select_one('a[type="text/calendar"]')
        assert link is not None and link.get_text(strip=True) == {"en": "Add to calendar", "es": "Añadir al calendario"}[lang]
        target = sample_site / urljoin(page, link["href"])
        assert read_calendar(target).walk("VEVENT")[0].decoded("DTSTART") == EVENTS[slug][0]["start"]
    index = parse_html(sample_site / lang / "events" / "index.html")
    hrefs = {urljoin(f"{lang}/events/", a["href"]) for a in index.select(".subscribe a")}
    assert hrefs == {f"{lang}/events/events.ics", f"{lang}/events/feed.xml"}
