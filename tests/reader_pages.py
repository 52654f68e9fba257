"""The page types of the issue-6 checks (accessibility, JavaScript off, page weight): one
representative URL each, per language. Kept in one place so every check covers the same pages."""

from __future__ import annotations

LANGS = ("en", "es")

# page type -> URL with {lang}; the record pages are the fullest of their kind in the sample.
PAGE_TYPES: dict[str, str] = {
    "home": "{lang}/",
    "commitments index": "{lang}/commitments/",
    "commitment": "{lang}/commitments/ar0090/",
    "themes index": "{lang}/themes/",
    "theme": "{lang}/themes/civic-tech/",
    "events index": "{lang}/events/",
    "event": "{lang}/events/americas-regional-meeting-2017/",
    "stories index": "{lang}/stories/",
    "story": "{lang}/stories/national-and-local-together/",
    "search": "{lang}/search/",
    "members index": "{lang}/members/",
    "member": "{lang}/members/argentina/",
    "action plan": "{lang}/action-plans/ar-2019/",
    "policy areas index": "{lang}/policy-areas/",
    "policy area": "{lang}/policy-areas/capacity-building/",
    "glossary": "{lang}/glossary/",
}
# A word with results in each language, for the search page "with results".
SEARCH_WORD = {"en": "government", "es": "gobierno"}
# Pages that speak every language at once.
NEUTRAL_PAGES: dict[str, str] = {"language chooser": "", "404": "404.html"}


def localized_pages() -> list[tuple[str, str, str]]:
    """(page type, language, URL) for every page type in every language."""
    return [(kind, lang, url.format(lang=lang)) for kind, url in PAGE_TYPES.items() for lang in LANGS]


def all_pages() -> list[tuple[str, str]]:
    """(label, URL) of every page type in both languages, plus the language-neutral pages."""
    pages = [(f"{kind} ({lang})", url) for kind, lang, url in localized_pages()]
    return pages + [(kind, url) for kind, url in NEUTRAL_PAGES.items()]
