"""A WebSub hub on 127.0.0.1 that records every publish notification it is sent.

It answers what it is told to: `fail_next(n, status)` makes the next n notifications fail
(500 by default), as a hub being restarted does; the rest get 204, as real hubs answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs

from feeds.server_thread import ServerThread


@dataclass(frozen=True)
class Notice:
    mode: str  # hub.mode
    url: str  # hub.url
    content_type: str
    status: int  # what the hub answered
    at: float  # time.monotonic() when it arrived


class FakeHub:
    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._thread: ServerThread | None = None

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures += [status] * count

    def accepted(self) -> list[str]:
        """The feed URLs of the publish notifications answered 2xx, in arrival order."""
        with self._lock:
            return [n.url for n in self.notices if n.mode == "publish" and n.status < 300]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Notice]:
        """All notices once at least `count` have arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.notices) >= count:
                    return list(self.notices)
            time.sleep(0.01)
        with self._lock:
            return list(self.notices)

    def _record(self, form: dict[str, list[str]], content_type: str) -> int:
        with self._lock:
            status = self._failures.pop(0) if self._failures else 204
            self.notices.append(Notice(
                mode=(form.get("hub.mode") or [""])[0], url=(form.get("hub.url") or [""])[0],
                content_type=content_type, status=status, at=time.monotonic()))
        return status

    # ---- server -------------------------------------------------------------------

    def start(self) -> Self:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.hub = self
        self._thread = ServerThread(server, "fake-websub-hub", poll_interval=0.05).start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._thread is None:
            raise RuntimeError("FakeHub is not started")
        return f"http://127.0.0.1:{self._thread.server.server_address[1]}/hub"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: FakeHub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        content_type = self.headers.get("Content-Type", "")
        status = self.server.hub._record(parse_qs(body), content_type)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
