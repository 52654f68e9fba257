"""Every UI string in the templates has a Spanish translation in the gettext catalog."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from .conftest import ROOT

CATALOG = ROOT / "templates" / "locale" / "es" / "LC_MESSAGES" / "messages.po"


def template_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "translate": (2,)}
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    found = extract_from_dir(
        str(ROOT / "templates"), method_map=[("**.html", "jinja2")], options_map={"**.html": options}, keywords=keywords
    )
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_templates_use_the_catalog() -> None:
    assert "Commitments" in template_messages()


def test_every_template_string_is_translated_to_spanish() -> None:
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(template_messages() - translated)
    assert not missing, f"add Spanish translations to {CATALOG.relative_to(ROOT)}: {missing}"
