"""Live preview: `ogpsite serve` builds the site, serves the output folder on loopback, rebuilds on
every change to the content, templates, catalogs or assets, and reloads the open pages.

- Reloading speaks livereload's protocol with the `livereload` package's WebSocket handler and
  browser script. Each HTML page served gets `<script src="/livereload.js?port=N">` before
  `</head>`: same origin and no inline code, so a page's Content-Security-Policy needs nothing
  beyond `script-src 'self'` and `connect-src 'self'` (the WebSocket goes back to the same host and
  port). The built files never contain it; only this server adds it.
- Changes come from watchfiles (inotify, ~50 ms); livereload's own watcher polls every 0.8 s and
  drops reloads closer than 3 s apart, too slow for save -> reloaded in a blink.
- A content error keeps the last good site (the build swaps folders only when it succeeds); every
  page served meanwhile carries a panel listing `path:line: message`, and the next good save
  rebuilds and reloads by itself.
- Only files inside the output folder are served: no `..`, no absolute paths, no hidden files, no
  symbolic links (404 for each), and on loopback only requests naming a loopback host (no DNS
  rebinding).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import errno
import html
import ipaddress
import mimetypes
import re
import signal
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
import watchfiles
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler

from ogpsite.build import builder as pipeline
from ogpsite.errors import BuildFailed, OutputRefused, display_path
from ogpsite.output.writers import check_output_dir

RESERVED_PREFIX = "_ogpsite/"  # never a site URL: slugs cannot start with '_'


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port (the address is printed)
    open_browser: bool = False
    quiet: bool = False


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


# --- build state ----------------------------------------------------------------------------


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
    """Runs the pipeline's build and records the outcome; never raises.

    One incremental `pipeline.Builder` lives as long as the server and is told which files
    changed, so a save re-renders only the pages that read what it touched.
    """

    def __init__(self, settings: pipeline.BuildSettings, state: BuildState, out: TextIO, quiet: bool = False):
        self.settings = settings
        self.state = state
        self.out = out
        self.quiet = quiet
        self._builder: pipeline.Builder | None = None
        self._pending: set[str] = set()  # changes since the last successful build

    def _build(self, changed: Sequence[str]) -> pipeline.BuildReport:
        self._pending.update(changed)
        if self._builder is None:
            # In place: a save replaces only the files it changed instead of swapping in a new
            # copy of the site; deferred stages: the edited page reloads before the search index
            # and data files are remade (finish(), when the watcher goes quiet).
            self._builder = pipeline.Builder(self.settings, in_place=True, defer_stages=True)
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

    def _run(self, step: Callable[[], pipeline.BuildReport | None], reason: str, finishing: bool = False) -> bool:
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


# --- HTTP -----------------------------------------------------------------------------------

PANEL_CSS = b"""\
#ogpsite-build-errors{position:relative;z-index:2147483647;margin:0;padding:1rem 1.25rem;
background:#fff4f4;color:#5c0000;border-bottom:4px solid #b00020;font:15px/1.45 system-ui,sans-serif}
#ogpsite-build-errors h2{margin:0 0 .5rem;font-size:1.1rem;color:#8b0000}
#ogpsite-build-errors ol{margin:.5rem 0;padding-left:1.5rem}
#ogpsite-build-errors code{font:13px/1.4 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word;color:#3b0000}
#ogpsite-build-errors p{margin:.25rem 0}
"""


def error_panel(failure: Failure, standalone: bool) -> str:
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in failure.lines)
    note = (
        "No site has been built yet." if standalone else "The page below is from the last good build."
    ) + " Fix the file and save: the page reloads by itself."
    return (
        '<section id="ogpsite-build-errors" role="alert" lang="en">'
        f"<h2>ogpsite: the site could not be rebuilt: {html.escape(failure.title)}</h2>"
        f"<ol>{items}</ol><p>{html.escape(note)}</p></section>"
    )


class _Handler(tornado.web.RequestHandler):
    """Common to every handler: only loopback Host names when serving on loopback."""

    server: PreviewServer

    def initialize(self, server: PreviewServer) -> None:
        self.server = server

    def prepare(self) -> None:
        if not self.server.host_allowed(self.request.host):
            raise tornado.web.HTTPError(403, reason="Host not allowed")

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.clear_header("Server")


class PanelStyleHandler(_Handler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.write(PANEL_CSS)


class LiveReloadScriptHandler(LiveReloadJSHandler):
    def initialize(self, server: PreviewServer) -> None:
        self.server = server

    def prepare(self) -> None:
        if not self.server.host_allowed(self.request.host):
            raise tornado.web.HTTPError(403, reason="Host not allowed")


class ReloadSocket(LiveReloadHandler):
    """livereload's WebSocket, accepting only pages of this server (not other sites' scripts)."""

    server: PreviewServer

    def initialize(self, server: PreviewServer) -> None:
        self.server = server

    def check_origin(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return parts.netloc.lower() == (self.request.host or "").lower() and self.server.host_allowed(parts.netloc)


_BODY_OPEN = re.compile(rb"<body[^>]*>", re.IGNORECASE)
_SEGMENT_OK = re.compile(r"^[^\x00-\x1f\\]+$")


class SiteHandler(_Handler):
    """Files of the output folder, with the reload script (and the error panel) in HTML pages."""

    def head(self, path: str) -> None:
        self.get(path, include_body=False)

    def get(self, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        root = self.server.root
        file = self.server.resolve(path)
        if file is not None and file.is_dir():
            if path and not path.endswith("/"):
                query = f"?{self.request.query}" if self.request.query else ""
                self.redirect("/" + quote(path) + "/" + query, permanent=False)
                return
            file = self.server.resolve(path + "index.html")
        failure = self.server.state.failure
        if file is None or not file.is_file():
            fallback = self.server.resolve("404.html")
            if fallback is not None and fallback.is_file():
                self.set_status(404)
                self._send(fallback, include_body, failure)
            elif failure is not None:
                self.set_status(500 if not root.is_dir() else 404)
                self._send_standalone(failure, include_body)
            else:
                self.set_status(404)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                if include_body:
                    self.write(b"404: not found\n")
            return
        self._send(file, include_body, failure)

    def _send(self, file: Path, include_body: bool, failure: Failure | None) -> None:
        try:
            data = file.read_bytes()
        except OSError:  # swapped away by a rebuild between resolving and reading
            raise tornado.web.HTTPError(404) from None
        kind, encoding = mimetypes.guess_type(file.name)
        kind = kind or "application/octet-stream"
        if encoding:
            kind = "application/octet-stream"
        if kind == "text/html":
            data = self.server.inject(data, failure)
        if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml", "application/xml"):
            kind += "; charset=utf-8"
        self.set_header("Content-Type", kind)
        self.set_header("Content-Length", str(len(data)))
        if include_body:
            self.write(data)

    def _send_standalone(self, failure: Failure, include_body: bool) -> None:
        page = b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ogpsite: build failed</title></head><body></body></html>'
        data = self.server.inject(page, failure, standalone=True)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        if include_body:
            self.write(data)


class PreviewServer:
    """The HTTP side: resolves request paths safely and decorates HTML pages."""

    def __init__(self, root: Path, state: BuildState, host: str, port: int):
        self.root = root
        self.state = state
        self.host = host
        self.port = port
        self.loopback = is_loopback(host)

    def host_allowed(self, header: str | None) -> bool:
        if not self.loopback:
            return True  # the user chose to expose the preview; any name may reach it
        try:
            name = urlsplit(f"//{header or ''}").hostname or ""
        except ValueError:  # e.g. an unclosed '[' in the Host header
            return False
        return is_loopback(name)

    def resolve(self, path: str) -> Path | None:
        """The file or folder for a URL path inside the root, or None (served as 404)."""
        if path.startswith("/") or path.startswith(RESERVED_PREFIX):
            return None
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or not _SEGMENT_OK.match(p) for p in parts):
            return None
        root = self.root.resolve()
        current = root
        for part in parts:
            current = current / part
            if current.is_symlink():
                return None
        if not current.exists():
            return None
        if not current.resolve().is_relative_to(root):
            return None
        return current

    def inject(self, data: bytes, failure: Failure | None, standalone: bool = False) -> bytes:
        head = f'<script src="/livereload.js?port={self.port}" defer></script>'
        if failure is not None:
            head += f'<link rel="stylesheet" href="/{RESERVED_PREFIX}serve.css">'
        marker = b"</head>"
        index = data.lower().find(marker)
        data = data[:index] + head.encode() + data[index:] if index >= 0 else head.encode() + data
        if failure is not None:
            panel = error_panel(failure, standalone).encode()
            match = _BODY_OPEN.search(data)
            data = data[: match.end()] + panel + data[match.end() :] if match else panel + data
        return data

    def application(self) -> tornado.web.Application:
        args = {"server": self}
        return tornado.web.Application(
            [
                (r"/livereload", ReloadSocket, args),
                (r"/livereload\.js", LiveReloadScriptHandler, args),
                (rf"/{RESERVED_PREFIX}serve\.css", PanelStyleHandler, args),
                (r"/(.*)", SiteHandler, args),
            ],
            compress_response=False,
            log_function=_log_request,
        )


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Requests are not logged: 404s are normal while editing, and faults are logged by tornado."""


