"""Output stages, cached whole: a stage whose inputs did not change is not run again.

A stage is a function of the model and the build settings (pipeline.OUTPUT_STAGES), and of
whatever files it reads: templates' catalogs, scripts from node_modules, data files of Python
packages. Those are not declared anywhere; while a stage runs, an audit hook (PEP 578) notes every
file it opens and every folder it lists. Its outputs are reused by a later build only if the
model's inputs, the settings and the generator are the same *and* every file it read hashes the
same and every folder it listed holds the same names.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ogpsite.incremental.cache import Inputs, digest_of

_tracking: list[set[tuple[str, str]]] = []  # a stack: what the running stage opened and listed
_hooked = False
_CODE = (".py", ".pyc", ".so", ".pyd")  # imports: covered by the generator version


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _tracking:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, str | bytes | os.PathLike):
            name = os.path.abspath(os.fsdecode(path))
            if not name.endswith(_CODE):
                _tracking[-1].add(("file", name))
    elif event in ("os.listdir", "os.scandir"):
        path = args[0] if args and args[0] is not None else "."
        if isinstance(path, str | bytes | os.PathLike):
            name = os.path.abspath(os.fsdecode(path))
            if name not in {os.path.abspath(entry) for entry in sys.path}:  # the import system looking for packages
                _tracking[-1].add(("dir", name))


@dataclass
class StageRun:
    files: dict[str, bytes]
    problems: list[Any]
    reads: list[tuple[str, str]] = field(default_factory=list)  # ("file" | "dir", absolute path)
    seconds: float = 0.0


def run(stage: Callable[..., Any], *args: Any) -> StageRun:
    """Run a stage, noting the files and folders it reads."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _tracking.append(set())
    started = time.perf_counter()
    try:
        result = stage(*args)  # a stages.base.StageResult
        files, problems = result.files, result.problems
    finally:
        reads = _tracking.pop()
    return StageRun(files, problems, sorted(reads), time.perf_counter() - started)


def fingerprint(reads: list[tuple[str, str]], inputs: Inputs) -> str:
    """The current content of what a stage read: file hashes and folder listings."""
    seen = []
    for kind, path in reads:
        if kind == "file":
            seen.append((path, inputs.sha_of(path) if os.path.isfile(path) else "absent"))
        else:
            try:
                seen.append((path, digest_of(sorted(os.listdir(path)))))
            except OSError:
                seen.append((path, "absent"))
    return digest_of(seen)


def key(stage: Any, *parts: Any) -> str:
    """A stage's entry in the stage cache: its class, its name and the inputs it is run with."""
    kind = type(stage)
    return digest_of(kind.__module__, kind.__qualname__, getattr(stage, "name", ""), *parts)
