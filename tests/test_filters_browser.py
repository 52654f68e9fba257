"""The commitments index's filters in real Chromium (issue 15): with JavaScript they narrow the list
at once, announce the count, keep the choice in the address (shareable, Back works) and fetch their
data only when used; without JavaScript every filter value is a link to its static page. axe-core
finds no violation with filters applied, in either language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import ROOT
from .test_a11y import violations

pytestmark = pytest.mark.browser


def _expected(**wanted: str) -> set[str]:
    """The commitment IDs the content says match every wanted value (policy area and theme: listed)."""
    plans = yaml.safe_load((ROOT / "content" / "action_plans.yaml").read_text(encoding="utf-8"))
    out = set()
    for file in (ROOT / "content" / "commitments").glob("*/facts.yaml"):
        facts = yaml.safe_load(file.read_text(encoding="utf-8"))
        ok = all(
            (
                facts["member"] == value
                if name == "member"
                else str(plans[facts["action_plan"]]["cycle"]) == value
                if name == "cycle"
                else facts["status"] == value
                if name == "status"
                else value in facts["policy_areas"]
                if name == "area"
                else value in facts["themes"]
            )
            for name, value in wanted.items()
        )
        if ok:
            out.add(facts["id"])
    return out


def _listed(page: Any) -> set[str]:
    return set(page.locator(".filter-results .record-id").all_inner_texts())


@pytest.fixture
def tracked(page: Any) -> Iterator[Any]:
    page.fetched = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.fetched.append(request.url))
    yield page


def test_filters_narrow_the_list_announce_the_count_and_keep_state_in_the_url(tracked: Any, sample_url: str) -> None:
    page = tracked
    page.goto(sample_url + "en/commitments/")
    assert page.locator(".filter-controls").is_visible()
    assert not [url for url in page.fetched if "/filters/" in url], "the data is fetched only when the controls are used"
    assert page.locator(".filter-status").get_attribute("aria-live") == "polite"

    page.select_option("#filter-cycle", "2019")
    page.locator(".filter-results li").first.wait_for()
    assert [url for url in page.fetched if url.endswith("/filters/commitments.json")]
    assert _listed(page) == _expected(cycle="2019")
    assert page.locator(".filter-static").is_hidden()
    assert page.url.endswith("/en/commitments/?cycle=2019")

    page.select_option("#filter-area", "capacity-building")
    expect(page.locator(".filter-status")).to_have_text(re.compile(r"^4 "))
    assert _listed(page) == _expected(cycle="2019", area="capacity-building")
    assert "AR0090" in _listed(page)
    assert page.locator(".filter-status").inner_text() == "4 commitments match these filters."
    assert page.url.endswith("?cycle=2019&area=capacity-building")
    link = page.locator(".filter-results a", has_text="AR0090")
    assert link.evaluate("a => a.href") == sample_url + "en/commitments/ar0090/"

    page.select_option("#filter-status", "inactive")
    expect(page.locator(".filter-status")).to_have_text(re.compile(r"^No "))
    assert _listed(page) == set()

    page.go_back()  # Back returns to the previous choice, controls and list with it
    expect(page.locator(".filter-status")).to_have_text(re.compile(r"^4 "))
    assert page.locator("#filter-status").input_value() == ""
    assert page.locator("#filter-area").input_value() == "capacity-building"
    page.go_back()
    expect(page.locator(".filter-results li")).to_have_count(16)
    page.go_back()
    expect(page.locator(".filter-static")).to_be_visible()
    assert page.locator(".filter-results").is_hidden()
    assert page.console_errors == []


def test_a_shared_address_opens_with_its_filters_applied(page: Any, sample_url: str) -> None:
    page.goto(sample_url + "es/commitments/?member=argentina&status=active&theme=subnational")
    page.locator(".filter-results li").first.wait_for()
    assert _listed(page) == _expected(member="argentina", status="active", theme="subnational")
    assert page.locator("#filter-member").input_value() == "argentina"
    status = page.locator(".filter-status").inner_text()
    assert status.endswith("coinciden con estos filtros.") or status.endswith("coincide con estos filtros.")
    titles = page.locator(".filter-results a").all_inner_texts()
    assert any("Programa Federal de Gobierno Abierto" in title for title in titles)
    page.click(".filter-controls button[type=reset]")
    expect(page.locator(".filter-static")).to_be_visible()
    assert page.url.endswith("/es/commitments/")
    assert page.console_errors == []


def test_filters_are_keyboard_reachable(page: Any, sample_url: str) -> None:
    page.goto(sample_url + "en/commitments/")
    page.focus("#filter-member")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filter-cycle"
    page.keyboard.press("ArrowDown")  # a closed select changes with the arrow keys
    page.locator(".filter-results li").first.wait_for()
    assert page.url.endswith("?cycle=2019")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_axe_violations_with_filters_applied(page: Any, sample_url: str, lang: str) -> None:
    page.goto(sample_url + f"{lang}/commitments/?cycle=2019&area=capacity-building")
    page.locator(".filter-results li").first.wait_for()
    assert violations(Axe(), page) == []


def test_without_javascript_every_filter_value_links_to_its_static_page(browser: Any, sample_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(sample_url + "en/commitments/")
        assert page.locator(".filter-controls").is_hidden(), "controls that need a script are not offered without one"
        page.locator(".filter-pages summary").click()
        links = page.locator(".filter-links a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        for part in ("members/argentina/", "action-plans/ar-2019/", "policy-areas/capacity-building/", "themes/subnational/"):
            assert any(href.endswith(part) for href in hrefs), part
        page.locator(".filter-links a", has_text="Capacity Building").click()
        page.wait_for_url("**/en/policy-areas/capacity-building/")
        assert "AR0090" in page.locator("main").inner_text()
        assert page.locator(".filter-static").count() == 0
    finally:
        context.close()
