"""The plumbing of a small test site on 127.0.0.1: a threaded http.server whose every GET is
answered by the site's `answer(path) -> (status, html)`. Sites of other shapes than the
replica (tests/fakes/blog_site.py, wordpress_site.py) subclass it and only say what a
path shows."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from feeds.server_thread import ServerThread


class HtmlSite:
    name = "html-site"  # the server thread's name

    _thread: ServerThread | None = None

    def answer(self, path: str) -> tuple[int, str]:
        raise NotImplementedError

    def answer_target(self, target: str) -> tuple[int, str]:
        """The answer to a request target with its query; sites whose pages differ by query
        (`?page=1`, `?lang=ar`) override this, the others only say what a path shows."""
        return self.answer(urlsplit(target).path)

    def content_type(self, path: str) -> str:
        return "text/html; charset=UTF-8"

    def etag(self, path: str, status: int, body: bytes) -> str | None:
        """The ETag to send with this answer (None: none); a matching If-None-Match gets 304."""
        return None

    def sent(self, path: str, status: int) -> None:
        """Told the status of every answer (a site that counts them overrides it)."""

    def start(self) -> Self:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._thread = ServerThread(server, self.name, poll_interval=0.05).start()
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
    def base_url(self) -> str:
        if self._thread is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._thread.server.server_address[1]}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HtmlSite


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        status, markup = site.answer_target(self.path)
        body = markup.encode("utf-8")
        etag = site.etag(path, status, body)
        if etag is not None:
            tags = {t.strip() for t in self.headers.get("If-None-Match", "").split(",")}
            if etag in tags:
                # Recorded before the answer leaves: a client may read it and look at
                # `answers` before this thread runs again.
                site.sent(path, 304)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
        site.sent(path, status)
        self.send_response(status)
        self.send_header("Content-Type", site.content_type(path))
        self.send_header("Content-Length", str(len(body)))
        if etag is not None:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)
