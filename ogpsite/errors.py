"""Content problems as values: every stage returns them instead of raising."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Bidirectional overrides and isolates can make a terminal line read differently from its bytes.
_BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def printable(text: str) -> str:
    """Text safe to print in a terminal or CI log: control characters (ANSI escapes, bidi
    overrides) and undecodable bytes from file names are shown as escapes, never obeyed."""
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 in a file name (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif (unicodedata.category(char) in ("Cc", "Cs") and char != "\t") or code in _BIDI_CONTROLS:
            out.append(f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in one place of the content."""

    path: str  # relative to the project root, POSIX separators
    line: int  # 1-based; 0 when the whole file is meant
    message: str  # what is wrong
    hint: str = ""  # what to write instead
    severity: str = "error"  # "error" or "warning"

    def __post_init__(self) -> None:
        # Messages quote content written by anyone who opens a pull request: keep them inert.
        for name in ("path", "message", "hint"):
            value = getattr(self, name)
            clean = printable(value)
            if clean != value:
                object.__setattr__(self, name, clean)

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def display_path(path: Path, root: Path) -> str:
    """The path an editor recognises: relative to the project root when possible.

    Symbolic links are not followed first, so a link is named where the editor put it."""
    for mapped in (os.path.abspath, os.path.realpath):
        try:
            return Path(mapped(path)).relative_to(mapped(root)).as_posix()
        except ValueError:
            continue
    return path.as_posix()


class BuildFailed(Exception):
    """Raised by the pipeline's entry point when content problems stop a build."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = problems


class OutputRefused(Exception):
    """The output directory is not one the generator may replace."""
