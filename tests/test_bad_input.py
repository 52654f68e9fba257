"""Bad and hostile content files, one fixture per case: the exact `path:line: message — hint`, exit
status 1, the previous site/ byte for byte as it was, and never a traceback.

tests/test_content_errors.py already covers malformed YAML, a missing field, a list where text
belongs, an unknown status, a theme or event that does not exist, an invalid date, a number as a
date, an ID that breaks the format, an ID that does not match its folder, a language the site
does not have and a misspelt field. This file covers the rest of issue 7's list, and the
accepted-but-odd inputs (BOM, CRLF, CR, a link inside content/) that must build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ogpsite.content.sources import MAX_MARKDOWN_BYTES, read_text

from .conftest import ROOT, build_args, parse_html, run_cli
from .test_content_errors import edit, tree_digest

AR0090 = "content/commitments/ar0090"
EVENT = "content/events/open-americas-2022"
THEME = "content/themes/open-state"
HANG_GUARD = 120  # seconds: a case that takes this long hangs (the whole build takes about 3 s)


@dataclass(frozen=True)
class Case:
    break_it: Callable[[Path], object]
    expected: tuple[str, ...]  # each must appear in stderr; the first is the case's own error
    not_expected: tuple[str, ...] = ()


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def replace_with_link(file: Path, target: str | Path) -> None:
    file.unlink()
    os.symlink(target, file)


def billion_laughs(p: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    write(p / AR0090 / "facts.yaml", "\n".join(lines) + "\n")


def python_tag(p: Path) -> None:
    proof = p / "tag-ran"
    write(p / AR0090 / "facts.yaml", f"id: !!python/object/apply:os.system ['touch {proof}']\nmember: argentina\n")


CASES: dict[str, Case] = {
    "unknown policy area": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "capacity-building", "capacity-bilding"),
        (f"{AR0090}/facts.yaml:5: policy area 'capacity-bilding' does not exist — did you mean 'capacity-building'?",),
    ),
    "mapping where a list belongs": Case(
        lambda p: edit(p / EVENT / "facts.yaml", "themes: [subnational, cocreation, citizen-participation, sdgs]", "themes: {a: 1}"),
        (f"{EVENT}/facts.yaml:7: 'themes' must be a list — write it as a YAML list, one '- item' per line",),
    ),
    "number where text belongs": Case(
        lambda p: edit(p / EVENT / "facts.yaml", "city: Santo Domingo", "city: 1492"),
        (f"{EVENT}/facts.yaml:3: 'city' must be text, not int — write a single line of text (quote it if it looks like a number or date)",),
    ),
    "end before start": Case(
        lambda p: edit(p / EVENT / "facts.yaml", "end: 2022-09-29", "end: 2022-09-01"),
        (f"{EVENT}/facts.yaml:2: end (2022-09-01) is before start (2022-09-26)",),
    ),
    "two supporting records with the same slug": Case(
        lambda p: edit(p / "content/members.yaml", "brazil:", "argentina:\n  name: {en: Argentina, es: Argentina}\n  code: AR\nbrazil:"),
        ("content/members.yaml:", "'argentina' appears twice (first on line 4) — keep one of them"),
    ),
    "the same key twice in one record": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active\n", "status: active\nstatus: inactive\n"),
        (f"{AR0090}/facts.yaml:5: 'status' appears twice (first on line 4) — keep one of them",),
    ),
    "the same theme twice in one list": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "themes: [subnational,", "themes: [subnational, subnational,"),
        (f"{AR0090}/facts.yaml:6: theme 'subnational' is listed twice — remove the repeated line",),
    ),
    "ID in lower case": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "id: AR0090", "id: ar0090"),
        (f"{AR0090}/facts.yaml:1: 'ar0090' is not valid for 'id' — write two capital letters and four digits, e.g. AR0090",),
    ),
    "a title on two lines": Case(
        lambda p: edit(p / THEME / "en.md", "title: Open State", 'title: "Open\\nState"'),
        (f"{THEME}/en.md:2: 'title' must be one line — remove the line breaks",),
    ),
    "two YAML documents in one file": Case(
        lambda p: (p / AR0090 / "facts.yaml").open("a", encoding="utf-8").write("---\nid: AR0091\n"),
        (f"{AR0090}/facts.yaml:18: invalid YAML: but found another document",),
    ),
    "not UTF-8 (Latin-1)": Case(
        lambda p: write(p / THEME / "en.md", "---\ntitle: Open State\n---\nEstado abierto: participación\n".encode("latin-1")),
        (f"{THEME}/en.md:4: is not valid UTF-8 (byte 0xf3) — save the file with UTF-8 encoding",),
    ),
    "not UTF-8 (UTF-16)": Case(
        lambda p: write(p / THEME / "facts.yaml", "order: 3\n".encode("utf-16")),
        (f"{THEME}/facts.yaml:1: is not valid UTF-8 (byte 0xff)",),
    ),
    "empty facts.yaml": Case(
        lambda p: write(p / THEME / "facts.yaml", ""),
        (f"{THEME}/facts.yaml: file is empty — fill it in, or delete it",),
    ),
    "empty en.md (only blank lines)": Case(
        lambda p: write(p / THEME / "en.md", "\n\n  \n"),
        (f"{THEME}/en.md: file is empty — fill it in, or delete it",),
        ("the en text of this record is missing",),  # one complaint, not two
    ),
    "front matter never closed": Case(
        lambda p: write(p / THEME / "en.md", "---\ntitle: Open State\nsummary: x\n"),
        (f"{THEME}/en.md:1: front matter is not closed — add a line '---' after the last YAML line",),
    ),
    "a NUL byte": Case(
        lambda p: write(p / THEME / "en.md", b"---\ntitle: Open State\n---\nA\x00B\n"),
        (f"{THEME}/en.md:4: contains a NUL character",),
    ),
    "a control character in text": Case(
        lambda p: edit(p / THEME / "en.md", "title: Open State", 'title: "Open\\x1b[2J State"'),
        (f"{THEME}/en.md:2: 'title' contains an invisible control character (U+001B) — delete it",),
    ),
    "a raw control character (backspace) in YAML": Case(
        lambda p: write(p / THEME / "facts.yaml", "# the order\norder: 3\x08\n"),
        (f"{THEME}/facts.yaml:2: contains an invisible control character (U+0008) — delete it",),
    ),
    "a raw control character in a Markdown body": Case(
        lambda p: write(p / THEME / "en.md", "---\ntitle: Open State\n---\nFirst line.\nEnd of\x04 transmission.\n"),
        (f"{THEME}/en.md:5: contains an invisible control character (U+0004) — delete it",),
    ),
    "an unpaired surrogate": Case(
        lambda p: edit(p / THEME / "en.md", "title: Open State", 'title: "Open \\ud800 State"'),
        (f"{THEME}/en.md:2: 'title' contains an invisible control character (U+D800)",),
        ("unable to parse raw data",),
    ),
    "a 20 MB Markdown body": Case(
        lambda p: write(p / THEME / "en.md", "---\ntitle: Open State\n---\n" + "All work and no play. " * 1_000_000),
        (f"{THEME}/en.md: file is 22,000,026 bytes, over the limit of {MAX_MARKDOWN_BYTES:,} bytes — split the text",),
    ),
    "too much raw HTML in the body": Case(
        lambda p: write(p / THEME / "en.md", "---\ntitle: Open State\n---\nIntro.\n\n" + "<div>\n" * 2_100),
        (f"{THEME}/en.md:2006: the text has more than 2,000 raw HTML tags — write Markdown instead of HTML",),
    ),
    "billion laughs": Case(
        billion_laughs,
        (f"{AR0090}/facts.yaml:2: invalid YAML: anchors and aliases (*name) are not allowed in content — write the value out in full",),
    ),
    "a single alias": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active", "status: &s active\nnote: *s"),
        (f"{AR0090}/facts.yaml:5: invalid YAML: anchors and aliases (*name) are not allowed",),
    ),
    "!!python/object tag": Case(
        python_tag,
        (f"{AR0090}/facts.yaml:1: invalid YAML: YAML tags such as !!python/object are not allowed — remove the '!…' tag",),
    ),
    "!!binary tag": Case(
        lambda p: edit(p / THEME / "en.md", "title: Open State", "title: !!binary T3BlbiBTdGF0ZQ=="),
        (f"{THEME}/en.md:2: invalid YAML: YAML tags such as !!python/object are not allowed",),
    ),
    "a local !tag": Case(
        lambda p: write(p / THEME / "facts.yaml", "order: !ruby/object 3\n"),
        (f"{THEME}/facts.yaml:1: invalid YAML: YAML tags such as !!python/object are not allowed",),
    ),
    "nesting 10,000 deep": Case(
        lambda p: write(p / THEME / "facts.yaml", "order: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        (f"{THEME}/facts.yaml:1: invalid YAML: lists and mappings are nested more than 40 levels deep",),
    ),
    "a 5,000-digit number": Case(
        lambda p: write(p / THEME / "facts.yaml", "order: " + "9" * 5_000 + "\n"),
        (f"{THEME}/facts.yaml:1: invalid YAML: a number longer than 30 digits — put it in quotes if it is text",),
    ),
    "symlink to a file outside content/": Case(
        lambda p: replace_with_link(p / THEME / "en.md", "/etc/passwd"),
        (f"{THEME}/en.md: is a symbolic link to a file outside content/ — copy the file into content/ instead of linking it",),
        ("root:",),
    ),
    "symlink to /dev/zero": Case(
        lambda p: replace_with_link(p / THEME / "en.md", "/dev/zero"),
        (f"{THEME}/en.md: is a symbolic link to a file outside content/",),
    ),
    "symlink to a folder outside content/": Case(
        lambda p: (
            os.symlink(p / "elsewhere", p / "content/themes/linked", target_is_directory=True)
            or shutil.copytree(p / THEME, p / "elsewhere")
        ),
        ("content/themes/linked: leads outside content/ through a symbolic link — copy the record into content/",),
    ),
    "section folder linked from outside": Case(
        lambda p: (shutil.move(p / "content/stories", p / "stories"), os.symlink(p / "stories", p / "content/stories")),
        ("content/stories: leads outside content/ through a symbolic link — make content/stories a real folder",),
    ),
    "symlink to nothing": Case(
        lambda p: replace_with_link(p / THEME / "es.md", "missing.md"),
        (f"{THEME}/es.md: is a symbolic link to nothing (or to itself) — replace the link with the file itself",),
    ),
    "symlink loop": Case(
        lambda p: replace_with_link(p / THEME / "es.md", "es.md"),
        (f"{THEME}/es.md: is a symbolic link to nothing (or to itself)",),
    ),
    "a named pipe as en.md": Case(
        lambda p: (p / THEME / "en.md").unlink() or os.mkfifo(p / THEME / "en.md"),
        (f"{THEME}/en.md: is not a regular file — replace it with a plain text file",),
    ),
    "a folder named facts.yaml": Case(
        lambda p: (p / THEME / "facts.yaml").unlink() or (p / THEME / "facts.yaml").mkdir(),
        (f"{THEME}/facts.yaml: is a folder, not a file",),
    ),
    "folder name with a space": Case(
        lambda p: shutil.copytree(p / THEME, p / "content/themes/open data"),
        ("content/themes/open data: folder name 'open data' is not a valid slug — rename the folder to 'open-data'",),
    ),
    "folder name with non-ASCII letters": Case(
        lambda p: shutil.copytree(p / THEME, p / "content/themes/participación-ñandú"),
        (
            "content/themes/participación-ñandú: folder name 'participación-ñandú' is not a valid slug"
            " — rename the folder to 'participacion-nandu'",
        ),
    ),
    "folder name that is not UTF-8": Case(
        lambda p: shutil.copytree(p / THEME, os.fsdecode(bytes(p / "content/themes") + b"/caf\xe9")),
        ("content/themes/caf\\xe9: folder name 'caf\\xe9' is not a valid slug — rename the folder to 'caf'",),
    ),
    "language file with an accent": Case(
        lambda p: shutil.copy(p / THEME / "es.md", p / THEME / "és.md"),
        (f"{THEME}/és.md: 'és' is not one of the site's languages (en, es) — rename it to es.md",),
    ),
    "language file with a space": Case(
        lambda p: shutil.copy(p / THEME / "en.md", p / THEME / "en copy.md"),
        (f"{THEME}/en copy.md: 'en copy' is not one of the site's languages (en, es) — rename it to one of en.md, es.md",),
    ),
    "ANSI escapes echoed in a message": Case(
        lambda p: edit(p / AR0090 / "facts.yaml", "status: active", 'status: "\\e[2J\\e[8mfinished"'),
        (f"{AR0090}/facts.yaml:4:",),
        ("\x1b",),  # the escape is printed as text, never sent to the terminal
    ),
}


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built once; each case starts from a copy of this site, then breaks the content."""
    base = tmp_path_factory.mktemp("baseline")
    shutil.copytree(ROOT / "content", base / "content")
    result = run_cli(*build_args("--no-cache"), cwd=base)
    assert result.returncode == 0, result.stderr
    return base / "site"


