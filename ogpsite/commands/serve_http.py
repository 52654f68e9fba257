"""The preview's HTTP side: files of the output folder, with the reload script and the error panel.

Each HTML page served gets `<script src="/livereload.js?port=N">` before `</head>`: same origin and
no inline code, so a page's Content-Security-Policy needs nothing beyond `script-src 'self'` and
`connect-src 'self'`. Only files inside the output folder are served: no `..`, no absolute paths,
no hidden files, no symbolic links (404 for each), and on loopback only requests naming a loopback
host (no DNS rebinding).
"""

from __future__ import annotations

import errno
import html
import ipaddress
import json
import mimetypes
import re
import socket
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler

from ogpsite.commands.serve_rebuild import BuildState, Failure

RESERVED_PREFIX = "_ogpsite/"  # never a site URL: slugs cannot start with '_'


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    """livereload's WebSocket, accepting only pages of this server (not other sites' scripts).

    A reload goes to the pages connected at that moment; a page still loading (or reloading after
    the save before) is not yet connected and would miss it, and stay stale: a save's fast path
    reloads twice in quick succession, and a failing build's panel comes with a third. So a page
    that connects after a reload it was read before reloads at once (`missed_reload`)."""

    server: PreviewServer
    last_reload = 0.0  # time.monotonic() of the last reload told (notify_browsers)

    def initialize(self, server: PreviewServer) -> None:
        self.server = server

    def on_message(self, message: str | bytes) -> None:
        super().on_message(message)
        try:
            said = json.loads(message)
        except ValueError:
            return
        if isinstance(said, dict) and said.get("command") == "info" and isinstance(said.get("url"), str):
            path = urlsplit(said["url"]).path
            if missed_reload(self.server.served.get(path), ReloadSocket.last_reload):
                self.write_message({"command": "reload", "path": "*", "liveCSS": True, "liveImg": True})

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

    page = False  # an HTML page was sent

    def on_finish(self) -> None:
        self.server.answered(self.page)

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
            read_at = time.monotonic()  # before reading: a reload told after this may be newer
            data = file.read_bytes()
        except OSError:  # swapped away by a rebuild between resolving and reading
            raise tornado.web.HTTPError(404) from None
        kind, encoding = mimetypes.guess_type(file.name)
        kind = kind or "application/octet-stream"
        if encoding:
            kind = "application/octet-stream"
        if kind == "text/html":
            data = self.server.inject(data, failure)
            self.page = True
            self.server.served[self.request.path] = read_at
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
        self.last_answer = 0.0  # time.monotonic() of the last request answered
        self.last_page = 0.0  # and of the last HTML page
        self.served: dict[str, float] = {}  # URL path -> time.monotonic() its HTML was last read

    def answered(self, page: bool) -> None:
        self.last_answer = time.monotonic()
        if page:
            self.last_page = self.last_answer

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


FIRST_LOOK_SECONDS = 0.5  # the longest the rest of a build waits for the browsers to reload the edited page
QUIET_REQUESTS = 0.05  # no request for this long after a page: its styles and scripts are in


def first_look_over(now: float, told: float, last_page: float, last_answer: float) -> bool:
    """Whether the browsers told at `told` (time.monotonic()) to reload have the edited page: a page
    was answered since, and no request came for QUIET_REQUESTS; or FIRST_LOOK_SECONDS went by."""
    if now - told >= FIRST_LOOK_SECONDS:
        return True
    return last_page > told and now - last_answer >= QUIET_REQUESTS


def missed_reload(read_at: float | None, last_reload: float) -> bool:
    """Whether a page whose HTML was read at `read_at` (None: not served by this server) was told
    to reload after that, while it was not listening yet."""
    return read_at is not None and last_reload > read_at


def browsers_open() -> bool:
    """Whether any page of this server listens for reloads."""
    return bool(LiveReloadHandler.waiters)


def notify_browsers(path: str = "*") -> None:
    """Tell every connected page to reload (a stylesheet alone is swapped in place); a page that
    connects later than this, read before it, reloads as it connects (ReloadSocket)."""
    ReloadSocket.last_reload = time.monotonic()
    LiveReloadHandler.reload_waiters(path)


class PortInUse(Exception):
    pass


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for host:port (PortInUse says why not). Connections wait in their
    backlog until `serve_on` starts answering them."""
    try:
        return tornado.netutil.bind_sockets(port, address=host)
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


def serve_on(app: tornado.web.Application, sockets: list[socket.socket]) -> tornado.httpserver.HTTPServer:
    """Start answering on the sockets `bind` made (with the running event loop)."""
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    return server
