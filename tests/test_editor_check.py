"""`ogpsite check`: every kind of content problem, in both output formats, with the right exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpsite.commands.check import format_github
from ogpsite.errors import Problem

from .conftest import run_cli
from .preview import edit

AR0090 = "content/commitments/ar0090"
OPEN_STATE = "content/themes/open-state"


def check(project: Path, *args: str):  # type: ignore[no-untyped-def]
    result = run_cli("check", *args, cwd=project)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_sample_content_passes_strictly_and_nothing_is_written(project: Path) -> None:
    result = check(project, "--strict")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "Checked 94 commitments, 7 themes, 3 events, 3 stories, 9 glossary: no problems."
    assert sorted(p.name for p in project.iterdir()) == ["content"]


def test_schema_error_human_and_github(project: Path) -> None:
    edit(project / AR0090 / "facts.yaml", "status: active", "status: finished")
    human = check(project)
    assert human.returncode == 1
    assert (
        f"{AR0090}/facts.yaml:4: 'finished' is not an allowed value for 'status' — use one of: active, inactive"
        in human.stdout.splitlines()
    )
    assert "1 error(s), 0 warning(s)" in human.stdout
    github = check(project, "--format", "github")
    assert github.returncode == 1
    assert (
        f"::error file={AR0090}/facts.yaml,line=4,title=ogpsite check::"
        "'finished' is not an allowed value for 'status' — use one of: active, inactive"
    ) in github.stdout.splitlines()


def test_reference_error(project: Path) -> None:
    edit(project / AR0090 / "facts.yaml", "themes: [subnational,", "themes: [subnacional,")
    result = check(project, "--format", "github")
    assert result.returncode == 1
    assert (
        f"::error file={AR0090}/facts.yaml,line=6,title=ogpsite check::theme 'subnacional' does not exist — did you mean 'subnational'?"
        in (result.stdout)
    )


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (
            lambda p: edit(p / AR0090 / "facts.yaml", "member: argentina\n", "member: argentina\nmember: brazil\n"),
            f"{AR0090}/facts.yaml:3: 'member' appears twice (first on line 2) — keep one of them",
        ),
        (
            lambda p: edit(p / AR0090 / "facts.yaml", "themes: [subnational,", "themes: [subnational, subnational,"),
            f"{AR0090}/facts.yaml:6: theme 'subnational' is listed twice — remove the repeated line",
        ),
        (
            lambda p: edit(p / "content/commitments/ar0091/facts.yaml", "id: AR0091", "id: AR0090"),
            "content/commitments/ar0091/facts.yaml:1: id 'AR0090' does not match the folder name 'ar0091'",
        ),
    ],
    ids=["key twice", "list entry twice", "id of another record"],
)
def test_duplicates_are_errors(project: Path, mistake, expected: str) -> None:  # type: ignore[no-untyped-def]
    mistake(project)
    result = check(project)
    assert result.returncode == 1
    assert expected in result.stdout, result.stdout


def test_duplicate_title_is_a_warning(project: Path) -> None:
    edit(project / "content/commitments/ar0091/en.md", "title:", "title: Federal Program on Open Government\nx-title:")
    edit(project / "content/commitments/ar0091/en.md", "\nx-title:", "\n# was:")
    result = check(project)
    assert result.returncode == 0, result.stdout
    assert "content/commitments/ar0091/en.md:2: warning: title is the same as in content/commitments/ar0090/en.md" in result.stdout
    assert check(project, "--strict").returncode == 1


def test_broken_link_between_records(project: Path) -> None:
    english = project / OPEN_STATE / "en.md"
    text = english.read_text(encoding="utf-8")
    english.write_text(
        text
        + "\nSee [the federal programme](../../commitments/ar0090/) and [its follow-up](../../commitments/ar0900/)"
        + " and [the root](/en/themes/) and [elsewhere](https://www.opengovpartnership.org/).\n",
        encoding="utf-8",
    )
    line = len(text.split("\n")) + 1
    result = check(project)
    assert result.returncode == 1
    problems = [text for text in result.stdout.splitlines() if text.startswith(OPEN_STATE) and ": warning: " not in text]
    assert problems == [
        f"{OPEN_STATE}/en.md:{line}: link '../../commitments/ar0900/' leads nowhere: there is no page /en/commitments/ar0900/"
        " — did you mean '../../commitments/ar0090/'?"
    ]


def test_link_that_leaves_the_site(project: Path) -> None:
    spanish = project / OPEN_STATE / "es.md"
    spanish.write_text(spanish.read_text(encoding="utf-8") + "\n[arriba](../../../../etc/)\n", encoding="utf-8")
    result = check(project, "--format", "github")
    assert result.returncode == 1
    assert f"::error file={OPEN_STATE}/es.md," in result.stdout
    assert "leads nowhere: there is no page outside the site" in result.stdout


def test_placeholder_left_by_new_is_an_error(project: Path) -> None:
    edit(project / AR0090 / "en.md", "title: Federal Program on Open Government", 'title: "TODO: title"')
    result = check(project)
    assert result.returncode == 1
    assert f"{AR0090}/en.md:2: placeholder left from 'ogpsite new' — write the real value and remove 'TODO:'" in result.stdout


def test_warnings_pass_unless_strict(project: Path) -> None:
    (project / AR0090 / "es.md").unlink()
    assert check(project).returncode == 0
    strict = check(project, "--strict")
    assert strict.returncode == 1
    assert "Warnings fail the check (--strict)." in strict.stdout


def test_unreadable_content_folder(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert result.returncode == 1
    assert "content: content folder not found — run from the project folder, or pass --content DIR" in result.stdout


def test_github_annotation_escaping() -> None:
    # '%' starts an escape in workflow commands; ',' and ':' separate properties.
    problem = Problem("content/a,b:c.yaml", 3, "100% wrong: really", "fix it")
    assert format_github(problem) == "::error file=content/a%2Cb%3Ac.yaml,line=3,title=ogpsite check::100%25 wrong: really — fix it"
    whole_file = Problem("content/x/es.md", 0, "missing", severity="warning")
    assert format_github(whole_file) == "::warning file=content/x/es.md,title=ogpsite check::missing"
