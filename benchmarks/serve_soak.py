"""The preview soak at the issue's size: `ogpsite serve` with a page open in Debian's Chromium,
300 saves in about 30 s across 30 files (text edits, some as editors' atomic saves, a renamed
record, a deleted and re-created record, two template edits, a broken file fixed two saves
later), requests polled all along (tests/soak.py). Then a kill -9 of the server in the middle of
an in-place update and the `ogpsite build` after it. Figures, not pass/fail.

    flock /tmp/ogpsite-bench.lock python -m benchmarks.serve_soak [--saves 300 --seconds 30 --files 30]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.soak import kill_mid_update, soak

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/out/serve_soak.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            result = soak(Path(folder) / "soak", browser, args.saves, args.seconds, args.files)
        finally:
            browser.close()
        killed = kill_mid_update(Path(folder) / "soak")
    figures = {
        "saves": result.saves,
        "files": result.files,
        "saving_s": round(result.seconds, 1),
        "settle_s": round(result.settle_seconds, 1),
        "builds": result.builds,
        "browser_loads": result.reloads,
        "requests_polled": result.requests,
        "requests_failed_or_partial": len(result.failures),
        "browser_requests_failed": len(result.browser_failures),
        "last_saves_not_served": len(result.missing),
        "differences_from_clean_build": len(result.differences),
        "error_panel_at_end": result.panel_at_end,
        "rss_after_first_saves_mb": round(result.rss_after_first_kb / 1024, 1),
        "rss_after_run_mb": round(result.rss_after_kb / 1024, 1),
        "rss_growth_pct": round(100 * (result.rss_after_kb / max(1, result.rss_after_first_kb) - 1), 1),
        "kill9_pages_updated_at_kill": f"{killed.updated_at_kill}/{killed.pages}",
        "kill9_then_build_differences": len(killed.differences),
        "examples": {"failures": result.failures[:5], "browser": result.browser_failures[:5], "missing": result.missing[:5]},
        "differences": (result.differences + killed.differences)[:10],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for name, value in figures.items():
        print(f"{name:32} {value}")


if __name__ == "__main__":
    main()
