"""`ogpsite serve` as a subprocess: serve, rebuild on edit, survive content errors, stop cleanly, serve nothing else."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .conftest import ROOT
from .preview import Preview, edit, private_project

AR0090 = "content/commitments/ar0090"


def index_terms(preview: Preview, lang: str) -> str:
    """Every term of the served search index, one a line: the vocabulary file its manifest names."""
    manifest = json.loads(preview.fetch(f"{lang}/search-index.json")[1])
    return preview.fetch(f"{lang}/{manifest['vocabulary']}")[1]


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html5lib")


@pytest.fixture
def served(project: Path):  # type: ignore[no-untyped-def]
    """A server of the test's own copy of the content, to edit."""
    with Preview(private_project(project)) as preview:
        yield preview
        assert preview.stop() == 0, "\n".join(preview.errors)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One server for the tests that only read."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(ROOT / "content", root / "content")
    with Preview(private_project(root)) as preview:
        yield preview
        assert preview.stop() == 0, "\n".join(preview.errors)


def test_serves_the_built_site_with_the_reload_script(shared: Preview) -> None:
    served, project = shared, shared.cwd
    status, page = served.fetch("en/commitments/ar0090/")
    assert status == 200
    assert soup(page).h1.get_text(strip=True) == "Federal Program on Open Government"
    scripts = [s.get("src") for s in soup(page).find_all("script")]
    assert f"/livereload.js?port={served.port}" in scripts
    # Only the server adds it: the file on disk is the publishable page.
    assert "livereload" not in (project / "site/en/commitments/ar0090/index.html").read_text(encoding="utf-8")
    status, script = served.fetch("livereload.js")
    assert status == 200 and "LiveReload" in script
    # Canonical links point at the preview while serving, not at the published address.
    assert soup(page).find("link", rel="canonical")["href"] == served.url + "en/commitments/ar0090/"


def test_edit_is_rebuilt_and_served(served: Preview, project: Path) -> None:
    edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Programme for Open Government")
    assert "Built" in served.next_build()
    status, page = served.fetch("en/commitments/ar0090/")
    assert status == 200
    assert soup(page).h1.get_text(strip=True) == "Federal Programme for Open Government"
    # Listings showing the record change with it.
    _, listing = served.fetch("en/commitments/")
    assert "Federal Programme for Open Government" in listing
    _, spanish = served.fetch("es/commitments/ar0090/")
    assert soup(spanish).h1.get_text(strip=True) == "Programa Federal de Gobierno Abierto"


def test_search_index_and_data_catch_up_after_the_edited_page(served: Preview, project: Path) -> None:
    """The edited page comes first; the site-wide files follow once the watcher is quiet."""
    edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Zanzibarian Programme")
    line = served.next_build()
    assert "search index and data files follow" in line, line
    assert "Zanzibarian" in served.fetch("en/commitments/ar0090/")[1]
    served.wait_for(r"Search index, feeds and data files updated in")
    assert "zanzibarian" in index_terms(served, "en")
    assert "Federal Zanzibarian Programme" in served.fetch("data/commitments/ar0090.json")[1]


def test_a_restarted_server_answers_the_first_save_like_the_others(project: Path) -> None:
    """Started again on the site it left (same address), the server builds nothing, and its first
    save re-renders only what it touched, with the site-wide files following."""
    private_project(project)
    with Preview(project, "--base-url", "http://127.0.0.1:8000/") as first:
        assert any(re.search(r"Built \d+ pages, [1-9]\d* rendered", line) for line in first.lines), first.lines
        assert first.stop() == 0, "\n".join(first.errors)
    with Preview(project, "--base-url", "http://127.0.0.1:8000/") as again:
        assert any(re.search(r"Built \d+ pages, 0 rendered", line) for line in again.lines), again.lines
        edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Okapi Programme")
        pages, rendered = _counts(again.next_build())
        assert 0 < rendered < pages / 4
        again.wait_for(r"Search index, feeds and data files updated in")
        assert "okapi" in index_terms(again, "en")
        assert again.stop() == 0, "\n".join(again.errors)


