"""The site reads and navigates with JavaScript turned off, and no page type logs a console error
(or fails to load a resource) with JavaScript on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .reader_pages import SEARCH_WORD, all_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # A request still in flight when a click navigates away (the favicon, say) is aborted by the
    # navigation: not a fault of the page. Any answer of 400 or more is one, and is counted too.
    aborted = "ERR_ABORTED"
    tab.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}") if aborted not in (r.failure or "") else None)
    tab.on("response", lambda response: errors.append(f"{response.url}: {response.status}") if response.status >= 400 else None)
    tab.console_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


@pytest.mark.parametrize(("label", "url"), all_pages(), ids=[label for label, _ in all_pages()])
def test_page_reads_without_javascript(no_js: Any, sample_url: str, label: str, url: str) -> None:
    response = no_js.goto(sample_url + url)
    assert response is not None and response.ok
    heading = no_js.locator("h1").first
    assert heading.is_visible() and heading.inner_text().strip()
    assert len(no_js.locator("main").inner_text()) > 80, "the main content is there without scripts"
    # Styles still apply: the stylesheet is plain CSS, not injected by a script.
    assert no_js.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    if url.endswith("/search/"):
        assert no_js.locator("#search-page noscript, #search-page .notice").first.is_visible()
    assert no_js.console_errors == []


def test_navigates_without_javascript(no_js: Any, sample_url: str) -> None:
    page = no_js
    page.goto(sample_url)
    page.click("text=English")
    page.wait_for_url("**/en/")
    page.click("nav.sections >> text=Commitments")
    page.wait_for_url("**/en/commitments/")
    page.click("a:has-text('AR0090')")
    page.wait_for_url("**/en/commitments/ar0090/")
    page.click("nav.languages a[hreflang=es]")
    page.wait_for_url("**/es/commitments/ar0090/")
    assert page.locator("h1").inner_text() == "Programa Federal de Gobierno Abierto"
    page.locator(".at-a-glance .tags a").first.click()
    page.wait_for_url(re.compile(r".*/es/themes/[a-z-]+/$"))
    page.click("nav.sections >> text=Eventos")
    page.wait_for_url("**/es/events/")
    page.locator(".record-list a").first.click()
    page.wait_for_url(re.compile(r".*/es/events/[a-z0-9-]+/$"))
    calendar = page.locator('a[type="text/calendar"]')
    assert page.request.get(calendar.evaluate("a => a.href")).ok
    # The header search box is a plain form: it reaches the search page, which explains itself.
    page.fill("#site-search", "gobierno")
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r".*/es/search/\?q=gobierno$"))
    assert page.locator("#search-page").inner_text().strip()
    assert page.console_errors == []


def test_no_console_errors_with_javascript(page: Any, sample_url: str) -> None:
    failed: list[str] = []
    # A prefetch still in flight when the test moves on is aborted by the navigation: not a fault.
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}") if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda response: failed.append(f"{response.url}: {response.status}") if response.status >= 400 else None)
    for label, url in all_pages():
        page.goto(sample_url + url, wait_until="networkidle")
        if url.endswith("/search/"):
            field = page.locator("#search-page-input")
            field.type(SEARCH_WORD[url.split("/")[0]], delay=20)
            page.locator(".search-results li").first.wait_for(state="visible")
        # The header box loads the index when it gets focus; that must not log errors either.
        if page.locator("#site-search").count():
            page.focus("#site-search")
            page.wait_for_load_state("networkidle")
        assert page.console_errors == [], label
        assert failed == [], label
