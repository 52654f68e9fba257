"""The preview's finish() stops between stages when a new save comes, and forked workers do not
carry the server's signal handling (build/parallel.py)."""

from __future__ import annotations

import dataclasses
import gc
import io
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ogpsite.build import Builder, BuildMode, parallel
from ogpsite.commands.serve_rebuild import BuildLoop, BuildState, Rebuilder, Watcher

from .conftest import ROOT
from .test_incremental import assert_same_as_clean_build, commitment, edit, index_terms, retitle, settings, site_project, small_pages

__all__ = ["site_project", "small_pages"]  # fixtures used here


def test_a_stopped_finish_leaves_the_stages_not_started_for_the_next(site_project: Path) -> None:
    # one process, so that exactly the stages this process started have run when it stops
    builder = Builder(dataclasses.replace(settings(site_project), workers=1), mode=BuildMode.PREVIEW)
    builder.build()
    site = site_project / "site"
    first = commitment(site_project, 0)
    edit(first / "en.md", lambda t: retitle(t, "Zanzibarian procurement register"))
    builder.rebuild([first / "en.md"])
    pending = set(builder.pending_stages)
    assert {"search", "opendata"} <= pending
    index_before = (site / "en" / "search-index.json").read_bytes()

    asked = []

    def stop() -> bool:  # a save arrives while the first stage runs
        asked.append(True)
        return len(asked) > 1

    builder.finish(stop)
    assert len(builder.pending_stages) == len(pending) - 1, "one stage ran, the others wait"
    assert set(builder.pending_stages) < pending
    if "search" in builder.pending_stages:
        assert (site / "en" / "search-index.json").read_bytes() == index_before, "a stage not run keeps its files"
    assert builder._state is not None and builder._state.signature.startswith("pending:")

    builder.finish(lambda: True)  # stopped before any stage: nothing changes
    assert len(builder.pending_stages) == len(pending) - 1

    builder.finish()
    assert builder.pending_stages == ()
    assert "zanzibarian" in index_terms(site / "en").split("\n")  # the index's vocabulary (issue 13's shards)
    assert_same_as_clean_build(site_project)


def _worker_signals(_: object) -> tuple[object, object, int]:
    time.sleep(0.05)  # long enough for the forked worker to take some
    previous = signal.set_wakeup_fd(-1)
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), previous


def test_forked_workers_reset_the_parents_signal_handlers() -> None:
    """As in the preview server: the parent has its own handlers and a wakeup fd (asyncio's)."""
    read, write = os.pipe()
    os.set_blocking(write, False)
    handler = lambda signum, frame: None  # noqa: E731
    old = signal.signal(signal.SIGTERM, handler), signal.signal(signal.SIGINT, handler)
    old_fd = signal.set_wakeup_fd(write)
    try:
        results = [result for _, result in parallel.run(None, [(_worker_signals, n) for n in range(8)], 2)]
    finally:
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGTERM, old[0])
        signal.signal(signal.SIGINT, old[1])
        os.close(read)
        os.close(write)
    in_workers = [r for r in results if r[0] is not handler]
    assert in_workers, "no task ran in a forked worker"
    for sigint, sigterm, wakeup in in_workers:
        assert (sigint, sigterm, wakeup) == (signal.SIG_IGN, signal.SIG_DFL, -1)


_RESET = parallel.reset_inherited_signals


def _signal_before_reset() -> None:
    """A worker's initializer that is late: a signal reaches the worker before it resets anything."""
    os.kill(os.getpid(), signal.SIGINT)
    _RESET()


def test_a_signal_before_a_worker_has_reset_its_handlers_does_not_reach_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The race that stopped the preview: the pool ends a just-forked replacement worker with
    SIGTERM before its initializer runs. The worker is born with the signals blocked, so the
    signal never reaches the parent's handlers through the inherited wakeup fd."""
    monkeypatch.setattr(parallel, "reset_inherited_signals", _signal_before_reset)
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    old_fd = signal.set_wakeup_fd(write)
    try:
        mask_before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
        results = [result for _, result in parallel.run(None, [(_worker_signals, n) for n in range(8)], 2)]
        mask_after = signal.pthread_sigmask(signal.SIG_BLOCK, set())
        time.sleep(0.1)  # a handler in this process would have run by now
        try:
            written = os.read(read, 64)
        except BlockingIOError:
            written = b""
    finally:
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGINT, old)
        os.close(read)
        os.close(write)
    assert any(r[0] is signal.SIG_IGN for r in results), "no task ran in a forked worker"
    assert written == b"", "a worker's signal was written to the parent's wakeup fd"
    assert caught == []
    assert mask_after == mask_before, "the parent's signal mask is as it was"


