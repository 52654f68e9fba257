"""Fuzzing the loader with Hypothesis: random YAML documents, random values in every field of
every file kind, and random front-matter shapes. Every input must end in a valid record or a
content Problem (with a relative path and a line inside the file), never an uncaught exception;
a full build of a fuzzed record either succeeds or fails with problems.

Budget: the example counts below times OGPSITE_FUZZ_SCALE (default 1; CI or a curious developer
may raise it, e.g. OGPSITE_FUZZ_SCALE=10). No deadline: the machine is shared.
"""

from __future__ import annotations

import dataclasses
import os
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ogpsite.build import build
from ogpsite.content import schema, yamlsource
from ogpsite.content.load import load_content
from ogpsite.content.sources import read_text, split_front_matter
from ogpsite.content.validate import validate
from ogpsite.content.yamlsource import load_yaml
from ogpsite.errors import BuildFailed, Problem
from ogpsite.model.resolve import build_model
from ogpsite.settings import BuildSettings

from .conftest import BUILD_DATE, ROOT, parse_html

SCALE = max(1, int(os.environ.get("OGPSITE_FUZZ_SCALE", "1")))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# --- strategies ---------------------------------------------------------------------------------

# Pieces that make YAML interesting: indicators, anchors, tags, directives, block scalars, odd
# scalars that resolve to other types, and characters that YAML readers treat specially.
YAML_PIECES = [
    "-", "- ", ": ", ":", " ", "  ", "\n", "\n  ", "\t", "[", "]", "{", "}", ",", "? ", "#", "---", "...",
    "&a ", "*a", "<<: ", "!!str ", "!!python/object:os.system ", "!x ", "! ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n",
    "|", "|-", ">", ">+", "'", '"', "\\", "\\x07", "\\ud800", "\\e", "@", "`", "%",
    "title", "summary", "id", "order", "start", "date", "themes", "status", "languages", "en", "es",
    "AR0090", "ar0090", "2022-09-26", "2022-02-30", "20220926", "1e400", "0x1F", "0o17", ".nan", "-.inf",
    "yes", "no", "on", "null", "~", "true", "9" * 40, "\ufeff", "\x85", "\u2028", "\u202e", "é", "ñ", "😀",
    "<script>alert(1)</script>", "</script>", "javascript:alert(1)",
]  # fmt: skip
yaml_soup = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=3), max_size=40).map("".join)

SLUGS = ["open-state", "argentina", "ar-2019", "gov", "policy", "Open State", "", "-x", "a--b", "ñandú", "x" * 70]
DATES = ["2022-09-26", "2022-02-30", "2022-9-1", "26/09/2022", "2022-09-26T10:00:00", "0000-01-01", "9999-12-31"]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "</script><b>", "{{ 7*7 }}"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(SLUGS + DATES + HOSTILE + ["active", "inactive", "regional", "story", "local", "en", "es"])
    | st.text(max_size=30)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12
)


def fields_of(model: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Mappings whose keys are mostly the model's own fields (so validation gets past 'unknown')."""
    names = list(model.model_fields)
    known = st.dictionaries(st.sampled_from(names), values, max_size=len(names))
    noise = st.dictionaries(st.text(string.ascii_lowercase + "_", min_size=1, max_size=8), values, max_size=2)
    return st.tuples(known, noise, st.booleans()).map(lambda t: {**t[0], **t[1]} if t[2] else t[0])


@st.composite
def yaml_text(draw: st.DrawFn, data: Any) -> str:
    """`data` as YAML in a random style, sometimes damaged by a random edit."""
    try:
        text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.sampled_from([False, True, None])))
    except yaml.YAMLError:
        text = ""
    if draw(st.integers(0, 3)) == 0 and text:
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 5))
        text = text[:at] + draw(st.sampled_from(YAML_PIECES)) + text[at + cut :]
    return text


