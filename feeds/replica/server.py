"""The replica of alqst.org served over HTTP on 127.0.0.1: conditional GET, thread-safe
publishing and editing, and injectable faults that imitate how real sites misbehave."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import random
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from feeds.replica.content import (
    META_CHARSET,
    Page,
    Post,
    SiteContent,
    error_markup,
    malformed_markup,
    slug_path,
)

log = logging.getLogger(__name__)

FAULTS = frozenset({
    "500", "503-retry-after", "slow", "hang", "truncated", "wrong-charset", "cp1256",
    "cp1256-meta-only", "redirect-loop", "redirect-offsite", "redirect-same-site", "huge",
    "garbage", "gzip-bomb", "empty-listing", "404", "410", "malformed",
})
HUGE_BYTES = 50 * 1024 * 1024
GZIP_BOMB_INFLATED = 256 * 1024 * 1024
SLOW_SECONDS = 5.0
HANG_SECONDS = 30.0


@dataclass(frozen=True)
class ReplicaPost:
    """A post as the replica published it, with its absolute URLs."""

    id: int
    slug: str
    lang: str
    title: str
    kind: str
    date: dt.date
    url: str  # the slug URL, which is also the canonical URL
    numeric_url: str
    image_url: str | None


@functools.cache
def gzip_bomb() -> bytes:
    """~260 KB of gzip that inflates to 256 MB of spaces, built once without holding 256 MB.

    After a full flush deflate forgets its history, so one compressed megabyte can be repeated.
    """
    megabyte = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = GZIP_BOMB_INFLATED // len(megabyte)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(megabyte, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, GZIP_BOMB_INFLATED & 0xFFFFFFFF)
    return header + block * count + final_empty_block + trailer


class ReplicaSite:
    """The replica site: start it, point the bot at `listing_url(lang)`, change it while it runs.

    with ReplicaSite(archive_size=200) as site:
        site.publish(lang="ar", title="...", paragraphs=["..."])
    """

    def __init__(self, archive_size: int = 0, conditional: bool = True, page_size: int = 10,
                 host: str = "127.0.0.1", port: int = 0, *,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.conditional = conditional  # read per request, so it can be switched at runtime
        self._content = SiteContent(archive_size=archive_size, page_size=page_size,
                                    clock=clock or (lambda: dt.datetime.now(dt.UTC)))
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self._lock = threading.Lock()
        self._faults: dict[str, str] = {}
        self._requests: list[tuple[str, str, dict[str, str]]] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._spans: list[tuple[float, float, str]] = []

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> ReplicaSite:
        if self._server is not None:
            raise RuntimeError("replica: already started")
        server = _Server((self._host, self._port), self)
        port = server.server_address[1]
        self._base_url = f"http://{self._host}:{port}"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"replica-{port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns within ~2 s even with hanging or trickling answers in flight."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.stopping.set()  # wakes "hang" and "slow" answers
        server.shutdown()
        server.close_connections()  # idle keep-alive connections would otherwise linger
        server.server_close()
        thread.join(timeout=2)
        server.wait_for_connections(timeout=1.0)

    def __enter__(self) -> ReplicaSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("replica: start() the site before asking for its URLs")
        return self._base_url

    def listing_url(self, lang: str) -> str:
        """The listing URL template for config: the literal `{page}` is left in."""
        return f"{self.base_url}/{lang}/posts?page={{page}}"

    @property
    def offsite_url(self) -> str:
        """A URL on another host name (localhost, not 127.0.0.1) served by this same process."""
        port = urlsplit(self.base_url).port
        return f"http://localhost:{port}/offsite/landing"

    # -- content --------------------------------------------------------------------------

    def _public(self, post: Post) -> ReplicaPost:
        base = self.base_url
        return ReplicaPost(
            id=post.id, slug=post.slug, lang=post.lang, title=post.title, kind=post.kind,
            date=post.date,
            url=base + post.slug_url_path, numeric_url=base + post.numeric_path,
            image_url=f"{base}/images/{post.id}.png" if post.image_alt is not None else None,
        )

    def publish(self, *, lang: str = "en", title: str, paragraphs: Sequence[str],
                kind: str = "news", date: dt.date | None = None,
                actions: Sequence[tuple[str, str]] | None = None,
                image: bool = False, translation_of: int | None = None) -> ReplicaPost:
        """Add a post at the top of its language listing, at once. Paragraphs are plain text.

        `translation_of`: the id of the same post in the other language; both pages then
        carry `<link rel="alternate" hreflang>` to each other."""
        if self._base_url is None:  # fail before changing anything if no URL can be given
            raise RuntimeError("replica: start() the site before publishing")
        post = self._content.publish(lang=lang, title=title, paragraphs=paragraphs, kind=kind,
                                     date=date, actions=actions, image=image,
                                     translation_of=translation_of)
        return self._public(post)

    def edit(self, post_id: int, title: str | None = None,
             paragraphs: Sequence[str] | None = None) -> ReplicaPost:
        """A correction: same URLs, new content, a later Last-Modified."""
        return self._public(self._content.edit(post_id, title=title, paragraphs=paragraphs))

    def post(self, post_id: int) -> ReplicaPost:
        return self._public(self._content.post(post_id))

    def posts(self, lang: str) -> list[ReplicaPost]:
        """Every post of one language listing, newest first (as the listing pages show them)."""
        return [self._public(post) for post in self._content.listed(lang)]

    # -- faults and the request log ----------------------------------------------------------

    def set_fault(self, path: str, fault: str | None) -> None:
        """Make `path` (query ignored; a full URL is accepted too) misbehave; None clears it.

        Faults: "500", "503-retry-after" (with Retry-After: 1), "404", "410"; "hang" (never
        answers), "slow" (trickles over SLOW_SECONDS), "truncated" (cut short of its
        Content-Length); "wrong-charset", "cp1256", "cp1256-meta-only" (Arabic re-encoded);
        "redirect-loop", "redirect-offsite", "redirect-same-site"; "huge" (50 MB), "garbage"
        (random bytes), "gzip-bomb"; "empty-listing" (a listing with no posts); "malformed"
        (200 with a page that is no post: no post markup, no `lang`, no validators).
        """
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"replica: unknown fault {fault!r}; known: {sorted(FAULTS)}")
        key = _fault_key(path)
        with self._lock:
            if fault is None:
                self._faults.pop(key, None)
            else:
                self._faults[key] = fault

    def set_post_fault(self, post_id: int, fault: str | None) -> list[str]:
        """Make every path that shows the post misbehave (its card stays on the listing):
        "404" or "410" is a dead link for ever, "500" a page that is down. Returns the paths.

        A burst needs no helper: `publish` in a loop puts each post at the top of its
        listing at once, and `page_size` (a constructor argument) sets teasers per page."""
        post = self._content.post(post_id)
        paths = [post.slug_url_path, f"/post/{slug_path(post.slug)}", post.numeric_path,
                 f"/ar/posts/{post.id}"]
        for path in paths:
            self.set_fault(path, fault)
        return paths

    def fault_for(self, path: str) -> str | None:
        with self._lock:
            return self._faults.get(_fault_key(path))

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        """(method, path with query, headers with lower-case names) of every request, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def max_in_flight(self) -> int:
        """The most requests this site was answering at one time (since the last reset)."""
        with self._lock:
            return self._max_in_flight

    def spans(self) -> list[tuple[float, float, str]]:
        """(start, end, path) of every answered request, `time.monotonic()` seconds."""
        with self._lock:
            return list(self._spans)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._spans.clear()
            self._max_in_flight = self._in_flight

    def _record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._requests.append((method, path, headers))

    @contextlib.contextmanager
    def _answering(self, path: str) -> Iterator[None]:
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._spans.append((started, time.monotonic(), path))