def test_content_error_shows_the_error_and_keeps_the_last_good_site(served: Preview, project: Path) -> None:
    facts = project / AR0090 / "facts.yaml"
    edit(facts, "status: active", "status: finished")
    line = served.next_build()
    assert "Build failed: 1 error(s)" in line
    status, page = served.fetch("en/commitments/ar0090/")
    assert status == 200
    panel = soup(page).select_one("#ogpsite-build-errors")
    assert panel is not None
    assert f"{AR0090}/facts.yaml:4: 'finished' is not an allowed value for 'status'" in panel.get_text()
    assert soup(page).h1.get_text(strip=True) == "Federal Program on Open Government"  # the last good page
    assert served.process.poll() is None
    status, other = served.fetch("es/themes/open-state/")
    assert status == 200 and soup(other).select_one("#ogpsite-build-errors") is not None
    status, css = served.fetch("_ogpsite/serve.css")
    assert status == 200 and "#ogpsite-build-errors" in css
    # The terminal says the same.
    assert any(f"{AR0090}/facts.yaml:4:" in line for line in served.lines)

    edit(facts, "status: finished", "status: inactive")
    assert "Built" in served.next_build()
    status, page = served.fetch("en/commitments/ar0090/")
    assert status == 200
    assert soup(page).select_one("#ogpsite-build-errors") is None
    assert "Inactive" in soup(page).select_one(".status").get_text()


def test_starting_with_broken_content_serves_an_error_page_then_recovers(project: Path) -> None:
    private_project(project)
    facts = project / AR0090 / "facts.yaml"
    edit(facts, "themes: [subnational,", "themes: [subnacional,")
    with Preview(project) as preview:
        status, page = preview.fetch("en/")
        assert status == 500
        text = soup(page).select_one("#ogpsite-build-errors").get_text()
        assert f"{AR0090}/facts.yaml:6: theme 'subnacional' does not exist — did you mean 'subnational'?" in text
        edit(facts, "themes: [subnacional,", "themes: [subnational,")
        assert "Built" in preview.next_build()
        status, page = preview.fetch("en/")
        assert status == 200 and soup(page).select_one("#ogpsite-build-errors") is None
        assert preview.stop() == 0


def test_template_change_rebuilds(served: Preview, project: Path) -> None:
    edit(project / "templates/base.html", "<body>", '<body data-test="edited">')
    assert "Built" in served.next_build()
    _, page = served.fetch("en/events/")
    assert soup(page).body.get("data-test") == "edited"


def test_catalog_change_rebuilds(served: Preview, project: Path) -> None:
    catalog = project / "templates/locale/es/LC_MESSAGES/messages.po"
    edit(catalog, 'msgstr "Compromisos"', 'msgstr "Compromisos asumidos"')
    assert "Built" in served.next_build()
    _, page = served.fetch("es/")
    assert "Compromisos asumidos" in page


def test_ctrl_c_stops_cleanly(project: Path) -> None:
    preview = Preview(private_project(project))
    assert preview.stop(signal.SIGINT) == 0
    assert preview.lines[-1] == "Stopped."
    assert not any("Traceback" in line for line in preview.errors), preview.errors
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", preview.port), timeout=2).close()


def test_sigterm_stops_cleanly(project: Path) -> None:
    preview = Preview(private_project(project))
    assert preview.stop(signal.SIGTERM) == 0
    assert preview.lines[-1] == "Stopped."


def test_busy_port_is_one_line_naming_the_option(project: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), "serve", "--templates", str(ROOT / "templates"), "--port", str(port)],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        blocker.close()
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0] and "--port" in lines[0] and "in use" in lines[0]
    assert not (project / "site").exists()  # nothing built when it cannot serve


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, _remote, state = row.split()[1:4]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_listens_on_loopback_only_by_default(shared: Preview) -> None:
    served = shared
    assert _listening_addresses(served.port) == {"0100007F"}  # 127.0.0.1, little-endian hex


def _raw_get(port: int, target: str, host: str | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/../../../../etc/passwd",
        "/en/../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2f..%2f..%2fetc/passwd",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/.ogpsite-output",
        "/en/%00index.html",
        "/en\\..\\..\\etc\\passwd",
    ],
)
def test_nothing_outside_the_site_is_served(shared: Preview, target: str) -> None:
    served = shared
    assert _raw_get(served.port, target) == 404


