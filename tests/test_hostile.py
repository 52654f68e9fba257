"""Hostile content cannot reach readers. Titles, summaries, bodies, names of institutions, members,
policy areas and plans, the site's own title, event cities and story authors carry `<script>`,
`<img onerror>`, `javascript:` and `data:` URLs, `</script>` inside strings that end up in JSON,
template syntax, line-break tricks and raw HTML in Markdown. The site must build (it is all valid
content), and every page type, feed, calendar, data file and search document must hold it as
inert text, or not at all. Chromium proves it twice: with the Content-Security-Policy bypassed (so
escaping and sanitising alone must hold) and enforced; no dialog opens and no injected element
survives, also in the search results that search.js builds from the document store.

The last tests prove the CSP meta tag is on every page, forbids inline script and style, and that
the sample site works under it with no violation.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree

from .conftest import ROOT, build_args, parse_html, run_cli, serve_directory

TITLE = (
    'Federal <script>alert("title")</script> "><img src=x onerror=alert("title-img")> '
    "</script><script>alert('title-json')</script> {{ 7*7 }} ]]> <!-- --> javascript:alert(1) \u2028 end"
)
SUMMARY = "Summary '><svg onload=alert(\"summary\")> &lt;script&gt;alert('double')&lt;/script&gt; </title><script>alert(2)</script>"
BODY = """Ordinary **Markdown** still works. Raw HTML in Markdown, all of it hostile:

<script>alert('body-script')</script>
<img src=x onerror="alert('body-img')">
<svg><script>alert('body-svg')</script></svg>
<a href="javascript:alert('body-a')">plain javascript</a>
<a href="JaVaScRiPt:alert('body-case')">mixed case</a>
<a href="&#106;avascript:alert('body-entity')">entity</a>
<a href="java&#x09;script:alert('body-tab')">tab</a>

