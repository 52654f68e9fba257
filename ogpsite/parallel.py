"""Run build work in forked worker processes: loading records and rendering pages are pure
functions of their inputs, so they spread over every core.

Workers are forked *after* the parent has built what they need (the model, the renderer) and
read it from `current_job()`, so nothing large is pickled on the way in; only results come back.
With one worker, or little to do, everything runs in this process instead.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

_JOB: Any = None

Task = tuple[Callable[[Any], Any], Any]


def current_job() -> Any:
    return _JOB


def worker_count(requested: int = 0) -> int:
    """`requested` processes, or one per CPU this process may use (0)."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _call(numbered: tuple[int, Task]) -> tuple[int, Any]:
    index, (function, argument) = numbered
    return index, function(argument)


def run(job: Any, tasks: list[Task], workers: int) -> Iterator[tuple[int, Any]]:
    """Run `function(argument)` for every task with `job` visible as current_job(); yields
    (task index, result) as tasks finish. Tasks listed first start first."""
    global _JOB
    previous, _JOB = _JOB, job
    try:
        if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for numbered in enumerate(tasks):
                yield _call(numbered)
            return
        gc.collect()
        gc.freeze()  # the children's garbage collector then leaves the inherited objects' pages alone
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
                yield from pool.imap_unordered(_call, enumerate(tasks), chunksize=1)
        finally:
            gc.unfreeze()
    finally:
        _JOB = previous
