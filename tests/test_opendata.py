"""Open data under /data/: CSV and JSON read back and compared with content/, with each other, and
the Frictionless datapackage.json validated by frictionless itself."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from ogpsite.build import build

from .conftest import ROOT, parse_html, settings_for
from .test_feeds import BASE, LANGS, content_records

SECTIONS = ("commitments", "themes", "events", "stories")
FACTS_AS_TEXT = {
    "commitments": ("id", "member", "action_plan", "status"),
    "themes": ("order",),
    "events": ("start", "end", "city", "country", "kind"),
    "stories": ("date", "updated", "content_type", "author", "country", "event", "source", "stage", "region"),
}
LIST_FACTS = {
    "commitments": ("policy_areas", "themes", "lead_institutions", "support_institutions"),
    "themes": (),
    "events": ("members", "themes", "organisers"),
    "stories": ("members", "themes", "government_levels", "commitments"),
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def as_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@pytest.mark.parametrize("section", SECTIONS)
def test_csv_agrees_with_the_content(sample_site: Path, section: str) -> None:
    rows = {row["slug"]: row for row in read_csv(sample_site / "data" / f"{section}.csv")}
    records = content_records(section)
    assert set(rows) == set(records)
    for slug, (facts, texts) in records.items():
        row = rows[slug]
        for name in FACTS_AS_TEXT[section]:
            assert row[name] == as_text(facts.get(name)), (slug, name)
        for name in LIST_FACTS[section]:
            assert row[name] == ";".join(facts.get(name, [])), (slug, name)
        for lang in LANGS:
            assert row[f"title_{lang}"] == texts[lang]["title"]
            assert row[f"summary_{lang}"] == texts[lang].get("summary", "")
            assert row[f"url_{lang}"] == f"{BASE}{lang}/{section}/{slug}/"
        assert row["translation_status_es"] == "complete"


def test_commitment_text_sections_are_columns_per_language(sample_site: Path) -> None:
    row = next(r for r in read_csv(sample_site / "data" / "commitments.csv") if r["id"] == "AR0090")
    assert row["action_plan_cycle"] == "2019"
    assert "Open State" in row["problem_en"] and "Estado Abierto" in row["problem_es"]
    assert row["commitment_en"].startswith("<p>Design, with the participation")


@pytest.mark.parametrize("section", SECTIONS)
def test_json_agrees_with_csv(sample_site: Path, section: str) -> None:
    rows = read_csv(sample_site / "data" / f"{section}.csv")
    objects = json.loads((sample_site / "data" / f"{section}.json").read_text(encoding="utf-8"))
    assert [o["slug"] for o in objects] == [r["slug"] for r in rows]
    for obj, row in zip(objects, rows, strict=True):
        for key, value in obj.items():
            if isinstance(value, dict):  # translated: one column per language
                for lang, text in value.items():
                    assert row[f"{key}_{lang}"] == text, (obj["slug"], key, lang)
            elif isinstance(value, list):
                assert row[key] == ";".join(value), (obj["slug"], key)
            else:
                assert row[key] == ("" if value is None else str(value)), (obj["slug"], key)
        # Each record is also published alone, identical to its entry in the collection.
        alone = json.loads((sample_site / "data" / section / f"{obj['slug']}.json").read_text(encoding="utf-8"))
        assert alone == obj


def test_story_metadata_is_in_the_open_data(sample_site: Path) -> None:
    row = next(r for r in read_csv(sample_site / "data" / "stories.csv") if r["slug"] == "national-and-local-together")
    assert row["region"] == "americas" and row["commitments"] == "AR0090"
    assert row["tags_en"] == "Anti-Corruption;Open Parliaments;Participatory Decision-Making"
    assert row["tags_es"].startswith("Anticorrupción;")
    assert row["credit_en"] == "Open Government Federal Program"
    plans = {r["slug"]: r for r in read_csv(sample_site / "data" / "action_plans.csv")}
    assert (plans["ar-2019"]["cycle"], plans["ar-2019"]["end"]) == ("2019", "2022")
    package = json.loads((sample_site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    members = next(r for r in package["resources"] if r["name"] == "members")
    kind = next(f for f in members["schema"]["fields"] if f["name"] == "kind")
    assert kind["constraints"] == {"enum": ["national", "local"]}


def test_glossary_is_in_the_open_data(sample_site: Path) -> None:
    rows = {r["slug"]: r for r in read_csv(sample_site / "data" / "glossary.csv")}
    assert len(rows) == len(list((ROOT / "content" / "glossary").iterdir()))
    sdg = rows["sustainable-development-goals"]
    assert (sdg["title_en"], sdg["title_es"]) == ("Sustainable Development Goals", "Objetivos de Desarrollo Sostenible")
    assert sdg["aliases_en"] == "SDGs;SDG" and sdg["aliases_es"] == "ODS"
    assert sdg["see_also"] == "open-data;inclusion"
    assert sdg["body_en"].startswith("<p>") and sdg["url_es"] == f"{BASE}es/glossary/#sustainable-development-goals"
    package = json.loads((sample_site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert {"glossary", "glossary-json"} <= {r["name"] for r in package["resources"]}


def test_supporting_tables_give_the_names_per_language(sample_site: Path) -> None:
    members = yaml.safe_load((ROOT / "content" / "members.yaml").read_text(encoding="utf-8"))
    rows = {row["slug"]: row for row in read_csv(sample_site / "data" / "members.csv")}
    assert set(rows) == set(members)
    for slug, member in members.items():
        assert rows[slug]["code"] == member.get("code", "")  # a local member has no country code
        assert rows[slug]["kind"] == member["kind"]
        assert rows[slug]["country"] == member.get("country", "")
        for lang in LANGS:
            assert rows[slug][f"name_{lang}"] == member["name"][lang]


@pytest.mark.parametrize("lang", LANGS)
def test_commitment_page_links_to_its_json(sample_site: Path, lang: str) -> None:
    page = f"{lang}/commitments/ar0090/index.html"
    link = parse_html(sample_site / page).select_one('a[type="application/json"]')
    data = json.loads((sample_site / urljoin(page, link["href"])).read_text(encoding="utf-8"))
    assert data["id"] == "AR0090"
    assert data["title"]["en"] == "Federal Program on Open Government"
    assert data["title"]["es"] == "Programa Federal de Gobierno Abierto"
    assert "direction-of-open-government" in data["lead_institutions"]


def test_datapackage_is_valid_and_describes_every_file(sample_site: Path) -> None:
    from frictionless import Package, validate

    descriptor = sample_site / "data" / "datapackage.json"
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(str(descriptor))
    described = {resource.path for resource in package.resources}
    on_disk = {p.name for p in (sample_site / "data").iterdir() if p.is_file() and p.name != "datapackage.json"}
    assert described == on_disk
    for resource in package.resources:
        if resource.path.endswith(".csv"):
            header = next(csv.reader((sample_site / "data" / resource.path).open(encoding="utf-8", newline="")))
            assert header == resource.schema.field_names


def test_foreign_keys_are_checked(tmp_path: Path, sample_site: Path) -> None:
    """The datapackage's foreign keys are real: a commitment naming an unknown member fails validation."""
    from frictionless import validate

    data = tmp_path / "data"
    data.mkdir()
    for file in (sample_site / "data").iterdir():
        if file.is_file():
            (data / file.name).write_bytes(file.read_bytes())
    csv_path = data / "commitments.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace(",argentina,ar-2019,", ",atlantis,ar-2019,", 1), encoding="utf-8")
    report = validate(str(data / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}


def test_untranslated_text_is_empty_in_that_language_not_copied(project: Path) -> None:
    (project / "content" / "commitments" / "ar0090" / "es.md").unlink()
    build(settings_for(project))
    site = project / "site"
    row = next(r for r in read_csv(site / "data" / "commitments.csv") if r["id"] == "AR0090")
    assert row["title_en"] == "Federal Program on Open Government"
    assert row["title_es"] == "" and row["problem_es"] == ""
    assert row["translation_status_es"] == "missing"
    assert (site / "es" / "commitments" / "ar0090" / "index.html").is_file(), "the Spanish page still exists"
    alone = json.loads((site / "data" / "commitments" / "ar0090.json").read_text(encoding="utf-8"))
    assert alone["title"]["es"] == "" and alone["translation_status"]["es"] == "missing"
