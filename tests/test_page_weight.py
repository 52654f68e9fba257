"""Every page type stays under 100 KB of HTML + CSS + JavaScript before compression (the search's
data excluded: manifest, shards, result texts), as Chromium loads it, the search Worker's own script
included. The figures themselves: python -m benchmarks.page_weight."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.page_weight import BUDGET, measure, table

from .reader_pages import all_pages

pytestmark = pytest.mark.browser


def test_every_page_type_is_under_100_kb(sample_site: Path, browser: object) -> None:
    weights = measure(sample_site, browser)
    assert len(weights) == len(all_pages())  # every page type of reader_pages.py, each language
    assert all(w.html and w.css for w in weights), table(weights)
    # The search engine runs in a Worker the search page starts: its script is part of that page's
    # cost and is counted (no other page starts one).
    assert {w.page for w in weights if w.worker} == {"search (en)", "search (es)"}, table(weights)
    over = [w for w in weights if w.total >= BUDGET]
    assert not over, table(weights)
