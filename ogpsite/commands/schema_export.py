"""`ogpsite schema`: JSON Schema files from the pydantic models the validator uses.

Editors' YAML tools (VS Code's YAML extension, any yaml-language-server client) read them for
completion, hover help and inline errors; see CONTRIBUTING.md and .vscode/settings.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from ogpsite.content import schema
from ogpsite.model.site import SINGULAR

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_FOLDER = "schemas"


def _closed_mappings(node: Any) -> Any:
    """pydantic rejects keys that miss a dict's key pattern; JSON Schema needs saying so."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _closed_mappings(value)
    elif isinstance(node, list):
        for value in node:
            _closed_mappings(value)
    return node


def _document(title: str, description: str, body: dict[str, Any]) -> dict[str, Any]:
    body = _closed_mappings(dict(body))
    body.pop("title", None)
    body.pop("description", None)
    return {"$schema": DIALECT, "title": title, "description": description, **body}


def _mapping(value_type: Any, what: str) -> dict[str, Any]:
    adapter = TypeAdapter(dict[schema.Slug, value_type])  # type: ignore[valid-type]
    out = adapter.json_schema(mode="validation")
    out["propertyNames"] = {"pattern": schema.SLUG_PATTERN, "description": "lower-case letters, digits and single hyphens"}
    out["description"] = f"one entry per {what}, keyed by its slug"
    return out


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every kind of content file."""
    out: dict[str, dict[str, Any]] = {
        "site.schema.json": _document(
            "content/site.yaml", "Site title, tagline and languages.", schema.SiteFile.model_json_schema(mode="validation")
        ),
    }
    for section, (facts, text) in schema.RECORD_TYPES.items():
        kind = SINGULAR[section]
        out[f"{kind}.facts.schema.json"] = _document(
            f"content/{section}/*/facts.yaml",
            f"Facts of {_article(kind)} {kind}: the same in every language.",
            facts.model_json_schema(mode="validation"),
        )
        out[f"{kind}.text.schema.json"] = _document(
            f"content/{section}/*/{{lang}}.md front matter",
            f"The text fields of {_article(kind)} {kind} in one language (the front matter between the --- lines).",
            text.model_json_schema(mode="validation"),
        )
    for name, model in schema.SUPPORTING_FILES.items():
        what = name.removesuffix(".yaml").replace("_", " ").removesuffix("s")
        value = model if model is not None else schema.Localized
        out[f"{name.removesuffix('.yaml')}.schema.json"] = _document(f"content/{name}", f"One entry per {what}.", _mapping(value, what))
    return out


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> tuple[list[Path], list[Path]]:
    """Write every schema; returns (changed, unchanged) files. Files of ours no longer made are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    schemas = json_schemas()
    changed, unchanged = [], []
    for name, document in schemas.items():
        path = folder / name
        text = render(document)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            unchanged.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    for stale in folder.glob("*.schema.json"):
        if stale.name not in schemas:
            stale.unlink()
            changed.append(stale)
    return changed, unchanged


def outdated_schemas(folder: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models (for `--check`)."""
    schemas = json_schemas()
    stale = [p.name for p in folder.glob("*.schema.json") if p.name not in schemas] if folder.is_dir() else []
    return sorted(
        [
            name
            for name, doc in schemas.items()
            if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != render(doc)
        ]
        + stale
    )
