"""Accessibility in real Chromium: axe-core finds no WCAG 2.1 A/AA violation on any page type in
either language, and a keyboard alone reaches the language switcher, search and main content,
with a focus indicator that can be seen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from ogpsite.build import build

from .conftest import serve_directory, settings_for
from .reader_pages import LANGS, SEARCH_WORD, all_pages

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def violations(axe: Axe, page: Any) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}" for v in results.response["violations"]
    ]


def show_search_results(page: Any, lang: str) -> None:
    """Type a query the way a reader does and wait for the results list."""
    field = page.locator("#search-page-input")
    field.wait_for(state="visible")
    field.type(SEARCH_WORD[lang], delay=20)
    page.locator(".search-results li").first.wait_for(state="visible")


@pytest.mark.parametrize(("label", "url"), all_pages(), ids=[label for label, _ in all_pages()])
def test_no_wcag_21_aa_violations(page: Any, sample_url: str, axe: Axe, label: str, url: str) -> None:
    page.goto(sample_url + url)
    if url.endswith("/search/"):
        show_search_results(page, url.split("/")[0])
    assert violations(axe, page) == []
    assert page.console_errors == []


def test_untranslated_page_with_its_notice_has_no_violations(project: Path, browser: Any, axe: Axe) -> None:
    (project / "content" / "commitments" / "ar0090" / "es.md").unlink()
    build(settings_for(project))
    with serve_directory(project / "site") as url:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(url + "es/commitments/ar0090/")
        assert tab.locator(".notice").count() == 1
        assert violations(axe, tab) == []
        context.close()


# --- keyboard ---------------------------------------------------------------------------------

FOCUS_INFO = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  let bg = null;
  for (let node = el.parentElement; node && !bg; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (color && color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') bg = color;
  }
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim().slice(0, 40),
    hreflang: el.getAttribute('hreflang'), inLanguages: !!el.closest('nav.languages'),
    inMain: !!el.closest('main') && el.tagName !== 'MAIN',
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor,
    background: bg || 'rgb(255, 255, 255)',
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
  };
}"""


def luminance(color: str) -> float:
    r, g, b = (int(c) / 255 for c in re.findall(r"\d+(?:\.\d+)?", color)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_through(page: Any, count: int) -> list[dict[str, Any]]:
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_INFO))
    return stops


@pytest.mark.parametrize("lang", LANGS)
def test_keyboard_reaches_switcher_search_and_main_with_visible_focus(page: Any, sample_url: str, lang: str) -> None:
    page.goto(sample_url + f"{lang}/commitments/ar0090/")
    stops = tab_through(page, 25)
    assert stops[0]["tag"] == "a" and stops[0]["onScreen"], "the skip link comes first and shows itself"
    assert any(s["inLanguages"] and s["hreflang"] != lang for s in stops), "language switcher"
    assert any(s["id"] == "site-search" for s in stops), "search box"
    assert any(s["inMain"] for s in stops), "main content"
    for stop in stops:
        assert stop["onScreen"], f"focused element is off screen: {stop}"
        assert stop["outlineStyle"] != "none" and stop["outlineWidth"] >= 2, f"no visible focus on {stop}"
        # WCAG 1.4.11: the indicator stands out from what is around it by 3:1 at least.
        assert contrast(stop["outlineColor"], stop["background"]) >= 3, f"faint focus on {stop}"


def test_skip_link_moves_focus_to_main(page: Any, sample_url: str) -> None:
    page.goto(sample_url + "en/stories/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_INFO)["inMain"], "the next Tab stays in the main content"


def test_keyboard_switches_language_and_searches(page: Any, sample_url: str) -> None:
    page.goto(sample_url + "en/events/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS_INFO)["hreflang"] == "es":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/es/events/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search":
            break
    page.keyboard.type("gobierno")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/es/search/\?q=gobierno$"))
    page.locator(".search-results li").first.wait_for(state="visible")
    assert page.console_errors == []
