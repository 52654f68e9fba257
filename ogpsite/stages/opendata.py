"""Output stage: open data under /data/, JSON and CSV per record type, described by datapackage.json.

One row per record. Language-neutral facts appear once; each translated field becomes one column
per language (`title_en`, `title_es`) in CSV and an object keyed by language in JSON. A text that
has not been translated is left empty in that language (the site shows the default-language text
in its place; the data does not pass it off as a translation) and `translation_status_{lang}` says
so. Markdown fields are given as the sanitised HTML the site shows, with links made absolute.

In the CSV files (only there), a cell a spreadsheet would read as a formula gets a leading `'`
(`csv_cell`): an editor's title starting with `=` must not run when someone opens the file.
The JSON files give every value exactly.

Each record's JSON text and CSV line are made once and kept between builds in the stage cache
(`record_data`, keyed by `record_data_key`: the record's folder, the languages, the base URL and
the values of its fact columns, which read other records); the tables are joined from them, so an
edit re-encodes only the records it touched. The JSON is `json.dumps(…, indent=2)`'s text, written
by `jsontext` (the standard library's indented encoder is pure Python).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from slugify import slugify

from ogpsite.content import schema
from ogpsite.model.site import Named, Record, SiteModel, Text
from ogpsite.model.urls import absolute, record_url
from ogpsite.stages.base import StageContext, StageResult
from ogpsite.stages.feeds import absolute_links
from ogpsite.stages.jsontext import indented_json, json_list_bytes

DATA_DIR = "data"
LIST_DELIMITER = ";"
RECORD_DATA = "opendata-records"  # StageCache namespace: RecordData by record_data_key
RECORD_DATA_VERSION = "2"  # bump when a record's JSON or CSV, or the form they are kept in, changes: the kept ones are dropped


def record_data_url(section: str, slug: str) -> str:
    """The JSON of one record: data/commitments/ar0090.json (the same for every language)."""
    return f"{DATA_DIR}/{section}/{slug}.json"


def table_url(name: str, fmt: str) -> str:
    return f"{DATA_DIR}/{name}.{fmt}"


@dataclass(frozen=True)
class Column:
    """One language-neutral column: Table Schema type, and how to read it from a record."""

    name: str
    type: str
    get: Callable[[Any], Any]
    description: str = ""
    constraints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TextColumn:
    """A translated field: one column per language."""

    name: str
    get: Callable[[Text], str]
    description: str
    html: bool = False


def _fact(name: str, type_: str = "string", description: str = "", **constraints: Any) -> Column:
    return Column(name, type_, lambda record, n=name: getattr(record.facts, n), description, constraints)


def _enum(values: Any) -> dict[str, Any]:
    return {"enum": list(values.__args__)}


def _text(name: str, description: str, html: bool = False) -> TextColumn:
    return TextColumn(name, lambda text, n=name: getattr(text, n), description, html)


def _extra(name: str, description: str) -> TextColumn:
    return TextColumn(name, lambda text, n=name: text.extra.get(n, ""), description)


def _section(name: str) -> TextColumn:
    question = schema.CommitmentText.model_fields[name].description or name
    return TextColumn(name, lambda text, n=name: text.sections.get(n, ""), question, html=True)


_TITLE = _text("title", "title")
_SUMMARY = _text("summary", "one-sentence summary")
_BODY = TextColumn("body", lambda text: text.body, "the main text", html=True)

RECORD_TABLES: dict[str, tuple[list[Column], list[TextColumn]]] = {
    "commitments": (
        [
            _fact("id", description="OGP commitment ID", pattern=schema.COMMITMENT_ID_PATTERN, required=True, unique=True),
            Column("slug", "string", lambda r: r.slug, "folder name and address of the record"),
            _fact("member", description="OGP member: a slug of members"),
            _fact("action_plan", description="action plan: a slug of action_plans"),
            Column(
                "action_plan_cycle",
                "integer",
                lambda r: r.refs["action_plan"].data.cycle if r.refs.get("action_plan") else None,
                "first year of the action plan cycle",
            ),
            _fact("status", **_enum(schema.CommitmentStatus)),
            _fact("policy_areas", "list", "slugs of policy_areas"),
            _fact("themes", "list", "slugs of themes"),
            _fact("lead_institutions", "list", "slugs of institutions"),
            _fact("support_institutions", "list", "slugs of institutions"),
        ],
        [_TITLE, _SUMMARY, *(_section(name) for name in schema.COMMITMENT_SECTIONS), _BODY],
    ),
    "themes": (
        [
            Column("slug", "string", lambda r: r.slug, "folder name and address of the record", {"required": True, "unique": True}),
            _fact("order", "integer", "position in theme lists"),
        ],
        [_TITLE, _SUMMARY, _BODY],
    ),
    "events": (
        [
            Column("slug", "string", lambda r: r.slug, "folder name and address of the record", {"required": True, "unique": True}),
            _fact("start", "date", "first day"),
            _fact("end", "date", "last day (empty: a one-day event)"),
            _fact("city"),
            _fact("country", description="a slug of members"),
            _fact("kind", **_enum(schema.EventKind)),
            _fact("members", "list", "slugs of members the event is also about"),
            _fact("themes", "list", "slugs of themes"),
            _fact("organisers", "list", "slugs of institutions"),
        ],
        [_TITLE, _SUMMARY, _extra("venue", "where the event takes place"), _BODY],
    ),
    "stories": (
        [
            Column("slug", "string", lambda r: r.slug, "folder name and address of the record", {"required": True, "unique": True}),
            _fact("date", "date", "publication date"),
            _fact("updated", "date", "date of the last significant update"),
            _fact("content_type", **_enum(schema.ContentType)),
            _fact("author"),
            _fact("country", description="a slug of members"),
            _fact("event", description="the event the story is about: a slug of events"),
            _fact("themes", "list", "slugs of themes"),
            _fact("source", enum=["individual", "organisation", "ogp"]),
            _fact("stage", **_enum(schema.Stage)),
            _fact("government_levels", "list", "levels of government"),
            _fact("members", "list", "slugs of members the story is also about"),
            _fact("region", description="the OGP region the story is from", **_enum(schema.Region)),
            _fact("commitments", "list", "IDs of the commitments the story is about (the id column of commitments)"),
        ],
        [
            _TITLE,
            _SUMMARY,
            _extra("author_role", "the author's role"),
            _extra("credit", "photo or source credit"),
            TextColumn("tags", lambda text: LIST_DELIMITER.join(text.tags), f"free-text tags, separated by '{LIST_DELIMITER}'"),
            _BODY,
        ],
    ),
    "glossary": (
        [
            Column(
                "slug",
                "string",
                lambda r: r.slug,
                "folder name of the term, and its anchor on the glossary page",
                {"required": True, "unique": True},
            ),
            _fact("see_also", "list", "slugs of related glossary terms"),
        ],
        [
            _text("title", "the term"),
            TextColumn(
                "aliases", lambda text: LIST_DELIMITER.join(text.aliases), f"other words for the term, separated by '{LIST_DELIMITER}'"
            ),
            TextColumn("body", lambda text: text.body, "the definition", html=True),
        ],
    ),
}
FOREIGN_KEYS: dict[str, list[tuple[str, str]]] = {
    "commitments": [("member", "members"), ("action_plan", "action_plans")],
    "events": [("country", "members")],
    "stories": [("country", "members"), ("event", "events")],
    "action_plans": [("member", "members")],
    "institutions": [("member", "members")],
}


def _slug_column() -> Column:
    return Column("slug", "string", lambda n: n.slug, "identifier used by the records", {"required": True, "unique": True})


def _data(name: str) -> Callable[[Named], Any]:
    return lambda named: getattr(named.data, name, None) if named.data is not None else None


# Supporting lists: slug, facts, and the name (or title) per language.
SUPPORTING_TABLES: dict[str, tuple[list[Column], str]] = {
    "members": (
        [
            _slug_column(),
            Column("code", "string", _data("code"), "ISO 3166-1 alpha-2 country code (national members)"),
            Column("kind", "string", _data("kind"), "national or local", _enum(schema.MemberKind)),
            Column("country", "string", _data("country"), "for a local member: the slug of its national member"),
            Column("programme", "string", _data("programme"), "how a local member joined OGP", _enum(schema.Programme)),
            Column("joined", "integer", _data("joined"), "year the member joined OGP"),
        ],
        "name",
    ),
    "action_plans": (
        [
            _slug_column(),
            Column("member", "string", _data("member"), "a slug of members"),
            Column("cycle", "integer", _data("cycle"), "first year of the cycle"),
            Column("end", "integer", _data("end"), "last year of the plan's period"),
        ],
        "title",
    ),
    "institutions": (
        [
            _slug_column(),
            Column("kind", "string", _data("kind"), "", {"enum": list(schema.Institution.model_fields["kind"].annotation.__args__)}),
            Column("member", "string", _data("member"), "a slug of members"),
        ],
        "name",
    ),
    "policy_areas": ([_slug_column()], "name"),
}


def _table(model: SiteModel, name: str) -> list[Named]:
    return list(getattr(model, name).values())


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_DELIMITER.join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def page_url(record: Record, lang: str) -> str:
    """Where a record is shown: its own page, or for a glossary term its anchor on the glossary page."""
    if record.section == "glossary":
        return f"{lang}/glossary/#{record.slug}"
    return record_url(record.section, record.slug, lang)


def _own_text(record: Record, lang: str) -> Text | None:
    text = record.text(lang)
    return None if text.fallback else text


def _text_value(record: Record, column: TextColumn, lang: str, base_url: str) -> str:
    """A translated field in one language: '' when untranslated; HTML with its links made absolute."""
    text = _own_text(record, lang)
    if text is None:
        return ""
    value = str(column.get(text))
    return absolute_links(value, absolute(base_url, page_url(record, lang))) if column.html and value else value


def _record_json(model: SiteModel, record: Record, base_url: str) -> dict[str, Any]:
    facts, texts = RECORD_TABLES[record.section]
    out: dict[str, Any] = {column.name: _json_value(column.get(record)) for column in facts}
    for column in texts:
        out[column.name] = {lang: _text_value(record, column, lang, base_url) for lang in model.languages}
    out["url"] = {lang: absolute(base_url, page_url(record, lang)) for lang in model.languages}
    out["translation_status"] = {lang: record.text(lang).status for lang in model.languages if lang != model.default_language}
    return out


def _record_row(model: SiteModel, record: Record, base_url: str) -> list[str]:
    facts, texts = RECORD_TABLES[record.section]
    row = [_csv_value(column.get(record)) for column in facts]
    for column in texts:
        row += [_text_value(record, column, lang, base_url) for lang in model.languages]
    row += [absolute(base_url, page_url(record, lang)) for lang in model.languages]
    row += [record.text(lang).status for lang in model.languages if lang != model.default_language]
    return row


def _record_schema_fields(model: SiteModel, section: str) -> list[dict[str, Any]]:
    facts, texts = RECORD_TABLES[section]
    fields = [_field(column) for column in facts]
    for column in texts:
        for lang in model.languages:
            description = f"{column.description} ({lang})" + (", as HTML" if column.html else "")
            fields.append({"name": f"{column.name}_{lang}", "type": "string", "description": description})
    for lang in model.languages:
        fields.append({"name": f"url_{lang}", "type": "string", "format": "uri", "description": f"the page on the site ({lang})"})
    for lang in model.languages:
        if lang != model.default_language:
            fields.append(
                {
                    "name": f"translation_status_{lang}",
                    "type": "string",
                    "description": f"complete, missing (the {lang} columns are empty) or outdated",
                    "constraints": {"enum": ["complete", "missing", "outdated"]},
                }
            )
    return fields


def _field(column: Column) -> dict[str, Any]:
    out: dict[str, Any] = {"name": column.name, "type": column.type}
    if column.type == "list":
        out["delimiter"] = LIST_DELIMITER
        out["itemType"] = "string"
    if column.description:
        out["description"] = column.description
    if column.constraints:
        out["constraints"] = column.constraints
    return out


# What spreadsheets (Excel, LibreOffice, Google Sheets) take as the start of a formula or a DDE
# call (OWASP's list): `=`, `+`, `-`, `@`, and a tab or carriage return before one of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
CSV_NOTE = (
    "In the CSV files a cell that would start with =, +, -, @, a tab or a carriage return starts with an "
    "apostrophe (') instead, so that a spreadsheet shows it as text rather than running it as a formula; "
    "remove that apostrophe to get the exact value, which the JSON files give as it is."
)


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: `'` before a would-be formula (a number stays as it is)."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def csv_line(cells: list[str]) -> str:
    """One row's CSV line, as `_csv` writes it (a CSV writer keeps nothing from one row to the next)."""
    return _csv_text([csv_cell(cell) for cell in cells])