def run_build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *build_args()],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        errors="surrogateescape",
    )


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_reported_and_site_kept(project: Path, built_sample: Path, case: str) -> None:
    shutil.copytree(built_sample, project / "site", symlinks=True)
    before = tree_digest(project / "site")

    CASES[case].break_it(project)
    result = run_build(project)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for expected in CASES[case].expected:
        assert expected in result.stderr, result.stderr
    for unexpected in CASES[case].not_expected:
        assert unexpected not in output, output
    assert "Traceback" not in output
    assert "site/ was left as it was" in result.stderr
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site.building-*"))
    assert not (project / "tag-ran").exists()  # a refused tag never ran


# --- odd but valid input: accepted, and built as if it were plain ------------------------------


def test_utf8_bom_is_accepted(project: Path) -> None:
    for name in ("facts.yaml", "en.md"):
        file = project / THEME / name
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
    site_file = project / "content/site.yaml"
    site_file.write_bytes(b"\xef\xbb\xbf" + site_file.read_bytes())
    result = run_cli(*build_args(), cwd=project)
    assert result.returncode == 0, result.stderr
    soup = parse_html(project / "site/en/themes/open-state/index.html")
    assert soup.h1.get_text(strip=True) == "Open State"
    assert "\ufeff" not in (project / "site/en/themes/open-state/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_windows_and_old_mac_line_ends_keep_line_numbers(project: Path, newline: str) -> None:
    file = project / EVENT / "facts.yaml"
    text = file.read_text(encoding="utf-8").replace("kind: regional", "kind: global")
    file.write_bytes(text.replace("\n", newline).encode())
    result = run_cli(*build_args(), cwd=project)
    assert result.returncode == 1
    assert f"{EVENT}/facts.yaml:5: 'global' is not an allowed value for 'kind'" in result.stderr


def test_symlink_inside_content_is_followed(project: Path) -> None:
    """A link that stays inside content/ is harmless: es.md may stand for en.md."""
    replace_with_link(project / THEME / "es.md", "en.md")
    result = run_cli(*build_args(), cwd=project)
    assert result.returncode == 0, result.stderr
    assert parse_html(project / "site/es/themes/open-state/index.html").h1.get_text(strip=True) == "Open State"


# --- the limits, at their edges (in process: no build needed) ----------------------------------


def test_markdown_limit_edges(tmp_path: Path) -> None:
    head = "---\ntitle: x\n---\n"
    at_limit = tmp_path / "at.md"
    at_limit.write_text(head + "a" * (MAX_MARKDOWN_BYTES - len(head)), encoding="utf-8")
    over = tmp_path / "over.md"
    over.write_text(head + "a" * (MAX_MARKDOWN_BYTES - len(head) + 1), encoding="utf-8")
    source, problems = read_text(at_limit, "at.md", tmp_path, MAX_MARKDOWN_BYTES)
    assert source is not None and problems == []
    source, problems = read_text(over, "over.md", tmp_path, MAX_MARKDOWN_BYTES)
    assert source is None
    assert [p.format() for p in problems] == [
        f"over.md: file is {MAX_MARKDOWN_BYTES + 1:,} bytes, over the limit of {MAX_MARKDOWN_BYTES:,} bytes"
        " — split the text into several records, or move large data out of content/"
    ]


def test_raw_html_limit_falls_back_to_text_in_the_renderer() -> None:
    """Past the limit the renderer shows raw HTML as text (fast), should a caller skip the load check."""
    from ogpsite.content.markdown import MAX_RAW_HTML_TAGS, render_markdown

    within = render_markdown("<b>bold</b>\n\n" + "<i>x</i>" * (MAX_RAW_HTML_TAGS // 2 - 1))
    assert "<b>bold</b>" in within
    beyond = render_markdown("<b>bold</b>\n\n" + "<div>" * 100_000)
    assert "<b>" not in beyond and "&lt;b&gt;bold&lt;/b&gt;" in beyond
