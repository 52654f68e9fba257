"""Schema validation: pydantic errors turned into `path:line: problem — hint`."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from slugify import slugify

from ogpsite.content.schema import LINE_PATTERN, SLUG_PATTERN
from ogpsite.content.yamlsource import YamlDocument
from ogpsite.errors import Problem

M = TypeVar("M", bound=BaseModel)


def _field_info(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The pydantic FieldInfo at `loc`, following nested models where it can."""
    info = None
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            info = current.model_fields[part]
            current = info.annotation
        else:
            return info
    return info


def _allowed_values(info: Any) -> list[str]:
    def walk(tp: Any) -> list[str]:
        if typing.get_origin(tp) is typing.Literal:
            return [str(v) for v in typing.get_args(tp)]
        return [v for arg in typing.get_args(tp) for v in walk(arg)]

    return walk(info.annotation) if info is not None else []


def _example(info: Any) -> str:
    if info is None:
        return ""
    examples = info.examples or [m.examples for m in info.metadata if getattr(m, "examples", None)]
    return str(examples[0]) if examples else ""


# Errors raised by a model as a whole (schema.py validators) and the field each is about.
WHOLE_MODEL_ERRORS = {
    "date_order": "end",
    "default_language": "default_language",
    "member_code": "code",
    "member_country": "country",
    "plan_period": "end",
}
SHOWN_CHARS = 60


def _show(value: Any) -> str:
    """A value quoted in a message: long ones shortened, so a pasted page cannot flood the log."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def error_location(error: Mapping[str, Any]) -> tuple[Any, ...]:  # pydantic's ErrorDetails
    loc = tuple(error["loc"])
    if not loc and error["type"] in WHOLE_MODEL_ERRORS:
        return (WHOLE_MODEL_ERRORS[error["type"]],)
    return loc


def _describe(model: type[BaseModel], error: Mapping[str, Any]) -> tuple[str, str]:
    loc = error_location(error)
    if loc and loc[-1] == "[key]":  # a mapping key that breaks its pattern, e.g. a language code
        name = ".".join(str(p) for p in loc[:-2]) or "file"
        return f"'{_show(error.get('input'))}' is not a valid key in '{name}'", "write a lower-case language code such as 'en' or 'es'"
    name = ".".join(str(p) for p in loc) or "file"
    kind = error["type"]
    value = _show(error.get("input"))
    if kind in WHOLE_MODEL_ERRORS:
        return error["msg"], "see CONTRIBUTING.md for what this field may hold"
    info = _field_info(model, tuple(p for p in loc if isinstance(p, str)))
    example = _example(info)
    if kind == "missing":
        hint = f"add '{loc[-1]}: {example or '…'}'"
        if info is not None and info.description:
            hint += f" ({info.description})"
        return f"required field '{name}' is missing", hint
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if len(loc) == 1 else ""
        return f"unknown field '{name}'", "remove it or correct its spelling" + (f"; allowed fields: {allowed}" if allowed else "")
    if kind in ("literal_error", "enum"):
        values = _allowed_values(info)
        return f"'{value}' is not an allowed value for '{name}'", "use one of: " + ", ".join(values)
    if kind.startswith("date") or kind == "date_text":
        return f"'{value}' is not a valid date for '{name}' ({error['msg']})", "write a real calendar date as YYYY-MM-DD, e.g. 2022-09-26"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == LINE_PATTERN:
        key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "title")
        return f"'{name}' must be one line", f"remove the line breaks (for a long value, '{key}: >-' joins the indented lines below it)"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == SLUG_PATTERN:
        what = info.description if info is not None and info.description and "key" in info.description else "a slug"
        suggestion = slugify(str(error.get("input"))) or "name"
        return f"'{value}' is not valid for '{name}'", f"write {what}: lower-case letters, digits and single hyphens, e.g. '{suggestion}'"
    if kind == "string_pattern_mismatch":
        described = info.description if info is not None and info.description else "the expected format"
        return f"'{value}' is not valid for '{name}'", f"write {described}" + (f", e.g. {example}" if example else "")
    if kind == "string_type":
        found = type(error.get("input")).__name__ if error.get("input") is not None else "nothing"
        return f"'{name}' must be text, not {found}", "write a single line of text (quote it if it looks like a number or date)"
    if kind == "list_type":
        return f"'{name}' must be a list", "write it as a YAML list, one '- item' per line" + (f", e.g. [{example}]" if example else "")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"'{name}' must be a mapping of 'key: value' lines", "indent the fields under it"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"'{name}' must be a whole number, not '{value}'", f"write e.g. {example or 1}"
    if kind == "string_too_short":
        return f"'{name}' is empty", "write the text, or remove the field if it is optional"
    if kind == "too_short":
        return f"'{name}' is empty", "list at least one item"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limit = next(iter(error.get("ctx", {}).values()), "")
        relation = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "over", "less_than": "under"}[kind]
        return f"'{name}' must be {relation} {limit}, not {value}", f"write a number {relation} {limit}"
    return f"'{name}': {error['msg']}", "see CONTRIBUTING.md for the fields of this file"


def validate(model: type[M], doc: YamlDocument, path: str, prefix: tuple[Any, ...] = ()) -> tuple[M | None, list[Problem]]:
    """Validate `doc.data` against `model`; on failure, one Problem per error with its line."""
    data = doc.data
    for part in prefix:
        data = data[part]
    if not isinstance(data, dict):
        line = doc.line_of(prefix)
        return None, [Problem(path, line, "expected 'key: value' lines", "write one field per line, e.g. 'title: …'")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message, hint = _describe(model, error)
            problems.append(Problem(path, doc.line_of(prefix + error_location(error)), message, hint))
        return None, problems