[a Markdown link](javascript:alert('body-md'))
[a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
![an image](javascript:alert('body-md-img'))

<iframe src="data:text/html,<script>alert('body-iframe')</script>"></iframe>
<object data="javascript:alert('body-object')"></object>
<embed src="javascript:alert('body-embed')">
<details open ontoggle="alert('body-toggle')"><summary>x</summary>y</details>
<math><mtext><table><mglyph><style><img src=x onerror="alert('body-mxss')">
<noscript><p title="</noscript><img src=x onerror=alert('body-noscript')>">
<form action="javascript:alert('body-form')"><button formaction="javascript:alert('body-button')">go</button></form>
<meta http-equiv="refresh" content="0;url=javascript:alert('body-refresh')">
<base href="javascript:alert('body-base')//">
<style>body { display: none }</style>
<div style="background:url(javascript:alert('body-style'))">styled</div>
<h2 id="main">a heading that reuses the page's id</h2>
"""
NAME = 'Dirección <img src=x onerror=alert("name")> "><script>alert("name2")</script>'
NEWLINE_TRICK = "Meeting\nDTSTART:19700101T000000Z\nLOCATION:evil\r\nBEGIN:VALARM"

AR0090 = "content/commitments/ar0090"
THEME = "content/themes/open-state"
EVENT = "content/events/open-americas-2022"
STORY = "content/stories/from-regional-to-local-2022"

PAGES = [
    "",
    "404.html",
    "en/",
    "es/",
    "en/commitments/",
    "en/commitments/ar0090/",
    "es/commitments/ar0090/",
    "en/themes/",
    "en/themes/open-state/",
    "es/themes/open-state/",
    "en/events/",
    "en/events/open-americas-2022/",
    "en/stories/",
    "en/stories/from-regional-to-local-2022/",
    "en/search/",
    "es/search/",
]


# --- the hostile site -----------------------------------------------------------------------------


def update_yaml(file: Path, change: Any) -> None:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    change(data)
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def update_text(file: Path, body: str | None = None, **fields: str) -> None:
    _, front, old_body = file.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(front)
    data.update(fields)
    data.pop("translates", None)
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    file.write_text(f"---\n{front}---\n{old_body if body is None else body}", encoding="utf-8")


def make_hostile(content: Path) -> None:
    def site(data: dict[str, Any]) -> None:
        data["title"] = {"en": 'Open <script>alert("site")</script> Gov', "es": 'Gobierno </title><script>alert("sitio")</script>'}
        data["tagline"] = {"en": SUMMARY, "es": SUMMARY}

    update_yaml(content / "site.yaml", site)
    update_yaml(content / "members.yaml", lambda d: d["argentina"]["name"].update(en='Argentina <svg onload=alert("member")>'))
    update_yaml(content / "institutions.yaml", lambda d: d["direction-of-open-government"]["name"].update(en=NAME, es=NAME))
    update_yaml(content / "policy_areas.yaml", lambda d: d["capacity-building"].update(en='Capacity <img src=x onerror=alert("area")>'))
    update_yaml(content / "action_plans.yaml", lambda d: d["ar-2019"]["title"].update(en='Plan "><script>alert("plan")</script>'))
    for lang in ("en", "es"):
        update_text(content.parent / AR0090 / f"{lang}.md", title=TITLE, summary=SUMMARY, problem=BODY)
    update_text(content.parent / THEME / "en.md", BODY, title=TITLE, summary=SUMMARY)
    update_text(content.parent / EVENT / "en.md", BODY, title=TITLE, summary=NEWLINE_TRICK + " " + SUMMARY, venue=NAME)
    update_yaml(content.parent / EVENT / "facts.yaml", lambda d: d.update(city='Santo <script>alert("city")</script> Domingo'))
    update_text(content.parent / STORY / "en.md", BODY, title=TITLE, summary=SUMMARY, author_role=NAME)
    update_yaml(content.parent / STORY / "facts.yaml", lambda d: d.update(author='<img src=x onerror=alert("author")>'))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "content", project / "content")
    make_hostile(project / "content")
    result = run_cli(*build_args("--no-cache"), cwd=project)
    assert result.returncode == 0, result.stderr  # hostile is not invalid: it builds
    return project / "site"


@pytest.fixture(scope="module")
def hostile_url(hostile_site: Path) -> Iterator[str]:
    with serve_directory(hostile_site) as url:
        yield url


# --- what an HTML document may hold ---------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "poster", "background", "xlink:href", "cite"}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math"}
OUR_FORMS = ("search-form", "search-page-form", "filter-controls")


def dangerous_url(value: str) -> bool:
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("javascript:", "data:", "vbscript:"))


def unsafe_markup(soup: BeautifulSoup) -> list[str]:
    """Everything in a parsed document that could run code or restyle the page, except ours."""
    found = []
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if attr.lower().startswith("on"):
                found.append(f"<{tag.name} {attr}>")
            if attr.lower() == "style":
                found.append(f"<{tag.name} style>")
            if attr.lower() in URL_ATTRIBUTES and dangerous_url(value):
                found.append(f"<{tag.name} {attr}={value[:40]!r}>")
        if tag.name in FORBIDDEN_ELEMENTS:
            found.append(f"<{tag.name}>")
        if tag.name == "meta" and tag.get("http-equiv", "").lower() == "refresh":
            found.append("<meta refresh>")
        if tag.name == "form" and not any(c in (tag.get("class") or []) for c in OUR_FORMS):
            found.append("<form> from content")
        if tag.name == "script" and not tag.get("src") and tag.get("type") != "application/ld+json":
            found.append("inline <script>")
        if tag.name == "script" and tag.get("src") and "/assets/" not in "/" + tag["src"].split("?")[0].lstrip("./"):
            found.append(f"<script src={tag['src']!r}>")
    return found


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- static checks over every file ----------------------------------------------------------------


def test_no_page_holds_injected_markup(hostile_site: Path) -> None:
    problems = {}
    for page in html_pages(hostile_site):
        raw = page.read_text(encoding="utf-8")
        found = unsafe_markup(BeautifulSoup(raw, "html5lib"))
        # and in the bytes themselves: no payload survives unescaped anywhere in the document
        found += [needle for needle in ("<script>alert", "<img src=x onerror", "<svg onload", "</script><script>") if needle in raw]
        if found:
            problems[page.relative_to(hostile_site).as_posix()] = found
    assert len(html_pages(hostile_site)) > 200
    assert problems == {}


def test_hostile_text_is_shown_as_text(hostile_site: Path) -> None:
    """Escaped once, not stripped, not doubled: a reader sees exactly what the editor wrote."""
    for url in ("en/commitments/ar0090/", "es/commitments/ar0090/", "en/themes/open-state/", "en/stories/from-regional-to-local-2022/"):
        soup = parse_html(hostile_site / url / "index.html")
        assert soup.h1.get_text(strip=True).endswith(TITLE.strip()), url  # a commitment's h1 starts with its ID
        assert "{{ 7*7 }}" in soup.h1.get_text() and "49" not in soup.h1.get_text()  # content is data, not a template
    commitment = parse_html(hostile_site / "en/commitments/ar0090/index.html")
    assert NAME in commitment.get_text()  # the institution's name, as text
    assert SUMMARY in commitment.get_text() or SUMMARY in commitment.find("meta", attrs={"name": "description"})["content"]
    assert commitment.find("strong", string="Markdown") is not None  # the Markdown around the attack still renders


def strings_in(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings_in(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings_in(value)]
    return [data] if isinstance(data, str) else []


def test_json_ld_is_inert_and_intact(hostile_site: Path) -> None:
    """`</script>` in a string inside <script type=application/ld+json> must not end the block."""
    checked = 0
    for page in html_pages(hostile_site):
        raw = page.read_text(encoding="utf-8")
        for script in BeautifulSoup(raw, "html5lib").find_all("script", type="application/ld+json"):
            data = json.loads(script.string)  # the block is whole: it parses
            checked += 1
            assert "</script" not in script.string.lower() and "<!--" not in script.string
            if page.relative_to(hostile_site).as_posix() == "en/stories/from-regional-to-local-2022/index.html":
                assert TITLE in strings_in(data)  # the event the story is about, by its hostile name
    assert checked > 100


def test_feeds_are_well_formed_and_their_html_is_clean(hostile_site: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feeds = sorted(hostile_site.rglob("*.xml"))
    assert any(f.name == "feed.xml" for f in feeds)
    titles = []
    for feed in feeds:
        tree = etree.parse(str(feed), etree.XMLParser(resolve_entities=False, no_network=True))  # well-formed
        for title in tree.iter(f"{atom}title"):
            titles.append(title.text or "")
        for content in (*tree.iter(f"{atom}content"), *tree.iter(f"{atom}summary")):
            if content.get("type") == "html" and content.text:
                assert unsafe_markup(BeautifulSoup(content.text, "html5lib")) == [], feed
            if content.get("type") == "xhtml":
                assert unsafe_markup(BeautifulSoup(etree.tostring(content, encoding="unicode"), "html5lib")) == [], feed
    assert any(TITLE in title for title in titles)  # the story's title, as text


def test_calendars_keep_one_event_per_event(hostile_site: Path) -> None:
    """A summary with line breaks cannot add properties to an iCalendar event (titles are one line)."""
    from icalendar import Calendar

    calendar = Calendar.from_ical((hostile_site / "en/events/open-americas-2022/open-americas-2022.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == TITLE
    assert str(events[0]["DESCRIPTION"]).startswith("Meeting\nDTSTART:19700101T000000Z\nLOCATION:evil")
    assert events[0].decoded("DTSTART").isoformat().startswith("2022-09-26")
    assert not calendar.walk("VALARM")


def test_data_files_keep_one_row_per_record(hostile_site: Path) -> None:
    for table in sorted((hostile_site / "data").glob("*.csv")):
        rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8"), newline="")))
        assert len({len(row) for row in rows}) == 1, table  # quotes and line breaks stayed inside their cells
        name = table.stem
        assert len(rows) - 1 == len(json.loads((hostile_site / f"data/{name}.json").read_text(encoding="utf-8"))), table
    events = json.loads((hostile_site / "data/events.json").read_text(encoding="utf-8"))
    assert any('Santo <script>alert("city")</script> Domingo' == e.get("city") for e in events)


def test_search_documents_hold_the_text_as_data(hostile_site: Path) -> None:
    entries = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((hostile_site / "en/search-texts").rglob("*.json"))]
    titles = [entry.get("t", "") for entry in entries]
    assert any(TITLE.split(" \u2028")[0] in title for title in titles), titles[:3]


# --- Chromium -------------------------------------------------------------------------------------

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
INJECTED = (
    "script:not([src]):not([type='application/ld+json']), iframe, object, embed, base, svg, math, style, "
    "[onerror], [onload], [onclick], [ontoggle], [onmouseover], [style], meta[http-equiv=refresh]"
)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(bypass_csp: bool) -> Any:
        context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True)
        context.add_init_script(WATCH)
        contexts.append(context)
        tab = context.new_page()
        tab.dialogs = []  # type: ignore[attr-defined]

        def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()

        tab.on("dialog", on_dialog)
        return tab

    yield opener
    for context in contexts:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("csp", ["bypassed", "enforced"])
def test_no_injected_script_runs_on_any_page_type(open_page: Any, hostile_url: str, csp: str) -> None:
    tab = open_page(bypass_csp=csp == "bypassed")
    for url in PAGES:
        tab.goto(hostile_url + url, wait_until="networkidle")
        tab.wait_for_timeout(150)  # an onerror handler would have fired by now
        assert tab.dialogs == [], url
        assert tab.eval_on_selector_all(INJECTED, "nodes => nodes.map(n => n.outerHTML.slice(0, 80))") == [], url
        assert tab.evaluate("window.__violations") == [], url  # nothing injected was even attempted
    # a javascript: link that survived would run on click: every link on the richest page is safe
    tab.goto(hostile_url + "en/commitments/ar0090/", wait_until="networkidle")
    hrefs = tab.eval_on_selector_all("a[href]", "links => links.map(a => a.protocol)")
    assert set(hrefs) <= {"http:", "https:", "mailto:"}


@pytest.mark.browser
@pytest.mark.parametrize("csp", ["bypassed", "enforced"])
def test_search_results_show_hostile_titles_as_text(open_page: Any, hostile_url: str, csp: str) -> None:
    tab = open_page(bypass_csp=csp == "bypassed")
    for lang in ("en", "es"):
        tab.goto(hostile_url + f"{lang}/search/", wait_until="networkidle")
        tab.fill("#search-page-input", "federal")
        tab.wait_for_selector(".search-results li", timeout=15_000)
        titles = tab.eval_on_selector_all(".search-result-title a", "links => links.map(a => a.textContent)")
        assert any('<script>alert("title")</script>' in title for title in titles), titles[:3]
        tab.fill("#search-page-input", "alert script onerror")
        tab.wait_for_timeout(300)
        assert tab.dialogs == []
        assert tab.eval_on_selector_all(INJECTED, "nodes => nodes.length") == 0
        assert tab.evaluate("window.__violations") == []


# --- the Content-Security-Policy ------------------------------------------------------------------


def csp_of(soup: BeautifulSoup) -> list[str]:
    return [m["content"] for m in soup.find_all("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})]


def test_every_page_carries_a_strict_csp_before_anything_it_governs(sample_site: Path) -> None:
    pages = html_pages(sample_site)
    assert len(pages) > 200
    for page in pages:
        soup = parse_html(page)
        policies = csp_of(soup)
        assert len(policies) == 1, page
        directives = {d.split()[0]: d.split()[1:] for d in policies[0].split(";") if d.strip()}
        assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"], page
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"], page
        assert "'unsafe-inline'" not in policies[0] and "'unsafe-eval'" not in policies[0]
        head = [tag.name for tag in soup.head.find_all(True, recursive=False)]
        meta_at = next(i for i, tag in enumerate(soup.head.find_all(True, recursive=False)) if tag.get("http-equiv"))
        assert not {"script", "link", "style"} & set(head[:meta_at]), page  # it precedes what it governs


@pytest.mark.browser
def test_pages_work_under_the_csp_with_no_violation(page: Any, sample_url: str) -> None:
    page.add_init_script(WATCH)
    for url in PAGES:
        page.goto(sample_url + url, wait_until="networkidle")
        assert page.evaluate("window.__violations") == [], url
        assert page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 0)"), url  # site.css applied
    # the policy is in force (else "no violation" proves nothing): an inline script is refused
    page.goto(sample_url + "en/", wait_until="networkidle")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.head.append(s); }")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__inline") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
    page.console_errors.clear()  # that refusal is logged on purpose
    # and the pages still work: search finds AR0090, the language switcher lands on its twin
    page.goto(sample_url + "en/search/?q=AR0090", wait_until="networkidle")
    page.wait_for_selector(".search-results li", timeout=15_000)
    assert "AR0090" in page.locator(".search-results").inner_text()
    page.goto(sample_url + "en/commitments/ar0090/")
    page.click("nav.languages a[hreflang=es]")
    page.wait_for_url("**/es/commitments/ar0090/")
    assert page.evaluate("window.__violations") == []
    assert page.console_errors == []
