"""Check a built site: every internal href/src resolves to a file, and every #fragment to an id.

Internal means relative references, host-relative paths under the site's base path, and absolute
URLs under the base URL. The base URL is read from the built site itself (the canonical link of
the root page), so a site built with `--base-url /ogp/` is checked as published under /ogp/.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ogpsite.errors import Problem, display_path

# Attributes that point at another resource, per element.
LINK_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "embed": ("src",),
    "form": ("action",),
}
# <link rel> values that name a host to connect to, not a file of this site.
_IGNORED_LINK_RELS = {"preconnect", "dns-prefetch"}


@dataclass
class Reference:
    line: int
    element: str
    attribute: str
    value: str


@dataclass
class ParsedPage:
    ids: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)
    canonical: str | None = None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.page.ids.add(values[key])
        if tag == "link" and "canonical" in values.get("rel", "").split():
            self.page.canonical = values.get("href")
        if tag == "link" and _IGNORED_LINK_RELS & set(values.get("rel", "").split()):
            return
        line = self.getpos()[0]
        for attribute in LINK_ATTRIBUTES.get(tag, ()):
            value = values.get(attribute)
            if value is None:
                continue
            if attribute == "srcset":
                for candidate in value.split(","):
                    url = candidate.strip().split(" ")[0]
                    if url:
                        self.page.references.append(Reference(line, tag, attribute, url))
            else:
                self.page.references.append(Reference(line, tag, attribute, value.strip()))

    handle_startendtag = handle_starttag


def parse_page(path: Path) -> ParsedPage:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return collector.page


def infer_base_url(site: Path) -> str | None:
    """The base URL the site was built for: the canonical URL of its root page."""
    root = site / "index.html"
    if not root.is_file():
        return None
    return parse_page(root).canonical


@dataclass
class LinkReport:
    pages: int = 0
    links: int = 0
    problems: list[Problem] = field(default_factory=list)


class LinkChecker:
    """Resolves references from the pages of one built site; parses each target page once."""

    def __init__(self, site: Path, base_url: str | None = None, project_root: Path | None = None):
        self.site = site.resolve()
        self.project_root = project_root or Path.cwd()
        base = base_url if base_url is not None else infer_base_url(self.site)
        base = base or "/"
        self.base_url = base if base.endswith("/") else base + "/"
        parts = urlsplit(self.base_url)
        self.base_origin = (parts.scheme, parts.netloc) if parts.scheme else None
        self.base_path = parts.path or "/"
        self._pages: dict[Path, ParsedPage] = {}

    def page(self, path: Path) -> ParsedPage:
        if path not in self._pages:
            self._pages[path] = parse_page(path)
        return self._pages[path]

    def _site_path(self, page: Path, value: str) -> str | None:
        """The referenced path relative to the site root ('' is the root); None when external.

        A path outside the published site comes back prefixed with NUL.
        """
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            if parts.scheme not in ("http", "https", ""):
                return None  # mailto:, tel:, data:…
            if self.base_origin is None or (parts.scheme or self.base_origin[0], parts.netloc) != self.base_origin:
                return None  # another site
            path = parts.path or "/"
        elif parts.path.startswith("/"):
            path = parts.path
        else:
            own = self.base_path + page.relative_to(self.site).as_posix()
            path = urljoin(own, parts.path) if parts.path else own
        trailing = path.endswith("/")
        path = posixpath.normpath(unquote(path))
        path = path if path == "/" or not trailing else path + "/"
        if path + "/" == self.base_path:
            path += "/"
        if not path.startswith(self.base_path):
            return "\0" + path
        return path[len(self.base_path) :]

    def _target_file(self, relpath: str) -> Path | None:
        """The file a static server sends for this path, as the output stage writes them."""
        candidate = self.site / relpath if relpath else self.site
        if relpath == "" or relpath.endswith("/"):
            candidate = candidate / "index.html"
        elif candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            candidate.resolve().relative_to(self.site)
        except ValueError:
            return None
        return candidate if candidate.is_file() else None

    def check_page(self, page: Path) -> Iterator[Problem]:
        where = display_path(page, self.project_root)
        for ref in self.page(page).references:
            value = ref.value
            if value in ("", "#"):
                continue
            relpath = self._site_path(page, value)
            if relpath is None:
                continue
            if relpath.startswith("\0"):
                yield Problem(
                    where,
                    ref.line,
                    f'<{ref.element} {ref.attribute}="{value}"> points outside the site (published under {self.base_path})',
                    "link relatively, or to a path under the base URL",
                )
                continue
            fragment = urlsplit(value).fragment
            target = page if value.startswith("#") else self._target_file(relpath)
            if target is None:
                yield Problem(
                    where,
                    ref.line,
                    f'<{ref.element} {ref.attribute}="{value}"> does not resolve: no file /{relpath or "index.html"} in the site',
                    "fix the link, or add the page it points at",
                )
                continue
            if fragment and target.suffix == ".html":
                fragment = unquote(fragment)
                if fragment not in self.page(target).ids and fragment != "top":
                    yield Problem(
                        where,
                        ref.line,
                        f'<{ref.element} {ref.attribute}="{value}"> points at #{fragment}, which is not an id in '
                        f"{target.relative_to(self.site).as_posix()}",
                        "link to an id that exists on that page",
                    )

    def check(self, pages: Iterable[Path] | None = None) -> LinkReport:
        report = LinkReport()
        for page in sorted(pages if pages is not None else self.site.rglob("*.html")):
            report.pages += 1
            report.links += len(self.page(page).references)
            report.problems.extend(self.check_page(page))
        return report


def check_links(site: Path, base_url: str | None = None, project_root: Path | None = None) -> LinkReport:
    """Check every internal reference of every HTML page under `site`."""
    if not (site / "index.html").is_file():
        return LinkReport(
            problems=[
                Problem(
                    display_path(site, project_root or Path.cwd()),
                    0,
                    "no built site here (index.html is missing)",
                    "build it first with `python build.py build`, or pass --output DIR",
                )
            ]
        )
    return LinkChecker(site, base_url, project_root).check()
