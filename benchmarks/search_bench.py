"""Search at scale: index build time, index size (raw and gzipped) and, in Debian's Chromium, the time
from the index request (and from the first keystroke) to the first results, for generated corpora.

For each N (default 1,000 and 5,000 commitments; benchmarks/corpus.py also adds 3 % events and 3 %
stories) it generates the content, builds the model, then per language times the search stage's
work (documents, lunr index, JSON), and writes a minimal site (the search pages, assets and the
two JSON files) that it serves on the loopback and opens in Chromium with a cold cache:

* `request->results`: the page opened with `?q=` (as the header box sends readers), from the start
  of the search-index.json request (Resource Timing) to the first rendered results, split into
  download, load (scripts, JSON parse, `lunr.Index.load`) and query + render;
* `keystroke->results (cold)`: the page opened empty, the query typed as soon as the box shows,
  from the first keydown to the first results (includes what is left of loading);
* `keystroke->results (warm)`: once loaded, from a keystroke to the updated results.

Targets at 5,000 records per language: build <= 5 s, transfer <= 1.5 MB gzipped, first results
<= 300 ms after the index request starts. Figures, not a pass/fail test. Also reported: the gzipped
size of an index without the body field, the first shard of a split index.

    python -m benchmarks.search_bench [-n 1000 5000] [--rounds 3] [--json benchmarks/out/search.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate
from ogpsite.build import check
from ogpsite.model.pages import Page
from ogpsite.render.renderer import Renderer, RenderSettings
from ogpsite.settings import BuildSettings
from ogpsite.stages import search
from tests.conftest import BUILD_DATE, CHROMIUM, CHROMIUM_ARGS, serve_directory

ROOT = Path(__file__).resolve().parent.parent
QUERY = {"en": "participation", "es": "participacion"}
NEXT_QUERY = {"en": "transparency", "es": "transparencia"}

# Recorded in the page before any of its scripts run: the first keydown in the search box.
KEY_PROBE = """
document.addEventListener("keydown", (event) => {
  if (event.target && event.target.id === "search-page-input" && !window.__firstKey) window.__firstKey = performance.now();
}, true);
"""
TIMES = """() => {
  const index = performance.getEntriesByType("resource").find((e) => e.name.includes("search-index.json"));
  const results = performance.getEntriesByName("search:results")[0];
  const ready = performance.getEntriesByName("search:index-ready")[0];
  return {request: index.startTime, response: index.responseEnd, ready: ready.startTime, results: results.startTime,
          key: window.__firstKey, transfer: index.transferSize, count: document.querySelectorAll(".search-result").length};
}"""


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MB"


def build_search_site(content: Path, out: Path) -> tuple[Any, dict[str, dict[str, float]]]:
    """The parts of a site search needs; returns the model and per-language build figures."""
    settings = BuildSettings(ROOT, content, ROOT / "templates", out, None, BUILD_DATE)
    started = time.perf_counter()
    model, problems = check(settings)
    assert model is not None, problems[:5]
    model_seconds = time.perf_counter() - started
    vendor, problems = search.vendor_files(ROOT)
    assert not problems, problems
    core = (settings.templates_dir / "assets" / search.CORE_SCRIPT).read_bytes()
    files = dict(vendor)
    figures: dict[str, dict[str, float]] = {}
    lunr_es = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None
    for lang in model.languages:
        started, cpu = time.perf_counter(), time.process_time()
        built = search.build_language(model, lang, lunr_es)  # what search_stage does per language
        built.scripts = search.script_urls(lang, vendor, core)
        index, docs = built.index_bytes(), built.docs_bytes()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        files[f"{lang}/{search.INDEX_FILE}"], files[f"{lang}/{search.DOCS_FILE}"] = index, docs
        figures[lang] = {
            "records": len(built.documents),
            "terms": len(built.index["invertedIndex"]),
            "build_s": seconds,
            "build_cpu_s": cpu,  # the wall time above suffers when other work shares the cores
            "index_raw": len(index),
            "index_gz": len(gzip.compress(index, 6, mtime=0)),
            "docs_raw": len(docs),
            "docs_gz": len(gzip.compress(docs, 6, mtime=0)),
            "model_s": model_seconds,
        }
        # The proposal when the full index is too big: a first shard without the body text.
        without_body = [dataclasses.replace(d, fields={k: v for k, v in d.fields.items() if k != "body"}) for d in built.documents]
        core_bytes = search._json(search.build_index(without_body, search.analyzer_for(lang, lunr_es)))
        figures[lang].update(core_raw=len(core_bytes), core_gz=len(gzip.compress(core_bytes, 6, mtime=0)))
    renderer = Renderer(model, RenderSettings(settings.templates_dir, "/", BUILD_DATE))
    for relpath, data in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_bytes(data)
    for lang in model.languages:
        page = Page(f"{lang}/search/", "search.html", lang)
        (out / lang / "search").mkdir(parents=True, exist_ok=True)
        (out / lang / "search" / "index.html").write_text(renderer.render(page), encoding="utf-8")
    shutil.copytree(ROOT / "templates" / "assets", out / "assets", dirs_exist_ok=True)
    return model, figures


def _timings(page: Any) -> dict[str, float]:
    return page.evaluate(TIMES)  # type: ignore[no-any-return]


def measure_browser(site: Path, lang: str, rounds: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    runs: list[dict[str, float]] = []
    with serve_directory(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                # A: a reader arrives from the header box with the query in the address (cold cache).
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + f"{lang}/search/?q={QUERY[lang]}", wait_until="commit")
                page.locator(".search-result").first.wait_for(timeout=120_000)
                arrived = _timings(page)
                context.close()

                # B: a reader opens the search page and types (cold cache): first keystroke to results.
                context = browser.new_context()
                page = context.new_page()
                page.add_init_script(KEY_PROBE)
                page.goto(url + f"{lang}/search/", wait_until="commit")
                field = page.locator("#search-page-input")
                field.wait_for(state="visible")
                field.type(QUERY[lang], delay=0)  # as fast as the browser takes keys
                page.locator(".search-result").first.wait_for(timeout=120_000)
                typed = _timings(page)

                # C: once loaded, the last letter of another word to its updated results.
                word = NEXT_QUERY[lang]
                field.fill(word[:-1])
                page.evaluate("performance.clearMarks('search:results')")
                started = page.evaluate("performance.now()")
                field.press(word[-1])
                page.wait_for_function("() => performance.getEntriesByName('search:results').length > 0", timeout=60_000)
                warm = page.evaluate("performance.getEntriesByName('search:results')[0].startTime") - started
                context.close()
                runs.append(
                    {
                        "request_to_results_ms": arrived["results"] - arrived["request"],
                        "request_to_response_ms": arrived["response"] - arrived["request"],
                        "response_to_ready_ms": arrived["ready"] - arrived["response"],
                        "ready_to_results_ms": arrived["results"] - arrived["ready"],
                        "key_to_results_cold_ms": typed["results"] - typed["key"],
                        "key_to_results_warm_ms": warm,
                        "results": arrived["count"],
                    }
                )
        finally:
            browser.close()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def run(sizes: list[int], rounds: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            content = generate(Path(tmp) / "content", n)
            _, figures = build_search_site(content, Path(tmp) / "site")
            for lang, fig in figures.items():
                fig.update(measure_browser(Path(tmp) / "site", lang, rounds))
                rows.append({"commitments": n, "lang": lang, **fig})
                print_row(rows[-1])
    return rows


def print_row(row: dict[str, Any]) -> None:
    print(
        f"N={row['commitments']:>5} {row['lang']}: {row['records']:>5} records, {row['terms']:>6} terms | "
        f"build {row['build_s']:.2f} s, CPU {row['build_cpu_s']:.2f} s (model {row['model_s']:.1f} s, both languages) | "
        f"index {kb(row['index_raw'])} raw, {kb(row['index_gz'])} gz (without body: {kb(row['core_gz'])} gz); "
        f"store {kb(row['docs_raw'])} raw, {kb(row['docs_gz'])} gz | "
        f"request->results {row['request_to_results_ms']:.0f} ms (download {row['request_to_response_ms']:.0f}, "
        f"load {row['response_to_ready_ms']:.0f}, query+render {row['ready_to_results_ms']:.0f}); "
        f"keystroke->results cold {row['key_to_results_cold_ms']:.0f} ms, "
        f"warm {row['key_to_results_warm_ms']:.0f} ms",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, nargs="+", default=[1000, 5000], help="commitments per corpus (default: 1000 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="Chromium runs per language, median reported")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = run(args.n, args.rounds)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