def test_symbolic_links_are_not_followed(shared: Preview, tmp_path_factory: pytest.TempPathFactory) -> None:
    served, project = shared, shared.cwd
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (outside / "index.html").write_text("<p>secret</p>", encoding="utf-8")
    site = project / "site"
    (site / "leak.txt").symlink_to(outside / "secret.txt")
    (site / "leakdir").symlink_to(outside, target_is_directory=True)
    (site / "inside.html").symlink_to(site / "404.html")
    for target in ("/leak.txt", "/leakdir/", "/leakdir/secret.txt", "/leakdir/index.html", "/inside.html"):
        assert _raw_get(served.port, target) == 404, target


def test_requests_naming_another_host_are_refused(shared: Preview) -> None:
    served = shared
    # A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) gets nothing.
    assert _raw_get(served.port, "/en/", host=f"attacker.example:{served.port}") == 403
    assert _raw_get(served.port, "/en/", host=f"localhost:{served.port}") == 200
    assert _raw_get(served.port, "/en/", host="[::1") == 403  # malformed: refused, not a server error


def test_folder_without_slash_redirects_within_the_site(shared: Preview) -> None:
    served = shared
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("GET", "/en/commitments")
    response = connection.getresponse()
    assert response.status == 302
    assert response.getheader("Location") == "/en/commitments/"
    connection.close()


def test_missing_page_gets_the_sites_404_page(shared: Preview) -> None:
    served = shared
    status, page = served.fetch("en/commitments/xx9999/")
    assert status == 404
    assert "livereload.js" in page  # reloads by itself once the page exists


def test_refuses_an_output_folder_it_did_not_make(project: Path) -> None:
    private_project(project)
    (project / "site").mkdir()
    (project / "site" / "notes.txt").write_text("mine", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3  # the output folder is refused (README: exit status)
    assert "refusing to replace site" in result.stderr and "--output" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "site" / "notes.txt").read_text(encoding="utf-8") == "mine"


def _counts(line: str) -> tuple[int, int]:
    match = re.search(r"Built (\d+) pages, (\d+) rendered", line)
    assert match, line
    return int(match.group(1)), int(match.group(2))


def test_a_save_re_renders_only_what_it_touched(served: Preview, project: Path) -> None:
    edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Programme for Open Government")
    pages, rendered = _counts(served.next_build())
    # The record's pages, and the listings, theme pages and home pages that show its title.
    assert 0 < rendered < pages / 4, (pages, rendered)
    spanish_only = project / "content/themes/open-state/es.md"
    edit(spanish_only, "title: Estado Abierto", "title: Estado abierto")
    _, rendered_es = _counts(served.next_build())
    assert 0 < rendered_es < pages / 4  # Spanish pages naming the theme only
    edit(project / "templates/base.html", "<body>", '<body class="x">')
    pages, rendered = _counts(served.next_build())
    # Every HTML page uses the base template. (The log's page count also counts the stages' files,
    # among them one search result text per record and language.)
    html_pages = len(list((project / "site").rglob("*.html")))
    assert html_pages <= pages and rendered > html_pages / 2


def test_a_text_save_writes_its_page_before_the_rest_and_a_facts_save_does_not(served: Preview, project: Path) -> None:
    """The fast path (build/fast.py): the edited page is written, and served, before the rebuild."""
    edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", "title: Federal Quokka Programme")
    line = served.wait_for(r"\] (Edited page|Built \d+ pages)")
    assert re.search(r"Edited pages? written in", line), line
    assert "Federal Quokka Programme" in served.fetch("en/commitments/ar0090/")[1]
    assert "Built" in served.next_build()
    assert "Federal Quokka Programme" in served.fetch("en/commitments/")[1]  # the listing follows
    edit(project / AR0090 / "facts.yaml", "status: active", "status: inactive")
    line = served.wait_for(r"\] (Edited page|Built \d+ pages)")
    assert "Built" in line and "Edited page" not in line, line  # a facts edit goes the normal way
    assert "Inactive" in soup(served.fetch("en/commitments/ar0090/")[1]).select_one(".status").get_text()
