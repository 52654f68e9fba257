"""The preview's rebuilding side: the latest build's outcome, the rebuilder, and the watcher that drives it.

Changes come from watchfiles (inotify, ~50 ms); livereload's own watcher polls every 0.8 s and
drops reloads closer than 3 s apart, too slow for save -> reloaded in a blink. A content error
keeps the last good site (the build swaps folders only when it succeeds) and is recorded here for
the pages served meanwhile (serve_http.py).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import watchfiles

from ogpsite.build import Builder, BuildMode, BuildReport
from ogpsite.errors import BuildFailed, OutputRefused, display_path
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


class Rebuilder:
    """Runs the build and records the outcome; never raises.

    One incremental `Builder` (BuildMode.PREVIEW) lives as long as the server and is told which files
    changed, so a save re-renders only the pages that read what it touched.
    """

    def __init__(self, settings: BuildSettings, state: BuildState, out: TextIO, quiet: bool = False):
        self.settings = settings
        self.state = state
        self.out = out
        self.quiet = quiet
        self._builder: Builder | None = None
        self._pending: set[str] = set()  # changes since the last successful build

    def _build(self, changed: Sequence[str]) -> BuildReport:
        self._pending.update(changed)
        if self._builder is None:
            # In place: a save replaces only the files it changed instead of swapping in a new
            # copy of the site; deferred stages: the edited page reloads before the search index
            # and data files are remade (finish(), when the watcher goes quiet).
            self._builder = Builder(self.settings, mode=BuildMode.PREVIEW)
            report = self._builder.build()
        else:
            # A failed build may have stopped before reading every change: name them all again.
            report = self._builder.rebuild(sorted(self._pending))
        self._pending.clear()
        return report

    @property
    def pending(self) -> bool:
        """Whether the site-wide files (search index, feeds, data) still wait for finish()."""
        return self._builder is not None and bool(self._builder.pending_stages)

    def finish(self) -> bool:
        """Between edits: bring the deferred site-wide files up to date, or, after a start on an
        up-to-date site, read the cached records into memory so the first save is quick too."""
        builder = self._builder
        if builder is None:
            return True
        if not builder.pending_stages:
            try:
                builder.warm()
            except Exception:  # only a slower first save: the rebuild reads the cache itself
                traceback.print_exc(file=self.out)
            return True
        return self._run(builder.finish, "", finishing=True)

    def log(self, text: str) -> None:
        print(f"[{dt.datetime.now():%H:%M:%S}] {text}", file=self.out, flush=True)

    def rebuild(self, changed: Sequence[str] = ()) -> bool:
        """Build after `changed` (absolute paths, as the watcher reports them; none: the first build)."""
        shown = [display_path(Path(p), self.settings.project_root) for p in changed]
        reason = f" ({', '.join(shown[:3])}{', …' if len(shown) > 3 else ''})" if shown else ""
        return self._run(lambda: self._build(changed), reason)

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
            if finishing:
                self.log(f"Search index, feeds and data files updated in {seconds:.2f} s.")
            else:
                waiting = " (search index and data files follow)" if self.pending else ""
                self.log(f"Built {report.pages} pages, {report.rendered} rendered in {seconds:.2f} s{reason}{waiting}.")
        return True


def in_process(settings: BuildSettings) -> BuildSettings:
    """The settings builds inside the server use: as given, workers included.

    A child forked from this threaded server would inherit its signal handlers (asyncio's, so
    SIGTERM no longer ended it and the pool waited for it forever) and its wakeup fd; the pool's
    initializer (build/parallel.py, `reset_inherited_signals`) gives each worker its own, so the
    first build and finish() use every core.
    """
    return settings


# --- watching -------------------------------------------------------------------------------


class _Filter(watchfiles.DefaultFilter):
    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$", r"\.tmp$", r"^\.~lock\.")


def watched_paths(settings: BuildSettings) -> list[Path]:
    """Content, and the templates folder with its assets and catalogs."""
    return [p for p in (settings.content_dir, settings.templates_dir) if p.exists()]


class Watcher(threading.Thread):
    """Rebuilds on every batch of changes; changes during a build make one more build."""

    def __init__(
        self,
        paths: list[Path],
        on_change: Callable[[list[str]], None],
        stop: threading.Event,
        on_quiet: Callable[[], object] | None = None,  # its result is not used
    ):
        super().__init__(name="ogpsite-watch", daemon=True)
        self.paths = paths
        self.on_change = on_change
        self.stop = stop
        self.on_quiet = on_quiet  # called when no change came for rust_timeout (half a second)

    def run(self) -> None:
        if not self.paths:
            return
        for changes in watchfiles.watch(
            *self.paths,
            watch_filter=_Filter(),
            stop_event=self.stop,
            debounce=1_000,
            step=30,
            rust_timeout=500,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            if self.stop.is_set():
                break
            if changes:
                self.on_change(sorted({path for _, path in changes}))
            elif self.on_quiet is not None:
                self.on_quiet()
