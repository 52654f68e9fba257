"""Content problems as values: every stage returns them instead of raising."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in one place of the content."""

    path: str  # relative to the project root, POSIX separators
    line: int  # 1-based; 0 when the whole file is meant
    message: str  # what is wrong
    hint: str = ""  # what to write instead
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def display_path(path: Path, root: Path) -> str:
    """The path an editor recognises: relative to the project root when possible."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class BuildFailed(Exception):
    """Raised by the pipeline's entry point when content problems stop a build."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = problems


class OutputRefused(Exception):
    """The output directory is not one the generator may replace."""
