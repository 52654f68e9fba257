"""Markdown inputs that are slow for parsers, after the classes the CommonMark reference
implementations test (nested brackets and parentheses, delimiter runs, backtick runs, nested
block structure, many link reference definitions, unclosed constructs, entities), each made by a
generator function at a given size in bytes (issue 14). Used by tests/test_pathological.py and
benchmarks/safety_bench.py."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` as often as fits in `size` bytes with `tail`, then `tail`."""
    room = max(0, size - len(head.encode()) - len(tail.encode()))
    return head + unit * (room // max(1, len(unit.encode()))) + tail


def _nested(opening: str, middle: str, closing: str, size: int) -> str:
    n = max(1, (size - len(middle)) // (len(opening) + len(closing)))
    return opening * n + middle + closing * n


def _backtick_runs(size: int) -> str:
    """e`, e``, e```, … : backtick runs of every length, none closed."""
    parts, total, i = [], 0, 1
    while total + i + 2 <= size:
        parts.append("e" + "`" * i)
        total += i + 1
        i += 1
    return "".join(parts)


def _nested_lists(size: int) -> str:
    """A list item inside a list item inside …, each one two spaces deeper."""
    lines, total, depth = [], 0, 0
    while True:
        line = "  " * depth + "* a\n"
        if total + len(line) > size:
            break
        lines.append(line)
        total += len(line)
        depth += 1
    return "".join(lines)


def _references(size: int) -> str:
    """Many link reference definitions, then a paragraph using some."""
    lines, total, i = [], 0, 0
    while total < size - 100:
        line = f"[r{i}]: /u{i}\n"
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines) + "\n" + " ".join(f"[r{j}]" for j in range(0, i, max(1, i // 10)))


def _under_the_limits(size: int) -> str:
    """Just under every per-text limit at once (brackets, emphasis marks, raw tags), padded with
    the slowest of the unlimited inputs: the worst a text that is not refused can be."""
    text = "![" * 4_999 + "[a" * 4_999 + "\n\n" + "*a_ " * 14_999 + "\n\n" + "<b>" * 1_999 + "\n\n"
    return _repeat("&amp;&#38;a] ", size, head=text)


PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "500 KB of [": lambda size: "[" * size,
    "nested brackets [[[a]]]": lambda size: _nested("[", "a", "]", size),
    "nested parentheses in a link": lambda size: _nested("[a](", "b", ")", size),
    "[ (]( repeated": lambda size: _repeat("[ (](", size),
    "nested images ![![a](b)](b)": lambda size: _nested("![", "a", "](b)", size),
    "nested inline links [[a](b)](b)": lambda size: _nested("[", "a", "](b)", size),
    "link openers [a": lambda size: _repeat("[a", size),
    "link closers a]": lambda size: _repeat("a]", size),
    "link openers and emphasis closers [ a_": lambda size: _repeat("[ a_", size),
    "unclosed links [a](<b": lambda size: _repeat("[a](<b", size),
    "unclosed links [a](b": lambda size: _repeat("[a](b", size),
    "nested emphasis *a **a … a** a*": lambda size: _nested("*a **a ", "b", " a** a*", size),
    "emphasis openers _a": lambda size: _repeat("_a ", size),
    "emphasis closers a_": lambda size: _repeat("a_ ", size),
    "mismatched *a_": lambda size: _repeat("*a_ ", size),
    "multiples of 3 a**b c*": lambda size: _repeat("c* ", size, head="a**b"),
    "long delimiter run *…*a*…*": lambda size: _nested("*", "a", "*", size),
    "*a **b": lambda size: _repeat("*a **b ", size),
    "backtick runs e` e`` e```": _backtick_runs,
    "nested block quotes > > >": lambda size: _repeat("> ", size, tail="a\n"),
    "nested lists": _nested_lists,
    "many link reference definitions": _references,
    "unclosed < (a <)": lambda size: _repeat("a <", size),
    "unclosed tags <a <a": lambda size: _repeat("<a ", size),
    "unclosed comments </ <!--": lambda size: _repeat("<!--", size, head="</"),
    "unclosed autolinks <http://a": lambda size: _repeat("<http://a ", size),
    "entity runs &amp;&#38;&#x26;": lambda size: _repeat("&amp;&#38;&#x26;&copy;", size),
    "unknown entities &abcdefgh": lambda size: _repeat("&abcdefgh ", size),
    "nested ![ (worst found before)": lambda size: "![" * (size // 2),
    "just under every limit, with entities and a]": _under_the_limits,
}

FRONT_MATTER = "---\ntitle: Open State\nsummary: Openness beyond the executive.\n---\n"


def minimal_project(root: Path, repo: Path) -> Path:
    """A content folder with the supporting lists and one theme, whose English body is replaced."""
    (root / "content/themes").mkdir(parents=True)
    for file in (repo / "content").glob("*.yaml"):
        shutil.copy(file, root / "content" / file.name)
    shutil.copytree(repo / "content/themes/open-state", root / "content/themes/open-state")
    return root


@dataclass(frozen=True)
class Loaded:
    """One input through the loader: how long, and the errors it was refused with (if any)."""

    size: int  # bytes of the en.md file
    wall: float
    cpu: float
    errors: list[str]


def load_with_body(project: Path, repo: Path, body_of: Callable[[int], str], size: int) -> Loaded:
    """Write an en.md of (at most) `size` bytes whose body is `body_of(room)`, then load, validate
    and resolve the content as `ogpsite check` does (Markdown rendered included)."""
    from ogpsite.build.builder import check
    from ogpsite.settings import BuildSettings

    file = project / "content/themes/open-state/en.md"
    text = FRONT_MATTER + body_of(size - len(FRONT_MATTER.encode()) - 1) + "\n"
    file.write_text(text, encoding="utf-8")
    settings = BuildSettings(project, project / "content", repo / "templates", project / "site", None, dt.date(2026, 11, 23))
    wall, cpu = time.perf_counter(), time.process_time()
    _model, problems = check(settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Loaded(len(text.encode()), wall, cpu, [p.format() for p in problems if p.is_error])
