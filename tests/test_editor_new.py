"""`ogpsite new`: a record in both languages, every required field present and explained, never overwriting."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ogpsite.content import schema
from ogpsite.content.sources import SourceText, split_front_matter
from ogpsite.content.yamlsource import load_yaml

from .conftest import ROOT, build_args, parse_html, run_cli

KINDS = {
    "commitment": ("AR0095", "commitments", "ar0095"),
    "theme": ("open-data", "themes", "open-data"),
    "event": ("open-gov-week-2026", "events", "open-gov-week-2026"),
    "story": ("a-new-story", "stories", "a-new-story"),
}


def required_fields(model: type[schema.BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if info.is_required()}


def front_matter(path: Path) -> dict[str, object]:
    front, problems = split_front_matter(SourceText(str(path), path.read_text(encoding="utf-8")))
    assert front is not None, problems
    doc, problems = load_yaml(front.yaml_text, str(path))
    assert doc is not None, problems
    return doc.data


def fill_placeholders(folder: Path) -> None:
    """What an editor does: write real values where 'TODO:' stands, remove the TODO comments."""
    for file in folder.iterdir():
        lines = []
        for line in file.read_text(encoding="utf-8").split("\n"):
            if "# TODO:" in line:
                line = line.split("# TODO:")[0].rstrip()
            line = line.replace("TODO: ", f"{file.stem} {folder.name} ")
            lines.append(line)
        file.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_new_record_is_complete_and_builds(project: Path, kind: str) -> None:
    name, section, slug = KINDS[kind]
    result = run_cli("new", kind, name, cwd=project)
    assert result.returncode == 0, result.stderr
    folder = project / "content" / section / slug
    assert sorted(p.name for p in folder.iterdir()) == ["en.md", "es.md", "facts.yaml"]
    assert f"created content/{section}/{slug}/facts.yaml" in result.stdout

    facts_model, text_model = schema.RECORD_TYPES[section]
    facts_text = (folder / "facts.yaml").read_text(encoding="utf-8")
    facts, problems = load_yaml(facts_text, "facts.yaml")
    assert facts is not None and not problems
    assert required_fields(facts_model) <= set(facts.data)
    for field in required_fields(facts_model):  # each explained by a comment on its line
        line = next(text for text in facts_text.split("\n") if text.startswith(f"{field}:"))
        assert "   # " in line, line
    for lang in ("en", "es"):
        fields = front_matter(folder / f"{lang}.md")
        assert required_fields(text_model) <= set(fields)
    # It validates and builds at once, in both languages, so `serve` shows it while it is written.
    built = run_cli(*build_args(), cwd=project)
    assert built.returncode == 0, built.stderr
    for lang in ("en", "es"):
        page = parse_html(project / "site" / lang / section / slug / "index.html")
        assert page.h1 is not None
    # `check` lists the placeholders until they are filled in.
    checked = run_cli("check", cwd=project)
    assert checked.returncode == 1
    reported = [line for line in checked.stdout.splitlines() if line.startswith(f"content/{section}/{slug}/")]
    assert reported and all("placeholder left from 'ogpsite new'" in line for line in reported), reported
    assert not [line for line in checked.stdout.splitlines() if ": " in line and f"/{slug}/" not in line and "Checked" not in line]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_filled_in_record_passes_check_once_translated(project: Path, kind: str) -> None:
    name, section, slug = KINDS[kind]
    assert run_cli("new", kind, name, cwd=project).returncode == 0
    folder = project / "content" / section / slug
    fill_placeholders(folder)
    checked = run_cli("check", cwd=project)
    assert checked.returncode == 0, checked.stdout
    # The Spanish was stamped against the placeholder English, so it now reads as outdated ...
    assert f"content/{section}/{slug}/es.md:" in checked.stdout and "translation is outdated" in checked.stdout
    # ... until the translator stamps it.
    assert run_cli("fingerprint", "--write", f"content/{section}/{slug}/es.md", cwd=project).returncode == 0
    strict = run_cli("check", "--strict", cwd=project)
    assert strict.returncode == 0, strict.stdout


def test_commitment_facts_come_from_the_id(project: Path) -> None:
    assert run_cli("new", "commitment", "ar0095", cwd=project).returncode == 0
    facts, _ = load_yaml((project / "content/commitments/ar0095/facts.yaml").read_text(encoding="utf-8"), "facts.yaml")
    assert facts is not None
    assert facts.data["id"] == "AR0095"
    assert facts.data["member"] == "argentina"
    plans = load_yaml((project / "content/action_plans.yaml").read_text(encoding="utf-8"), "x")[0].data
    latest = max((plan["cycle"], slug) for slug, plan in plans.items() if plan["member"] == "argentina")[1]
    assert facts.data["action_plan"] == latest
    assert facts.data["status"] in ("active", "inactive")


def test_scaffold_points_editors_at_the_schema(project: Path) -> None:
    assert run_cli("new", "event", "open-gov-week-2026", cwd=project).returncode == 0
    first = (project / "content/events/open-gov-week-2026/facts.yaml").read_text(encoding="utf-8").split("\n")[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    target = (project / "content/events/open-gov-week-2026" / match.group(1)).resolve()
    assert target == (project / "schemas/event.facts.schema.json").resolve()
    assert (ROOT / "schemas" / target.name).exists()


def _digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()


def test_existing_record_is_never_overwritten(project: Path) -> None:
    folder = project / "content/commitments/ar0090"
    before = _digest(folder)
    result = run_cli("new", "commitment", "AR0090", cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "content/commitments/ar0090: already exists; 'ogpsite new' never overwrites a record — edit its files, or choose another name"
    )
    assert _digest(folder) == before
    (project / "content/themes/half-made").mkdir()
    assert run_cli("new", "theme", "half-made", cwd=project).returncode == 1
    assert list((project / "content/themes/half-made").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("commitment", "AR95"), "'AR95' is not a commitment ID — write two capital letters and four digits, e.g. AR0095"),
        (("commitment", "ZZ0001"), "no member has the code 'ZZ' (the first two letters of ZZ0001)"),
        (
            ("theme", "Open Data"),
            "'Open Data' is not a valid folder name — use lower-case letters, digits and single hyphens, e.g. 'open-data'",
        ),
    ],
)
def test_bad_names_are_refused(project: Path, args: tuple[str, str], message: str) -> None:
    before = sorted(str(p) for p in (project / "content").rglob("*"))
    result = run_cli("new", *args, cwd=project)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(str(p) for p in (project / "content").rglob("*")) == before


def test_unknown_kind_is_a_usage_error(project: Path) -> None:
    result = run_cli("new", "plan", "x", cwd=project)
    assert result.returncode == 2
    assert "'plan' is not one of 'commitment', 'theme', 'event', 'story'" in result.stderr
