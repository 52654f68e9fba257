"""The UI catalogs are current: templates/locale/messages.pot is what `make messages` extracts
from the templates and code now, and every language's .po translates every string in it, so
translation platforms (Weblate, Crowdin) and translators work from a template that is never stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from .conftest import ROOT

POT = ROOT / "templates" / "locale" / "messages.pot"
CATALOGS = sorted((ROOT / "templates" / "locale").glob("*/LC_MESSAGES/messages.po"))


def extract(to: Path) -> None:
    """`make messages`'s extraction (the same arguments)."""
    args = ["--quiet", "extract", "-F", "babel.cfg", "-k", "translate:2", "-o", str(to), "--no-location", "--omit-header", "."]
    code = "import sys; from babel.messages.frontend import main; sys.argv = ['pybabel', *sys.argv[1:]]; main()"
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_committed_template_is_what_the_templates_hold_now(tmp_path: Path) -> None:
    extract(tmp_path / "messages.pot")
    fresh = (tmp_path / "messages.pot").read_text(encoding="utf-8")
    assert "msgid" in fresh
    assert POT.read_text(encoding="utf-8") == fresh, "templates/locale/messages.pot is stale: run `make messages` and translate what is new"
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(POT)], cwd=ROOT, capture_output=True, text=True)
    assert tracked.returncode == 0, "messages.pot must be committed"


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_catalog_translates_every_string(catalog: Path) -> None:
    with POT.open("rb") as fh:
        template = [message for message in read_po(fh) if message.id]
    with catalog.open("rb") as fh:
        po = read_po(fh)
    assert len(template) > 50
    untranslated = []
    for message in template:
        found = po.get(message.id)
        strings = found.string if found is not None else ""
        if found is None or found.fuzzy or not all(strings if isinstance(strings, tuple) else [strings]):
            untranslated.append(message.id)
    assert untranslated == [], f"{catalog.relative_to(ROOT)} lacks these (`make messages`, then translate them): {untranslated}"
    assert [m.id for m in po if m.id and m.id not in {t.id for t in template}] == []  # none left over
