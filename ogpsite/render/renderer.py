"""Render stage: one page = a pure function of (model, page, language) through Jinja.

Pages render against read-logging proxies of the model (deps.py): `render_tracked` returns what a
page read, so a later build re-renders only the pages whose reads changed. Templates and helpers
must reach the model through the context (`site`, `record`, `pagination`…), never through a
closure or a module global, or the dependency tracking cannot see it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2 import meta as jinja_meta
from markupsafe import Markup

from ogpsite.incremental.index import ModelIndex
from ogpsite.incremental.reads import (
    ReadSet,
    Session,
    TrackingContext,
    activate,
    current_session,
    deactivate,
)
from ogpsite.model import i18n
from ogpsite.model.pages import Page
from ogpsite.model.pagination import Listings, past_events, upcoming_events
from ogpsite.model.site import SiteModel
from ogpsite.model.urls import absolute, in_language
from ogpsite.render import filters, jsonld
from ogpsite.render.filters import Absolute, language_name
from ogpsite.settings import locale_dir_for, overlay_files

# What Renderer._page_values returns (page_digest has a quick form for exactly these).
_DERIVED_VALUES = {"page", "lang", "record", "alternates", "canonical", "pagination"}
# Context values shared by every page of a language; a page depends on those it looks up.
SHARED_NAMES = frozenset({"today", "upcoming_events", "past_events", "language_names", "absolute", "site_title"})


@dataclass(frozen=True)
class RenderSettings:
    # The template chain, first match wins: the site's own templates/, then the theme
    # (BuildSettings.template_dirs). A single folder is taken as a chain of one.
    templates_dir: Path | tuple[Path, ...]
    base_url: str  # absolute (https://…/) for canonical links; its path is used by 404.html
    today: dt.date
    # lang -> path of the language's search Worker script, which the search stage writes under a
    # name hashed from its parts (stages.search.vendor.worker_paths; given by the build, a layer up)
    search_workers: tuple[tuple[str, str], ...] = ()

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        return (self.templates_dir,) if isinstance(self.templates_dir, Path) else self.templates_dir

    @property
    def assets(self) -> dict[str, Path]:
        """Every asset by its name under assets/, a site's own hiding the theme's."""
        return overlay_files(self.template_dirs, "assets")

    def locale_dir(self, lang: str) -> Path:
        return locale_dir_for(self.template_dirs, lang)


def quick_gettext(translations: Any) -> Any:
    """`_()` in templates, returning exactly what Jinja's new-style gettext returns: the catalog's
    string, as Markup when the template autoescapes, always %-formatted with the variables given.

    Jinja's own `_` is an alias that calls `gettext`, which calls the catalog, each through
    `Context.call`; pages call `_` dozens of times each, so that was a tenth of rendering. Without
    variables the result depends only on the string, so it is kept."""
    known: dict[tuple[str, bool], str] = {}

    @pass_context
    def gettext(context: Any, string: str, **variables: Any) -> str:
        autoescape = context.eval_ctx.autoescape
        if not variables:
            found = known.get((string, autoescape))
            if found is None:
                rv = translations.gettext(string)
                found = known[(string, autoescape)] = (Markup(rv) if autoescape else rv) % variables
            return found
        rv = translations.gettext(string)
        return (Markup(rv) if autoescape else rv) % variables

    return gettext


@dataclass
class Templates:
    """The Jinja environments (one per language, their templates compiled as first used) and the
    UI catalogs of one template chain whose files hash to `digest` (InputScan.templates_digest).

    They read nothing of a model, so a kept Builder hands the same Templates to the Renderer of
    each rebuild while the templates, assets and catalogs are unchanged: compiling the templates
    again took a tenth of a preview rebuild, and the preview's first look at an edited page
    (build/fast.py) finds them compiled."""

    digest: str = ""
    environments: dict[str | None, Environment] = field(default_factory=dict)
    catalogs: dict[str, Any] = field(default_factory=dict)


def _translate(template_dirs: tuple[Path, ...], catalogs: dict[str, Any], lang: str, message: str) -> str:
    """`translate(lang, message)` in templates: a UI string in any language (logged as a read of its catalog)."""
    session = current_session()
    if session is not None:
        session.log("catalogs", "[" + lang)
    if lang not in catalogs:
        catalogs[lang] = i18n.load_translations(locale_dir_for(template_dirs, lang), lang)
    return catalogs[lang].gettext(message)


class Renderer:
    """Holds one Jinja environment per language; `render(page)` is free of side effects."""

    def __init__(
        self,
        model: SiteModel,
        settings: RenderSettings,
        listings: Listings | None = None,
        universe: str = "",
        closures: dict[str, str] | None = None,
        templates: Templates | None = None,  # the environments of another Renderer of the same templates
    ):
        self.model = model
        self.settings = settings
        self.listings = listings or Listings(model, settings.today)
        self.universe = universe  # digest of every input, for a page that reads "everything"
        self.templates = templates if templates is not None else Templates()
        self._envs = self.templates.environments
        self._translations = self.templates.catalogs
        self._shared: dict[str | None, dict[str, Any]] = {}
        self._template_digests: dict[tuple[str, str | None], str] = {}
        # Template name -> digest of it and every template it uses. `closures` passes those another
        # Renderer computed for the same templates: they are reused instead of parsing again.
        self._closures: dict[str, str] = closures if closures is not None else {}

    @property
    def closures(self) -> dict[str, str]:
        """Template name -> digest of its closure: the Renderer's own dict, filled as pages render, to pass on
        as `closures=` to a Renderer of the same templates."""
        return self._closures

    @cached_property
    def asset_versions(self) -> dict[str, str]:
        """Each asset's version (a hash of its content) by name, and under `search-worker:{lang}` the
        path of the language's search Worker script, which the search stage writes under a name
        hashed from its parts: the search page names it, so the Worker starts without waiting for
        the manifest that names it too (a page reading it depends on it as on an asset)."""
        assets = self.settings.assets
        versions = {name: hashlib.sha256(file.read_bytes()).hexdigest()[:10] for name, file in assets.items()}
        for lang, path in self.settings.search_workers:
            versions[f"{filters.SEARCH_WORKER}{lang}"] = path
        return versions

    @cached_property
    def catalog_digests(self) -> dict[str, str]:
        """A digest of each language's UI catalog, so a translation edit re-renders its pages."""
        out = {}
        for lang in self.model.languages:
            po = self.settings.locale_dir(lang) / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
            out[lang] = hashlib.sha256(po.read_bytes()).hexdigest()[:16] if po.exists() else "-"
        return out

    @cached_property
    def plan_listing_urls(self) -> dict[str, dict[str, str]]:
        """Per language: action plan -> the commitments listing page (and anchor) where it starts."""
        return {lang: self.listings.plan_listing_urls(lang) for lang in self.model.languages}

    @cached_property
    def index(self) -> ModelIndex:
        """Names for everything a page can read, including the shared values of the context."""
        pseudo: dict[str, Any] = {"catalogs": self.catalog_digests, "assets": self.asset_versions}
        for lang in [None, *self.model.languages]:
            pseudo[f"ctx:{lang or '-'}"] = self.shared_context(lang)
        for lang, plans in self.plan_listing_urls.items():
            pseudo[f"listing.plans:{lang}"] = plans
        index = ModelIndex(self.model, pseudo, self.universe)
        index.add_entity("settings", self.settings)  # its attributes are read one by one (base_url…)
        return index

    def translations(self, lang: str) -> Any:
        if lang not in self._translations:
            self._translations[lang] = i18n.load_translations(self.settings.locale_dir(lang), lang)
        return self._translations[lang]

    def translate(self, lang: str, message: str) -> str:
        """A UI string in a given language, for pages that speak several (404, language chooser)."""
        return _translate(self.settings.template_dirs, self._translations, lang, message)

    def environment(self, lang: str | None) -> Environment:
        if lang not in self._envs:
            env = Environment(
                loader=FileSystemLoader(self.settings.template_dirs),  # the site's templates/, then the theme's
                autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.context_class = TrackingContext
            translations = self.translations(lang or self.model.default_language)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            env.globals["_"] = quick_gettext(translations)
            env.globals.update(
                # not this Renderer's method: the environment outlives it (Templates), and must not keep its model
                translate=functools.partial(_translate, self.settings.template_dirs, self._translations),
                **filters.TEMPLATE_GLOBALS,  # links, assets, a record's text, names
                **jsonld.TEMPLATE_GLOBALS,  # JSON-LD and Open Graph helpers
            )
            env.filters.update(filters.TEMPLATE_FILTERS)
            self._envs[lang] = env
        return self._envs[lang]

    def shared_context(self, lang: str | None) -> dict[str, Any]:
        """The context values every page of a language shares (computed once)."""
        if lang not in self._shared:
            model, today = self.model, self.settings.today
            self._shared[lang] = {
                "settings": self.settings,
                "today": today,
                "upcoming_events": upcoming_events(model, today),
                "past_events": past_events(model, today),  # most recent first
                "language_names": {code: language_name(code) for code in model.languages},
                "absolute": Absolute(self.settings.base_url),
                "site_title": model.site.title.get(lang or model.default_language) or model.site.title[model.default_language],
            }
        return self._shared[lang]

    def _page_values(self, page: Page) -> dict[str, Any]:
        """What only this page has: its record, language alternates and place in a listing."""
        model = self.model
        alternates = []
        if page.lang is not None:
            for other in model.languages:
                url = in_language(page.url, other)
                alternates.append({"lang": other, "url": url, "name": language_name(other), "current": other == page.lang})
        first_url = page.url if page.number == 1 else page.url.rsplit("page/", 1)[0]
        return {
            "page": page,
            "lang": page.lang,
            "record": model.by_key.get((page.section or "", page.slug)) if page.slug else None,
            "alternates": alternates,
            "canonical": absolute(self.settings.base_url, page.url),
            "pagination": self.listings.paginate(page.template, page.slug, first_url, page.number),
        }

    def context(self, page: Page, session: Session | None = None) -> dict[str, Any]:
        session = session or Session(self.index)
        wrap = session.wrap
        values = self._page_values(page)
        context = {name: wrap(value) for name, value in self.shared_context(page.lang).items()}
        context.update(values)
        context["site"] = wrap(self.model)
        context["record"] = wrap(values["record"]) if values["record"] is not None else None
        context["pagination"] = session.view(values["pagination"]) if values["pagination"] is not None else None
        context["asset_versions"] = wrap(self.asset_versions)
        context["plan_pages"] = wrap(self.plan_listing_urls.get(page.lang or self.model.default_language, {}))
        return context

    def render_tracked(self, page: Page) -> tuple[str, ReadSet]:
        """The page's HTML and what it read from the model (see deps.py)."""
        session = Session(self.index, f"ctx:{page.lang or '-'}")
        session.context_names = SHARED_NAMES
        token = activate(session)
        try:
            template = self.environment(page.lang).get_template(page.template)
            html = template.render(self.context(page, session))
        finally:
            deactivate(token)
        return html, session.read_set()

    def render(self, page: Page) -> str:
        return self.render_tracked(page)[0]

    # --- what a cached page is keyed by, besides its reads ------------------------------------

    def page_digest(self, page: Page) -> str:
        """Digest of the page's own context values and of the templates and catalog it uses."""
        template = self.template_digest(page.template, page.lang)
        if self.listings.items(page.template, page.slug) is None:  # no pagination (asked first: this runs for every page)
            # Quick form: without a pagination, the page's values (_DERIVED_VALUES) follow from the
            # page and _derived_digest, so they need not be made here.
            return f"{template}|{self._derived_digest}|{page!r}"
        return self.index.value_digest([self._page_values(page), template])

    @cached_property
    def _derived_digest(self) -> str:
        """What _page_values derives a page's values from, besides the page itself."""
        model = self.model
        names = [language_name(code) for code in model.languages]
        return self.index.value_digest([self.settings.base_url, model.languages, model.default_language, names])

    def template_digest(self, name: str, lang: str | None) -> str:
        key = (name, lang)
        if key not in self._template_digests:
            catalog = self.catalog_digests.get(lang or self.model.default_language, "-")
            self._template_digests[key] = f"{self._closure_digest(name)}:{catalog}"
        return self._template_digests[key]

    def _closure_digest(self, name: str) -> str:
        """The template and every template it extends, includes or imports, hashed."""
        if name in self._closures:
            return self._closures[name]
        env = self.environment(None)
        seen: set[str] = set()
        todo = [name]
        h = hashlib.blake2b(digest_size=12)
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            source, _, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
            for ref in jinja_meta.find_referenced_templates(env.parse(source)):
                if ref is None:  # a name computed at run time: depend on every template
                    todo += env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml", ".txt")))
                else:
                    todo.append(ref)
        for template in sorted(seen):
            source, _, _ = env.loader.get_source(env, template)  # type: ignore[union-attr]
            h.update(template.encode() + b"\0" + source.encode("utf-8", "surrogatepass") + b"\0")
        self._closures[name] = h.hexdigest()
        return self._closures[name]
