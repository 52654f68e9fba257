"""Translation status end to end: stamp a translation, change the English, see 'outdated' everywhere."""

from __future__ import annotations

import re
from pathlib import Path

from ogpsite.commands.translations import write_stamp
from ogpsite.content.load import load_content
from ogpsite.model.texts import translation_fingerprint

from .conftest import build_args, parse_html, run_cli

AR0090 = "content/commitments/ar0090"
OUTDATED_ES = "El texto original de esta página cambió después de traducirse"


def _stamp(project: Path, path: str = f"{AR0090}/es.md") -> str:
    result = run_cli("fingerprint", "--write", path, cwd=project)
    assert result.returncode == 0, result.stderr
    match = re.search(r'translates: "([0-9a-f]{12})"', (project / path).read_text(encoding="utf-8"))
    assert match, "the stamp was not written"
    return match.group(1)


def _english(project: Path) -> Path:
    return project / AR0090 / "en.md"


def _source(project: Path, lang: str = "en"):  # type: ignore[no-untyped-def]
    return load_content(project / "content", project).records["commitments"]["ar0090"].texts[lang]


def _unstamp(project: Path) -> None:
    spanish = project / AR0090 / "es.md"
    text = spanish.read_text(encoding="utf-8")
    spanish.write_text(re.sub(r"^translates:.*\n", "", text, flags=re.MULTILINE), encoding="utf-8")


