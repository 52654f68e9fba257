"""Search at scale: what one query costs a reader, and what the index costs the build, for generated
corpora (benchmarks/corpus.py, realistic vocabulary unless `--vocabulary small`).

For each N (default 1,000 and 10,000 commitments; the corpus adds 3 % events and 3 % stories) it
generates the content, builds the model, then per language times the search stage's work (documents,
lunr terms and scores, shards, result texts, JSON) and writes a minimal site (the search pages, the
assets and the language's search files), served on the loopback and opened in Debian's Chromium:

* cold: a reader arrives from the header box (`/{lang}/search/?q=…`, empty cache): bytes of
  everything the search fetched (scripts, manifest, shards, result texts), counted gzipped as a
  host would send them (each file gzipped at level 6, plus nothing for headers), and the time from
  navigation to the first results (the page's `search:results` mark), served over HTTP/1.1 with
  persistent connections;
* warm: in the same visit, a second, different query typed: the bytes it adds and its time;
* where a cold query's time goes: when the Worker's script began to run, when it took the query
  and when lunr had answered it (the Worker's marks), before the page showed the results;
* long tasks: the longest main-thread task (PerformanceObserver "longtask", over 50 ms) during the
  visit (page load included), and the longest that began once the second query was typed ("while
  typing": that query, then a third word typed key by key, one key every 60 ms, each key a new
  query whose results replace the last), 0 when there was none;
* parity: the queries of tests/test_search_parity.py drawn from this corpus, run on the shards and
  on one whole lunr index under Node; the count compared and the count that differed (must be 0).

Figures, not a pass/fail test.

    flock /tmp/ogpsite-bench.lock python -m benchmarks.search_bench [-n 1000 10000] [--rounds 3]
        [--vocabulary realistic|small] [--json benchmarks/out/search.json] [--no-parity]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from benchmarks.corpus import VOCABULARIES, generate
from ogpsite.build import check
from ogpsite.model.pages import Page
from ogpsite.render.renderer import Renderer, RenderSettings
from ogpsite.settings import BuildSettings
from ogpsite.stages import search
from ogpsite.stages.search.vendor import worker_paths
from tests.conftest import BUILD_DATE, CHROMIUM, CHROMIUM_ARGS, QuietHandler, serve_directory

ROOT = Path(__file__).resolve().parent.parent
# A query set per language: domain words, two-word queries, a word still being typed.
QUERIES = {
    "en": ["participation", "open data", "procurement", "budget transparency", "procure"],
    "es": ["participacion", "datos abiertos", "contrataciones", "presupuesto transparencia", "particip"],
}
SECOND = {"en": "accountability", "es": "rendición de cuentas"}
TYPED = {"en": "transparency", "es": "transparencia"}  # typed key by key after the second query


class KeepAliveHandler(QuietHandler):
    """HTTP/1.1 with persistent connections, as any host serves a site (http.server's default,
    HTTP/1.0, opens a connection per file, which a query's few dozen small files would pay for)."""

    protocol_version = "HTTP/1.1"
    # Each response is written as two sends (headers, then the body): with Nagle's algorithm on, the
    # body of every response but a connection's first waits for the browser's delayed ACK of the
    # headers, some 40 ms on Linux's loopback per request. Hosts send with TCP_NODELAY (nginx's
    # default), so without it a query's chain of requests measured the server, not the site.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the browser closed a kept-alive connection: the end of a visit, not an error


LONG_TASKS = """
window.__longest = 0;
window.__tasks = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__longest = Math.max(window.__longest, entry.duration);
      window.__tasks.push([entry.startTime, entry.duration]);
    }
  }).observe({ type: "longtask", buffered: true });
} catch (error) {}
"""


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MB"


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def build_search_site(content: Path, out: Path) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The parts of a site search needs; returns the model and per-language build figures."""
    settings = BuildSettings(ROOT, content, ROOT / "templates", out, None, BUILD_DATE)
    started = time.perf_counter()
    model, problems = check(settings)
    assert model is not None, problems[:5]
    model_seconds = time.perf_counter() - started
    vendor, problems = search.vendor_files(ROOT)
    assert not problems, problems
    core = (settings.templates_dir / "assets" / search.CORE_SCRIPT).read_bytes()
    worker = (settings.templates_dir / "assets" / search.WORKER_SCRIPT).read_bytes()
    files = dict(vendor)
    figures: dict[str, dict[str, Any]] = {}
    lunr_es = search.read_lunr_spanish(search.VENDORED / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None
    for lang in model.languages:
        started, cpu = time.perf_counter(), time.process_time()
        built = search.build_language(model, lang, lunr_es)  # what the search stage does per language
        written = search.language_files(built, vendor, core, worker)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        files.update(written)
        written = {path: data for path, data in written.items() if path.startswith(f"{lang}/")}  # not the Worker script
        manifest = json.loads(written[f"{lang}/{search.INDEX_FILE}"])
        shards = [data for path, data in written.items() if path.startswith(f"{lang}/{search.SHARD_DIR}/") and path.endswith(".json")]
        whole = built.index_bytes()  # the design before issue 13, for comparison (not written)
        figures[lang] = {
            "records": len(built.documents),
            "terms": built.term_count,
            "build_s": seconds,
            "build_cpu_s": cpu,  # the wall time above suffers when other work shares the cores
            "model_s": model_seconds,
            "disk_bytes": sum(len(data) for data in written.values()),
            "files": len(written),
            "shards": len(shards),
            "largest_shard_gz": max(gz(data) for data in shards),
            "manifest_gz": gz(written[f"{lang}/{search.INDEX_FILE}"]),
            "vocabulary_gz": gz(written[f"{lang}/{manifest['vocabulary']}"]),
            "whole_index_raw": len(whole),
        }
    # The page names its Worker, as a build's does, so search.js starts it before the manifest is in.
    workers = worker_paths(ROOT, settings.template_dirs, model.languages)
    assert workers, "the search Worker's parts are missing"
    renderer = Renderer(model, RenderSettings(settings.templates_dir, "/", BUILD_DATE, workers))
    for relpath, data in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_bytes(data)
    for lang in model.languages:
        page = Page(f"{lang}/search/", "search.html", lang)
        (out / lang / "search").mkdir(parents=True, exist_ok=True)
        (out / lang / "search" / "index.html").write_text(renderer.render(page), encoding="utf-8")
    shutil.copytree(ROOT / "templates" / "assets", out / "assets", dirs_exist_ok=True)
    return model, figures


def _search_bytes(site: Path, urls: list[str]) -> int:
    """Gzipped bytes of the files behind these URLs, leaving out the page itself and its CSS."""
    total = 0
    for url in dict.fromkeys(urls):
        path = urlparse(url).path
        if path.endswith((".html", "/", ".css")):
            continue
        file = site / path.lstrip("/")
        if file.is_file():
            total += gz(file.read_bytes())
    return total


MARKS = "performance.getEntriesByName('search:results').length + performance.getEntriesByName('search:no-results').length"


def _wait_results(page: Any, marks_before: int) -> float:
    page.wait_for_function(f"() => {MARKS} > {marks_before}", timeout=120_000)
    marks = page.evaluate(
        "() => [...performance.getEntriesByName('search:results'), ...performance.getEntriesByName('search:no-results')]"
        ".map((m) => m.startTime).sort((a, b) => a - b)"
    )
    return float(marks[-1])


# The Worker's marks (templates/assets/search-worker.js), in the order a cold query passes them.
WORKER_PHASES = ("script", "asked", "answered")


def _worker_phases(page: Any) -> dict[str, float]:
    """When the Worker's script began to run, when it took the first query, and when lunr had
    answered it, in ms after the page's navigation (the Worker's clock has its own origin)."""
    origin = page.evaluate("performance.timeOrigin")
    for worker in page.workers:
        marks = worker.evaluate("[performance.timeOrigin, performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])]")
        first = {}
        for name, at in marks[1]:
            first.setdefault(name.removeprefix("search:worker-"), at + marks[0] - origin)
        if all(phase in first for phase in WORKER_PHASES):
            return {f"worker_{phase}_ms": first[phase] for phase in WORKER_PHASES}
    raise RuntimeError("the search Worker left no marks")


def measure_browser(site: Path, lang: str, rounds: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    runs: list[dict[str, float]] = []
    with serve_directory(site, KeepAliveHandler) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                for query in QUERIES[lang]:
                    context = browser.new_context()  # a cold cache each time
                    page = context.new_page()
                    page.add_init_script(LONG_TASKS)
                    requested: list[str] = []
                    page.on("request", lambda request, seen=requested: seen.append(request.url))
                    page.goto(url + f"{lang}/search/?q={query}", wait_until="commit")
                    first = _wait_results(page, 0)
                    phases = _worker_phases(page)
                    cold = _search_bytes(site, requested)
                    results = page.locator(".search-result").count()

                    before = len(requested)
                    field = page.locator("#search-page-input")
                    marks = page.evaluate(f"() => {MARKS}")
                    started = page.evaluate("performance.now()")
                    field.fill(SECOND[lang])
                    second = _wait_results(page, marks) - started
                    warm = _search_bytes(site, [u for u in requested[before:] if u not in requested[:before]])
                    field.fill("")
                    page.keyboard.type(TYPED[lang], delay=60)
                    page.wait_for_function(
                        f"() => document.querySelector('#search-status').textContent.includes({json.dumps(TYPED[lang])})", timeout=120_000
                    )
                    page.wait_for_timeout(200)  # the last answer's rest of the page, and its layout
                    longest = page.evaluate("window.__longest")
                    # Tasks that began once the second query was typed: the page is loaded by then,
                    # so this is what typing costs the main thread (the visit's longest includes the page's load).
                    typing = page.evaluate(f"Math.max(0, ...window.__tasks.filter(([at]) => at >= {started}).map(([, d]) => d))")
                    context.close()
                    runs.append(
                        {
                            "first_result_ms": first,
                            **phases,
                            "cold_bytes_gz": cold,
                            "results": results,
                            "second_query_ms": second,
                            "second_query_bytes_gz": warm,
                            "longest_task_ms": longest,
                            "longest_task_typing_ms": typing,
                        }
                    )
        finally:
            browser.close()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]} | {
        "first_result_ms_max": max(run["first_result_ms"] for run in runs),
        "cold_bytes_gz_max": max(run["cold_bytes_gz"] for run in runs),
        "longest_task_ms_max": max(run["longest_task_ms"] for run in runs),
        "longest_task_typing_ms_max": max(run["longest_task_typing_ms"] for run in runs),
    }


def measure_parity(model: Any, site: Path, lang: str, whole: Path) -> dict[str, int]:
    """The parity test's queries on this corpus, shards against the whole index, under Node."""
    from tests.test_search_parity import queries_for

    queries = queries_for(model, lang)
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "node" / "parity.js"), str(site), lang, str(whole)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    report = json.loads(result.stdout)
    return {"parity_queries": len(report["rows"]), "parity_differences": len(report["differences"])}


