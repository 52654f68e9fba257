"""The built sample site honours the URL contract and shows what readers need, in both languages."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import ROOT, parse_html

LANGS = ("en", "es")
SECTIONS = ("commitments", "themes", "events", "stories")


def test_url_contract_pages_exist(sample_site: Path) -> None:
    assert (sample_site / "index.html").is_file()
    assert (sample_site / "404.html").is_file()
    for lang in LANGS:
        assert (sample_site / lang / "index.html").is_file()
        for section in SECTIONS:
            assert (sample_site / lang / section / "index.html").is_file()
        commitments = [p for p in (sample_site / lang / "commitments").iterdir() if p.is_dir()]
        themes = [p for p in (sample_site / lang / "themes").iterdir() if p.is_dir()]
        assert len(commitments) == 94
        assert len(themes) == 7
        assert {p.name for p in commitments} == {f"ar{n:04d}" for n in range(1, 95)}


def test_every_page_declares_its_language(sample_site: Path) -> None:
    for lang in LANGS:
        for page in (sample_site / lang).rglob("index.html"):
            assert parse_html(page).html["lang"] == lang, page


def _glance(sample_site: Path, lang: str) -> dict[str, str]:
    soup = parse_html(sample_site / lang / "commitments" / "ar0090" / "index.html")
    facts = soup.select_one(".at-a-glance dl")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in facts.find_all("dt")}


def test_ar0090_at_a_glance_in_english(sample_site: Path) -> None:
    soup = parse_html(sample_site / "en" / "commitments" / "ar0090" / "index.html")
    assert soup.h1.get_text(strip=True) == "Federal Program on Open Government"
    glance = _glance(sample_site, "en")
    assert glance["ID"] == "AR0090"
    assert glance["Member"] == "Argentina"
    assert glance["Action plan"] == "Argentina Action Plan 2019-2022"
    assert glance["Action plan cycle"] == "2019"
    assert glance["Status"] == "Active"
    for area in ("Capacity Building", "Public Participation", "Subnational", "Sustainable Development Goals"):
        assert area in glance["Policy areas"]
    institutions = soup.select_one(".institutions").get_text(" ", strip=True)
    assert "Direction of Open Government" in institutions
    assert "Salta Transparente" in institutions
    headings = [h.get_text(strip=True) for h in soup.select(".description h3")]
    assert headings == [
        "What is the public problem that the commitment will address?",
        "What is the commitment?",
        "How will the commitment contribute to solving the public problem?",
        "Why is this commitment relevant to OGP values?",
        "Additional information",
    ]


def test_ar0090_at_a_glance_in_spanish(sample_site: Path) -> None:
    soup = parse_html(sample_site / "es" / "commitments" / "ar0090" / "index.html")
    assert soup.h1.get_text(strip=True) == "Programa Federal de Gobierno Abierto"
    glance = _glance(sample_site, "es")
    assert glance["Miembro"] == "Argentina"
    assert glance["Plan de acción"] == "Plan de Acción de Argentina 2019-2022"
    assert glance["Estado"] == "Activo"
    assert "Fortalecimiento de capacidades" in glance["Áreas de política"]
    assert soup.select_one(".description h3").get_text(strip=True) == "¿Qué problema público aborda el compromiso?"
    assert not soup.select(".notice"), "a translated page shows no fallback notice"


def test_switcher_and_hreflang_point_at_the_counterpart(sample_site: Path) -> None:
    page = sample_site / "en" / "commitments" / "ar0090" / "index.html"
    soup = parse_html(page)
    switch = soup.select_one("nav.languages a[hreflang=es]")
    target = (page.parent / switch["href"]).resolve() / "index.html"
    assert target == (sample_site / "es" / "commitments" / "ar0090" / "index.html").resolve()
    alternates = {link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")}
    assert alternates["es"].endswith("/es/commitments/ar0090/")
    assert alternates["en"].endswith("/en/commitments/ar0090/")
    assert "x-default" in alternates


def test_theme_pages_list_exactly_their_commitments(sample_site: Path) -> None:
    expected: dict[str, set[str]] = {}
    for facts_file in (ROOT / "content" / "commitments").glob("*/facts.yaml"):
        facts = yaml.safe_load(facts_file.read_text(encoding="utf-8"))
        for theme in facts["themes"]:
            expected.setdefault(theme, set()).add(facts["id"])
    assert len(expected) == 7
    for lang in LANGS:
        for theme, ids in expected.items():
            soup = parse_html(sample_site / lang / "themes" / theme / "index.html")
            listed = {a.select_one(".record-id").get_text() for a in soup.select("#theme-commitments + ul a")}
            assert listed == ids, (lang, theme)


def test_spanish_dates_are_formatted_by_locale(sample_site: Path) -> None:
    soup = parse_html(sample_site / "es" / "events" / "open-americas-2022" / "index.html")
    assert "26–29 de septiembre de 2022" in soup.select_one("dl.facts").get_text()
    story = parse_html(sample_site / "es" / "stories" / "national-and-local-together" / "index.html")
    assert "16 de febrero de 2022" in story.select_one(".byline").get_text()


def test_events_index_splits_upcoming_and_past(sample_site: Path) -> None:
    soup = parse_html(sample_site / "en" / "events" / "index.html")
    past = [a.get_text(strip=True) for a in soup.select("#past + ul a")]
    assert len(past) == 3  # every sample event is before the fixed build date
    assert past[0] == "Open Americas 2022"  # most recent first


def test_home_shows_latest_stories_and_last_event(sample_site: Path) -> None:
    soup = parse_html(sample_site / "es" / "index.html")
    stories = soup.select("#latest-stories + ul li")
    assert 1 <= len(stories) <= 3
    events = soup.select_one("#home-events").find_parent("section").get_text()
    assert "América Abierta 2022" in events


def test_pages_are_semantic_with_one_h1_and_skip_link(sample_site: Path) -> None:
    for page in [sample_site / "en" / "index.html", sample_site / "es" / "commitments" / "ar0090" / "index.html"]:
        soup = parse_html(page)
        assert len(soup.find_all("h1")) == 1
        assert soup.find("header") and soup.find("main", id="main") and soup.find("footer") and soup.find("nav")
        assert soup.select_one("a.skip-link")["href"] == "#main"


def test_root_lets_the_reader_choose_a_language_without_javascript(sample_site: Path) -> None:
    soup = parse_html(sample_site / "index.html")
    links = {a["hreflang"]: a["href"] for a in soup.select(".language-choice a")}
    assert links == {"en": "en/", "es": "es/"}
    assert not soup.find("script")


def test_no_external_resources(sample_site: Path) -> None:
    for page in sample_site.rglob("*.html"):
        soup = parse_html(page)
        for tag in soup.select("link[rel=stylesheet], script[src], img[src]"):
            ref = tag.get("href") or tag.get("src")
            assert not ref.startswith(("http:", "https:", "//")), (page, ref)


def test_sub_path_build_keeps_links_inside_the_base(project: Path) -> None:
    from .conftest import build_args, run_cli

    result = run_cli(*build_args("--base-url", "https://example.org/ogp/"), cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    soup = parse_html(site / "es" / "themes" / "open-state" / "index.html")
    assert soup.select_one("link[rel=canonical]")["href"] == "https://example.org/ogp/es/themes/open-state/"
    for a in soup.select("a[href]"):
        href = a["href"]
        assert not href.startswith("/"), href  # relative: the same files work under any sub-path
        if href.startswith("#") or href.startswith(("http:", "https:", "mailto:")):
            continue
        target = (site / "es" / "themes" / "open-state" / href.split("#")[0]).resolve()
        assert target.is_relative_to(site.resolve()), href
        assert (target / "index.html").exists() or target.is_file(), href
    not_found = parse_html(site / "404.html")
    assert {a["href"] for a in not_found.select("a")} >= {"/ogp/en/", "/ogp/es/"}
