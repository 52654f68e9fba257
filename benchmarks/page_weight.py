"""Page weight per page type: the bytes of HTML, CSS and JavaScript that Chromium loads for one
page, before compression, leaving out the data the search fetches (its manifest, index shards and
result texts: JSON and text) and images. Files count by what they are (the page itself, `.css`,
`.js`), whoever fetched them: the search page is weighed with results shown, so the search
Worker's own script (lunr.js, the stemmers and the engine, started by the page, which Chromium
reports among the page's requests) counts, as does anything it would import. The issue's budget
is 100 KB per page type.

    python -m benchmarks.page_weight [--site DIR] [--json benchmarks/out/page_weight.json]

Without --site it builds the sample content (build date 2026-11-23) into a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory
from tests.reader_pages import SEARCH_WORD, all_pages

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 100 * 1024
COUNTED = {".css": "css", ".js": "js"}  # by the ending of the file's path; the page itself is HTML


@dataclass
class Weight:
    page: str
    url: str
    html: int = 0
    css: int = 0
    js: int = 0
    worker: int = 0  # of `js`, the scripts of the page's Workers (the search engine)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


def counted(resource_type: str, url: str) -> str | None:
    """What a response counts as: "html" for the page itself, "css" or "js" by the file's
    ending (as a Worker's script or anything it imports has no "script" resource type), or None
    (search data, images, icons)."""
    if resource_type == "document":
        return "html"
    path = urlparse(url).path
    return next((kind for ending, kind in COUNTED.items() if path.endswith(ending)), None)


def measure(site: Path, browser: Any = None) -> list[Weight]:
    """Weigh every page type in both languages, each in a fresh browser context (empty cache)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            own = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                return measure(site, own)
            finally:
                own.close()
    weights = []
    with serve_directory(site) as base:
        for label, url in all_pages():
            weight = Weight(label, "/" + url)
            context = browser.new_context()
            page = context.new_page()
            responses: list[Any] = []
            page.on("response", lambda response, seen=responses: seen.append(response))
            page.goto(base + url, wait_until="networkidle")
            if url.endswith("/search/"):
                page.locator("#search-page-input").type(SEARCH_WORD[url.split("/")[0]])
                page.locator(".search-results li").first.wait_for(state="visible")
                page.wait_for_load_state("networkidle")
            workers = {worker.url for worker in page.workers}
            for response in responses:
                kind = counted(response.request.resource_type, response.url)
                if kind and response.ok:
                    size = len(response.body())
                    setattr(weight, kind, getattr(weight, kind) + size)
                    if response.url in workers:
                        weight.worker += size
            context.close()
            weights.append(weight)
    return weights


def build_sample(into: Path) -> Path:
    from ogpsite.build import build
    from ogpsite.settings import BuildSettings

    site = into / "site"
    build(BuildSettings(ROOT, ROOT / "content", ROOT / "templates", site, None, dt.date(2026, 11, 23)))
    return site


def table(weights: list[Weight]) -> str:
    lines = [f"{'page type':<26} {'HTML':>8} {'CSS':>8} {'JS':>8} {'(Worker)':>9} {'total':>9}  (KB = 1024 bytes; budget 100 KB)"]
    for w in weights:
        flag = "" if w.total < BUDGET else "  OVER BUDGET"
        sizes = f"{w.html / 1024:>8.1f} {w.css / 1024:>8.1f} {w.js / 1024:>8.1f} {w.worker / 1024:>9.1f} {w.total / 1024:>9.1f}"
        lines.append(f"{w.page:<26} {sizes}{flag}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site to weigh (default: build the sample)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_sample(Path(tmp))
        weights = measure(site)
    print(table(weights))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(w) | {"total": w.total} for w in weights], indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
