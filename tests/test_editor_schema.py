"""JSON Schema export: current with the validator's models, accepts the sample, rejects what the validator rejects."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from ogpsite.content.sources import SourceText, split_front_matter
from ogpsite.content.yamlsource import load_yaml

from .conftest import ROOT, run_cli

SCHEMAS = ROOT / "schemas"
CONTENT = ROOT / "content"


def validator(name: str) -> Draft202012Validator:
    document = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document, format_checker=FormatChecker())


def yaml_data(text: str) -> Any:
    # The same YAML reading as the build (dates stay text), as yaml-language-server does (YAML 1.2).
    doc, problems = load_yaml(text, "x")
    assert doc is not None, problems
    return doc.data


def front_matter_data(path: Path) -> Any:
    front, _ = split_front_matter(SourceText(str(path), path.read_text(encoding="utf-8")))
    assert front is not None
    return yaml_data(front.yaml_text)


def errors(name: str, data: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(data)]


def test_committed_schemas_are_current() -> None:
    result = run_cli("schema", "--check", cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_export_writes_every_schema_and_check_notices_drift(tmp_path: Path) -> None:
    result = run_cli("schema", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert {"commitment.facts.schema.json", "event.text.schema.json", "members.schema.json", "site.schema.json"} <= set(written)
    assert run_cli("schema", "--check", "--output", str(tmp_path / "out"), cwd=tmp_path).returncode == 0
    (tmp_path / "out/theme.facts.schema.json").write_text("{}\n", encoding="utf-8")
    stale = run_cli("schema", "--check", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert stale.returncode == 1
    assert "theme.facts.schema.json: differs from the content models; run 'ogpsite schema'" in stale.stderr


def _content_files() -> list[tuple[str, Path]]:
    files = []
    for section, kind in (("commitments", "commitment"), ("themes", "theme"), ("events", "event"), ("stories", "story")):
        for folder in sorted((CONTENT / section).iterdir()):
            files.append((f"{kind}.facts.schema.json", folder / "facts.yaml"))
            files += [(f"{kind}.text.schema.json", md) for md in sorted(folder.glob("*.md"))]
    files += [(f"{p.stem}.schema.json", p) for p in sorted(CONTENT.glob("*.yaml")) if p.name != "site.yaml"]
    files.append(("site.schema.json", CONTENT / "site.yaml"))
    return files


def test_every_sample_file_is_valid_against_its_schema() -> None:
    checked = 0
    for schema_name, path in _content_files():
        data = front_matter_data(path) if path.suffix == ".md" else yaml_data(path.read_text(encoding="utf-8"))
        assert errors(schema_name, data) == [], path
        checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("schema_name", "data", "fragment"),
    [
        (
            "commitment.facts.schema.json",
            {"id": "AR0090", "member": "argentina", "action_plan": "ar-2019", "status": "finished"},
            "'finished' is not one of ['active', 'inactive']",
        ),
        ("commitment.facts.schema.json", {"id": "AR90", "member": "argentina", "action_plan": "ar-2019", "status": "active"}, "AR90"),
        ("commitment.facts.schema.json", {"id": "AR0090", "member": "argentina", "action_plan": "ar-2019"}, "'status' is a required"),
        (
            "commitment.text.schema.json",
            {"title": "A", "sumary": "typo"},
            "Additional properties are not allowed ('sumary' was unexpected)",
        ),
        (
            "event.facts.schema.json",
            {"start": "2022-02-30", "city": "Lima", "country": "peru", "kind": "national"},
            "'2022-02-30' is not a 'date'",
        ),
        ("theme.facts.schema.json", {"order": "first"}, "'first' is not of type 'integer'"),
        ("members.schema.json", {"Argentina": {"name": {"en": "Argentina"}, "code": "AR"}}, "Argentina"),
        ("policy_areas.schema.json", {"gender": {"EN": "Gender"}}, "EN"),
        ("site.schema.json", {"title": {"en": "x"}, "languages": []}, "should be non-empty"),
    ],
)
def test_schema_rejects_what_the_validator_rejects(schema_name: str, data: Any, fragment: str) -> None:
    found = errors(schema_name, data)
    assert any(fragment in message for message in found), found


def test_vscode_settings_map_every_content_yaml_file_to_one_existing_schema() -> None:
    settings = json.loads((ROOT / ".vscode/settings.json").read_text(encoding="utf-8"))
    mapping: dict[str, str] = settings["yaml.schemas"]
    for schema_path in mapping:
        assert (ROOT / schema_path).is_file(), schema_path
    for schema_name, path in _content_files():
        if path.suffix != ".yaml":
            continue
        relpath = path.relative_to(ROOT).as_posix()
        matches = [s for s, pattern in mapping.items() if fnmatch.fnmatch(relpath, pattern)]
        assert matches == [f"./schemas/{schema_name}"], relpath
    assert json.loads((ROOT / ".vscode/extensions.json").read_text(encoding="utf-8"))["recommendations"] == ["redhat.vscode-yaml"]
