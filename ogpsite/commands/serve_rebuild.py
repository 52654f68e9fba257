"""The preview's rebuilding side: the latest build's outcome, the rebuilder, and the watcher that drives it.

Changes come from watchfiles (inotify, ~50 ms); livereload's own watcher polls every 0.8 s and
drops reloads closer than 3 s apart, too slow for save -> reloaded in a blink. One thread watches
(Watcher), one builds (BuildLoop), so changes are collected while a build runs. A content error
keeps the last good site (the build swaps folders only when it succeeds) and is recorded here for
the pages served meanwhile (serve_http.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
import platform
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import watchfiles
from watchfiles._rust_notify import RustNotify

from ogpsite.build import Builder, BuildMode, BuildReport
from ogpsite.errors import BuildFailed, OutputRefused, display_path
from ogpsite.output.writers import write_failure
from ogpsite.settings import BuildSettings


@dataclass(frozen=True)
class Failure:
    """Why the latest build failed, as shown in the browser."""

    title: str
    lines: tuple[str, ...]


class BuildState:
    """The latest build's outcome; written by the rebuild thread, read by request handlers."""

    def __init__(self) -> None:
        self.failure: Failure | None = None  # replaced as a whole, never mutated
        self.builds = 0


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector held off for a moment (the edited page written and served)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def heap_thawed(frozen: bool) -> Iterator[None]:
    """A build, with every object made before it collectable as usual; `frozen`: afterwards all
    objects are moved out of the cycle collector's sight (gc.freeze) until the next build.

    A full collection over a large site's model holds the interpreter for half a second or more,
    answering no request meanwhile; the collector starts one after a build has made many objects,
    at the first allocations that follow: those of the next save's fast path, or of serving its
    page. Frozen, such a collection looks only at the objects made since, and what became garbage
    meanwhile is collected once the next build thaws them."""
    if frozen:
        gc.unfreeze()
    try:
        yield
    finally:
        if frozen:
            gc.freeze()


