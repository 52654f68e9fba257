"""Save -> browser reloaded, with `ogpsite serve` and a page open in Debian's Chromium.

Copies the sample content and templates to a temporary folder (or, with `--project`, uses a
project in place: a corpus `python -m benchmarks` generated and built, e.g.
benchmarks/out/corpus-10000), starts the preview server there, opens a commitment page, then edits
its English title N times. For each save it reports the time until the reloaded page shows the
new title, the rebuild time the server printed, and the time until the server said the site-wide
files (search index, feeds, data) were updated too. The edited file is put back at the end.
The figures to reach: 300 ms to the reloaded page, the site-wide files 3 s after. A figure, not a
pass/fail test.

    python -m benchmarks.serve_reload [-n 5] [--json benchmarks/out/serve_reload.json]
    python -m benchmarks.serve_reload --project benchmarks/out/corpus-10000 --record ar0042 --date 2026-11-23
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.preview import Preview

ROOT = Path(__file__).resolve().parent.parent
TITLE_LINE = re.compile(r"^title: .*$", re.M)
FINISHED = r"\] (Search index, feeds and data files updated|Some site-wide files updated) in ([0-9.]+) s"
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 6)"


def measure(rounds: int, project: Path | None = None, record: str = "ar0090", date: str | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        if project is None:
            project = Path(tmp)
            shutil.copytree(ROOT / "content", project / "content")
            shutil.copytree(ROOT / "templates", project / "templates")
        english = project / f"content/commitments/{record}/en.md"
        source = english.read_text(encoding="utf-8")
        try:
            return _measure(rounds, project, record, english, source, date)
        finally:
            english.write_text(source, encoding="utf-8")


def _measure(rounds: int, project: Path, record: str, english: Path, source: str, date: str | None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    saves: list[float] = []
    builds: list[float] = []
    rendered: list[int | None] = []
    to_reload: list[float] = []  # save -> the browser starts reloading (watch, rebuild, notify)
    page_loads: list[float] = []  # reload -> load event
    finished: list[float] = []  # save -> the server said the site-wide files are updated
    finish_seconds: list[float] = []  # as the server printed it
    with Preview(project, *(["--date", date] if date else []), wait=False) as preview, sync_playwright() as playwright:
        line = preview.wait_for(r"^Serving .* on (http://\S+/)", timeout=1800)  # a large site's first build
        preview.url = re.search(r"(http://\S+/)", line).group(1)  # type: ignore[union-attr]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(preview.url + f"en/commitments/{record}/")
        for i in range(1, rounds + 1):
            page.wait_for_function(CONNECTED, timeout=30_000)
            title = f"An edited title, save {i}"
            started = time.perf_counter()
            wall = time.time()
            english.write_text(TITLE_LINE.sub(f'title: "{title}"', source, count=1), encoding="utf-8")
            page.wait_for_function(f"() => document.querySelector('h1')?.textContent.trim() === {json.dumps(title)}", timeout=120_000)
            saves.append(time.perf_counter() - started)
            # The browser's clock: when the reload began, and how long the page took to load.
            origin, loaded = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return [performance.timeOrigin, n.loadEventEnd || n.domContentLoadedEventEnd]; }"
            )
            to_reload.append(origin / 1000 - wall)
            page_loads.append(loaded / 1000)
            line = preview.next_build(timeout=5)
            seconds = re.search(r"in ([0-9.]+) s", line)
            builds.append(float(seconds.group(1)) if seconds else float("nan"))
            count = re.search(r"(\d+) rendered", line)
            rendered.append(int(count.group(1)) if count else None)
            done = re.search(FINISHED, preview.wait_for(FINISHED, timeout=600))
            finished.append(time.perf_counter() - started)
            finish_seconds.append(float(done.group(2)) if done else float("nan"))
            time.sleep(0.5)
        browser.close()
        preview.stop()
    return {
        "rounds": rounds,
        "save_to_reloaded_ms": [round(s * 1000) for s in saves],
        "median_save_to_reloaded_ms": round(statistics.median(saves) * 1000),
        "rebuild_ms": [round(b * 1000) for b in builds],
        "median_rebuild_ms": round(statistics.median(builds) * 1000),
        "pages_rendered_per_save": rendered,
        "median_save_to_reload_start_ms": round(statistics.median(to_reload) * 1000),
        "median_page_load_ms": round(statistics.median(page_loads) * 1000),
        "target_ms": 300,
        "save_to_site_wide_files_ms": [round(s * 1000) for s in finished],
        "median_save_to_site_wide_files_ms": round(statistics.median(finished) * 1000),
        "median_finish_ms": round(statistics.median(finish_seconds) * 1000),
        "site_wide_target_ms": 3000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/out/serve_reload.json")
    parser.add_argument("--project", type=Path, help="a project folder (content/, templates/) to serve in place, e.g. a benchmark corpus")
    parser.add_argument("--record", default="ar0090", help="the commitment whose English title is edited (default ar0090)")
    parser.add_argument("--date", help="the build date to serve with (a corpus's: 2026-11-23)")
    args = parser.parse_args()
    result = measure(args.rounds, args.project.resolve() if args.project else None, args.record, args.date)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"save -> browser reloaded: median {result['median_save_to_reloaded_ms']} ms "
        f"(each: {result['save_to_reloaded_ms']}); rebuild median {result['median_rebuild_ms']} ms "
        f"({result['pages_rendered_per_save']} pages re-rendered); save -> reload starts {result['median_save_to_reload_start_ms']} ms, "
        f"page load {result['median_page_load_ms']} ms; target 300 ms; site-wide files after "
        f"{result['median_save_to_site_wide_files_ms']} ms (finish {result['median_finish_ms']} ms; target 3,000 ms)"
    )


if __name__ == "__main__":
    main()
