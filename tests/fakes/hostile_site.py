"""A tiny site on 127.0.0.1 that serves exactly the bytes a test gives it, and records hits.

The replica escapes what it publishes; this one does not: raw hostile HTML, listings that
point at other hosts and ports, redirects to private addresses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from feeds.server_thread import ServerThread

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": HTML})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        with site.lock:
            site.hits.append((self.headers.get("Host", ""), self.path))
            answer = site.routes.get(path, site.fallback)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HostileSite


class HostileSite:
    """`serve(path, html)` and `redirect(path, location)`, then point a source at `url(...)`.

    Unknown paths answer 404, or with `fallback` when it is set (a bystander that must
    never be reached records every hit either way).
    """

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.fallback = Answer(404, b"not here")
        self.hits: list[tuple[str, str]] = []  # (Host header, request target)
        self.lock = threading.Lock()
        self._server: ServerThread | None = None

    def start(self) -> HostileSite:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._server = ServerThread(server, "hostile-site", poll_interval=0.05).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HostileSite is not started")
        return int(self._server.server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, *, status: int = 200,
              content_type: str = HTML) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.routes[path] = Answer(status, data, {"Content-Type": content_type})

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        with self.lock:
            self.routes[path] = Answer(status, b"", {"Location": location})