class Rebuilder:
    """Runs the build and records the outcome; never raises.

    One incremental `Builder` (BuildMode.PREVIEW) lives as long as the server and is told which files
    changed, so a save re-renders only the pages that read what it touched.
    """

    def __init__(self, settings: BuildSettings, state: BuildState, out: TextIO, quiet: bool = False, freeze: bool = False):
        self.settings = settings
        self.freeze = freeze  # the heap frozen between builds (heap_thawed): the server's process only
        self.state = state
        self.out = out
        self.quiet = quiet
        self._builder: Builder | None = None
        self._pending: set[str] = set()  # changes since the last successful build
        # False after a rebuild that wrote no file once its fast path had reloaded the pages
        self.reload_needed = True

    def _build(self, changed: Sequence[str], early: Callable[[], None] | None = None) -> BuildReport:
        self._pending.update(changed)
        self.reload_needed = True
        if self._builder is None:
            # In place: a save replaces only the files it changed instead of swapping in a new
            # copy of the site; deferred stages: the edited page reloads before the search index
            # and data files are remade (finish(), when the watcher goes quiet).
            self._builder = Builder(self.settings, mode=BuildMode.PREVIEW)
            with heap_thawed(self.freeze):
                report = self._builder.build()
        else:
            # A failed build may have stopped before reading every change: name them all again.
            pending = sorted(self._pending)
            fast = None
            with collection_paused():
                if early is not None:
                    try:
                        fast = self._builder.write_edited(pending)
                    except Exception:  # a bug there must only cost the head start: the rebuild makes all right
                        traceback.print_exc(file=self.out)
                if fast is not None and fast.written:  # the edited record's pages first (build/fast.py)
                    if not self.quiet:
                        pages = "pages" if len(fast.urls) > 1 else "page"
                        self.log(f"Edited {pages} written in {fast.seconds:.2f} s; building the rest.")
                    assert early is not None
                    early()
            try:
                with heap_thawed(self.freeze):
                    report = self._builder.rebuild(pending)
            except BaseException:
                if fast is not None:  # the last good site, as it was
                    fast.restore()
                raise
            if fast is not None and fast.written and report.written == 0:
                self.reload_needed = False  # the pages reloaded already show this build
        self._pending.clear()
        return report

    @property
    def pending(self) -> bool:
        """Whether the site-wide files (search index, feeds, data) still wait for finish()."""
        return self._builder is not None and bool(self._builder.pending_stages)

    def finish(self, stop: Callable[[], bool] | None = None) -> bool:
        """Between edits: bring the deferred site-wide files up to date, or, after a start on an
        up-to-date site, read the cached records into memory so the first save is quick too.
        `stop` is asked before each output stage: once a new save is waiting, the stages not
        started stay pending (Builder.finish) and that save is built first."""
        builder = self._builder
        if builder is None:
            return True
        if not builder.pending_stages:
            try:
                builder.warm()
            except Exception:  # only a slower first save: the rebuild reads the cache itself
                traceback.print_exc(file=self.out)
            return True

        def finish() -> BuildReport | None:
            with heap_thawed(self.freeze):
                return builder.finish(stop)

        return self._run(finish, "", finishing=True)

    def log(self, text: str) -> None:
        print(f"[{dt.datetime.now():%H:%M:%S}] {text}", file=self.out, flush=True)

    def rebuild(self, changed: Sequence[str] = (), early: Callable[[], None] | None = None) -> bool:
        """Build after `changed` (absolute paths, as the watcher reports them; none: the first build).
        `early` is called once the edited record's pages are written, before the rest is built
        (when the save can go that way: Builder.write_edited); `reload_needed` then says whether
        the rebuild changed anything more."""
        shown = [display_path(Path(p), self.settings.project_root) for p in changed]
        reason = f" ({', '.join(shown[:3])}{', …' if len(shown) > 3 else ''})" if shown else ""
        return self._run(lambda: self._build(changed, early), reason)

    def _run(self, step: Callable[[], BuildReport | None], reason: str, finishing: bool = False) -> bool:
        started = time.perf_counter()
        try:
            report = step()
        except BuildFailed as exc:
            problems = sorted(exc.problems)
            self.state.failure = Failure(f"{len(problems)} error(s) in the content", tuple(p.format() for p in problems))
            self.log(f"Build failed: {len(problems)} error(s){reason}; still serving the last good site.")
            for problem in problems:
                print(f"  {problem.format()}", file=self.out, flush=True)
            return False
        except OutputRefused as exc:
            self.state.failure = Failure("the output folder was refused", (str(exc),))
            self.log(f"error: {exc}")
            return False
        except OSError as exc:  # a full disk, a read-only output…: the cause, not a traceback
            output = self.settings.output_dir
            message = write_failure(exc, output, display_path(output, self.settings.project_root))
            self.state.failure = Failure("the site could not be written", (message,))
            self.log(f"error: {message}")
            self._builder = None  # its memory may be ahead of the files: start afresh next time
            return False
        except Exception:  # a bug in the generator must not stop the preview
            text = traceback.format_exc()
            self.state.failure = Failure("the generator crashed (a bug: please report it)", tuple(text.rstrip().split("\n")))
            self.log(f"Build crashed{reason}:\n{text}")
            self._builder = None  # start afresh next time
            return False
        finally:
            if not finishing:  # `builds` counts the builds that answer a change
                self.state.builds += 1
        self.state.failure = None
        if not self.quiet and report is not None:
            seconds = time.perf_counter() - started
            if finishing and self.pending:  # stopped for a new save: the rest after it
                self.log(f"Some site-wide files updated in {seconds:.2f} s; the others follow the next save.")
            elif finishing:
                self.log(f"Search index, feeds and data files updated in {seconds:.2f} s.")
            else:
                waiting = " (search index and data files follow)" if self.pending else ""
                self.log(f"Built {report.pages} pages, {report.rendered} rendered in {seconds:.2f} s{reason}{waiting}.")
        return True


def in_process(settings: BuildSettings) -> BuildSettings:
    """The settings builds inside the server use: as given, workers included.

    A child forked from this threaded server would inherit its signal handlers (asyncio's, so
    SIGTERM no longer ended it and the build waited for it forever) and its wakeup fd; each worker
    is forked with those signals blocked and resets them first (build/parallel.py,
    `reset_inherited_signals`), so the first build and finish() use every core.
    """
    return settings


# --- watching -------------------------------------------------------------------------------


class _Filter(watchfiles.DefaultFilter):
    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$", r"\.tmp$", r"^\.~lock\.")


def watched_paths(settings: BuildSettings) -> list[Path]:
    """Content, and the templates folder with its assets and catalogs."""
    return [p for p in (settings.content_dir, settings.templates_dir) if p.exists()]


QUIET_SECONDS = 0.5  # no change for this long: the watcher is quiet (finish() runs)
# A batch of changes is handed on once this long passes without another (watchfiles' step: the
# notifier looks every SETTLE_MS, so a save waits 1 to 2 of them). An editor's save (a probe
# file, a backup, the file) takes well under it; 30 ms was a tenth of save -> reloaded page.
SETTLE_MS = 10


