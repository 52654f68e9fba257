"""Progress of a long build on a terminal: the stage, items done, rate (rich).

Shown only when stderr is a terminal, not under CI, and once a build has run for more than a
second, so quick builds and logs stay quiet. The one-line summary is the CLI's job.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO


class Progress:
    """Receives the pipeline's progress; this base class shows nothing."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def wanted(stream: TextIO = sys.stderr) -> bool:
    """A terminal, and not CI (CI=true, as GitHub Actions and most CI services set)."""
    ci = os.environ.get("CI", "").strip().lower()
    return stream.isatty() and ci in ("", "0", "false", "no") and os.environ.get("TERM") != "dumb"


class TerminalProgress(Progress):
    """A rich progress bar that appears only after `delay` seconds and vanishes when done."""

    def __init__(self, stream: TextIO = sys.stderr, delay: float = 1.0):
        self.stream = stream
        self.delay = delay
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._pending: tuple[str, int | None] = ("Starting", None)
        self._done = 0

    def _show(self) -> bool:
        if self._bar is None and time.monotonic() - self.started >= self.delay:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            name, total = self._pending
            self._task = self._bar.add_task(name, total=total, completed=self._done, rate="")
        return self._bar is not None

    def stage(self, name: str, total: int | None = None) -> None:
        self._pending = (name, total)
        self._done = 0
        self._stage_started = time.monotonic()
        if self._show():
            self._bar.update(self._task, description=name, total=total, completed=0, rate="")

    def advance(self, count: int = 1) -> None:
        self._done += count
        if self._show():
            elapsed = time.monotonic() - getattr(self, "_stage_started", self.started)
            rate = f"{self._done / elapsed:,.0f}/s" if elapsed > 0.2 else ""
            self._bar.update(self._task, completed=self._done, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def for_terminal(stream: TextIO = sys.stderr) -> Progress:
    return TerminalProgress(stream) if wanted(stream) else Progress()