_KILLED_PARENT = """
import os, sys, time
from ogpsite.build import parallel

def task(n):
    with open(os.path.join(sys.argv[1], str(os.getpid())), "w"):
        pass
    time.sleep(0.2)
    return n

list(parallel.run(None, [(task, n) for n in range(200)], 3))
"""


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status  # ended; its new parent has not reaped it yet


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux only (prctl)")
def test_workers_end_with_a_parent_killed_with_sigkill(tmp_path: Path) -> None:
    """`kill -9` of the server (or of `ogpsite build`) ends its workers too, instead of leaving
    them taking tasks and then hanging with results nobody reads."""
    pids = tmp_path / "pids"
    pids.mkdir()
    parent = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(pids)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len({p.name for p in pids.iterdir()} - {str(parent.pid)}) < 2:
            time.sleep(0.05)
        workers = {int(p.name) for p in pids.iterdir()} - {parent.pid}
        assert len(workers) >= 2, "the workers did not start"
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(_gone(pid) for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if not _gone(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "workers outlived their parent"


def test_the_preview_stops_finishing_when_a_save_is_waiting(site_project: Path) -> None:
    """The preview's build thread asks its watcher's queue between stages (BuildLoop.change_waiting):
    with a save waiting, Rebuilder.finish leaves the stages not started pending; without, it ends."""
    stop = threading.Event()
    watcher = Watcher([site_project / "content"], stop)  # not started: its queue is filled by hand
    settings_one = dataclasses.replace(settings(site_project), workers=1)
    rebuilder = Rebuilder(settings_one, BuildState(), io.StringIO(), quiet=False)
    loop = BuildLoop(watcher, rebuilder, stop, lambda: None, lambda built, paths: None)
    assert rebuilder.rebuild()
    first = commitment(site_project, 0)
    edit(first / "en.md", lambda t: retitle(t, "Zanzibarian procurement register"))
    assert rebuilder.rebuild([str(first / "en.md")])
    assert rebuilder.pending and not loop.change_waiting()

    watcher.changes.put([str(first / "es.md")])  # a save arrives before finish() starts a stage
    assert loop.change_waiting()
    assert rebuilder.finish(loop.change_waiting)
    assert rebuilder.pending, "no stage started while a save was waiting"
    assert "the others follow the next save" in rebuilder.out.getvalue()  # type: ignore[attr-defined]

    watcher.changes.get_nowait()
    with pytest.raises(queue.Empty):
        watcher.changes.get_nowait()
    assert rebuilder.finish(loop.change_waiting)
    assert not rebuilder.pending
    assert "zanzibarian" in index_terms(site_project / "site" / "en").split("\n")
    assert_same_as_clean_build(site_project)


def _fails_in_a_worker(n: int) -> int:
    time.sleep(0.01)
    if n == 7 and parallel.current_job() == "job" and os.getpid() != _PARENT_PID[0]:
        raise ValueError("record 7 is broken")
    return n


def _dies_in_a_worker(n: int) -> int:
    time.sleep(0.01)
    if os.getpid() != _PARENT_PID[0]:
        os._exit(3)  # as if killed, or out of memory
    return n


_PARENT_PID = [0]


def test_a_tasks_error_in_a_worker_is_raised_in_the_parent_with_its_traceback() -> None:
    _PARENT_PID[0] = os.getpid()
    tasks = [(_fails_in_a_worker, n) for n in range(40)]
    # task 7 may be taken by this process, where it does not fail: try until a worker took it
    for _ in range(20):
        try:
            results = dict(parallel.run("job", tasks, 2))
        except ValueError as error:
            assert str(error) == "record 7 is broken"
            assert any("raised in a worker process" in note and "_fails_in_a_worker" in note for note in error.__notes__)
            break
        assert results == {n: n for n in range(40)}
    else:
        pytest.fail("task 7 never ran in a worker")


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    _PARENT_PID[0] = os.getpid()
    with pytest.raises(RuntimeError, match=r"ended without finishing its tasks \(exit code 3\)"):
        list(parallel.run(None, [(_dies_in_a_worker, n) for n in range(40)], 2))


def test_an_early_stop_ends_the_workers() -> None:
    """A caller that stops reading (an error in what it does with a result) leaves no worker behind."""
    runs = parallel.run(None, [(_worker_signals, n) for n in range(40)], 3)
    next(runs)
    runs.close()
    assert multiprocessing.active_children() == []


def test_a_parallel_run_leaves_frozen_what_its_caller_froze_and_unfreezes_only_its_own() -> None:
    """A single build freezes its model before rendering (builder.collector_paused) and unfreezes it
    when it ends: a run in between must not unfreeze it, or the collector walks all of it again."""
    _PARENT_PID[0] = os.getpid()
    tasks = [(_fails_in_a_worker, n) for n in range(8) if n != 7]
    assert gc.get_freeze_count() == 0
    dict(parallel.run("job", tasks, 2))
    assert gc.get_freeze_count() == 0  # what the run froze for its workers, unfrozen
    made = [[n] for n in range(1000)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert dict(parallel.run("job", tasks, 2)) == {n: n for n in range(8) if n != 7}
        assert frozen >= len(made) and gc.get_freeze_count() >= len(made)  # still frozen (less what was freed)
    finally:
        gc.unfreeze()
