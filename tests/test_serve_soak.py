"""The preview under sustained editing, smaller than the issue's soak (benchmarks/serve_soak.py
runs 300 saves in 30 s across 30 files): every last save served, the served site/ equal to a
clean build, no request failed or answered with a partial page; and a kill -9 in the middle of an
in-place update leaves a state from which the next `ogpsite build` makes the clean site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .soak import kill_mid_update, soak

pytestmark = pytest.mark.browser


def test_a_burst_of_saves_is_served_completely_and_equals_a_clean_build(browser: Any, tmp_path: Path) -> None:
    result = soak(tmp_path, browser, saves=60, seconds=10, files=14)
    assert result.missing == [], "\n".join(result.missing + result.log[-20:])
    assert result.differences == [], result.differences[:20]
    assert result.failures == [], result.failures[:10]
    assert result.browser_failures == [], result.browser_failures[:10]
    assert result.requests > 100 and result.reloads > 1 and result.builds > 5
    assert not result.panel_at_end  # the broken file, fixed two saves later, left no error behind


def test_kill_9_mid_update_then_build_gives_the_clean_site(tmp_path: Path) -> None:
    result = kill_mid_update(tmp_path)
    assert not result.built_before_kill and 0 < result.updated_at_kill < result.pages, result  # in the middle
    assert result.differences == [], result.differences[:20]
