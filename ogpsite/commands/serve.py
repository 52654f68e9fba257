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
import signal
import sys
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from livereload.handlers import LiveReloadHandler

from ogpsite.commands.serve_http import PortInUse, PreviewServer, is_loopback, listen, notify_browsers
from ogpsite.commands.serve_rebuild import BuildState, Rebuilder, Watcher, in_process, watched_paths
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
    preview = PreviewServer(settings.output_dir, state, options.host, options.port)
    try:
        http, port = listen(preview.application(), options.host, options.port)
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
        return 3  # cli.Exit.OUTPUT_REFUSED
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


def serve(settings: BuildSettings, options: ServeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Build, serve and rebuild until Ctrl-C (or SIGTERM). Returns the exit status."""
    return asyncio.run(_serve(settings, options, out, err))