MARKDOWN_PIECES = [
    "# ", "## ", "\n\n", "\n", "* ", "1. ", "> ", "```\n", "`", "**", "_", "[", "](", ")", "![x](", "|a|b|\n|-|-|\n",
    "<div>", "</div>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>x</a>",
    "<!--", "-->", "&amp;", "&#0;", "&#4;", "<b>&#x1b;</b>", "<i title='&#xFFFE;'>", "\\", "---",
    "<details open ontoggle=alert(1)>", "<svg onload=alert(1)>",
]  # fmt: skip
markdown_body = st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(max_size=6), max_size=30).map("".join)
printable = st.characters(exclude_categories=("Cc", "Cs"))
printable_body = st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(printable, max_size=6), max_size=30).map("".join)

OPENERS = ["---\n", "---\r\n", "\ufeff---\n", "--- \n", "----\n", "\n---\n", "", "title: x\n"]
CLOSERS = ["---\n", "---\r\n", "--- \n", "...\n", "", "---"]


@st.composite
def text_file(draw: st.DrawFn, model: type[schema.TextBase]) -> str:
    """A {lang}.md: opener, front matter (random fields), closer, Markdown body, in random line ends."""
    front = draw(yaml_text(draw(fields_of(model))) | yaml_soup)
    text = draw(st.sampled_from(OPENERS)) + front + draw(st.sampled_from(CLOSERS)) + draw(markdown_body)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return text.replace("\n", newline)


# --- a tiny site the fuzzed record is dropped into ------------------------------------------------

SKELETON = {
    "site.yaml": "title: {en: Fuzz, es: Fuzz}\nlanguages: [en, es]\ndefault_language: en\nbase_url: https://example.org/\n",
    "members.yaml": "argentina:\n  name: {en: Argentina, es: Argentina}\n  code: AR\n",
    "action_plans.yaml": "ar-2019:\n  member: argentina\n  cycle: 2019\n  title: {en: Fourth plan, es: Cuarto plan}\n",
    "institutions.yaml": "gov:\n  name: {en: Government, es: Gobierno}\n  kind: government\n",
    "policy_areas.yaml": "policy: {en: Policy, es: Política}\n",
    "themes/open-state/facts.yaml": "order: 1\n",
    "themes/open-state/en.md": "---\ntitle: Open State\n---\nText.\n",
    "events/meeting/facts.yaml": "start: 2022-09-26\ncity: Santo Domingo\ncountry: argentina\nkind: regional\n",
    "events/meeting/en.md": "---\ntitle: Meeting\n---\n",
}
FOLDERS = {"commitments": "ar0090", "themes": "fuzzed", "events": "fuzzed", "stories": "fuzzed", "glossary": "fuzzed"}


def make_site(project: Path, section: str, files: dict[str, str | bytes]) -> Path:
    for rel, text in SKELETON.items():
        path = project / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    folder = project / "content" / section / FOLDERS[section]
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return folder


VALID_FACTS: dict[str, dict[str, Any]] = {
    "commitments": {"id": "AR0090", "member": "argentina", "action_plan": "ar-2019", "status": "active", "themes": ["open-state"]},
    "themes": {"order": 2},
    "events": {"start": "2022-09-26", "city": "Santo Domingo", "country": "argentina", "kind": "regional", "organisers": ["gov"]},
    "stories": {"date": "2022-09-29", "event": "meeting", "themes": ["open-state"], "government_levels": ["local"]},
    "glossary": {"see_also": []},
}
any_text = st.text(printable, max_size=40) | st.sampled_from(HOSTILE)


@st.composite
def near_valid(draw: st.DrawFn, section: str, model: type[Any]) -> dict[str, Any]:
    """A valid record with up to two fields replaced, added or dropped: reaches the renderer often."""
    facts = dict(VALID_FACTS[section])
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        name = draw(st.sampled_from(list(model.model_fields)))
        if draw(st.booleans()) and name in facts:
            del facts[name]
        else:
            facts[name] = draw(values)
    return facts


