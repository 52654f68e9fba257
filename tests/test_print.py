"""A reader prints a commitment for a meeting: in print media the page keeps the facts and the
description, drops navigation and screen-only links, and says where it was printed from."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CANONICAL = "https://ogp-americas.example.org/{lang}/commitments/ar0090/"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_commitment_prints_without_navigation(page: Any, sample_url: str, lang: str) -> None:
    page.goto(sample_url + f"{lang}/commitments/ar0090/")
    assert not page.locator(".print-only").is_visible(), "the source line is for paper only"
    page.emulate_media(media="print")
    for screen_only in (".site-header", ".site-footer", ".search-form", ".data-links", ".related", ".skip-link"):
        assert not page.locator(screen_only).first.is_visible(), screen_only
    for kept in ("h1", ".at-a-glance", ".institutions", ".description", ".kicker"):
        assert page.locator(kept).first.is_visible(), kept
    source = page.locator(".print-only")
    assert source.is_visible() and CANONICAL.format(lang=lang) in source.inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('.at-a-glance')).breakInside") == "avoid"
    # Theme tags read as a plain list on paper.
    assert page.evaluate("getComputedStyle(document.querySelector('.at-a-glance .tags li')).display") == "inline"
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 5, f"{pages} A4 pages"
    assert page.console_errors == []