def test_fingerprint_prints_the_line_to_put_in_the_translation(project: Path) -> None:
    expected = translation_fingerprint(_source(project))
    result = run_cli("fingerprint", AR0090, cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'{AR0090}/es.md: translates: "{expected}"  (up to date)'  # the sample is stamped
    _unstamp(project)
    result = run_cli("fingerprint", AR0090, cwd=project)
    assert result.stdout.strip() == f'{AR0090}/es.md: translates: "{expected}"  (not stamped yet)'


def test_write_adds_only_the_stamp(project: Path) -> None:
    _unstamp(project)
    spanish = project / AR0090 / "es.md"
    before = spanish.read_text(encoding="utf-8").split("\n")
    stamp = _stamp(project)
    after = spanish.read_text(encoding="utf-8").split("\n")
    assert [line for line in after if line not in before] == [f'translates: "{stamp}"']
    assert len(after) == len(before) + 1
    again = run_cli("fingerprint", f"{AR0090}/es.md", cwd=project)
    assert "(up to date)" in again.stdout
    # A second write replaces the line rather than adding another.
    run_cli("fingerprint", "--write", f"{AR0090}/es.md", cwd=project)
    assert spanish.read_text(encoding="utf-8").count("translates:") == 1


def test_changed_english_marks_the_spanish_outdated_everywhere(project: Path) -> None:
    _stamp(project)
    first = run_cli(*build_args(), cwd=project)
    assert first.returncode == 0, first.stderr
    page = parse_html(project / "site/es/commitments/ar0090/index.html")
    assert OUTDATED_ES not in page.get_text()
    assert run_cli("check", "--strict", cwd=project).returncode == 0

    english = _english(project)
    english.write_text(english.read_text(encoding="utf-8").replace("Federal Program on Open Government", "Federal Open Government Program"))

    build = run_cli(*build_args("--verbose"), cwd=project)
    assert build.returncode == 0, build.stderr
    assert f"{AR0090}: es outdated" in build.stdout
    page = parse_html(project / "site/es/commitments/ar0090/index.html")
    notice = page.select_one("article .notice, .notice")
    assert notice is not None and OUTDATED_ES in notice.get_text()
    assert page.h1.get_text(strip=True) == "Programa Federal de Gobierno Abierto"  # still the Spanish text
    english_page = parse_html(project / "site/en/commitments/ar0090/index.html")
    assert english_page.select_one(".notice") is None

    check = run_cli("check", cwd=project)
    assert check.returncode == 0  # a warning, not an error
    line = next(n for n, text in enumerate((project / AR0090 / "es.md").read_text().split("\n"), 1) if text.startswith("translates:"))
    assert f"{AR0090}/es.md:{line}: warning: translation is outdated: {AR0090}/en.md has changed since it was translated" in check.stdout
    assert run_cli("check", "--strict", cwd=project).returncode == 1

    table = run_cli("translations", cwd=project)
    assert table.returncode == 0, table.stderr
    row = next(text for text in table.stdout.splitlines() if text.strip().startswith("commitments"))
    assert row.split()[1:] == ["93", "0", "1"]
    assert f"{AR0090}/es.md: outdated" in table.stdout

    # The translator brings the Spanish up to date and stamps it again: complete.
    _stamp(project)
    assert run_cli("check", "--strict", cwd=project).returncode == 0
    rebuilt = run_cli(*build_args(), cwd=project)
    assert rebuilt.returncode == 0
    assert OUTDATED_ES not in parse_html(project / "site/es/commitments/ar0090/index.html").get_text()


def test_rewrapping_the_english_does_not_outdate_the_translation(project: Path) -> None:
    _stamp(project)
    english = _english(project)
    text = english.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    # Join the wrapped lines of every paragraph, in the front matter's blocks and in the body.
    front = re.sub(r"(?<=[a-z,])\n  (?=[a-z])", " ", front)
    body = re.sub(r"(?<=[a-z,])\n(?=[a-z])", " ", body) + "\n\n"
    rewrapped = f"---\n{front}---\n{body}"
    assert rewrapped != text
    english.write_text(rewrapped, encoding="utf-8")
    assert run_cli("check", "--strict", cwd=project).returncode == 0


def test_a_changed_paragraph_does_outdate_it(project: Path) -> None:
    before = translation_fingerprint(_source(project))
    english = _english(project)
    english.write_text(english.read_text(encoding="utf-8").replace("adopt open government", "adopt open-government"), encoding="utf-8")
    assert translation_fingerprint(_source(project)) != before


def test_missing_translation_is_counted_and_listed(project: Path) -> None:
    (project / AR0090 / "es.md").unlink()
    table = run_cli("translations", cwd=project)
    row = next(text for text in table.stdout.splitlines() if text.strip().startswith("commitments"))
    assert row.split()[1:] == ["93", "1", "0"]
    assert f"{AR0090}/es.md: missing" in table.stdout
    check = run_cli("check", "--format", "github", cwd=project)
    assert check.returncode == 0
    assert f"::warning file={AR0090}/es.md,title=ogpsite check::the es translation is missing" in check.stdout
    assert run_cli("check", "--strict", cwd=project).returncode == 1
    # fingerprint names the missing file instead of stamping nothing.
    result = run_cli("fingerprint", "--write", AR0090, cwd=project)
    assert result.returncode == 1 and "no translation yet" in result.stderr


def test_translations_table_for_the_sample(project: Path) -> None:
    result = run_cli("translations", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = [text.split() for text in result.stdout.splitlines()]
    rows = {words[0]: words[1:] for words in lines if len(words) == 4 and words[1].isdigit()}
    assert set(rows) >= {"commitments", "themes", "events", "stories"}
    assert "es complete" in result.stdout and "es missing" in result.stdout and "es outdated" in result.stdout


def test_the_source_text_is_not_stamped(project: Path) -> None:
    result = run_cli("fingerprint", "--write", f"{AR0090}/en.md", cwd=project)
    assert result.returncode == 1
    assert "is the source text" in result.stderr
    assert "translates:" not in _english(project).read_text(encoding="utf-8")


def test_a_fingerprint_of_digits_stays_text(project: Path) -> None:
    # 12 hex digits are sometimes all decimal digits; unquoted, YAML would read a number.
    spanish = project / AR0090 / "es.md"
    assert write_stamp(spanish, "123456789012")
    assert _source(project, "es").fields.translates == "123456789012"
    assert write_stamp(spanish, "12e456789012")
    assert _source(project, "es").fields.translates == "12e456789012"


def test_every_sample_translation_is_stamped_and_current(project: Path) -> None:
    result = run_cli("translations", cwd=project)
    assert "no 'translates:' line" not in result.stdout
    lines = [text.split() for text in result.stdout.splitlines()]
    rows = {words[0]: words[1:] for words in lines if len(words) == 4 and words[1].isdigit()}
    assert all(counts[1:] == ["0", "0"] for counts in rows.values()), rows
