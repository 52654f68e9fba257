"""Run build work in forked worker processes: loading records and rendering pages are pure
functions of their inputs, so they spread over every core.

Workers are forked *after* the parent has built what they need (the model, the renderer) and
read it from `current_job()`, so nothing large is pickled on the way in; only results come back.
This process works too, taking tasks from the same counter as the workers: with N processes
there are N-1 forked copies of the model, not N. With one process, or one task, nothing is forked.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_JOB: Any = None
_TASKS: list[Any] = []
_NEXT: Any = None  # shared counter: the next task to take

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


def reset_inherited_signals() -> None:
    """The pool's initializer, in each forked worker: forget the parent's signal handling.

    A worker forked from the preview server would inherit asyncio's handlers and its wakeup fd: a
    signal sent to the worker would then be written to the server's socket and stop the server,
    and SIGTERM (how a pool ends its workers) would not end the worker. A worker ignores Ctrl-C
    (the parent handles it and ends the pool) and dies on SIGTERM."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call(numbered: tuple[int, Task]) -> tuple[int, Any]:
    index, (function, argument) = numbered
    return index, function(argument)


def _take() -> int:
    with _NEXT.get_lock():
        index = _NEXT.value
        _NEXT.value += 1
    return index


def _work(_: object = None) -> list[tuple[int, Any]]:
    """In a worker: take tasks until none is left; their results go back together."""
    done = []
    while (index := _take()) < len(_TASKS):
        done.append(_call((index, _TASKS[index])))
    return done


def _stop_taking() -> None:
    """No process takes another task (those under way finish)."""
    with _NEXT.get_lock():
        _NEXT.value = len(_TASKS)


def run(job: Any, tasks: list[Task], workers: int, stop: Callable[[], bool] | None = None) -> Iterator[tuple[int, Any]]:
    """Run `function(argument)` for every task with `job` visible as current_job(); yields
    (task index, result): this process's as they finish, the workers' when they are done.
    Tasks listed first start first. `stop`, asked before each task this process takes: once it
    says True, no task starts any more (the caller sees which results did not come)."""
    global _JOB, _TASKS, _NEXT
    previous = _JOB, _TASKS, _NEXT
    _JOB = job
    try:
        if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for numbered in enumerate(tasks):
                if stop is not None and stop():
                    return
                yield _call(numbered)
            return
        context = multiprocessing.get_context("fork")
        _TASKS, _NEXT = tasks, context.Value("l", 0)
        gc.collect()
        gc.freeze()  # the children's garbage collector then leaves the inherited objects' pages alone
        try:
            children = min(workers, len(tasks)) - 1
            # maxtasksperchild=1: a worker ends once it has sent its results, so its memory (what it
            # rendered and computed, the inherited pages it touched) is given back while this process
            # takes those results in, instead of both being held at once at the build's peak.
            with context.Pool(children, initializer=reset_inherited_signals, maxtasksperchild=1) as pool:
                pending = [pool.apply_async(_work) for _ in range(children)]
                while (index := _take()) < len(tasks):
                    if stop is not None and stop():
                        _stop_taking()
                        break
                    yield _call((index, tasks[index]))
                for result in pending:
                    yield from result.get()
        finally:
            gc.unfreeze()
    finally:
        _JOB, _TASKS, _NEXT = previous


def iter_chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
