"""The built site in real Chromium: pages load without console errors and the switcher works."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_language_switcher_lands_on_the_same_record(page: Any, sample_url: str) -> None:
    page.goto(sample_url + "en/commitments/ar0090/")
    assert page.locator("h1").inner_text() == "Federal Program on Open Government"
    page.click("nav.languages a[hreflang=es]")
    page.wait_for_url("**/es/commitments/ar0090/")
    assert page.locator("h1").inner_text() == "Programa Federal de Gobierno Abierto"
    assert page.console_errors == []
