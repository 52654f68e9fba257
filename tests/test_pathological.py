"""No Markdown input under the size limit stalls a build (issue 14): each of the CommonMark
pathological-input classes, at the size limit, through the loader (`ogpsite check`'s load,
validate and resolve, Markdown rendered included) either loads or is refused with a `path:line`
message saying what to change. Never a traceback; time is only bounded here, generously (the
figures are in benchmarks/safety_bench.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ogpsite.content.markdown import MAX_BRACKETS, MAX_EMPHASIS_MARKS, markup_over_limits, render_markdown
from ogpsite.content.sources import MAX_MARKDOWN_BYTES

from .conftest import ROOT
from .pathological_markdown import PATHOLOGICAL, load_with_body, minimal_project

GENEROUS_SECONDS = 30  # 15x the 2 s the benchmark holds each input to: only a stall fails this
REFUSAL = re.compile(r"^content/themes/open-state/en\.md:(\d+): the text has more than [\d,]+ .+ — \S.+")


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return minimal_project(tmp_path_factory.mktemp("pathological"), ROOT)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_each_input_at_the_size_limit_loads_or_is_refused_with_its_line(small_project: Path, name: str) -> None:
    result = load_with_body(small_project, ROOT, PATHOLOGICAL[name], MAX_MARKDOWN_BYTES)
    assert MAX_MARKDOWN_BYTES * 0.99 <= result.size <= MAX_MARKDOWN_BYTES  # at the limit, not over it
    assert result.cpu < GENEROUS_SECONDS, (name, result)
    for error in result.errors:  # refused: where, what, and what to do instead
        match = REFUSAL.match(error)
        assert match, error
        assert int(match.group(1)) >= 5  # a line of the body (the front matter ends on line 4)


def test_a_refusal_names_the_line_where_the_run_starts(small_project: Path) -> None:
    body = "A paragraph.\n\n" * 20 + "[" * (MAX_BRACKETS + 1)
    result = load_with_body(small_project, ROOT, lambda _size: body, 100_000)
    assert result.errors == [
        "content/themes/open-state/en.md:45: the text has more than 10,000 '[' (each may start a link or an image)"
        " — split the text into several records, or remove the run of '[' that starts on this line"
    ]
    emphasis = "Intro.\n\n" + "*a* " * (MAX_EMPHASIS_MARKS // 2 + 1)
    result = load_with_body(small_project, ROOT, lambda _size: emphasis, 200_000)
    assert len(result.errors) == 1 and result.errors[0].startswith("content/themes/open-state/en.md:7: the text has more than 30,000 '*'")


def test_real_texts_stay_well_under_the_limits() -> None:
    """The limits refuse only what no page needs: the sample's texts and a long text full of links
    and emphasis render as Markdown."""
    for file in (ROOT / "content").rglob("*.md"):
        assert markup_over_limits(file.read_text(encoding="utf-8")) is None, file
    long_text = "A sentence with a [link](https://example.org/a_b) and *some* __strong__ words.\n\n" * 4_000
    assert markup_over_limits(long_text) is None
    html = render_markdown(long_text)
    assert html.count('<a href="https://example.org/a_b"') == 4_000 and html.count("<em>") == 4_000


def test_a_refused_text_is_shown_as_text_without_parsing() -> None:
    html = render_markdown("<script>x</script>" + "[" * (MAX_BRACKETS + 1))
    assert html.startswith("<p>&lt;script&gt;") and "<script>" not in html


def test_the_check_command_refuses_it_without_a_traceback(tmp_path: Path) -> None:
    from .conftest import run_cli

    project = minimal_project(tmp_path, ROOT)
    file = project / "content/themes/open-state/en.md"
    file.write_text("---\ntitle: Open State\nsummary: s\n---\n" + "[" * (MAX_MARKDOWN_BYTES - 60) + "\n", encoding="utf-8")
    result = run_cli("check", "--templates", str(ROOT / "templates"), cwd=project)
    assert result.returncode != 0
    assert "content/themes/open-state/en.md:5: the text has more than 10,000 '['" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
