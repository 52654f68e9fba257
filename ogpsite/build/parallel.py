"""Run build work in forked worker processes: loading records and rendering pages are pure
functions of their inputs, so they spread over every core.

Workers are forked *after* the parent has built what they need (the model, the renderer) and
read it from `current_job()`, so nothing large is pickled on the way in; only results come back.
This process works too, taking tasks from the same counter as the workers: with N processes
there are N-1 forked copies of the model, not N. With one process, or one task, nothing is forked.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import traceback
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
    """First thing in each forked worker (after die_with_parent): forget the parent's signal handling.

    A worker forked from the preview server would inherit asyncio's handlers and its wakeup fd: a
    signal sent to the worker would then be written to the server's socket and stop the server,
    and SIGTERM (how `run` ends its workers early) would not end the worker. A worker ignores
    Ctrl-C (the parent handles it and ends the workers) and dies on SIGTERM.

    The worker is born with both signals blocked (`_held_signals`): one that comes before this runs
    waits, and is then ignored (SIGINT) or ends the worker (SIGTERM), never the server."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


_HELD = {signal.SIGINT, signal.SIGTERM}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """In a forked worker (Linux): be killed when the process that forked it dies.

    Without this a worker outlived `kill -9` of the server or of a build: it went on taking tasks,
    then hung at exit for good, its results' pipe full and nobody reading it. The kernel sends the
    signal when the *thread* that forked the worker ends, so workers are forked by the thread
    that runs `run` and waits for them. If the parent died before the request was made, the
    worker leaves at once. Elsewhere than Linux, nothing changes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl
        return
    if os.getppid() != parent:
        os._exit(1)


@contextmanager
def _held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this thread while it forks the workers: they inherit the block.

    Without it a worker has the parent's handlers until `reset_inherited_signals` runs. A
    multiprocessing.Pool (used before) sent SIGTERM to the replacement workers it had just forked
    when a run ended, often before they had run a line: in the preview server, the inherited C
    handler then wrote SIGTERM to asyncio's wakeup socket and the server stopped. Only this
    thread's mask changes, and only while it forks: the process still takes Ctrl-C."""
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


def _work() -> int:
    """In a worker: take tasks until none is left, sending each result as soon as it is done (held
    until the end, a worker's results were a third of its memory at the build's peak); returns how
    many it sent. The queue's own thread sends them, so the worker goes on meanwhile."""
    sent = 0
    while (index := _take()) < len(_TASKS):
        _RESULTS.put(_call((index, _TASKS[index])))
        sent += 1
    return sent


# A worker's last message, after its results: (_DONE, how many it sent) or (_FAILED, the error).
_DONE = -1
_FAILED = -2


def _sendable(error: BaseException) -> BaseException:
    """The error a task raised, as it can cross to the parent: with the worker's traceback as a
    note, and as a RuntimeError naming it if the error itself cannot be pickled."""
    text = "".join(traceback.format_exception(error))
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        error = RuntimeError(f"{type(error).__name__}: {error}")
    error.add_note("raised in a worker process:\n" + text)
    return error


def _worker(parent: int) -> None:
    """A forked worker's whole life: it ends once the tasks are taken, so its memory (what it
    computed, the inherited pages it touched) is given back while this process takes in the last
    results, instead of both being held at once at the build's peak."""
    die_with_parent(parent)
    reset_inherited_signals()
    try:
        sent = _work()
    except BaseException as error:
        _RESULTS.put((_FAILED, _sendable(error)))
    else:
        _RESULTS.put((_DONE, sent))


def _stop_taking() -> None:
    """No process takes another task (those under way finish)."""
    with _NEXT.get_lock():
        _NEXT.value = len(_TASKS)


def _next_message(results: Any, workers: list[Any]) -> tuple[int, Any]:
    """The next message from the workers, waiting for it; an error if a worker died without one
    (killed, or out of memory), instead of waiting for ever."""
    while True:
        try:
            return results.get(timeout=0.5)  # type: ignore[no-any-return]
        except queue.Empty:
            if any(worker.exitcode not in (None, 0) for worker in workers):
                codes = ", ".join(str(worker.exitcode) for worker in workers if worker.exitcode not in (None, 0))
                raise RuntimeError(f"a worker process ended without finishing its tasks (exit code {codes})") from None
            if all(worker.exitcode == 0 for worker in workers) and results.empty():
                raise RuntimeError("the worker processes ended without sending all their results") from None


def run(job: Any, tasks: list[Task], workers: int, stop: Callable[[], bool] | None = None) -> Iterator[tuple[int, Any]]:
    """Run `function(argument)` for every task with `job` visible as current_job(); yields
    (task index, result): this process's as they finish, the workers' as they come in (looked for
    after each task this process runs, and waited for at the end).
    Tasks listed first start first. `stop`, asked before each task this process takes: once it
    says True, no task starts any more (the caller sees which results did not come).
    A task's error is raised here, in this process."""
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
        frozen_before = gc.get_freeze_count()  # a single build froze its model (builder.collector_paused)
        gc.collect()
        gc.freeze()  # the children's garbage collector then leaves the inherited objects' pages alone
        # Plain processes, not a multiprocessing.Pool: a pool forks a replacement for each worker
        # that ends and keeps it idle on its task queue; such a process outlived `kill -9` of its
        # parent for good, and could not be made to die with it (see die_with_parent).
        forked = [context.Process(target=_worker, args=(os.getpid(),), daemon=True) for _ in range(min(workers, len(tasks)) - 1)]
        done = 0
        try:
            with _held_signals():
                for process in forked:
                    process.start()

            def finished(message: tuple[int, Any]) -> bool:
                """Whether the message is a worker's last (raising the error it carries)."""
                if message[0] == _FAILED:
                    raise message[1]
                return message[0] == _DONE

            while (index := _take()) < len(tasks):
                if stop is not None and stop():
                    _stop_taking()
                    break
                yield _call((index, tasks[index]))
                while not results.empty():  # between tasks, so they do not pile up
                    message = results.get()
                    if finished(message):
                        done += 1
                    else:
                        yield message
            while done < len(forked):
                message = _next_message(results, forked)
                if finished(message):
                    done += 1
                else:
                    yield message
        finally:
            # Unfrozen, every object is the collector's to walk again at its next full collection:
            # about 0.6 s of an edit's build at 10,000 commitments, in whatever allocates next. A
            # caller that had frozen objects itself keeps them (and these) frozen: it unfreezes
            # them when its build ends (Builder.rebuild).
            if not frozen_before:
                gc.unfreeze()
            _stop_taking()
            for process in forked:
                if done < len(forked) and process.is_alive():
                    process.terminate()  # an error or an early stop: the others' work is not wanted
                if process.pid is not None:
                    process.join()
            results.close()
    finally:
        _JOB, _TASKS, _NEXT, _RESULTS = previous


def iter_chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