class Watcher(threading.Thread):
    """Collects every batch of changes from the moment `armed` is set until `stop`.

    It drives watchfiles' notifier (`RustNotify`, the documented Rust backend) itself rather than
    through `watchfiles.watch`: that generator only starts watching when first iterated, so a
    save made before the loop got there was never seen (issue 14), and on each idle timeout it
    clears what arrived in between. Here the notifier is made (and so armed) before the first
    build reads anything, and it waits without a timeout, so changes are only ever taken from it
    by returning them."""

    def __init__(self, paths: list[Path], stop: threading.Event):
        super().__init__(name="ogpsite-watch", daemon=True)
        self.paths = paths
        self.stop = stop
        self.armed = threading.Event()  # set once changes are being collected (or watching failed)
        self.problem = ""  # why watching fell back to polling, or failed
        self.changes: queue.Queue[list[str]] = queue.Queue()

    def _notifier(self) -> RustNotify | None:
        paths = [str(p) for p in self.paths]
        try:
            return RustNotify(paths, False, _force_polling(), 300, True, False)
        except (OSError, RuntimeError) as exc:  # e.g. the inotify watch limit: poll instead
            self.problem = f"cannot watch for changes with inotify ({exc}); polling every 0.3 s instead"
        try:
            return RustNotify(paths, False, True, 300, True, False)
        except (OSError, RuntimeError) as exc:
            self.problem = f"cannot watch {', '.join(paths)} for changes ({exc}); restart the preview after editing"
            return None

    def run(self) -> None:
        notifier = self._notifier() if self.paths else None
        self.armed.set()
        if notifier is None:
            return
        keep = _Filter()
        with notifier:
            while not self.stop.is_set():
                raw = notifier.watch(1_000, SETTLE_MS, 0, self.stop)
                if not isinstance(raw, set):  # 'stop' (or 'signal', never raised off the main thread)
                    break
                paths = sorted({path for change, path in raw if keep(watchfiles.Change(change), path)})
                if paths:
                    self.changes.put(paths)


def _force_polling() -> bool:
    """Polling only when asked (WATCHFILES_FORCE_POLLING, as watchfiles reads it) or under WSL."""
    value = os.environ.get("WATCHFILES_FORCE_POLLING")
    if value:
        return value.lower() not in {"false", "disable", "disabled"}
    return "microsoft-standard" in platform.uname().release.lower()


def take_batch(changes: queue.Queue[list[str]], first: list[str]) -> list[str]:
    """`first` and every batch queued behind it, as one sorted list: one rebuild answers them all."""
    paths = set(first)
    while True:
        try:
            paths.update(changes.get_nowait())
        except queue.Empty:
            return sorted(paths)


class BuildLoop(threading.Thread):
    """The one thread that builds: the first build once the watcher is armed (so any change after
    it is either read by that build or queued for the next), then one rebuild per batch of
    changes, and `rebuilder.finish()` whenever the watcher has been quiet for QUIET_SECONDS."""

    def __init__(
        self,
        watcher: Watcher,
        rebuilder: Rebuilder,
        stop: threading.Event,
        on_first: Callable[[], object],  # its result is not used
        on_change: Callable[[bool, list[str]], None],
        # once a save's edited pages are written (the fast path): tell the browsers, and return
        # when they have them (None: on_change(True, paths))
        on_first_look: Callable[[list[str], Callable[[], bool]], None] | None = None,
    ):
        super().__init__(name="ogpsite-build", daemon=True)
        self.watcher = watcher
        self.rebuilder = rebuilder
        self.stop = stop
        self.on_first = on_first  # after the first build: start answering requests
        self.on_change = on_change  # (built, paths) after each rebuild: reload the pages
        self.on_first_look = on_first_look  # (paths, stop waiting?) when the edited pages are written

    def run(self) -> None:
        self.watcher.armed.wait()
        if self.watcher.problem:
            self.rebuilder.log(f"warning: {self.watcher.problem}")
        self.rebuilder.rebuild()
        self.on_first()
        while not self.stop.is_set():
            try:
                first = self.watcher.changes.get(timeout=QUIET_SECONDS)
            except queue.Empty:
                if not self.stop.is_set():
                    self.rebuilder.finish(self.change_waiting)
                continue
            if self.stop.is_set():
                break
            paths = take_batch(self.watcher.changes, first)
            if self.on_first_look is not None:
                early = functools.partial(self.on_first_look, paths, self.change_waiting)
            else:
                early = functools.partial(self.on_change, True, paths)
            built = self.rebuilder.rebuild(paths, early)
            if not built or self.rebuilder.reload_needed:
                self.on_change(built, paths)

    def change_waiting(self) -> bool:
        """Whether finish() should stop before its next stage: a save is waiting, or the server stops."""
        return self.stop.is_set() or not self.watcher.changes.empty()
