"""A real HTTP server on 127.0.0.1 whose paths fail in the ways real sites do.

Each path is one fault (slow, hanging, huge, truncated, looping, badly encoded...); the server
counts what it was asked and what it sent so tests can check the fetcher's side of the story.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ARABIC = "منظمة القسط تطالب بالإفراج عن المعتقلين في السعودية، وتدعو إلى احترام حقوق الإنسان."
LAST_MODIFIED = "Mon, 02 Mar 2026 10:00:00 GMT"
HUGE_BYTES = 50_000_000
BOMB_BYTES = 30_000_000


def arabic_page(meta: str = "") -> str:
    paragraphs = "".join(f"<p>{ARABIC}</p>" for _ in range(6))
    head = f"<head>{meta}<title>القسط</title></head>"
    return f"<html>{head}<body><h1>{ARABIC}</h1>{paragraphs}</body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: MisbehavingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        state = self.server
        with state.lock:
            state.hits[path] += 1
            hit = state.hits[path]
            state.requests.append((path, dict(self.headers.items())))
            state.starts.append((path, time.monotonic()))
        route = ROUTES.get(path.rstrip("/")) or (
            _endless_hops if path.startswith("/hop/") else None
        )
        if route is None:
            self._send(404, b"not here")
            return
        # The client giving up mid-answer is what most tests check.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self, hit, query)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_stream(self, content_type: str = "text/html; charset=utf-8") -> None:
        """Headers for a body without a length: it ends when the connection closes."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


Route = Callable[[_Handler, int, dict[str, str]], None]


