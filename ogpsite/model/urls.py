"""The URL contract. Site URLs are written without a leading slash ("en/commitments/ar0090/").

/{lang}/                      home
/{lang}/{section}/            index of commitments, themes, events or stories
/{lang}/{section}/{slug}/     one record (a commitment's slug is its id in lower case)
/{lang}/search/               search page
/404.html, / (language chooser), /assets/…
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit


def home_url(lang: str) -> str:
    return f"{lang}/"


def section_url(section: str, lang: str) -> str:
    return f"{lang}/{section}/"


def record_url(section: str, slug: str, lang: str) -> str:
    return f"{lang}/{section}/{slug}/"


def in_language(url: str, lang: str) -> str:
    """The same page in another language: the contract keeps everything but the prefix."""
    _, _, rest = url.partition("/")
    return f"{lang}/{rest}"


def output_file(url: str) -> str:
    """Where a URL's HTML is written inside the output directory."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def _relpath(target: str, start: str) -> str:
    """posixpath.relpath for site URLs, without its os.getcwd() and normpath on every link."""
    if ".." in target or ".." in start:
        return posixpath.relpath(target or ".", start or ".")
    to = [part for part in target.split("/") if part and part != "."]
    base = [part for part in start.split("/") if part and part != "."]
    common = 0
    for a, b in zip(to, base, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:]) or "."


def relative(from_url: str, to_url: str) -> str:
    """A link from one page to another that works from any sub-path and from a plain file server."""
    target, sep, fragment = to_url.partition("#")
    from_dir = from_url.rsplit("/", 1)[0] if "/" in from_url else ""
    rel = _relpath(target, from_dir)
    if target.endswith("/") or target == "":
        rel = "./" if rel == "." else rel + "/"
    return rel + sep + fragment


def base_path(base_url: str) -> str:
    """The path part of the base URL, always ending in '/': https://x.org/ogp -> /ogp/."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def absolute(base_url: str, url: str) -> str:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return base + url
