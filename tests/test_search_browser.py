"""Search in real Chromium, over HTTP, under a Content-Security-Policy without 'unsafe-inline': the
Spanish page finds AR0090 as you type, the index is fetched only when needed, garbage shows a hint,
the keyboard works, and a hostile title stays text."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from ogpsite.build import build

from .conftest import QuietHandler, serve_directory, settings_for

pytestmark = pytest.mark.browser

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
HOSTILE = "<img src=x onerror=alert(1)>"


class StrictHandler(QuietHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()


def serve_strict(directory: Path) -> contextlib.AbstractContextManager[str]:
    """Serve a built site with a strict CSP: any inline script or style would be refused (and logged)."""
    return serve_directory(directory, StrictHandler)


@pytest.fixture(scope="module")
def strict_url(sample_site: Path) -> Iterator[str]:
    with serve_strict(sample_site) as url:
        yield url


def search_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "search-index.json" in request.url else None)
    return seen


def results(page: Any) -> list[str]:
    """The paths the result links lead to, once the first page is complete (the first six come first).

    Typed letter by letter, a query is answered once per letter, and the page keeps the query it
    last rendered in the address (`?q=`): wait for that to be the input's text, so that the list
    read is the one for the whole query, not for a prefix still on screen."""
    answered = "() => (new URL(location.href).searchParams.get('q') || '') === document.querySelector('#search-page-input').value.trim()"
    try:
        page.wait_for_function(answered, timeout=10_000)
    except PlaywrightTimeout:  # a query that shows no list (a syntax error): read what is there
        pass
    page.locator(".search-results:not([aria-busy])").wait_for(state="attached")
    return page.locator(".search-result-title a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")


# How many answers the page has shown (it marks each, search.js)
SHOWN = "performance.getEntriesByName('search:results').length + performance.getEntriesByName('search:no-results').length"


def type_query(page: Any, text: str, answered: bool = True) -> None:
    """Types `text` key by key; with `answered`, waits for the answer to the whole text (the status
    names it). An answer to what was typed before it ("pro" for "procure") may be shown first, and
    replaced: reading the results before the whole text's answer read a prefix's."""
    field = page.locator("#search-page-input")
    field.wait_for(state="visible")
    field.fill("")
    field.type(text, delay=15)
    if answered:
        page.wait_for_function("(query) => document.querySelector('#search-status').textContent.includes(query)", arg=text.strip())


def test_spanish_search_page_finds_ar0090_as_you_type(page: Any, strict_url: str) -> None:
    page.goto(strict_url + "es/search/")
    type_query(page, "programa federal")
    first = page.locator(".search-result").first
    first.wait_for()
    link = first.locator(".search-result-title a")
    assert link.evaluate("a => new URL(a.href).pathname") == "/es/commitments/ar0090/"
    assert link.inner_text() == "AR0090 Programa Federal de Gobierno Abierto"
    assert first.locator(".search-result-kind").inner_text().lower() == "compromiso"
    assert link.locator("mark").all_inner_texts() == ["Programa", "Federal"]
    assert re.fullmatch(r"\d+ resultados? para «programa federal»\.", page.locator("#search-status").inner_text())
    assert page.url.endswith("/es/search/?q=programa+federal")  # the address keeps the query
    link.click()
    page.wait_for_url("**/es/commitments/ar0090/")
    assert page.console_errors == []  # a CSP refusal would be logged here


def test_accents_and_capitals_do_not_matter(page: Any, strict_url: str) -> None:
    found = {}
    for query in ("participacion", "Participación", "PARTICIPACIÓN", "participaciones"):
        page.goto(strict_url + "es/search/?q=" + query)
        page.locator(".search-result").first.wait_for()
        found[query] = results(page)
    assert len(found["participacion"]) >= 10
    assert all(found[q] == found["participacion"] for q in found)
    page.goto(strict_url + "en/search/?q=Tsachilas")
    page.locator(".search-result").first.wait_for()
    assert results(page) == ["/en/stories/from-regional-to-local-2022/"]
    assert page.console_errors == []


def test_index_is_fetched_on_focus_of_the_header_box_not_on_page_load(page: Any, strict_url: str) -> None:
    requested = search_requests(page)
    page.goto(strict_url + "es/commitments/ar0090/", wait_until="networkidle")
    assert requested == []
    with page.expect_request(lambda request: request.url.endswith("/es/search-index.json")):
        page.focus("#site-search")
    page.fill("#site-search", "Tsachilas")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/es/search/?q=Tsachilas")
    page.locator(".search-result").first.wait_for()
    assert results(page) == ["/es/stories/from-regional-to-local-2022/"]
    assert page.console_errors == []


def test_search_page_fetches_the_index_itself(page: Any, strict_url: str) -> None:
    with page.expect_request(lambda request: request.url.endswith("/en/search-index.json")):
        page.goto(strict_url + "en/search/")
    type_query(page, "ar0090")
    page.locator(".search-result").first.wait_for()
    assert results(page)[0] == "/en/commitments/ar0090/"


@pytest.mark.parametrize("query", [":", "~~~", "title:", "*", '"', "a", "+", "-", "participacion^x", "zzzzqq"])
def test_odd_queries_show_a_message_never_an_error(page: Any, strict_url: str, query: str) -> None:
    page.goto(strict_url + "es/search/")
    type_query(page, query, answered=False)  # no results: the status says why, without the query
    # Enter asks once more: the page shows the answer it gets (a mark), and drops any older one
    # still on its way (an answer to what was typed before the last key)
    shown = page.evaluate(f"() => {SHOWN}")
    page.locator("#search-page-input").press("Enter")
    page.wait_for_function(f"() => {SHOWN} > {shown}")
    status = page.locator("#search-status")
    page.wait_for_function("() => !document.querySelector('#search-status').textContent.startsWith('Cargando')")
    assert status.inner_text().strip()
    assert page.locator(".search-results").is_hidden() or query in ("-",)
    assert page.console_errors == []


def test_keyboard_moves_through_results(page: Any, strict_url: str) -> None:
    page.goto(strict_url + "en/search/")
    type_query(page, "federal")
    # the answer to the whole word (an answer to "fed" or "feder" may be shown first)
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('federal')")
    page.locator(".search-result").nth(1).wait_for()
    links = page.locator(".search-result-title a")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == links.nth(0).get_attribute("href")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == links.nth(1).get_attribute("href")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-page-input"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/**/")
    assert "/search/" not in page.url


def test_many_results_come_fifty_at_a_time(page: Any, strict_url: str) -> None:
    page.goto(strict_url + "es/search/")
    type_query(page, "argentina ")
    page.locator(".search-result").first.wait_for()
    status = page.locator("#search-status").inner_text()
    total = int(re.match(r"(\d+) resultados", status).group(1))  # type: ignore[union-attr]
    assert total > 50 and "Se muestran los primeros 50." in status
    expect(page.locator(".search-result")).to_have_count(50)  # the first six come first, then the rest
    page.click(".search-more")
    expect(page.locator(".search-result")).to_have_count(min(total, 100))
    # The Worker answered the first page on its own and made the whole answer for the second: the
    # second page goes on where the first ended, no result shown twice.
    hrefs = page.locator(".search-result-title a").evaluate_all("(links) => links.map((a) => a.href)")
    assert len(set(hrefs)) == len(hrefs) == min(total, 100)


def test_hostile_title_shows_as_text(project: Path, browser: Any) -> None:
    source = project / "content" / "commitments" / "ar0090"
    target = project / "content" / "commitments" / "ar0999"
    target.mkdir()
    (target / "facts.yaml").write_text((source / "facts.yaml").read_text(encoding="utf-8").replace("AR0090", "AR0999"), encoding="utf-8")
    for lang in ("en", "es"):
        (target / f"{lang}.md").write_text(f'---\ntitle: "{HOSTILE}"\nsummary: "Zebra {HOSTILE} crossing"\n---\nText.\n', encoding="utf-8")
    build(settings_for(project))
    context = browser.new_context()
    tab = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    with serve_strict(project / "site") as url:
        for lang in ("es", "en"):
            tab.goto(url + f"{lang}/search/")
            type_query(tab, "AR0999")
            result = tab.locator(".search-result").first
            result.wait_for()
            assert result.locator(".search-result-title a").inner_text() == f"AR0999 {HOSTILE}"
            assert HOSTILE in result.locator(".search-result-snippet").inner_text()
            assert tab.locator("#search-page img").count() == 0
            type_query(tab, "onerror")
            tab.locator(".search-result").first.wait_for()
            assert tab.locator("#search-page img").count() == 0
    context.close()
    assert dialogs == [] and errors == []


def test_missing_index_is_explained_on_the_page(project: Path, browser: Any) -> None:
    build(settings_for(project))
    (project / "site" / "es" / "search-index.json").unlink()
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    with serve_strict(project / "site") as url:
        tab.goto(url + "es/search/?q=gobierno")
        status = tab.locator("#search-status")
        tab.wait_for_function("() => document.querySelector('#search-status').textContent.startsWith('No se pudo')")
        assert "No se pudo cargar el índice de búsqueda" in status.inner_text()
        assert tab.locator(".search-result").count() == 0
        context.close()  # before the server stops: a request still open then would be reset, which is not the page's error
    assert errors == []  # explained, not thrown


@pytest.mark.parametrize(("lang", "typed", "word"), [("en", "procure", "procurement"), ("es", "particip", "participación")])
def test_a_word_being_typed_finds_the_records_with_the_whole_word(page: Any, strict_url: str, lang: str, typed: str, word: str) -> None:
    page.goto(strict_url + f"{lang}/search/")
    type_query(page, typed)
    page.locator(".search-result").first.wait_for()
    marked = page.locator(".search-result mark").all_inner_texts()
    assert any(text.lower().startswith(typed) for text in marked), marked
    assert page.console_errors == []


def test_a_query_fetches_a_few_shards_and_only_the_shown_texts(page: Any, strict_url: str, sample_site: Path) -> None:
    import json

    manifest = json.loads((sample_site / "es" / "search-index.json").read_text(encoding="utf-8"))
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(strict_url + "es/search/?q=Tsachilas")
    page.locator(".search-result").first.wait_for()
    page.wait_for_load_state("networkidle")
    shards = [url for url in seen if "/es/search-index/" in url]
    texts = [url for url in seen if "/es/search-texts/" in url]
    assert 1 <= len(shards) < len(manifest["shards"]["names"])
    assert len(texts) == page.locator(".search-result").count() == 1
    assert not any(url.endswith(".txt") for url in shards)  # the vocabulary only for fuzzy and inner wildcards


def test_the_query_runs_in_the_worker_not_on_the_main_thread(page: Any, strict_url: str) -> None:
    """The page never loads lunr, the stemmers or search-core.js, and never fetches a shard or a result
    text itself (only the small manifest, handed to the Worker): the Worker does (resource timing is per
    thread). Highlighting is the Worker's too."""
    page.goto(strict_url + "es/search/?q=participacion")
    page.locator(".search-result mark").first.wait_for()
    assert [worker.url for worker in page.workers if re.search(r"/assets/search/es-[0-9a-f]{12}[.]js$", worker.url)]
    on_page = page.evaluate(
        """() => ({
            engine: [typeof window.lunr, typeof window.OgpSearch, typeof window.SpanishStemmer],
            fetched: performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)
                .filter(p => /search-index[/]|search-texts|lunr|stemmer|search-core/.test(p)),
        })"""
    )
    assert on_page == {"engine": ["undefined", "undefined", "undefined"], "fetched": []}
    assert page.console_errors == []


def test_focus_in_the_results_goes_back_to_the_box_when_newer_results_replace_them(page: Any, strict_url: str) -> None:
    page.goto(strict_url + "en/search/")
    type_query(page, "federal")
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('federal')")
    page.locator(".search-result").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.length === 0 && !!document.activeElement.closest('.search-results')")
    page.evaluate("document.querySelector('#search-page-input').value = 'open data'")
    page.evaluate("document.querySelector('#search-page-input').dispatchEvent(new Event('input'))")
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('open data')")
    assert page.evaluate("document.activeElement.id") == "search-page-input"
