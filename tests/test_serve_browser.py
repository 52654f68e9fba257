"""Live reload in real Chromium: an open page reloads by itself after a save, also under a strict CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .preview import Preview, edit, private_project

pytestmark = pytest.mark.browser

AR0090 = "content/commitments/ar0090"
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 6)"
# Stricter than any published page needs: no 'unsafe-inline', no ws: — live preview needs only 'self'.
STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'"


def _open_connected(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function(CONNECTED, timeout=30_000)
    page.evaluate("window.__notReloaded = true")


def test_page_reloads_itself_after_an_edit(page: Any, project: Path) -> None:
    with Preview(private_project(project)) as preview:
        _open_connected(page, preview.url + "en/commitments/ar0090/")
        edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Programme for Open Government")
        page.wait_for_function(
            "() => document.querySelector('h1').textContent.trim() === 'Federal Programme for Open Government'", timeout=60_000
        )
        assert page.evaluate("window.__notReloaded === undefined"), "the page should have been reloaded, not patched"
        assert preview.stop() == 0
    assert page.console_errors == []


def test_error_panel_appears_and_goes_away_by_itself(page: Any, project: Path) -> None:
    facts = project / AR0090 / "facts.yaml"
    with Preview(private_project(project)) as preview:
        _open_connected(page, preview.url + "en/commitments/ar0090/")
        edit(facts, "status: active", "status: finished")
        panel = page.locator("#ogpsite-build-errors")
        panel.wait_for(state="visible", timeout=60_000)
        assert f"{AR0090}/facts.yaml:4: 'finished' is not an allowed value for 'status'" in panel.inner_text()
        assert page.locator("h1").inner_text() == "Federal Program on Open Government"  # last good page below
        page.wait_for_function(CONNECTED, timeout=30_000)
        edit(facts, "status: finished", "status: active")
        panel.wait_for(state="detached", timeout=60_000)
        assert preview.stop() == 0
    assert page.console_errors == []


def test_live_reload_works_under_a_strict_content_security_policy(page: Any, project: Path) -> None:
    private_project(project)
    edit(
        project / "templates/base.html",
        '<meta charset="utf-8">',
        f'<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="{STRICT_CSP}">',
    )
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    with Preview(project) as preview:
        _open_connected(page, preview.url + "en/themes/open-state/")
        policies = page.eval_on_selector_all("meta[http-equiv=Content-Security-Policy]", "metas => metas.map(m => m.content)")
        assert STRICT_CSP in policies  # beside the site's own policy, when the templates carry one: both apply
        edit(project / "content/themes/open-state/en.md", "title: Open State", "title: Open State, Open Parliament")
        page.wait_for_function("() => document.querySelector('h1').textContent.includes('Open Parliament')", timeout=60_000)
        # The error panel's stylesheet is same-origin too.
        edit(project / "content/themes/open-state/facts.yaml", "order:", "order: first\nx:")
        page.locator("#ogpsite-build-errors").wait_for(state="visible", timeout=60_000)
        # expect() retries: a save's fast path and its rebuild each reload the page, so one more
        # reload may come while the panel is already shown
        expect(page.locator("#ogpsite-build-errors")).to_have_css("border-bottom-style", "solid", timeout=30_000)
        assert preview.stop() == 0
    assert violations == []
    assert page.console_errors == []


def test_stylesheet_change_is_applied(page: Any, project: Path) -> None:
    with Preview(private_project(project)) as preview:
        _open_connected(page, preview.url + "en/")
        css = project / "templates/assets/site.css"
        css.write_text(css.read_text(encoding="utf-8") + "\nbody { outline: 7px solid rgb(1, 2, 3); }\n", encoding="utf-8")
        page.wait_for_function("() => getComputedStyle(document.body).outlineWidth === '7px'", timeout=60_000)
        assert preview.stop() == 0
    assert page.console_errors == []
