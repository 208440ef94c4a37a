"""Serve the output directory over HTTP the way a good feed host does.

GET and HEAD; strong ETags and Last-Modified with 304 answers; gzip when asked; a
Cache-Control matching the polling schedule; no path ever leaves the output directory.
POST only to the paths given as `post_routes` (Telegram's webhook), with a body capped at
`MAX_POST_BYTES`; those paths are secret, so they are never written to the log.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import logging
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from feeds.server_thread import ServerThread

log = logging.getLogger(__name__)

Route = Callable[[], tuple[int, str, bytes]]  # -> (status, content type, body)
# (request headers, names lower-cased; body) -> (status, content type, body)
PostRoute = Callable[[Mapping[str, str], bytes], tuple[int, str, bytes]]
MAX_POST_BYTES = 1 << 20  # a Telegram update is a few kilobytes; nothing needs more

CONTENT_TYPES: dict[str, str] = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
}
_COMPRESSIBLE = ("text/", "application/rss+xml", "application/atom+xml", "application/xml",
                 "application/feed+json", "application/json", "image/svg+xml")
_GZIP_MIN_BYTES = 256  # below this the gzip header costs more than it saves
_ALLOW = "GET, HEAD"


def content_type_for(path: Path) -> str:
    name = path.name.lower()
    for suffix, media_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return media_type
    return "application/octet-stream"


@dataclass(frozen=True)
class _Representation:
    """A file's bytes with its validators, cached until the file is replaced."""

    signature: tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns
    body: bytes
    gzipped: bytes | None
    etag: str
    last_modified: str
    mtime: int  # whole seconds, the precision of Last-Modified
    content_type: str