def _csv_text(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _json(value: Any) -> bytes:
    return (indented_json(value) + "\n").encode("utf-8")


@dataclass(frozen=True)
class RecordData:
    """One record's open data, encoded in UTF-8: its own JSON file (the object's text and a newline)
    and its line in its table's CSV. The file's bytes are the very object the site's files hold."""

    json: bytes
    csv: bytes


def record_data(model: SiteModel, record: Record, base_url: str) -> RecordData:
    return RecordData(
        (indented_json(_record_json(model, record, base_url)) + "\n").encode("utf-8"),
        csv_line(_record_row(model, record, base_url)).encode("utf-8"),
    )


def record_data_key(model: SiteModel, record: Record, base_url: str, digest: str) -> tuple[str, ...]:
    """What a record's RecordData is made from: `digest`, its folder's (StageCache.record_digest:
    its texts and facts), the site's languages, the base URL, and the values of its fact columns,
    since some read other records (a commitment's `action_plan_cycle` is its plan's)."""
    facts, _ = RECORD_TABLES[record.section]
    return (
        RECORD_DATA_VERSION,
        record.section,
        digest,
        base_url,
        " ".join(model.languages),
        model.default_language,
        repr([column.get(record) for column in facts]),
    )


def _resource(name: str, fields: list[dict[str, Any]], primary_key: str, title: str) -> dict[str, Any]:
    resource_schema: dict[str, Any] = {"fields": fields, "primaryKey": [primary_key], "missingValues": [""]}
    keys = [
        {"fields": [column], "reference": {"resource": target, "fields": ["slug"]}}
        for column, target in FOREIGN_KEYS.get(name, [])
        if any(f["name"] == column for f in fields)
    ]
    if keys:
        resource_schema["foreignKeys"] = keys
    return {
        "name": name,
        "title": title,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": CSV_NOTE,
        "schema": resource_schema,
    }


def _json_resource(name: str) -> dict[str, Any]:
    description = "The rows of the CSV as a JSON array; translated fields are objects keyed by language."
    if name in RECORD_TABLES:
        description += f" Each record is also published alone as {name}/{{slug}}.json."
    return {
        "name": f"{name}-json",
        "path": f"{name}.json",
        "profile": "data-resource",
        "format": "json",
        "mediatype": "application/json",
        "encoding": "utf-8",
        "description": description,
    }


class OpenDataStage:
    """Open data: JSON and CSV per record type, a JSON file per record, datapackage.json."""

    name = "opendata"

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        base_url, cache = context.base_url, context.cache
        files: dict[str, bytes] = {}
        resources = []
        for section, (facts, _texts) in RECORD_TABLES.items():
            fields = _record_schema_fields(model, section)
            records = model.records[section]
            data = [
                cache.memo(
                    RECORD_DATA,
                    record_data_key(model, record, base_url, cache.record_digest(record)),
                    lambda record=record: record_data(model, record, base_url),
                )
                for record in records
            ]
            for record, encoded in zip(records, data, strict=True):
                files[record_data_url(section, record.slug)] = encoded.json
            files[table_url(section, "json")] = json_list_bytes((encoded.json for encoded in data), newline_ended=True, end=b"\n")
            header = _csv_text([f["name"] for f in fields]).encode("utf-8")
            files[table_url(section, "csv")] = b"".join([header, *(encoded.csv for encoded in data)])
            resources.append(_resource(section, fields, facts[0].name, section.capitalize()))
            resources.append(_json_resource(section))
        for name, (columns, label) in SUPPORTING_TABLES.items():
            fields = [_field(column) for column in columns] + [
                {"name": f"{label}_{lang}", "type": "string", "description": f"{label} ({lang})"} for lang in model.languages
            ]
            table = sorted(_table(model, name), key=lambda n: n.slug)
            languages = model.languages
            rows = [[_csv_value(c.get(named)) for c in columns] + [named.names.get(lang, "") for lang in languages] for named in table]
            objects = [{c.name: _json_value(c.get(named)) for c in columns} | {label: dict(named.names)} for named in table]
            files[table_url(name, "json")] = _json(objects)
            files[table_url(name, "csv")] = _csv([f["name"] for f in fields], rows)
            resources.append(_resource(name, fields, "slug", name.replace("_", " ").capitalize()))
            resources.append(_json_resource(name))

        site = model.site
        default = model.default_language
        package: dict[str, Any] = {
            "profile": "data-package",  # JSON resources too, not only tables
            "name": slugify(urlsplit(base_url).netloc or site.title[default]) or "ogpsite",
            "title": site.title[default],
            "description": " ".join(part for part in (site.tagline.get(default, ""), CSV_NOTE) if part),
            "languages": list(model.languages),
            "resources": resources,
        }
        if urlsplit(base_url).scheme:
            package["homepage"] = base_url
        files[f"{DATA_DIR}/datapackage.json"] = _json(package)
        return StageResult(files)
