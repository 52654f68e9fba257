"""Browsing the way OGP readers do (issue 15): the 2017 meeting's facts, members, action plans,
policy areas, linked stories and the glossary, in both languages, on the built sample site."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ogpsite.build import build
from ogpsite.content.load import load_content
from ogpsite.model.glossary import link_terms
from ogpsite.model.resolve import build_model, sort_key
from ogpsite.model.site import GlossaryTerm

from .conftest import parse_html, settings_for

LANGS = ("en", "es")


def _facts(soup: object) -> dict[str, str]:
    facts = soup.select_one("dl.facts")  # type: ignore[attr-defined]
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in facts.find_all("dt")}


def test_2017_regional_meeting_ran_two_days_at_the_centro_cultural_kirchner(sample_site: Path) -> None:
    expected = {
        "en": ("Date", "Nov 21\u2009–\u200922, 2017", "Venue", "Two days"),
        "es": ("Fecha", "21–22 de noviembre de 2017", "Sede", "Dos días"),
    }
    for lang, (date_label, dates, venue_label, length) in expected.items():
        soup = parse_html(sample_site / lang / "events" / "americas-regional-meeting-2017" / "index.html")
        facts = _facts(soup)
        assert facts[date_label].startswith(dates), facts[date_label]
        assert soup.select_one("dl.facts time")["datetime"] == "2017-11-21"
        assert facts[venue_label] == "Centro Cultural Kirchner"
        lead = soup.select_one(".lead").get_text()
        assert lead.startswith(length), lead
        assert "three days" not in soup.get_text().lower() and "tres días" not in soup.get_text().lower()


# --- members, action plans, policy areas --------------------------------------------------------


def _page(site: Path, url: str) -> BeautifulSoup:
    return parse_html(site / url / "index.html")


def _follow(site: Path, url: str, anchor: Tag) -> str:
    """The site URL (without index.html) an <a> on the page at `url` leads to."""
    path, _, fragment = anchor["href"].partition("#")
    target = (site / url / path).resolve()
    return target.relative_to(site.resolve()).as_posix() + "/" + (f"#{fragment}" if fragment else "")


def _link_named(soup: BeautifulSoup, text: str, scope: str = "main") -> Tag:
    found = [a for a in soup.select(f"{scope} a[href]") if a.get_text(" ", strip=True) == text]
    assert found, f"no link {text!r} in {scope}"
    return found[0]


WALK = {
    "en": ("Browse by member", "Argentina", "Argentina Action Plan 2019-2022", "Capacity Building"),
    "es": ("Explorar por miembro", "Argentina", "Plan de Acción de Argentina 2019-2022", "Fortalecimiento de capacidades"),
}


def test_reader_walks_from_home_to_members_plan_commitment_and_policy_area(sample_site: Path) -> None:
    for lang, (browse, member, plan, area) in WALK.items():
        url = f"{lang}/"
        url = _follow(sample_site, url, _link_named(_page(sample_site, url), browse))
        assert url == f"{lang}/members/"
        url = _follow(sample_site, url, _link_named(_page(sample_site, url), member))
        assert url == f"{lang}/members/argentina/"
        url = _follow(sample_site, url, _link_named(_page(sample_site, url), plan, "#member-plans + ul"))
        assert url == f"{lang}/action-plans/ar-2019/"
        url = _follow(
            sample_site,
            url,
            _link_named(
                _page(sample_site, url),
                "AR0090 " + ("Federal Program on Open Government" if lang == "en" else "Programa Federal de Gobierno Abierto"),
            ),
        )
        assert url == f"{lang}/commitments/ar0090/"
        glance = _page(sample_site, url).select_one(".at-a-glance")
        assert _follow(sample_site, url, _link_named(glance, member, ".facts")) == f"{lang}/members/argentina/"
        assert _follow(sample_site, url, _link_named(glance, plan, ".facts")) == f"{lang}/action-plans/ar-2019/"
        url = _follow(sample_site, url, _link_named(glance, area, ".facts"))
        assert url == f"{lang}/policy-areas/capacity-building/"
        listed = {a.select_one(".record-id").get_text() for a in _page(sample_site, url).select("#area-commitments + ul a")}
        assert "AR0090" in listed and len(listed) == 20, listed
        # and back through the language switcher, to the same page in the other language
        other = "es" if lang == "en" else "en"
        switch = _page(sample_site, url).select_one(f"nav.languages a[hreflang={other}]")
        assert _follow(sample_site, url, switch) == f"{other}/policy-areas/capacity-building/"


def test_member_page_shows_kind_plans_with_cycles_and_status_counts(sample_site: Path) -> None:
    soup = _page(sample_site, "en/members/argentina/")
    facts = _facts(soup)
    assert facts["Kind of member"] == "National"
    assert facts["Commitments"].replace(" ", "") == "94(Active:16·Inactive:78)"
    plans = [li.get_text(" ", strip=True) for li in soup.select("#member-plans + ul li")]
    assert plans[0].startswith("Argentina Action Plan 2019-2022 · Cycle 2019 · Period 2019–2022 · 16 commitments")
    assert [p.split(" · ")[1] for p in plans] == ["Cycle 2019", "Cycle 2017", "Cycle 2015", "Cycle 2013"]
    groups = [h.get_text(" ", strip=True) for h in soup.select("#member-commitments ~ h3")]
    assert groups == [
        "Argentina Action Plan 2019-2022 (16)",
        "Argentina Action Plan 2017 (44)",
        "Argentina Action Plan 2015 (15)",
        "Argentina Action Plan 2013 (19)",
    ]
    stories = [a.get_text(strip=True) for a in soup.select("#member-stories + ul a")]
    assert "When National and Local Work Together for Open Government" in stories
    events = [a.get_text(strip=True) for a in soup.select("#member-events + ul a")]
    assert "OGP Americas Regional Meeting, Argentina 2017" in events
    es = _facts(_page(sample_site, "es/members/argentina/"))
    assert es["Tipo de miembro"] == "Nacional"


def test_local_members_name_their_country_and_programme(sample_site: Path) -> None:
    index = _page(sample_site, "en/members/")
    local = [a.get_text(strip=True) for a in index.select("#local-members + ul a")]
    assert local == ["City of Buenos Aires", "Rosario", "Santo Domingo de los Tsáchilas"]
    national = [a.get_text(strip=True) for a in index.select("#national-members + ul a")]
    assert "Argentina" in national and "Rosario" not in national
    soup = _page(sample_site, "es/members/city-of-buenos-aires/")
    facts = _facts(soup)
    assert facts["Tipo de miembro"] == "Local"
    assert facts["País"] == "Argentina"
    assert facts["Programa"] == "Programa Piloto Subnacional de OGP"
    assert facts["Miembro desde"] == "2016"
    events = [a.get_text(strip=True) for a in soup.select("#member-events + ul a")]
    assert events == ["Primer Encuentro Regional de Entidades Subnacionales de OGP", "América Abierta 2022"]


def test_action_plan_page_counts_by_status_and_policy_area(sample_site: Path) -> None:
    soup = _page(sample_site, "en/action-plans/ar-2019/")
    facts = _facts(soup)
    assert facts["Member"] == "Argentina" and facts["Action plan cycle"] == "2019" and facts["Period"] == "2019–2022"
    assert facts["Commitments"].replace(" ", "") == "16(Active:16)"
    ids = [a.select_one(".record-id").get_text() for a in soup.select("#plan-commitments + ul a")]
    assert ids == [f"AR{n:04d}" for n in range(79, 95)]
    areas = dict(li.get_text(" ", strip=True).rsplit(" ", 1) for li in soup.select("#plan-areas + ul li"))
    assert areas["Access to Information"] == "(9)" and areas["Capacity Building"] == "(4)"


def test_every_member_plan_and_policy_area_has_a_page_in_both_languages(sample_site: Path) -> None:
    for lang in LANGS:
        assert len(list((sample_site / lang / "members").glob("*/index.html"))) == 10
        assert len(list((sample_site / lang / "action-plans").glob("*/index.html"))) == 4
        assert len(list((sample_site / lang / "policy-areas").glob("*/index.html"))) == 12
        areas = _page(sample_site, f"{lang}/policy-areas/")
        assert len(areas.select("main li a")) == 12


def test_new_pages_are_in_the_sitemap_with_alternates(sample_site: Path) -> None:
    sitemap = (sample_site / "sitemap.xml").read_text(encoding="utf-8")
    for url in ("members/", "members/rosario/", "action-plans/ar-2019/", "policy-areas/", "policy-areas/gender/"):
        for lang in LANGS:
            assert f"/{lang}/{url}</loc>" in sitemap, url
            assert f'hreflang="{lang}" href="https://ogp-americas.example.org/{lang}/{url}"' in sitemap


# --- stories carry the OGP site's metadata ----------------------------------------------------


def test_federal_program_story_shows_tags_region_credit_and_its_commitment(sample_site: Path) -> None:
    expected = {
        "en": ("Region", "Americas", "Tags", "Anti-Corruption", "Credit: Open Government Federal Program"),
        "es": ("Región", "Américas", "Etiquetas", "Anticorrupción", "Crédito: Programa Federal de Gobierno Abierto"),
    }
    for lang, (region_label, region, tags_label, tag, credit) in expected.items():
        url = f"{lang}/stories/national-and-local-together/"
        soup = _page(sample_site, url)
        facts = _facts(soup)
        assert facts[region_label] == region
        assert tag in facts[tags_label]
        assert soup.select_one(".credit").get_text(strip=True) == credit
        link = next(a for a in soup.select(".about a") if "AR0090" in a.get_text())
        assert _follow(sample_site, url, link) == f"{lang}/commitments/ar0090/"


def test_commitment_page_lists_the_stories_about_it(sample_site: Path) -> None:
    for lang, title in (("en", "When National and Local Work Together"), ("es", "Cuando lo nacional y lo local")):
        soup = _page(sample_site, f"{lang}/commitments/ar0090/")
        stories = [a.get_text(strip=True) for a in soup.select("#commitment-stories + ul a")]
        assert len(stories) == 1 and stories[0].startswith(title), stories
    assert not _page(sample_site, "en/commitments/ar0001/").select("#commitment-stories")


def test_story_counts_on_theme_pages_include_stories_about_their_commitments(sample_site: Path) -> None:
    # The Federal Program story does not list the SDG theme, but its commitment AR0090 is in it.
    soup = _page(sample_site, "en/themes/sdgs/")
    stories = [a.get_text(strip=True) for a in soup.select("#theme-stories + ul a")]
    assert "When National and Local Work Together for Open Government" in stories


# --- content mistakes in the new fields: path:line — hint -------------------------------------


def _problems(project: Path) -> list[str]:
    content = load_content(project / "content", project)
    _model, problems = build_model(content)
    return [problem.format() for problem in content.problems + problems if problem.is_error]


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(file: Path, text: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if text in line)


STORY = "content/stories/national-and-local-together/facts.yaml"


def test_sample_content_has_no_problems(project: Path) -> None:
    assert _problems(project) == []


def test_story_naming_a_commitment_that_does_not_exist(project: Path) -> None:
    _edit(project / STORY, "commitments: [AR0090]", "commitments: [AR0900]")
    line = _line(project / STORY, "commitments:")
    assert _problems(project) == [f"{STORY}:{line}: commitment 'AR0900' does not exist — did you mean 'AR0090'?"]


def test_story_commitment_that_is_not_an_id(project: Path) -> None:
    _edit(project / STORY, "commitments: [AR0090]", "commitments: [ar0090]")
    line = _line(project / STORY, "commitments:")
    assert _problems(project) == [
        f"{STORY}:{line}: 'ar0090' is not valid for 'commitments.0' — write IDs of the commitments the story is about, e.g. AR0090",
    ]


def test_story_region_that_is_not_allowed(project: Path) -> None:
    _edit(project / STORY, "region: americas", "region: america")
    line = _line(project / STORY, "region:")
    assert _problems(project) == [
        f"{STORY}:{line}: 'america' is not an allowed value for 'region' — use one of: africa-middle-east, americas, asia-pacific, europe"
    ]


def test_local_member_in_a_country_that_is_not_a_national_member(project: Path) -> None:
    members = project / "content" / "members.yaml"
    _edit(members, "  country: argentina\n  programme: ogp-local", "  country: argentine\n  programme: ogp-local")
    line = _line(members, "rosario:")
    assert _problems(project) == [
        f"content/members.yaml:{line}: country 'argentine' of member 'rosario' is not a national member — did you mean 'argentina'?"
    ]


def test_national_member_without_a_code(project: Path) -> None:
    members = project / "content" / "members.yaml"
    _edit(members, "  kind: national\n  code: BR\n", "  kind: national\n")
    line = _line(members, "brazil:")
    problems = _problems(project)
    assert problems[0].startswith(f"content/members.yaml:{line}: a national member needs its two-letter 'code'"), problems


def test_action_plan_ending_before_its_cycle(project: Path) -> None:
    plans = project / "content" / "action_plans.yaml"
    _edit(plans, "  end: 2022", "  end: 2012")
    line = _line(plans, "end: 2012")
    assert _problems(project)[0].startswith(f"content/action_plans.yaml:{line}: end (2012) is before the cycle year (2019)")


def test_commitment_in_a_plan_of_another_member(project: Path) -> None:
    plans = project / "content" / "action_plans.yaml"
    plans.write_text(
        plans.read_text(encoding="utf-8") + "mx-2019:\n  member: mexico\n  cycle: 2019\n  title: {en: Mexico 2019, es: México 2019}\n",
        encoding="utf-8",
    )
    facts = project / "content" / "commitments" / "ar0090" / "facts.yaml"
    _edit(facts, "action_plan: ar-2019", "action_plan: mx-2019")
    line = _line(facts, "action_plan:")
    assert _problems(project) == [
        f"content/commitments/ar0090/facts.yaml:{line}: action plan 'mx-2019' belongs to member 'mexico', not to 'argentina'"
        " — use one of argentina's plans: ar-2019, ar-2017, ar-2015, ar-2013"
    ]


def test_story_about_a_member_that_does_not_exist(project: Path) -> None:
    story = project / "content" / "stories" / "from-regional-to-local-2022" / "facts.yaml"
    _edit(story, "members: [rosario,", "members: [rosaria,")
    line = _line(story, "members:")
    assert _problems(project) == [
        f"content/stories/from-regional-to-local-2022/facts.yaml:{line}: member 'rosaria' does not exist — did you mean 'rosario'?"
    ]


# --- the glossary -------------------------------------------------------------------------------


def _terms(*pairs: tuple[str, tuple[str, ...]]) -> list[GlossaryTerm]:
    return [GlossaryTerm(slug, words) for slug, words in pairs]


SDG = ("sustainable-development-goals", ("Sustainable Development Goals", "SDGs"))
OPEN_DATA = ("open-data", ("open data",))


def test_link_terms_links_the_first_use_of_each_term_once_per_page() -> None:
    seen: list[str] = []
    html = link_terms("<p>Open data and the SDGs. More open data, and SDGs again.</p>", _terms(SDG, OPEN_DATA), seen)
    assert html == (
        '<p><a class="glossary-term" href="#term-open-data">Open data</a> and the '
        '<a class="glossary-term" href="#term-sustainable-development-goals">SDGs</a>. More open data, and SDGs again.</p>'
    )
    assert seen == ["open-data", "sustainable-development-goals"]
    # the next text of the same page does not link them again
    assert link_terms("<p>open data</p>", _terms(SDG, OPEN_DATA), seen) == "<p>open data</p>"


def test_link_terms_leaves_links_headings_code_and_parts_of_words_alone() -> None:
    seen: list[str] = []
    html = '<h2>Open data</h2><p><a href="x" title="a > b">open data</a> <code>open data</code> reopen datasets, open-data, open\ndata</p>'
    out = link_terms(html, _terms(OPEN_DATA), seen)
    assert out == (
        '<h2>Open data</h2><p><a href="x" title="a > b">open data</a> <code>open data</code> '
        'reopen datasets, open-data, <a class="glossary-term" href="#term-open-data">open\ndata</a></p>'
    )


def test_link_terms_prefers_the_longest_word_and_keeps_symbols() -> None:
    terms = _terms(("justice", ("justice", "everyday justice")), ("lgbtqia", ("LGBTQIA+",)))
    seen: list[str] = []
    out = link_terms("<p>Everyday justice for the LGBTQIA+ community.</p>", terms, seen)
    assert '<a class="glossary-term" href="#term-justice">Everyday justice</a>' in out
    assert '<a class="glossary-term" href="#term-lgbtqia">LGBTQIA+</a>' in out


def test_glossary_page_lists_terms_alphabetically_with_anchors(sample_site: Path) -> None:
    for lang, first, sdg in (
        ("en", "action plan", "Sustainable Development Goals"),
        ("es", "co-creación", "Objetivos de Desarrollo Sostenible"),
    ):
        soup = _page(sample_site, f"{lang}/glossary/")
        terms = [dt.get_text(strip=True) for dt in soup.select("dl.glossary > dt")]
        assert len(terms) == 9 and terms[0] == first
        assert terms == sorted(terms, key=sort_key)
        assert soup.select_one("dt#sustainable-development-goals").get_text(strip=True) == sdg
        aliases = soup.select_one("dt#sustainable-development-goals").find_next_sibling("dd").get_text(" ", strip=True)
        assert ("SDGs" if lang == "en" else "ODS") in aliases
        for anchor in soup.select("nav.toc a"):
            assert soup.select_one(anchor["href"]) is not None


def test_commitment_text_links_its_terms_to_a_note_readable_without_javascript(sample_site: Path) -> None:
    for lang, word in (("en", "Sustainable Development Goals"), ("es", "Objetivos de Desarrollo Sostenible")):
        url = f"{lang}/commitments/ar0090/"
        soup = _page(sample_site, url)
        links = {" ".join(a.get_text().split()): a["href"] for a in soup.select(".description a.glossary-term, .body a.glossary-term")}
        assert links[word] == "#term-sustainable-development-goals"
        hrefs = list(links.values())
        assert len(hrefs) == len(set(hrefs)), "each term is linked once per page"
        for href in hrefs:  # every link lands on a note on the same page, holding the definition
            note = soup.select_one(href)
            assert note is not None and note.name == "dt"
            assert note.find_next_sibling("dd").get_text(strip=True)
            glossary = note.select_one("a")
            assert _follow(sample_site, url, glossary) == f"{lang}/glossary/#{href.removeprefix('#term-')}"
        assert not soup.select("h1 a.glossary-term, h2 a.glossary-term, h3 a.glossary-term, a a.glossary-term")


def test_editor_turns_glossary_links_off_for_one_text(project: Path, tmp_path: Path) -> None:
    text = project / "content" / "commitments" / "ar0090" / "en.md"
    _edit(text, "title: Federal Program on Open Government\n", "title: Federal Program on Open Government\nglossary_links: false\n")
    out = tmp_path / "site"
    build(settings_for(project, out))
    assert not _page(out, "en/commitments/ar0090/").select("a.glossary-term, .glossary-notes")
    assert _page(out, "es/commitments/ar0090/").select("a.glossary-term")  # the Spanish text keeps its links


def test_glossary_see_also_that_does_not_exist(project: Path) -> None:
    facts = project / "content" / "glossary" / "inclusion" / "facts.yaml"
    facts.write_text("see_also: [lgbtqi]\n", encoding="utf-8")
    assert _problems(project) == [
        "content/glossary/inclusion/facts.yaml:1: glossary term 'lgbtqi' does not exist — did you mean 'lgbtqia'?"
    ]


def test_glossary_alias_that_is_not_text(project: Path) -> None:
    text = project / "content" / "glossary" / "open-data" / "en.md"
    _edit(text, "title: open data\n", "title: open data\naliases: [[open datasets]]\n")
    assert _problems(project) == [
        "content/glossary/open-data/en.md:3: 'aliases.0' must be text, not list"
        " — write a single line of text (quote it if it looks like a number or date)"
    ]
