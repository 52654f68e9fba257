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
from contextlib import contextmanager
from typing import Any

_JOB: Any = None
_TASKS: list[Any] = []
_NEXT: Any = None  # shared counter: the next task to take
_RESULTS: Any = None  # the workers' results, sent one task at a time

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
    (the parent handles it and ends the pool) and dies on SIGTERM.

    The worker is born with both signals blocked (`_held_signals`): one that comes before this runs
    waits, and is then ignored (SIGINT) or ends the worker (SIGTERM), never the server."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this thread while the pool starts: its workers, and the pool's
    own threads (which fork the replacements of workers that end), inherit the block.

    Without it a worker has the parent's handlers until its initializer runs. The pool forks a
    replacement for each worker that ends (maxtasksperchild=1) and sends it SIGTERM when the run
    is over, often before that replacement has run a line: in the preview server, the inherited
    C handler then wrote SIGTERM to asyncio's wakeup socket and the server stopped. Only this
    thread's mask changes, and only for the pool's start: the process still takes Ctrl-C."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _call(numbered: tuple[int, Task]) -> tuple[int, Any]:
    index, (function, argument) = numbered
    return index, function(argument)


def _take() -> int:
    with _NEXT.get_lock():
        index = _NEXT.value
        _NEXT.value += 1
    return index


def _work(_: object = None) -> int:
    """In a worker: take tasks until none is left, sending each result as soon as it is done (held
    until the end, a worker's results were a third of its memory at the build's peak); returns how
    many it sent. The queue's own thread sends them, so the worker goes on meanwhile."""
    sent = 0
    while (index := _take()) < len(_TASKS):
        _RESULTS.put(_call((index, _TASKS[index])))
        sent += 1
    return sent


def _received(results: Any, wait: int = 0) -> Iterator[tuple[int, Any]]:
    """The workers' results that have come (`wait`: at least that many, waiting for them)."""
    while wait > 0:
        yield results.get()
        wait -= 1
    while not results.empty():
        yield results.get()


def _stop_taking() -> None:
    """No process takes another task (those under way finish)."""
    with _NEXT.get_lock():
        _NEXT.value = len(_TASKS)


def run(job: Any, tasks: list[Task], workers: int, stop: Callable[[], bool] | None = None) -> Iterator[tuple[int, Any]]:
    """Run `function(argument)` for every task with `job` visible as current_job(); yields
    (task index, result): this process's as they finish, the workers' as they come in (looked for
    after each task this process runs, and waited for at the end).
    Tasks listed first start first. `stop`, asked before each task this process takes: once it
    says True, no task starts any more (the caller sees which results did not come)."""
    global _JOB, _TASKS, _NEXT, _RESULTS
    previous = _JOB, _TASKS, _NEXT, _RESULTS
    _JOB = job
    try:
        if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for numbered in enumerate(tasks):
                if stop is not None and stop():
                    return
                yield _call(numbered)
            return
        context = multiprocessing.get_context("fork")
        _TASKS, _NEXT, _RESULTS = tasks, context.Value("l", 0), context.Queue()
        results = _RESULTS
        gc.collect()
        gc.freeze()  # the children's garbage collector then leaves the inherited objects' pages alone
        try:
            children = min(workers, len(tasks)) - 1
            # maxtasksperchild=1: a worker ends once its tasks are done, so its memory (what it computed,
            # the inherited pages it touched) is given back while this process takes in its last
            # results, instead of both being held at once at the build's peak.
            with _held_signals():
                pool = context.Pool(children, initializer=reset_inherited_signals, maxtasksperchild=1)
            with pool:
                pending = [pool.apply_async(_work) for _ in range(children)]
                received = 0
                while (index := _take()) < len(tasks):
                    if stop is not None and stop():
                        _stop_taking()
                        break
                    yield _call((index, tasks[index]))
                    for result in _received(results):  # between tasks, so they do not pile up
                        received += 1
                        yield result
                sent = sum(result.get() for result in pending)  # a worker's error is raised here
                yield from _received(results, sent - received)
        finally:
            gc.unfreeze()
            results.close()
    finally:
        _JOB, _TASKS, _NEXT, _RESULTS = previous


def iter_chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
