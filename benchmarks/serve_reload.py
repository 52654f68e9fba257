"""Save -> browser reloaded, with `ogpsite serve` and a page open in Debian's Chromium.

Copies the sample content and templates to a temporary folder, starts the preview server there,
opens a commitment page, then edits its English title N times. For each save it reports the time
until the reloaded page shows the new title, and the rebuild time the server printed.
The issue's figure to reach is 300 ms on the sample site. A figure, not a pass/fail test.

    python -m benchmarks.serve_reload [-n 5] [--json benchmarks/out/serve_reload.json]
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
TITLE = "Federal Program on Open Government"
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 6)"


def measure(rounds: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "content", project / "content")
        shutil.copytree(ROOT / "templates", project / "templates")
        english = project / "content/commitments/ar0090/en.md"
        source = english.read_text(encoding="utf-8")
        saves: list[float] = []
        builds: list[float] = []
        rendered: list[int | None] = []
        to_reload: list[float] = []  # save -> the browser starts reloading (watch, rebuild, notify)
        page_loads: list[float] = []  # reload -> load event
        with Preview(project) as preview, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(preview.url + "en/commitments/ar0090/")
            for i in range(1, rounds + 1):
                page.wait_for_function(CONNECTED, timeout=30_000)
                title = f"{TITLE} ({i})"
                started = time.perf_counter()
                wall = time.time()
                english.write_text(source.replace(f"title: {TITLE}", f"title: {title}", 1), encoding="utf-8")
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/out/serve_reload.json")
    args = parser.parse_args()
    result = measure(args.rounds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"save -> browser reloaded: median {result['median_save_to_reloaded_ms']} ms "
        f"(each: {result['save_to_reloaded_ms']}); rebuild median {result['median_rebuild_ms']} ms "
        f"({result['pages_rendered_per_save']} pages re-rendered); save -> reload starts {result['median_save_to_reload_start_ms']} ms, "
        f"page load {result['median_page_load_ms']} ms; target 300 ms"
    )


if __name__ == "__main__":
    main()