@st.composite
def fuzzed_record(draw: st.DrawFn) -> tuple[str, dict[str, str | bytes]]:
    """Half the time a near-valid record with hostile or random text; else anything at all."""
    section = draw(st.sampled_from(list(schema.RECORD_TYPES)))
    facts_model, text_model = schema.RECORD_TYPES[section]
    files: dict[str, str | bytes] = {}
    if draw(st.booleans()):
        files["facts.yaml"] = yaml.safe_dump(draw(near_valid(section, facts_model)), allow_unicode=True)
        for lang in draw(st.sampled_from([["en"], ["en", "es"], ["es"]])):
            front = yaml.safe_dump({"title": draw(any_text) + "x", "summary": draw(any_text)}, allow_unicode=True)
            files[f"{lang}.md"] = "---\n" + front + "---\n" + draw(printable_body)
        return section, files
    facts = draw(fields_of(facts_model))
    if section == "commitments" and draw(st.booleans()):
        facts.setdefault("id", "AR0090")
    files["facts.yaml"] = draw(yaml_text(facts) | yaml_soup)
    for lang in draw(st.lists(st.sampled_from(["en", "es", "fr", "EN"]), unique=True, max_size=3)):
        files[f"{lang}.md"] = draw(text_file(text_model))
    if draw(st.integers(0, 5)) == 0:  # raw bytes: invalid UTF-8, UTF-16, NULs
        files["en.md"] = draw(st.binary(max_size=200)) if draw(st.booleans()) else draw(text_file(text_model)).encode("utf-16")
    return section, files


def assert_sound(problems: list[Problem], project: Path) -> None:
    """Each problem names a file of the project, relatively, and a line inside that file."""
    for problem in problems:
        assert problem.message and problem.severity in ("error", "warning"), problem
        assert not problem.path.startswith("/"), problem
        assert problem.line >= 0, problem
        file = project / problem.path
        if problem.line and file.is_file():
            lines = file.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
            assert problem.line <= lines, (problem, lines)


# --- the properties -------------------------------------------------------------------------------


@budget(1500)
@given(st.text() | yaml_soup)
def test_any_text_is_yaml_or_a_problem(text: str) -> None:
    doc, problems = load_yaml(text, "f.yaml", line_offset=1)
    assert doc is not None or any(p.is_error for p in problems)
    for problem in problems:
        assert 2 <= problem.line <= text.count("\n") + text.count("\r") + text.count("\x85") + text.count("\u2028") + 3, problem


def _slow_load(text: str) -> tuple[Any, list[Problem]]:
    """load_yaml with libyaml's parser switched off (the pure-Python loader only)."""
    saved, yamlsource._CLoader = yamlsource._CLoader, None
    try:
        return load_yaml(text, "f.yaml", line_offset=1)
    finally:
        yamlsource._CLoader = saved


def _same_load(text: str) -> None:
    fast, fast_problems = load_yaml(text, "f.yaml", line_offset=1)
    slow, slow_problems = _slow_load(text)
    assert fast_problems == slow_problems
    assert (fast is None) == (slow is None)
    if fast is not None and slow is not None:
        assert (fast.data, fast.lines, fast.first_line) == (slow.data, slow.lines, slow.first_line)


@budget(1500)
@given(st.text() | yaml_soup)
def test_libyaml_and_python_loaders_agree(text: str) -> None:
    """The fast path (libyaml) gives the same values, lines and problems as the pure-Python loader."""
    _same_load(text)


def test_libyaml_and_python_loaders_agree_on_the_bundled_content() -> None:
    files = sorted((ROOT / "content").rglob("*.yaml"))
    fronts = [split_front_matter(read_text(f, f.name, f.parent, 10**6)[0])[0] for f in sorted((ROOT / "content").rglob("*.md"))]
    assert len(files) > 90 and len(fronts) > 190
    assert yamlsource._fast_path_safe(files[0].read_text(encoding="utf-8"))  # the fast path is really taken
    for f in files:
        _same_load(f.read_text(encoding="utf-8"))
    for front in fronts:
        assert front is not None
        _same_load(front.yaml_text)


def test_lines_are_numbered_as_editors_number_them() -> None:
    """YAML also breaks lines at U+2028, U+2029 and U+0085; editors and GitHub do not."""
    _, problems = load_yaml("a: 1\nb: 2\u2028c: 3\x85e: 4\nd: [", "f.yaml")
    assert [p.line for p in problems] == [3]
    doc, _ = load_yaml("a: 1\u2028b: 2\nc: 3\n", "f.yaml")
    assert doc is not None and doc.line_of(("c",)) == 2


