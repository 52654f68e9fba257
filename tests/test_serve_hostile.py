"""The preview server against hostile requests and hostile pull requests (issue 7).

tests/test_serve.py covers `/../`, `%2e%2e`, encoded slashes, NUL, backslashes, absolute paths,
symlinks, the Host check and loopback-only listening; this file adds double encoding, overlong
UTF-8, absolute-form request targets, the project's own files and build leftovers beside site/,
and a content error that quotes hostile text: the maintainer previewing the pull request sees it
in the error panel as text, and Chromium runs none of it.
"""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .preview import Preview, edit, private_project

AR0090 = "content/commitments/ar0090"


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    root = tmp_path_factory.mktemp("serve-hostile")
    shutil.copytree(ROOT / "content", root / "content")
    (root / "secret.txt").write_text("project secret\n", encoding="utf-8")
    with Preview(private_project(root)) as served:
        yield served
        assert served.stop() == 0, "\n".join(served.errors)


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/%252e%252e/%252e%252e/secret.txt",  # double encoding
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 for '.'
        "/%2e/%2e%2e/secret.txt",
        "/./../secret.txt",
        "/en/./../../content/site.yaml",
        "/..;/..;/secret.txt",
        "/../.cache/ogpsite/",
        "/../.site.spare/en/",
        "/../templates/base.html",
        "/secret.txt",
        "/etc/passwd",
        "/proc/self/environ",
        "/" + "a/" * 2_000,
    ],
)
def test_nothing_but_the_site_is_served(preview: Preview, target: str) -> None:
    status, body = raw_get(preview.port, target)
    assert status in (400, 404, 414), (target, status)
    assert b"project secret" not in body and b"title:" not in body and b"root:" not in body


def test_absolute_form_request_target_stays_in_the_site(preview: Preview) -> None:
    status, body = raw_get(preview.port, f"http://127.0.0.1:{preview.port}/../secret.txt")
    assert status in (400, 404)
    assert b"project secret" not in body


@pytest.mark.browser
def test_error_panel_shows_hostile_content_as_text(preview: Preview, browser: Any) -> None:
    """A pull request whose mistake quotes markup: the panel quotes it, nothing runs."""
    facts = preview.cwd / AR0090 / "facts.yaml"
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>"  # under 60 characters: quoted whole
    edit(facts, "status: active", f'status: "{hostile}"')
    try:
        assert "Build failed" in preview.next_build()
        context = browser.new_context(bypass_csp=True)  # the escaping alone must hold
        tab = context.new_page()
        dialogs: list[str] = []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(preview.url + "en/commitments/ar0090/", wait_until="networkidle")
        tab.wait_for_timeout(200)
        panel = tab.locator("#ogpsite-build-errors")
        assert hostile in panel.inner_text()
        assert dialogs == []
        assert tab.eval_on_selector_all("#ogpsite-build-errors img, #ogpsite-build-errors script", "n => n.length") == 0
        context.close()
    finally:
        edit(facts, f'status: "{hostile}"', "status: active")
        assert "Built" in preview.next_build()


def test_the_preview_project_folder_is_untouched(preview: Preview) -> None:
    assert (preview.cwd / "secret.txt").read_text(encoding="utf-8") == "project secret\n"
    assert not list(Path(preview.cwd / "content").rglob("*.tmp"))
