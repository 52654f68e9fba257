"""Browsing the way OGP readers do (issue 15): the 2017 meeting's facts, members, action plans,
policy areas, linked stories and the glossary, in both languages, on the built sample site."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ogpsite.content.load import load_content
from ogpsite.model.resolve import build_model

from .conftest import parse_html

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
    target = (site / url / anchor["href"]).resolve()
    return target.relative_to(site.resolve()).as_posix() + "/"


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