@pytest.mark.parametrize("depth", [41, 5000])
def test_deep_nesting_is_refused_by_either_parser(depth: int) -> None:
    for text in ("[" * depth + "]" * depth, "- " * depth + "x", "".join(" " * i + "k:\n" for i in range(depth)) + "v"):
        doc, problems = load_yaml(text, "f.yaml")
        assert doc is None and "nested more than" in problems[0].message, problems


@budget(600)
@given(st.data())
def test_any_values_validate_or_explain(data: st.DataObject) -> None:
    """Every file kind's model: a record, or one problem per mistake, each on a line of the file."""
    model = data.draw(st.sampled_from([m for pair in schema.RECORD_TYPES.values() for m in pair] + [schema.SiteFile]))
    text = data.draw(yaml_text(data.draw(fields_of(model))))
    doc, problems = load_yaml(text, "f.yaml")
    if doc is None:
        assert any(p.is_error for p in problems)
        return
    if doc.data is None:
        doc.data = {}
    record, more = validate(model, doc, "f.yaml")
    assert (record is None) == bool(more)
    for problem in more:
        assert problem.message and 1 <= problem.line <= text.count("\n") + 1, problem
        assert "Input should" not in problem.message or problem.hint, problem  # pydantic's words come with a hint


@budget(400)
@given(st.data())
def test_front_matter_shapes_split_or_explain(data: st.DataObject) -> None:
    model = data.draw(st.sampled_from([m for _, m in schema.RECORD_TYPES.values()]))
    raw = data.draw(text_file(model)).encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "en.md"
        file.write_bytes(raw)
        source, problems = read_text(file, "en.md", Path(folder), 500_000)
        if source is None:
            assert problems and problems[0].is_error
            return
        front, problems = split_front_matter(source)
        assert (front is None) == bool(problems)
        if front is not None:
            assert source.text.split("\n")[front.body_first_line - 2].strip() == "---"


@budget(300)
@given(fuzzed_record())
def test_fuzzed_record_loads_or_is_reported(record: tuple[str, dict[str, str | bytes]]) -> None:
    section, files = record
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        make_site(project, section, files)
        content = load_content(project / "content", project)
        model, problems = build_model(content)
        problems = content.problems + problems
        assert_sound(problems, project)
        assert model is not None  # the skeleton's site.yaml is valid
        record_folder = f"content/{section}/{FOLDERS[section]}"
        loaded = (section, FOLDERS[section]) in model.by_key
        reported = any(p.is_error and p.path.startswith(record_folder) for p in problems)
        assert loaded or reported, problems
        event("record loaded" if loaded else "record reported")
        if loaded and not any(p.is_error for p in problems):
            text = model.by_key[(section, FOLDERS[section])].texts["en"]
            assert text.title.strip()


def _settings(project: Path) -> BuildSettings:
    base = BuildSettings(project, project / "content", ROOT / "templates", project / "site", None, BUILD_DATE)
    names = {f.name for f in dataclasses.fields(BuildSettings)}
    return dataclasses.replace(base, **{k: v for k, v in {"use_cache": False, "workers": 1}.items() if k in names})


@budget(60)
@given(fuzzed_record())
def test_fuzzed_record_builds_or_fails_cleanly(record: tuple[str, dict[str, str | bytes]]) -> None:
    """All the way to HTML: a build succeeds (and the record's page parses) or lists problems."""
    section, files = record
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        make_site(project, section, files)
        try:
            build(_settings(project))
        except BuildFailed as failed:
            assert failed.problems and all(isinstance(p, Problem) for p in failed.problems)
            assert_sound(failed.problems, project)
            event("build failed with problems")
            return
        event("site built")
        # A glossary term has no page of its own: it is an anchor of the glossary page.
        own = "" if section == "glossary" else FOLDERS[section]
        page = project / "site/en" / section / own / "index.html"
        assert page.is_file()
        soup = parse_html(page)
        if section == "glossary":
            assert soup.select_one(f"dt#{FOLDERS[section]}") is not None
        assert soup.h1 is not None and soup.h1.get_text(strip=True)
        assert not soup.select("main script, main [onerror], main [onload], main [ontoggle]")
