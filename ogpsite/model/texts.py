"""A record's texts: one per site language, falling back to the default language with `fallback=True`.

A translation carries the `translation_fingerprint` of the source-language text it was made from
(`translates:` in its front matter); when the two differ the translation is `outdated`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import Any

from markupsafe import Markup

from ogpsite.content import schema
from ogpsite.content.load import RecordSource, TextSource
from ogpsite.content.markdown import html_text, render_markdown
from ogpsite.model.site import Text


def _normalised(value: Any) -> Any:
    # Re-wrapping lines or adding blank lines is not a change a translator must follow;
    # paragraphs (blank-line separated) and words are.
    if isinstance(value, str):
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return value


def translation_fingerprint(text: TextSource) -> str:
    """A short hash of a source-language text; translations record it in `translates:`.

    Empty and default fields are left out, so a new optional field in the schema does not mark
    every translation outdated.
    """
    fields = text.fields.model_dump(exclude={"translates"}, exclude_defaults=True)
    payload = json.dumps(
        [{k: _normalised(v) for k, v in fields.items()}, _normalised(text.body)], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def _make_text(source: TextSource, lang: str, fallback: bool, status: str, section: str) -> Text:
    fields = source.fields
    body = render_markdown(source.body)
    sections: dict[str, Markup] = {}
    extra: dict[str, str] = {}
    # Words come from the HTML already rendered: Markdown is the costliest step of a cold build.
    words = [fields.title, fields.summary, html_text(body)]
    if section == "commitments":
        for name in schema.COMMITMENT_SECTIONS:
            value = getattr(fields, name)
            if value.strip():
                sections[name] = render_markdown(value, heading_offset=2)
                words.append(html_text(sections[name]))
    for name in ("venue", "author_role", "credit"):
        if getattr(fields, name, ""):
            extra[name] = getattr(fields, name)
    tags = tuple(getattr(fields, "tags", ()))
    aliases = tuple(getattr(fields, "aliases", ()))
    words += tags + aliases
    plain = " ".join(w for w in words if w)
    return Text(
        lang,
        fields.title,
        fields.summary,
        body,
        sections,
        extra,
        plain,
        fallback,
        status,
        source.path,
        tags,
        aliases,
        fields.glossary_links,
    )


def record_texts(source: RecordSource, languages: list[str], default: str) -> dict[str, Text]:
    """The record's text in every language: its own, or the default language's standing in for it."""
    original = source.texts.get(default)
    if original is None:
        return {}
    expected = translation_fingerprint(original)
    texts: dict[str, Text] = {}
    stand_in: Text | None = None  # the default text, rendered once for every language lacking its own
    for lang in languages:
        own = source.texts.get(lang)
        if own is None:
            if stand_in is None:
                stand_in = _make_text(original, lang, True, "missing", source.section)
            texts[lang] = dataclasses.replace(stand_in, lang=lang)
            continue
        outdated = lang != default and own.fields.translates is not None and own.fields.translates != expected
        texts[lang] = _make_text(own, lang, False, "outdated" if outdated else "complete", source.section)
    return texts