class FeedServer:
    """The output directory over HTTP on a daemon thread; `with FeedServer(dir) as s:`."""

    def __init__(
        self,
        output_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        cache_seconds: int = 300,
        extra_routes: dict[str, Route] | None = None,
        post_routes: dict[str, PostRoute] | None = None,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.host = host
        self.port = port
        self.cache_seconds = cache_seconds
        self.extra_routes = dict(extra_routes or {})
        self.post_routes = dict(post_routes or {})
        self._server: ServerThread | None = None
        # A file's validators and bytes, read and hashed once per version of the file: a
        # 304 (or a 200) for an unchanged file costs one stat, no read and no hashing.
        self._cache: dict[Path, _Representation] = {}
        self._cache_lock = threading.Lock()
        self.reads = 0  # files read (and hashed) since start: once per version per file

    @property
    def url(self) -> str:
        """Base URL, ending in "/"; the real port once started with port=0."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> FeedServer:
        if self._server is not None:
            return self
        handler = type("Handler", (_Handler,), {"feed_server": self})
        server_class = _Server6 if ":" in self.host else _Server
        server = server_class((self.host, self.port), handler)
        self.port = int(server.server_address[1])
        self._server = ServerThread(server, "feed-server").start()
        log.info("serving %s at %s", self.output_dir, self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- files ----------------------------------------------------------------------

    def resolve(self, raw_path: str) -> Path | None:
        """The file a request path names, or None if it names nothing servable.

        Decoded first, so "%2e%2e" is "..": any ".." or "." segment, a backslash or NUL,
        and dot-files (the publisher's temporaries) are refused; symlinks are followed and
        the result must still lie inside the output directory.
        """
        try:
            path = unquote(urlsplit(raw_path).path, errors="strict")
        except ValueError:
            return None
        if "\x00" in path or "\\" in path:
            return None
        segments = [s for s in path.split("/") if s]
        if any(s in (".", "..") or s.startswith(".") for s in segments):
            return None
        root = self.output_dir.resolve()
        candidate = root.joinpath(*segments)
        if path.endswith("/") or not segments or candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(root) or not real.is_file():
            return None
        return real

    def directory_location(self, raw_path: str) -> str | None:
        """Where to send a request for a page's directory named without its final "/"
        ("/ar" -> "/ar/"): served as is, the page's relative links would miss their files."""
        parts = urlsplit(raw_path)
        if parts.path.endswith("/") or self.resolve(raw_path) is None:
            return None
        segments = [s for s in unquote(parts.path).split("/") if s]
        if not segments or not self.output_dir.joinpath(*segments).is_dir():
            return None
        # Rebuilt from the segments: never "//host/", which a browser would read as another site.
        return "/" + "/".join(quote(s) for s in segments) + "/" + (
            f"?{parts.query}" if parts.query else "")

    def representation(self, path: Path) -> _Representation:
        """The file's validators and bytes from memory while one stat says it is the same
        file: the publisher replaces files by rename, which gives a new inode."""
        st = path.stat()
        signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        with self._cache_lock:
            cached = self._cache.get(path)
            if cached is None or cached.signature != signature:
                self.reads += 1
        if cached is not None and cached.signature == signature:
            return cached
        body = path.read_bytes()
        content_type = content_type_for(path)
        gzipped = None
        if content_type.startswith(_COMPRESSIBLE) and len(body) >= _GZIP_MIN_BYTES:
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)  # mtime=0: stable bytes
        mtime = int(st.st_mtime)
        rep = _Representation(
            signature=signature, body=body, gzipped=gzipped,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            last_modified=email.utils.formatdate(mtime, usegmt=True), mtime=mtime,
            content_type=content_type)
        with self._cache_lock:
            self._cache[path] = rep
        return rep


def _gzip_etag(etag: str) -> str:
    return etag[:-1] + '-gz"'


def _accepts_gzip(header: str | None) -> bool:
    """Accept-Encoding allows gzip: named with q > 0, or "*" when gzip is not named."""
    wildcard = False
    for part in (header or "").split(","):
        name, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.lower() in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            wildcard = q > 0
    return wildcard


def _etag_matches(header: str, *etags: str) -> bool:
    if header.strip() == "*":
        return True
    # If-None-Match uses weak comparison: W/"x" matches "x".
    offered = {t.strip().removeprefix("W/") for t in header.split(",")}
    return any(e in offered for e in etags)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response is routine (load tools, readers on mobile
        # networks): not worth a traceback on stderr.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("client %s went away: %s", client_address, error)
            return
        log.exception("feed server: error while serving %s", client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    feed_server: FeedServer
    protocol_version = "HTTP/1.1"  # keep-alive: readers and load tools reuse connections
    timeout = 60  # an idle keep-alive connection frees its thread after a minute
    # Headers and body go out as two writes; with Nagle's algorithm and delayed ACKs a
    # small body would wait ~40 ms for the ACK of the headers on a keep-alive connection.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "feedbot"

    def handle_one_request(self) -> None:
        # Same as the standard library's, except that every method other than GET and
        # HEAD gets 405 with Allow instead of 501.
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            if self.command in ("GET", "HEAD"):
                self._serve(head=self.command == "HEAD")
            elif self.command == "POST" and self._post_route() is not None:
                self._receive()
            else:
                # A body of the refused request is not read: left on a kept-alive
                # connection, it would be parsed as the next request.
                self.close_connection = True
                self._send_simple(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n",
                                  {"Allow": _ALLOW})
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def _serve(self, head: bool) -> None:
        server = self.feed_server
        try:
            route_path = urlsplit(self.path).path
        except ValueError:  # e.g. an unclosed IPv6 bracket in an absolute-form target
            self._send_simple(HTTPStatus.BAD_REQUEST, b"bad request\n", {}, head=head)
            return
        route = server.extra_routes.get(route_path)
        if route is not None:
            status, content_type, body = route()
            self._send_simple(status, body, {"Content-Type": content_type,
                                             "Cache-Control": "no-store"}, head=head)
            return
        try:
            location = server.directory_location(self.path)
            path = server.resolve(self.path)
        except UnicodeDecodeError:
            location = path = None
        if location is not None:
            self._send_simple(HTTPStatus.MOVED_PERMANENTLY, b"moved\n",
                              {"Location": location}, head=head)
            return
        if path is None:
            self._send_simple(HTTPStatus.NOT_FOUND, b"not found\n", head=head)
            return
        try:
            rep = server.representation(path)
        except OSError:  # replaced or removed between resolve and read
            self._send_simple(HTTPStatus.NOT_FOUND, b"not found\n", head=head)
            return

        use_gzip = rep.gzipped is not None and _accepts_gzip(self.headers.get("Accept-Encoding"))
        etag = _gzip_etag(rep.etag) if use_gzip else rep.etag
        headers = {
            "Content-Type": rep.content_type,
            "ETag": etag,
            "Last-Modified": rep.last_modified,
            "Cache-Control": f"public, max-age={server.cache_seconds}",
        }
        if rep.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"

        if self._not_modified(rep):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers.items():
                if name != "Content-Type":
                    self.send_header(name, value)
            self.end_headers()
            return

        body = rep.gzipped if use_gzip and rep.gzipped is not None else rep.body
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        self.send_response(HTTPStatus.OK)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _post_route(self) -> PostRoute | None:
        try:
            return self.feed_server.post_routes.get(urlsplit(self.path).path)
        except ValueError:
            return None

    def _receive(self) -> None:
        """A POST to a post route: the body read whole (a declared length, at most
        MAX_POST_BYTES, else 411/413 without reading it), then handed to the route."""
        route = self._post_route()
        assert route is not None
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            self._send_simple(HTTPStatus.LENGTH_REQUIRED, b"length required\n")
            return
        length = int(length_header)
        if length > MAX_POST_BYTES:
            self.close_connection = True  # the unread body must not be taken as a request
            self._send_simple(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large\n")
            return
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, content_type, answer = route(headers, body)
        self._send_simple(status, answer, {"Content-Type": content_type,
                                           "Cache-Control": "no-store"})

    def _not_modified(self, rep: _Representation) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # Either variant's tag names the same content: a client that switched
            # Accept-Encoding still gets its 304. If-None-Match wins over the date.
            return _etag_matches(if_none_match, rep.etag, _gzip_etag(rep.etag))
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                when = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            return rep.mtime <= int(when.timestamp())
        return False

    def _send_simple(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                     head: bool = False) -> None:
        self.send_response(status)
        merged = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        for name, value in merged.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # One stderr line per request is noise for a service polled all day. A post
        # route's path is a secret (the webhook's): it is never written out.
        line = format % args
        for path in self.feed_server.post_routes:
            line = line.replace(path, "/<secret path>")
        log.debug("%s %s", self.address_string(), line)
