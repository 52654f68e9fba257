"""Which pages the site has: a plan of (URL, template, language, record), derived from the model."""

from __future__ import annotations

from dataclasses import dataclass

from .model import SiteModel
from .urls import home_url, record_url, section_url

SECTIONS = ("commitments", "themes", "events", "stories")


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    lang: str | None  # None for the language-neutral pages (language chooser, 404)
    section: str | None = None
    slug: str | None = None

    @property
    def is_record(self) -> bool:
        return self.slug is not None


def plan_pages(model: SiteModel) -> list[Page]:
    pages = [Page("", "choose-language.html", None), Page("404.html", "404.html", None)]
    for lang in model.languages:
        pages.append(Page(home_url(lang), "home.html", lang))
        pages.append(Page(f"{lang}/search/", "search.html", lang))
        for section in SECTIONS:
            pages.append(Page(section_url(section, lang), f"{section}.html", lang, section))
            for record in model.records[section]:
                pages.append(Page(record_url(section, record.slug, lang), f"{record.kind}.html", lang, section, record.slug))
    return pages