def _fault_key(path: str) -> str:
    path = urlsplit(path).path if "://" in path else path.split("?", 1)[0]
    return unquote(path)


class _Server(ThreadingHTTPServer):
    """Tracks open connections so stop() can cut them; quiet about clients that hang up."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: ReplicaSite) -> None:
        self.site = site
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        try:
            super().shutdown_request(request)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its handler
                sock.shutdown(socket.SHUT_RDWR)

    def wait_for_connections(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._open_lock:
                if not self._open:
                    return
            time.sleep(0.01)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up mid-answer on purpose (huge, slow, timeouts); anything else is a bug.
        log.debug("replica: request from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are closed after this, like a real server
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read site.requests; stderr noise helps nobody

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    # -- normal answers -----------------------------------------------------------------------

    def _answer(self, head: bool) -> None:
        with self.server.site._answering(self.path):
            self._answer_now(head)

    def _answer_now(self, head: bool) -> None:
        site = self.server.site
        site._record(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        parts = urlsplit(self.path)
        fault = site.fault_for(parts.path)
        if fault is not None:
            self._fault(fault, parts.path, parts.query, head)
            return
        page = site._content.route(parts.path, parts.query, site.base_url)
        self._send(page, head, validators=site.conditional)

    def _route(self, path: str, query: str, *, empty_listing: bool = False) -> Page:
        site = self.server.site
        return site._content.route(path, query, site.base_url, empty_listing=empty_listing)

    def _send(self, page: Page, head: bool, *, validators: bool = False,
              extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": page.content_type, **(extra or {})}
        if page.location is not None:
            headers["Location"] = page.location
        if validators and page.status == 200 and page.last_modified is not None:
            etag = '"' + hashlib.sha256(page.body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = formatdate(page.last_modified.timestamp(), usegmt=True)
            if self._not_modified(etag, page.last_modified):
                self.send_response(304)
                for name in ("ETag", "Last-Modified"):
                    self.send_header(name, headers[name])
                self.end_headers()
                return
        self.send_response(page.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if not head:
            self.wfile.write(page.body)

    def _not_modified(self, etag: str, last_modified: dt.datetime) -> bool:
        # RFC 9110: If-None-Match wins; If-Modified-Since counts only without it.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if not if_modified_since:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last_modified.replace(microsecond=0) <= since

    def _redirect(self, status: int, location: str, head: bool) -> None:
        markup = f'<html><body><a href="{location}">Moved</a></body></html>\n'
        body = markup.encode("ascii", "xmlcharrefreplace")
        page = Page(status, body, location=location, kind="redirect")
        self._send(page, head)

    # -- faults ---------------------------------------------------------------------------

    def _fault(self, fault: str, path: str, query: str, head: bool) -> None:
        site = self.server.site
        if fault in ("500", "503-retry-after"):
            status = 500 if fault == "500" else 503
            page = Page(status, error_markup(status).encode("ascii"), kind="error")
            self._send(page, head, extra={"Retry-After": "1"} if status == 503 else None)
        elif fault == "404":
            self._send(site._content.not_found(path), head)
        elif fault == "410":
            self._send(site._content.gone(path), head)
        elif fault == "hang":
            self.close_connection = True
            self.server.stopping.wait(HANG_SECONDS)  # never answers; stop() cuts it short
        elif fault == "slow":
            self._trickle(self._route(path, query), head)
        elif fault == "truncated":
            self._truncated(self._route(path, query), head)
        elif fault in ("wrong-charset", "cp1256", "cp1256-meta-only"):
            page = _recharset(self._route(path, query), fault)
            self._send(page, head, validators=site.conditional)
        elif fault == "redirect-loop":
            # A two-step cycle: /x -> /x?loop=1 -> /x -> ...
            params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "loop"]
            if "loop=1" not in query.split("&"):
                params.append(("loop", "1"))
            target = slug_path_quote(path) + ("?" + urlencode(params) if params else "")
            self._redirect(302, site.base_url + target, head)
        elif fault == "redirect-offsite":
            self._redirect(302, site.offsite_url, head)
        elif fault == "redirect-same-site":
            other = site._content.alternate_path(path)
            target = other if other is not None else slug_path_quote(path).rstrip("/") + "/"
            self._redirect(301, site.base_url + target + (f"?{query}" if query else ""), head)
        elif fault == "huge":
            self._huge(head)
        elif fault == "garbage":
            noise = random.Random(1256).randbytes(64 * 1024)
            self._send(Page(200, noise, kind="error"), head)
        elif fault == "gzip-bomb":
            page = Page(200, gzip_bomb(), kind="error")
            self._send(page, head, extra={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        elif fault == "malformed":
            # 200, no validators: a page that is no post (an interstitial, a broken theme).
            markup = malformed_markup(urlsplit(site.base_url).hostname or "", path)
            self._send(Page(200, markup.encode("utf-8"), kind="error"), head)
        elif fault == "empty-listing":
            page = self._route(path, query, empty_listing=True)
            self._send(page, head, validators=site.conditional)

    def _trickle(self, page: Page, head: bool) -> None:
        """Headers at once, then the body in small pieces over SLOW_SECONDS."""
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Connection", "close")  # says so, as a real server closing does
        self.end_headers()
        self.wfile.flush()
        if head:
            return
        pieces = 20
        size = -(-len(page.body) // pieces)
        for start in range(0, len(page.body), size):
            if self.server.stopping.wait(SLOW_SECONDS / pieces):
                return
            self.wfile.write(page.body[start : start + size])
            self.wfile.flush()

    def _truncated(self, page: Page, head: bool) -> None:
        """Announces the whole body, sends part of it, then closes the connection."""
        self.close_connection = True
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if not head:
            self.wfile.write(page.body[: len(page.body) * 2 // 5])
        self.wfile.flush()

    def _huge(self, head: bool) -> None:
        """A 50 MB HTML page generated while it is sent, with a correct Content-Length."""
        prefix = (f'<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n{META_CHARSET}\n'
                  '<title>Archive</title>\n</head>\n<body>\n<article>\n<h1>Archive</h1>\n'
                  '<div class="post-body">\n').encode()
        suffix = b"</div>\n</article>\n</body>\n</html>\n"
        paragraph = ("<p>ALQST documents human rights violations in Saudi Arabia. "
                     "توثّق القسط انتهاكات حقوق الإنسان في السعودية.</p>\n").encode()
        block = paragraph * (65536 // len(paragraph))
        count = -(-(HUGE_BYTES - len(prefix) - len(suffix)) // len(block))
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(prefix) + count * len(block) + len(suffix)))
        self.end_headers()
        if head:
            return
        self.wfile.write(prefix)
        for _ in range(count):
            if self.server.stopping.is_set():
                return
            self.wfile.write(block)
        self.wfile.write(suffix)


def slug_path_quote(path: str) -> str:
    """A decoded request path made safe again for a Location header."""
    return "/".join(slug_path(part) for part in unquote(path).split("/"))


def _recharset(page: Page, fault: str) -> Page:
    if page.html is None:
        return page
    if fault == "wrong-charset":
        # UTF-8 bytes under a header that claims Latin-1: the classic mojibake source.
        return replace(page, content_type="text/html; charset=iso-8859-1")
    markup = page.html.replace(META_CHARSET, '<meta charset="windows-1256">', 1)
    body = markup.encode("cp1256", errors="xmlcharrefreplace")
    content_type = "text/html; charset=windows-1256" if fault == "cp1256" else "text/html"
    return replace(page, body=body, content_type=content_type)