def notify_browsers(path: str = "*") -> None:
    """Tell every connected page to reload (a stylesheet alone is swapped in place)."""
    LiveReloadHandler.reload_waiters(path)


# --- watching -------------------------------------------------------------------------------


class _Filter(watchfiles.DefaultFilter):
    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$", r"\.tmp$", r"^\.~lock\.")


def watched_paths(settings: pipeline.BuildSettings) -> list[Path]:
    """Content, and the templates folder with its assets and catalogs."""
    return [p for p in (settings.content_dir, settings.templates_dir) if p.exists()]


class Watcher(threading.Thread):
    """Rebuilds on every batch of changes; changes during a build make one more build."""

    def __init__(
        self,
        paths: list[Path],
        on_change: Callable[[list[str]], None],
        stop: threading.Event,
        on_quiet: Callable[[], None] | None = None,
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


# --- the command ----------------------------------------------------------------------------


class PortInUse(Exception):
    pass


def _listen(app: tornado.web.Application, host: str, port: int) -> tuple[tornado.httpserver.HTTPServer, int]:
    try:
        sockets = tornado.netutil.bind_sockets(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"error: port {port} on {host} is already in use; stop the other server or choose another with --port"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise PortInUse(f"error: not allowed to listen on port {port}; choose a port above 1023 with --port") from None
        raise PortInUse(f"error: cannot listen on {host}:{port} ({exc.strerror}); check --host and --port") from None
    except (UnicodeError, ValueError) as exc:
        raise PortInUse(f"error: cannot listen on {host}:{port} ({exc}); check --host and --port") from None
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    return server, sockets[0].getsockname()[1]


def in_process(settings: pipeline.BuildSettings) -> pipeline.BuildSettings:
    """Builds inside the server render in its own process, without forking workers.

    A child forked from this threaded server inherits its signal handlers (asyncio's, so SIGTERM
    no longer ends it and the pool waits for it forever) and any lock another thread holds at
    that moment. A save re-renders few pages anyway; only the first build is slower.
    """
    return dataclasses.replace(settings, workers=1)


async def _serve(settings: pipeline.BuildSettings, options: ServeOptions, out: TextIO, err: TextIO) -> int:
    state = BuildState()
    # livereload's handler keeps its settings on the class; it logs `watcher.filepath`.
    LiveReloadHandler.watcher = dataclasses.make_dataclass("NoWatcher", [("filepath", Any, None)])()
    LiveReloadHandler.live_css = True
    preview = PreviewServer(settings.output_dir, state, options.host, options.port)
    try:
        http, port = _listen(preview.application(), options.host, options.port)
    except PortInUse as exc:
        print(exc, file=err, flush=True)
        return 1
    preview.port = port
    address = f"http://{_url_host(options.host)}:{port}/"
    if settings.base_url is None:
        # Canonical links and the 404 page point at the preview, not the published address.
        settings = dataclasses.replace(settings, base_url=address)
    settings = in_process(settings)
    if not is_loopback(options.host):
        print(f"warning: serving on {options.host}: other machines on your network can see this preview", file=err, flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    rebuilder = Rebuilder(settings, state, out, options.quiet)
    try:
        check_output_dir(settings.output_dir, [settings.content_dir, settings.templates_dir, settings.project_root / "ogpsite"])
    except OutputRefused as exc:
        http.stop()
        print(f"error: {exc}", file=err, flush=True)
        return 2
    await loop.run_in_executor(None, rebuilder.rebuild)

    stopping = threading.Event()

    def changed(paths: list[str]) -> None:
        ok = rebuilder.rebuild(paths)
        only_css = ok and all(p.endswith(".css") for p in paths)
        loop.call_soon_threadsafe(notify_browsers, Path(paths[0]).name if only_css else "*")

    watcher = Watcher(watched_paths(settings), changed, stopping, rebuilder.finish)
    watcher.start()
    print(f"Serving {display_path(settings.output_dir, settings.project_root)}/ on {address} — press Ctrl-C to stop.", file=out, flush=True)
    if options.open_browser:
        webbrowser.open(address)
    try:
        await stop.wait()
    finally:
        stopping.set()
        http.stop()
        for socket in list(LiveReloadHandler.waiters):
            socket.close()
        await loop.run_in_executor(None, watcher.join, 10)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("Stopped.", file=out, flush=True)
    return 0


def serve(settings: pipeline.BuildSettings, options: ServeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Build, serve and rebuild until Ctrl-C (or SIGTERM). Returns the exit status."""
    return asyncio.run(_serve(settings, options, out, err))
