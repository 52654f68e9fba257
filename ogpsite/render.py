"""Render stage: one page = a pure function of (model, page, language) through Jinja."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from . import i18n, meta
from .model import Record, SiteModel
from .pages import Page
from .urls import absolute, base_path, in_language, record_url, relative, section_url


@dataclass(frozen=True)
class RenderSettings:
    templates_dir: Path
    base_url: str  # absolute (https://…/) for canonical links; its path is used by 404.html
    today: dt.date

    @property
    def assets_dir(self) -> Path:
        return self.templates_dir / "assets"

    @property
    def locale_dir(self) -> Path:
        return self.templates_dir / "locale"


def language_name(lang: str) -> str:
    """A language's name in itself: English, Español."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


@pass_context
def _link(ctx: Any, target: str) -> str:
    page: Page = ctx["page"]
    if page.template == "404.html":  # served at any depth: links must not be relative
        return base_path(ctx["settings"].base_url) + target
    return relative(page.url, target)


@pass_context
def _record_link(ctx: Any, record: Record) -> str:
    return _link(ctx, record_url(record.section, record.slug, ctx["lang"]))


@pass_context
def _section_link(ctx: Any, section: str) -> str:
    return _link(ctx, section_url(section, ctx["lang"]))


@pass_context
def _asset(ctx: Any, name: str) -> str:
    return _link(ctx, f"assets/{name}") + "?v=" + ctx["asset_versions"].get(name, "0")


@pass_context
def _date(ctx: Any, value: dt.date) -> str:
    return i18n.long_date(value, ctx["lang"] or "en")


@pass_context
def _date_range(ctx: Any, start: dt.date, end: dt.date | None) -> str:
    return i18n.date_range(start, end, ctx["lang"] or "en")


@pass_context
def _number(ctx: Any, value: float) -> str:
    return i18n.number(value, ctx["lang"] or "en")


@pass_context
def _name(ctx: Any, named: Any) -> str:
    return named.name(ctx["lang"] or "en")


@pass_context
def _text(ctx: Any, record: Record) -> Any:
    return record.text(ctx["lang"])


class Renderer:
    """Holds one Jinja environment per language; `render(page)` is free of side effects."""

    def __init__(self, model: SiteModel, settings: RenderSettings):
        self.model = model
        self.settings = settings
        self._envs: dict[str | None, Environment] = {}
        self._translations: dict[str, Any] = {}

    @cached_property
    def asset_versions(self) -> dict[str, str]:
        versions = {}
        if self.settings.assets_dir.is_dir():
            for file in sorted(self.settings.assets_dir.rglob("*")):
                if file.is_file():
                    name = file.relative_to(self.settings.assets_dir).as_posix()
                    versions[name] = hashlib.sha256(file.read_bytes()).hexdigest()[:10]
        return versions

    def translations(self, lang: str) -> Any:
        if lang not in self._translations:
            self._translations[lang] = i18n.load_translations(self.settings.locale_dir, lang)
        return self._translations[lang]

    def translate(self, lang: str, message: str) -> str:
        """A UI string in a given language, for pages that speak several (404, language chooser)."""
        return self.translations(lang).gettext(message)

    def environment(self, lang: str | None) -> Environment:
        if lang not in self._envs:
            env = Environment(
                loader=FileSystemLoader(self.settings.templates_dir),
                autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            translations = self.translations(lang or self.model.default_language)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            env.globals.update(
                translate=self.translate,
                link=_link,
                record_link=_record_link,
                section_link=_section_link,
                asset=_asset,
                text=_text,
                name=_name,
                **meta.TEMPLATE_GLOBALS,  # JSON-LD and Open Graph helpers
            )
            env.filters.update(date=_date, date_range=_date_range, number=_number, name=_name)
            self._envs[lang] = env
        return self._envs[lang]

    def context(self, page: Page) -> dict[str, Any]:
        model = self.model
        lang = page.lang
        alternates = []
        if lang is not None:
            for other in model.languages:
                url = in_language(page.url, other)
                alternates.append({"lang": other, "url": url, "name": language_name(other), "current": other == lang})
        record = model.by_key.get((page.section, page.slug)) if page.slug else None
        today = self.settings.today
        # An event stays "upcoming" until its last day has passed.
        upcoming = [e for e in model.records["events"] if (e.facts.end or e.facts.start) >= today]
        past = [e for e in reversed(model.records["events"]) if (e.facts.end or e.facts.start) < today]
        return {
            "page": page,
            "lang": lang,
            "site": model,
            "settings": self.settings,
            "today": self.settings.today,
            "record": record,
            "upcoming_events": upcoming,
            "past_events": past,  # most recent first
            "alternates": alternates,
            "language_names": {code: language_name(code) for code in model.languages},
            "canonical": absolute(self.settings.base_url, page.url),
            "absolute": lambda url: absolute(self.settings.base_url, url),
            "asset_versions": self.asset_versions,
            "site_title": model.site.title.get(lang or model.default_language) or model.site.title[model.default_language],
        }

    def render(self, page: Page) -> str:
        template = self.environment(page.lang).get_template(page.template)
        return template.render(self.context(page))
