"""Browsing the way OGP readers do (issue 15): the 2017 meeting's facts, members, action plans,
policy areas, linked stories and the glossary, in both languages, on the built sample site."""

from __future__ import annotations

from pathlib import Path

from .conftest import parse_html

LANGS = ("en", "es")


def _facts(soup: object) -> dict[str, str]:
    facts = soup.select_one("dl.facts")  # type: ignore[attr-defined]
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in facts.find_all("dt")}


def test_2017_regional_meeting_ran_two_days_at_the_centro_cultural_kirchner(sample_site: Path) -> None:
    expected = {
        "en": ("Date", "Nov 21\u2009–\u200922, 2017", "Venue", "Two days"),
        "es": ("Fecha", "21–22 de noviembre de 2017", "Sede", "Dos días"),
    }
    for lang, (date_label, dates, venue_label, length) in expected.items():
        soup = parse_html(sample_site / lang / "events" / "americas-regional-meeting-2017" / "index.html")
        facts = _facts(soup)
        assert facts[date_label].startswith(dates), facts[date_label]
        assert soup.select_one("dl.facts time")["datetime"] == "2017-11-21"
        assert facts[venue_label] == "Centro Cultural Kirchner"
        lead = soup.select_one(".lead").get_text()
        assert lead.startswith(length), lead
        assert "three days" not in soup.get_text().lower() and "tres días" not in soup.get_text().lower()
