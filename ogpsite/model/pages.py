"""Which pages the site has: a plan of (URL, template, language, record), derived from the model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ogpsite.model.pagination import Listings, page_url
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import home_url, record_url, section_url

SECTIONS = ("commitments", "themes", "events", "stories")
# Pages for browsing by the supporting records (issue 15): URL section -> (index template or None,
# the SiteModel table of its records, the template of one record's page).
BROWSE: dict[str, tuple[str | None, str, str]] = {
    "members": ("members.html", "members", "member.html"),
    "action-plans": (None, "action_plans", "action-plan.html"),
    "policy-areas": ("policy-areas.html", "policy_areas", "policy-area.html"),
}


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    lang: str | None  # None for the language-neutral pages (language chooser, 404)
    section: str | None = None
    slug: str | None = None
    number: int = 1  # page number within a paginated listing (pagination.py)

    @property
    def is_record(self) -> bool:
        return self.slug is not None


def site_pages(model: SiteModel, today: dt.date | None = None, listings: Listings | None = None) -> list[Page]:
    """Every page, listings with all their numbered pages. `today` splits past from upcoming events."""
    listings = listings or Listings(model, today or dt.date.today())
    pages = [Page("", "choose-language.html", None), Page("404.html", "404.html", None)]
    for lang in model.languages:
        pages.append(Page(home_url(lang), "home.html", lang))
        pages.append(Page(f"{lang}/search/", "search.html", lang))
        for section in SECTIONS:
            first = section_url(section, lang)
            for number in range(1, listings.count(f"{section}.html") + 1):
                pages.append(Page(page_url(first, number), f"{section}.html", lang, section, number=number))
            for record in model.records[section]:
                first = record_url(section, record.slug, lang)
                template = f"{record.kind}.html"
                for number in range(1, listings.count(template, record.slug) + 1):
                    pages.append(Page(page_url(first, number), template, lang, section, record.slug, number))
        pages += browse_pages(model, lang, listings)
    return pages


def browse_pages(model: SiteModel, lang: str, listings: Listings) -> list[Page]:
    """The member, action plan and policy area pages of one language, with their numbered pages, and the glossary."""
    pages = [Page(section_url("glossary", lang), "glossary.html", lang, "glossary")]
    for section, (index_template, table, template) in BROWSE.items():
        if index_template is not None:
            pages.append(Page(section_url(section, lang), index_template, lang, section))
        for slug in sorted(getattr(model, table)):
            first = record_url(section, slug, lang)
            for number in range(1, listings.count(template, slug) + 1):
                pages.append(Page(page_url(first, number), template, lang, section, slug, number))
    return pages
