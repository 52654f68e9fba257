"""Each kind of content mistake: `path:line: problem — hint`, exit 1, previous site untouched, no traceback."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .conftest import build_args, run_cli


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(folder).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


AR0090 = "content/commitments/ar0090"

CASES = {
    "malformed YAML": (
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active", "status: [active"),
        f"{AR0090}/facts.yaml:5: invalid YAML",
    ),
    "missing required field": (
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active\n", ""),
        f"{AR0090}/facts.yaml:1: required field 'status' is missing — add 'status: …'",
    ),
    "list where text belongs": (
        lambda p: edit(p / AR0090 / "en.md", "title: Federal Program on Open Government", "title: [Federal, Program]"),
        f"{AR0090}/en.md:2: 'title' must be text, not list",
    ),
    "unknown status": (
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active", "status: finished"),
        f"{AR0090}/facts.yaml:4: 'finished' is not an allowed value for 'status' — use one of: active, inactive",
    ),
    "theme that does not exist": (
        lambda p: edit(p / AR0090 / "facts.yaml", "themes: [subnational,", "themes: [subnacional,"),
        f"{AR0090}/facts.yaml:6: theme 'subnacional' does not exist — did you mean 'subnational'?",
    ),
    "invalid date": (
        lambda p: edit(p / "content/events/open-americas-2022/facts.yaml", "start: 2022-09-26", "start: 2022-02-30"),
        "content/events/open-americas-2022/facts.yaml:1: '2022-02-30' is not a valid date for 'start'",
    ),
    "number as a date": (
        lambda p: edit(p / "content/events/open-americas-2022/facts.yaml", "start: 2022-09-26", "start: 20220926"),
        "content/events/open-americas-2022/facts.yaml:1: '20220926' is not a valid date for 'start'",
    ),
    "ID that breaks the format": (
        lambda p: edit(p / AR0090 / "facts.yaml", "id: AR0090", "id: AR90"),
        f"{AR0090}/facts.yaml:1: 'AR90' is not valid for 'id' — write two capital letters and four digits, e.g. AR0090",
    ),
    "id used twice": (
        lambda p: edit(p / "content/commitments/ar0091/facts.yaml", "id: AR0091", "id: AR0090"),
        "content/commitments/ar0091/facts.yaml:1: id 'AR0090' does not match the folder name 'ar0091'",
    ),
    "story about an event that does not exist": (
        lambda p: edit(
            p / "content/stories/from-regional-to-local-2022/facts.yaml", "event: open-americas-2022", "event: open-americas-2023"
        ),
        "content/stories/from-regional-to-local-2022/facts.yaml:",
    ),
    "language the site does not have": (
        lambda p: (p / AR0090 / "fr.md").write_text("---\ntitle: Programme\n---\n", encoding="utf-8"),
        f"{AR0090}/fr.md: 'fr' is not one of the site's languages (en, es) — rename it to one of en.md, es.md",
    ),
    "misspelt field": (
        lambda p: edit(p / AR0090 / "en.md", "summary: >-", "sumary: >-"),
        f"{AR0090}/en.md:3: unknown field 'sumary' — remove it or correct its spelling",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_content_error_is_reported_and_site_kept(project: Path, case: str) -> None:
    first = run_cli(*build_args(), cwd=project)
    assert first.returncode == 0, first.stderr
    before = tree_digest(project / "site")

    break_it, expected = CASES[case]
    break_it(project)
    result = run_cli(*build_args(), cwd=project)

    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "site/ was left as it was" in result.stderr
    assert tree_digest(project / "site") == before


def test_all_errors_of_a_build_are_reported_together(project: Path) -> None:
    edit(project / AR0090 / "facts.yaml", "status: active", "status: finished")
    edit(project / "content/events/open-americas-2022/facts.yaml", "start: 2022-09-26", "start: 2022-02-30")
    result = run_cli(*build_args(), cwd=project)
    assert result.returncode == 1
    assert f"{AR0090}/facts.yaml:4:" in result.stderr
    assert "content/events/open-americas-2022/facts.yaml:1:" in result.stderr
    assert "Build failed: 2 error(s)" in result.stderr


def test_missing_translation_falls_back_with_notice(project: Path) -> None:
    (project / AR0090 / "es.md").unlink()
    result = run_cli(*build_args("--verbose"), cwd=project)
    assert result.returncode == 0, result.stderr
    assert f"{AR0090}: es missing" in result.stdout
    from .conftest import parse_html

    soup = parse_html(project / "site/es/commitments/ar0090/index.html")
    assert soup.html["lang"] == "es"
    assert "todavía no está traducida" in soup.select_one(".notice").get_text()
    assert soup.h1.get_text(strip=True) == "Federal Program on Open Government"
    assert soup.h1["lang"] == "en"  # the English text is marked as English for screen readers


def test_raw_html_in_content_is_sanitised(project: Path) -> None:
    (project / "content/themes/open-state/en.md").write_text(
        "---\ntitle: Open State\n---\nBefore <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n",
        encoding="utf-8",
    )
    result = run_cli(*build_args(), cwd=project)
    assert result.returncode == 0, result.stderr
    from .conftest import parse_html

    body = parse_html(project / "site/en/themes/open-state/index.html").select_one("article .body")
    assert body.find("script") is None
    assert all(not attr.startswith("on") for tag in body.find_all(True) for attr in tag.attrs)
    assert all("javascript:" not in (a.get("href") or "") for a in body.find_all("a"))