def _ok(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(200, f"<html><body><h1>{ARABIC}</h1><p>ALQST</p></body></html>".encode())


def _cached(h: _Handler, hit: int, q: dict[str, str]) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
    if h.headers.get("If-None-Match") == '"v1"' or h.headers.get("If-Modified-Since") == (
        LAST_MODIFIED
    ):
        h.send_response(304)
        for name, value in validators.items():
            h.send_header(name, value)
        h.end_headers()
        return
    h._send(200, b"<html><body>fresh</body></html>", headers=validators)


def _closes_idle(h: _Handler, hit: int, q: dict[str, str]) -> None:
    """Keeps the connection open after an answer, then drops the next request on it unread:
    what a server does when its keep-alive timeout fires just as the client reuses the
    connection (nginx's keepalive_timeout), made certain instead of a race."""
    if getattr(h, "answered_one", False):
        h.close_connection = True
        return
    h.answered_one = True
    h._send(200, b"<html><body>kept alive</body></html>")


def _flaky(h: _Handler, hit: int, q: dict[str, str]) -> None:
    if hit == 1:
        h._send(500, b"oops")
    else:
        h._send(200, b"<html><body>second time lucky</body></html>")


def _busy(h: _Handler, hit: int, q: dict[str, str]) -> None:
    if hit == 1:
        h._send(503, b"busy", headers={"Retry-After": q.get("after", "1")})
    else:
        h._send(200, b"<html><body>rested</body></html>")


def _always_busy(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(503, b"busy", headers={"Retry-After": q.get("after", "3600")})


def _broken(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(500, b"always broken")


def _gone(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(404, b"no such post")


def _trickle(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._start_stream()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not h.server.stopping.is_set():
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def _hang(h: _Handler, hit: int, q: dict[str, str]) -> None:
    # Answer nothing; return once the client hangs up (recv gives b"") or the server stops.
    h.connection.settimeout(0.1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not h.server.stopping.is_set():
        try:
            if not h.connection.recv(1):
                break
        except TimeoutError:
            continue
    h.close_connection = True


def _truncated(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b"<html>" + b" " * 94)
    h.close_connection = True


def _huge(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._start_stream()
    chunk = b"<p>" + b"x" * 65_533
    try:
        while h.server.huge_sent < HUGE_BYTES and not h.server.stopping.is_set():
            h.wfile.write(chunk)
            h.server.huge_sent += len(chunk)
    finally:
        h.server.huge_done.set()


def _huge_declared(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(HUGE_BYTES))
    h.end_headers()
    h.close_connection = True  # never sends the body: the client must refuse on the header


def _gzip_bomb(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(200, h.server.bomb(), headers={"Content-Encoding": "gzip"})


def _compressed(h: _Handler, hit: int, q: dict[str, str]) -> None:
    body = arabic_page().encode()
    how = q["how"]
    if how == "gzip":
        data, encoding = gzip.compress(body), "gzip"
    elif how == "zlib":
        data, encoding = zlib.compress(body), "deflate"
    else:  # raw deflate without the zlib header, as some servers send it
        squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data, encoding = squeezer.compress(body) + squeezer.flush(), "deflate"
    h._send(200, data, headers={"Content-Encoding": encoding})


def _redirect(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(int(q.get("status", "302")), b"", headers={"Location": q.get("to", "/ok")})


def _loop_a(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(301, headers={"Location": "/loop-b"})


def _loop_b(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(301, headers={"Location": "/loop-a"})


def _endless_hops(h: _Handler, hit: int, q: dict[str, str]) -> None:
    n = int(h.path.rsplit("/", 1)[1])
    h._send(302, headers={"Location": f"/hop/{n + 1}"})


def _arabic(h: _Handler, hit: int, q: dict[str, str]) -> None:
    """An Arabic page in windows-1256; `hint` says how (or whether) it admits that."""
    hint = q.get("hint", "header")
    content_type = "text/html"
    meta = ""
    if hint == "header":
        content_type = "text/html; charset=windows-1256"
    elif hint == "meta":
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    elif hint == "wrong-header":
        content_type = "text/html; charset=iso-8859-1"
    if hint == "xml":
        body = (
            '<?xml version="1.0" encoding="windows-1256"?>'
            f"<rss version='2.0'><channel><title>{ARABIC}</title></channel></rss>"
        )
        h._send(200, body.encode("cp1256"), "application/rss+xml")
        return
    h._send(200, arabic_page(meta).encode("cp1256"), content_type)


def _utf8_says_latin1(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(200, arabic_page().encode(), "text/html; charset=iso-8859-1")


def _garbage(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(200, random.Random(7).randbytes(20_000), "text/html")


def _image(h: _Handler, hit: int, q: dict[str, str]) -> None:
    h._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")


def _slow(h: _Handler, hit: int, q: dict[str, str]) -> None:
    state = h.server
    with state.lock:
        state.active += 1
        state.max_active = max(state.max_active, state.active)
    time.sleep(0.15)
    with state.lock:
        state.active -= 1
    h._send(200, b"<html><body>done</body></html>")


ROUTES: dict[str, Route] = {
    "/ok": _ok,
    "/cached": _cached,
    "/closes-idle": _closes_idle,
    "/flaky": _flaky,
    "/busy": _busy,
    "/always-busy": _always_busy,
    "/broken": _broken,
    "/gone": _gone,
    "/trickle": _trickle,
    "/hang": _hang,
    "/truncated": _truncated,
    "/huge": _huge,
    "/huge-declared": _huge_declared,
    "/bomb": _gzip_bomb,
    "/compressed": _compressed,
    "/redirect": _redirect,
    "/loop-a": _loop_a,
    "/loop-b": _loop_b,
    "/arabic": _arabic,
    "/utf8-says-latin1": _utf8_says_latin1,
    "/garbage": _garbage,
    "/image": _image,
    "/slow": _slow,
}


class MisbehavingServer(ThreadingHTTPServer):
    """The server plus what it observed; `start()` runs it in a daemon thread."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._bomb: bytes | None = None
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.hits: Counter[str] = Counter()
            self.requests: list[tuple[str, dict[str, str]]] = []
            self.starts: list[tuple[str, float]] = []
            self.active = 0
            self.max_active = 0
            self.huge_sent = 0
            self.huge_done = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def bomb(self) -> bytes:
        """A few KB of gzip that inflate to BOMB_BYTES of HTML; built once, lazily."""
        if self._bomb is None:
            squeezer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            parts = [squeezer.compress(b"<html><body>")]
            block = b" " * 1_000_000
            parts += [squeezer.compress(block) for _ in range(BOMB_BYTES // len(block))]
            self._bomb = b"".join(parts) + squeezer.flush()
        return self._bomb

    def start(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer is the point of this server; anything else is a bug.
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)