def run(sizes: list[int], rounds: int, vocabulary_name: str, parity: bool) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            content = generate(Path(tmp) / "content", n, vocabulary_name=vocabulary_name)
            generated = time.perf_counter() - started
            model, figures = build_search_site(content, Path(tmp) / "site")
            for lang, fig in figures.items():
                fig.update(measure_browser(Path(tmp) / "site", lang, rounds))
                if parity:
                    lunr_es = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
                    whole = Path(tmp) / f"whole-{lang}.json"
                    whole.write_bytes(search.build_language(model, lang, lunr_es).index_bytes())  # type: ignore[arg-type]
                    fig.update(measure_parity(model, Path(tmp) / "site", lang, whole))
                rows.append({"commitments": n, "vocabulary": vocabulary_name, "lang": lang, "generate_s": generated, **fig})
                print_row(rows[-1])
    return rows


def print_row(row: dict[str, Any]) -> None:
    parity = f" | parity {row['parity_queries']} queries, {row['parity_differences']} differ" if "parity_queries" in row else ""
    print(
        f"N={row['commitments']:>5} {row['lang']} ({row['vocabulary']}): {row['records']:>5} records, {row['terms']:>6} terms | "
        f"build {row['build_s']:.2f} s, CPU {row['build_cpu_s']:.2f} s (model {row['model_s']:.1f} s, both languages) | "
        f"on disk {kb(row['disk_bytes'])} in {row['files']} files ({row['shards']} shards, largest {kb(row['largest_shard_gz'])} gz; "
        f"manifest {kb(row['manifest_gz'])} gz; vocabulary {kb(row['vocabulary_gz'])} gz; whole index was {kb(row['whole_index_raw'])}) | "
        f"cold query {kb(row['cold_bytes_gz'])} gz (max {kb(row['cold_bytes_gz_max'])}), first result {row['first_result_ms']:.0f} ms "
        f"(max {row['first_result_ms_max']:.0f}; Worker running at {row['worker_script_ms']:.0f}, asked at {row['worker_asked_ms']:.0f}, "
        f"lunr answered at {row['worker_answered_ms']:.0f}), {row['results']:.0f} results | "
        f"second query +{kb(row['second_query_bytes_gz'])} gz, "
        f"{row['second_query_ms']:.0f} ms | longest task {row['longest_task_ms_max']:.0f} ms, "
        f"while typing {row['longest_task_typing_ms_max']:.0f} ms{parity}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, nargs="+", default=[1000, 10000], help="commitments per corpus (default: 1000 10000)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the query set per language (medians reported)")
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="realistic", help="corpus vocabulary (default: realistic)")
    parser.add_argument("--no-parity", dest="parity", action="store_false", help="skip the parity run under Node")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = run(args.n, args.rounds, args.vocabulary, args.parity)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
