"""Live preview: `ogpsite serve` builds the site, serves the output folder on loopback, rebuilds on
every change to the content, templates, catalogs or assets, and reloads the open pages.

- Reloading speaks livereload's protocol with the `livereload` package's WebSocket handler and
  browser script. Each HTML page served gets `<script src="/livereload.js?port=N">` before
  `</head>`: same origin and no inline code, so a page's Content-Security-Policy needs nothing
  beyond `script-src 'self'` and `connect-src 'self'` (the WebSocket goes back to the same host and
  port). The built files never contain it; only this server adds it.
- Changes come from watchfiles (inotify, ~50 ms); livereload's own watcher polls every 0.8 s and
  drops reloads closer than 3 s apart, too slow for save -> reloaded in a blink. The watcher is
  armed before the first build reads anything, and requests wait until that build is done, so a
  save made at any moment after the command starts is served (serve_rebuild.BuildLoop).
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
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from livereload.handlers import LiveReloadHandler

from ogpsite.commands.serve_http import (
    PortInUse,
    PreviewServer,
    bind,
    browsers_open,
    first_look_over,
    is_loopback,
    notify_browsers,
    serve_on,
)
from ogpsite.commands.serve_rebuild import BuildLoop, BuildState, Rebuilder, Watcher, in_process, watched_paths
from ogpsite.errors import OutputRefused, display_path
from ogpsite.output.writers import check_output_dir
from ogpsite.settings import BuildSettings


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port (the address is printed)
    open_browser: bool = False
    quiet: bool = False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


async def _serve(settings: BuildSettings, options: ServeOptions, out: TextIO, err: TextIO) -> int:
    state = BuildState()
    # livereload's handler keeps its settings on the class; it logs `watcher.filepath`.
    LiveReloadHandler.watcher = dataclasses.make_dataclass("NoWatcher", [("filepath", Any, None)])()
    LiveReloadHandler.live_css = True
    try:
        sockets = bind(options.host, options.port)
    except PortInUse as exc:
        print(exc, file=err, flush=True)
        return 1
    port = sockets[0].getsockname()[1]
    preview = PreviewServer(settings.output_dir, state, options.host, port)
    address = f"http://{_url_host(options.host)}:{port}/"
    if settings.base_url is None:
        # Canonical links and the 404 page point at the preview, not the published address.
        settings = dataclasses.replace(settings, base_url=address)
    settings = in_process(settings)
    if not is_loopback(options.host):
        print(f"warning: serving on {options.host}: other machines on your network can see this preview", file=err, flush=True)
    try:
        check_output_dir(settings.output_dir, [settings.content_dir, settings.templates_dir, settings.project_root / "ogpsite"])
    except OutputRefused as exc:
        for sock in sockets:
            sock.close()
        print(f"error: {exc}", file=err, flush=True)
        return 3  # cli.Exit.OUTPUT_REFUSED

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    # The watcher is armed before the first build reads anything, so a save made at any moment
    # after the command starts is either read by that build or rebuilt after it. Requests wait
    # (in the sockets' backlog) until the first build is done rather than get the previous site.
    stopping = threading.Event()
    first_built = asyncio.Event()
    rebuilder = Rebuilder(settings, state, out, options.quiet, freeze=True)

    def changed(built: bool, paths: list[str]) -> None:
        only_css = built and all(p.endswith(".css") for p in paths)
        loop.call_soon_threadsafe(notify_browsers, Path(paths[0]).name if only_css else "*")

    def first_look(paths: list[str], stop_waiting: Callable[[], bool]) -> None:
        """The edited pages are written: reload the open pages, and hold the rest of the build
        until they are served (or a new save comes), so it does not compete with serving them."""
        told = time.monotonic()
        loop.call_soon_threadsafe(notify_browsers, "*")
        if not browsers_open():
            return
        while not stop_waiting() and not first_look_over(time.monotonic(), told, preview.last_page, preview.last_answer):
            time.sleep(0.01)

    watcher = Watcher(watched_paths(settings), stopping)
    builds = BuildLoop(watcher, rebuilder, stopping, lambda: loop.call_soon_threadsafe(first_built.set), changed, first_look)
    watcher.start()
    builds.start()
    http = None
    try:
        waiting = [asyncio.ensure_future(first_built.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for task in waiting:
            task.cancel()
        if first_built.is_set() and not stop.is_set():
            http = serve_on(preview.application(), sockets)
            notify_browsers("*")  # pages left open since an earlier run
            print(
                f"Serving {display_path(settings.output_dir, settings.project_root)}/ on {address} — press Ctrl-C to stop.",
                file=out,
                flush=True,
            )
            if options.open_browser:
                webbrowser.open(address)
            await stop.wait()
    finally:
        stopping.set()
        if http is not None:
            http.stop()
        for sock in sockets:
            sock.close()
        for socket in list(LiveReloadHandler.waiters):
            socket.close()
        await loop.run_in_executor(None, builds.join, 10)
        await loop.run_in_executor(None, watcher.join, 10)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("Stopped.", file=out, flush=True)
    return 0


def serve(settings: BuildSettings, options: ServeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Build, serve and rebuild until Ctrl-C (or SIGTERM). Returns the exit status."""
    return asyncio.run(_serve(settings, options, out, err))
