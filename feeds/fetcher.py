"""Fetch one page politely and defensively: the only httpx user of the article side.

Conditional GET, per-host limits, retries, size caps, checked redirects and charset decoding.
"""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import functools
import logging
import random
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import httpx

from feeds.sources import FetchSettings, join_host_port, split_host_port

log = logging.getLogger(__name__)

DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# httpcore's words when a pooled connection was closed before our request got an answer.
STALE_CONNECTION = "Server disconnected without sending a response."
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TEXT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "text/plain",
    }
)
# Servers default to these labels when nobody configured a charset, so they are weak evidence;
# WHATWG decodes all of them as windows-1252.
WEAK_CHARSETS = frozenset({"iso8859-1", "ascii"})
ARABIC_CODECS = frozenset({"cp1256", "iso8859-6", "cp720", "cp864", "mac-arabic"})
SNIFF_BYTES = 4096
MAX_BAD_CHAR_RATIO = 0.05
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_NOT_CHARSETS = frozenset({"undefined", "idna", "punycode", "unicode-escape",
                           "raw-unicode-escape", "utf-7"})
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


class FetchError(Exception):
    """A page could not be fetched; `reason` is one line fit for the operator.

    `kind` is one of: http, timeout, too-large, redirect-offsite, redirect-loop, connection,
    content-type, decode, host-not-allowed (the first URL), bad-url (not http/https).
    """

    def __init__(self, url: str, reason: str, kind: str, status: int | None = None) -> None:
        super().__init__(url, reason, kind, status)
        self.url = url
        self.reason = " ".join(reason.split())  # one line, whatever httpx put in its message
        self.kind = kind
        self.status = status

    def __str__(self) -> str:
        return f"fetcher: {self.url}: {self.reason}"


@dataclass(frozen=True)
class Page:
    """A fetched page, decoded; a 304 answer carries no text."""

    url: str  # final URL after (allowed) redirects
    requested_url: str
    status: int  # 200 or 304
    text: str  # decoded body ("" for 304)
    content_type: str  # e.g. "text/html"
    encoding: str  # the charset actually used to decode
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Answer:
    """One HTTP response with its body already read (empty unless 2xx)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes


class _Retry(Exception):
    """An attempt failed in a way that another attempt may fix."""

    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.retry_after = retry_after


class _HostGate:
    """Politeness towards one host: at most N requests in flight, starts spaced by a delay."""

    def __init__(self, concurrency: int) -> None:
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.next_start = 0.0


class HostLimits:
    """Per-host politeness shared by every Fetcher given it: at most `per_host_concurrency`
    requests in flight to a host and starts spaced by `per_host_delay_seconds`, however many
    sources (and Fetchers) ask that host at once. One per process and event loop."""

    def __init__(self, settings: FetchSettings) -> None:
        self.concurrency = settings.per_host_concurrency
        self.delay = settings.per_host_delay_seconds
        self._gates: dict[str, _HostGate] = {}

    def gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(self.concurrency)
        return gate


def default_user_agent(settings: FetchSettings) -> str:
    try:
        version = metadata.version("feedbot")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"feedbot/{version} (+{settings.contact_url})"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs ~20 ms of CPU per client,
    and the service makes a client per source per run."""
    return httpx.create_ssl_context()


class Fetcher:
    """Fetches pages with one shared `httpx.AsyncClient`; use as `async with Fetcher(...)`."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        user_agent: str | None = None,
        host_limits: HostLimits | None = None,
    ) -> None:
        """`host_limits`: pass the process's one HostLimits when several Fetchers run at
        once (the service's jobs); without it, politeness holds within this Fetcher only."""
        self.settings = settings
        self.requests_made = 0
        self._transport = transport
        self._sleep = sleep
        self._user_agent = user_agent or default_user_agent(settings)
        self._client: httpx.AsyncClient | None = None
        self._limits = host_limits or HostLimits(settings)

    async def __aenter__(self) -> Fetcher:
        t = self.settings.timeout_seconds
        self._client = httpx.AsyncClient(
            transport=self._transport,
            verify=_tls_context(),
            follow_redirects=False,  # every hop is checked against the allowed hosts
            timeout=httpx.Timeout(connect=t, read=t, write=t, pool=t),
            # The host gates bound connections per host; httpx's default pool of 100 (20 kept
            # alive) would make sources on many hosts queue for a connection, or time out.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=200),
            headers={
                "User-Agent": self._user_agent,
                # Only what `_decode_stream` can inflate with a bounded output size.
                "Accept-Encoding": "gzip, deflate",
            },
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        url: str,
        *,
        allowed_hosts: frozenset[str],
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = DEFAULT_ACCEPT,
    ) -> Page:
        """GET `url`, following redirects only within `allowed_hosts`.

        Hosts are compared by name, as httpx will connect to them; a different name is
        always refused, whatever address it stands for. A name that `allowed_hosts` also
        lists as `name:port` (as `SourceSettings.hosts` does) is fetched on those ports
        only; a bare name alone allows any port.
        """
        allowed = _allowed_origins(allowed_hosts)
        # Refusing before any request keeps a hostile listing from making us fetch anything
        # (server-side request forgery).
        _check_url(url, allowed, first=True)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        seen = {url}
        current = url
        for _ in range(self.settings.max_redirects + 1):
            answer = await self._get_with_retries(current, headers)
            if answer.status not in REDIRECT_STATUSES:
                return self._page(url, answer, etag, last_modified)
            location = answer.headers.get("location")
            if not location:
                raise FetchError(
                    current,
                    f"HTTP {answer.status} from {_host(current)} without a Location",
                    "http",
                    answer.status,
                )
            try:
                target = urljoin(current, location.strip())
            except ValueError:  # e.g. an unclosed IPv6 bracket
                raise FetchError(url, f"redirect to an invalid URL refused: {location[:200]}",
                                 "redirect-offsite") from None
            _check_url(target, allowed, first=False, report_as=url)
            if target in seen:
                raise FetchError(url, f"redirect loop at {target}", "redirect-loop")
            seen.add(target)
            current = target
        raise FetchError(
            url,
            f"redirect loop: more than {self.settings.max_redirects} redirects",
            "redirect-loop",
        )

    def _page(
        self, requested: str, answer: _Answer, etag: str | None, last_modified: str | None
    ) -> Page:
        headers = answer.headers
        if answer.status == 304:
            # A 304 need not repeat its validators; the ones we sent are still valid then.
            return Page(
                url=answer.url,
                requested_url=requested,
                status=304,
                text="",
                content_type=_media_type(headers),
                encoding="",
                etag=headers.get("etag") or etag,
                last_modified=headers.get("last-modified") or last_modified,
            )
        text, encoding = decode_body(answer.body, _header_charset(headers), answer.url)
        return Page(
            url=answer.url,
            requested_url=requested,
            status=answer.status,
            text=text,
            content_type=_media_type(headers),
            encoding=encoding,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )

    async def _get_with_retries(self, url: str, headers: dict[str, str]) -> _Answer:
        s = self.settings
        attempts = s.retries + 1
        for attempt in range(attempts):
            try:
                return await self._attempt(url, headers)
            except _Retry as retry:
                error = retry.error
                if attempt == attempts - 1:
                    if attempts > 1 and error.kind == "http":
                        error.reason += f" after {attempts} attempts"
                    elif attempts > 1:
                        error.reason += f" ({attempts} attempts)"
                    raise error from None
                delay = s.backoff_seconds * 2**attempt
                delay += random.uniform(0, s.backoff_seconds / 10)  # spread synchronized retries
                if retry.retry_after is not None:
                    if retry.retry_after > s.max_retry_after_seconds:
                        error.reason += (
                            f"; it asks to retry after {retry.retry_after:.0f} s,"
                            f" more than the {s.max_retry_after_seconds:g} s allowed"
                        )
                        raise error from None
                    delay = max(delay, retry.retry_after)
                log.debug("retry %s in %.2f s: %s", url, delay, error.reason)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _attempt(self, url: str, headers: dict[str, str]) -> _Answer:
        if self._client is None:
            raise RuntimeError("use `async with Fetcher(...)` before fetching")
        gate = self._limits.gate(_host(url))
        async with gate.semaphore:
            # Reserve the next start slot before sleeping: no lock needed on one event loop,
            # and other hosts never wait for this one.
            now = time.monotonic()
            wait = gate.next_start - now
            gate.next_start = max(now, gate.next_start) + self._limits.delay
            if wait > 0:
                await self._sleep(wait)
            started = time.monotonic()
            self.requests_made += 1
            try:
                answer = await self._send(self._client, url, headers)
            except _Retry as retry:
                log.debug("GET %s failed: %s", url, retry.error.reason)
                raise
            log.debug(
                "GET %s -> %d, %d bytes, %d ms",
                url,
                answer.status,
                len(answer.body),
                (time.monotonic() - started) * 1000,
            )
            return answer

    async def _send(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> _Answer:
        s = self.settings
        # The per-phase timeouts let a server that trickles a byte a second run forever;
        # this deadline bounds the whole exchange.
        deadline = s.timeout_seconds * 2
        try:
            async with asyncio.timeout(deadline):
                try:
                    return await self._exchange(client, url, headers)
                except httpx.RemoteProtocolError as exc:
                    if str(exc) != STALE_CONNECTION:
                        raise
                    # A kept-alive connection the server closed while it sat in the pool
                    # (its idle timeout racing our reuse): nothing was sent, so asking
                    # again on a fresh connection is safe and is not a retry.
                    log.debug("GET %s: pooled connection was closed; asking again", url)
                    return await self._exchange(client, url, headers)
        except TimeoutError:
            raise _Retry(
                FetchError(url, f"timed out: no complete answer within {deadline:g} s", "timeout")
            ) from None
        except httpx.TimeoutException:
            raise _Retry(
                FetchError(url, f"timed out after {s.timeout_seconds:g} s", "timeout")
            ) from None
        except httpx.InvalidURL as exc:  # _check_url lets none through; never crash a pass
            raise FetchError(url, f"not a valid URL: {exc}", "bad-url") from None
        except httpx.ConnectError as exc:
            raise _Retry(
                FetchError(url, f"cannot connect: {_explain(exc)}", "connection")
            ) from None
        except httpx.RemoteProtocolError as exc:
            if str(exc).startswith("Invalid URL in location header"):
                # httpx reads a redirect's Location even when not following it: a Location
                # no parser accepts is a refused redirect, and asking again will not help.
                raise FetchError(url, f"redirect to an invalid URL refused ({_explain(exc)})",
                                 "redirect-offsite") from None
            raise _Retry(FetchError(url, f"connection broken: {_explain(exc)}",
                                    "connection")) from None
        except httpx.TransportError as exc:
            # Includes a body cut short of its Content-Length: a fresh attempt may succeed.
            reason = f"connection broken: {_explain(exc)}"
            raise _Retry(FetchError(url, reason, "connection")) from None

    async def _exchange(self, client: httpx.AsyncClient, url: str,
                        headers: dict[str, str]) -> _Answer:
        async with client.stream("GET", url, headers=headers) as response:
            return await self._read(url, response)

    async def _read(self, url: str, response: httpx.Response) -> _Answer:
        status = response.status_code
        headers = response.headers
        final = str(response.url)
        if status == 304 or status in REDIRECT_STATUSES:
            return _Answer(final, status, headers, b"")
        if status == 429 or status >= 500:
            error = FetchError(url, f"HTTP {status} from {_host(url)}", "http", status)
            raise _Retry(error, _retry_after(headers.get("retry-after")))
        if not 200 <= status < 300:
            raise FetchError(url, f"HTTP {status} from {_host(url)}", "http", status)
        media = _media_type(headers)
        if media and media not in TEXT_TYPES and not media.endswith("+xml"):
            raise FetchError(url, f"not HTML/XML: {media}", "content-type", status)
        cap = self.settings.max_bytes
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise FetchError(url, f"page larger than {_size(cap)}", "too-large", status)
        chunks: list[bytes] = []
        size = 0
        async with aclosing(_decode_stream(url, response, cap + 1)) as stream:
            async for chunk in stream:
                size += len(chunk)
                if size > cap:
                    raise FetchError(url, f"page larger than {_size(cap)}", "too-large", status)
                chunks.append(chunk)
        return _Answer(final, status, headers, b"".join(chunks))


async def _decode_stream(
    url: str, response: httpx.Response, limit: int
) -> AsyncGenerator[bytes, None]:
    """Yield the decoded body, never inflating more than `limit` bytes ahead of the caller.

    httpx inflates a whole network chunk at once (64 KB of gzip can become 64 MB), so
    compressed bodies are inflated here with a bounded output size instead.
    """
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        async for chunk in response.aiter_raw():
            yield chunk
        return
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    else:
        raise FetchError(url, f"unsupported content encoding: {encoding}", "decode")
    first = True
    try:
        async for raw in response.aiter_raw():
            if first and encoding == "deflate" and raw and (raw[0] & 0x0F) != 8:
                # Some servers send raw deflate without the zlib header the RFC asks for.
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            first = False
            data = raw
            while data:
                out = inflater.decompress(data, limit)
                yield out
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
        yield inflater.flush()
    except zlib.error as exc:
        raise FetchError(url, f"broken {encoding} body: {exc}", "decode") from None


def decode_body(body: bytes, header_charset: str | None, url: str = "") -> tuple[str, str]:
    """Decode a page to text; return it with the codec used.

    Order: a BOM; valid UTF-8 (a wrong Latin-1 header on a UTF-8 page is common); a charset
    from the header, else from `<meta>` or the XML declaration; detection.
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            text = body.decode("utf-8-sig" if codec == "utf-8" else codec, errors="replace")
            return _checked(text, codec, url)
    try:
        return _checked(body.decode("utf-8"), "utf-8", url)
    except UnicodeDecodeError:
        pass
    labels = [_codec(header_charset), _codec(_declared_charset(body[:SNIFF_BYTES]))]
    strong = [c for c in labels if c and c != "utf-8" and c not in WEAK_CHARSETS]
    if strong:
        codec = strong[0]
    elif "utf-8" in labels and _mostly_utf8(body):
        # A UTF-8 page with a few stray bytes: decoding it any other way would garble it all.
        codec = "utf-8"
    else:
        guess = _detect(body)
        if any(c in WEAK_CHARSETS for c in labels):
            # A default Latin-1 header on an Arabic page is the classic mojibake: believe the
            # detector when it finds Arabic, else do as WHATWG does (Latin-1 means cp1252).
            codec = guess if guess in ARABIC_CODECS else "cp1252"
        else:
            codec = guess or "utf-8"
    try:
        text = body.decode(codec, errors="replace")
    except (UnicodeError, LookupError):  # a codec that cannot decode with replacement
        raise FetchError(url, f"cannot decode the body as {codec}", "decode") from None
    return _checked(text, codec, url)


def _mostly_utf8(body: bytes) -> bool:
    text = body.decode("utf-8", errors="replace")
    return text.count("\ufffd") <= len(text) / 100


def _checked(text: str, codec: str, url: str) -> tuple[str, str]:
    # Binary data decodes "successfully" in single-byte codecs; control characters and
    # replacement marks give it away (random bytes yield over 10 %, real pages about 0).
    if text and len(_BAD_CHARS.findall(text)) > MAX_BAD_CHAR_RATIO * len(text):
        raise FetchError(url, "body is not text", "decode")
    return text, codec


def _detect(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body).best()
    return _codec(best.encoding) if best is not None else None


def _declared_charset(head: bytes) -> str | None:
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Python's canonical codec name for a charset label, or None if unknown.

    A page names its own charset, so the label is hostile input: Python also has codecs
    that are no character sets at all ("base64", "rot13", "undefined" raise or
    garble), and UTF-7 is refused by browsers for the scripts it can smuggle.
    """
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _header_charset(headers: httpx.Headers) -> str | None:
    for param in headers.get("content-type", "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _media_type(headers: httpx.Headers) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not seconds: an HTTP date, then
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _allowed_origins(hosts: frozenset[str]) -> dict[str, frozenset[int]]:
    """Allowed host name -> the ports it may be fetched on (empty: any port)."""
    ports: dict[str, set[int]] = {}
    for entry in hosts:
        name, port = split_host_port(entry.lower())
        ports.setdefault(name, set()).update(() if port is None else (port,))
    return {name: frozenset(p) for name, p in ports.items()}


def _check_url(
    url: str, allowed: dict[str, frozenset[int]], *, first: bool, report_as: str | None = None
) -> None:
    """Refuse URLs that are not http(s), or not on an allowed host and port.

    The URL is parsed by httpx, the parser that will connect: a check made with another
    parser could pass a URL that httpx reads as a different host.
    """
    where = report_as or url
    try:
        parsed = httpx.URL(url)
        names = {parsed.host.lower(), parsed.raw_host.decode("ascii").lower()}
        port = parsed.port
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise FetchError(where, f"not a valid URL: {url[:200]}", "bad-url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        if first:
            raise FetchError(where, "only http and https URLs are fetched", "bad-url")
        raise FetchError(where, f"redirect to a non-web URL refused: {url[:200]}",
                         "redirect-offsite")
    if port is not None and not 0 < port < 65536:
        raise FetchError(where, f"not a valid port: {port}", "bad-url")
    host = parsed.host.lower()
    known = [allowed[n] for n in names if n in allowed]
    if not known:
        if first:
            raise FetchError(where, f"host not allowed for this source: {host}", "host-not-allowed")
        raise FetchError(where, f"redirect to another host refused: {host}", "redirect-offsite")
    port = port or _DEFAULT_PORTS[parsed.scheme]
    if all(ports and port not in ports for ports in known):
        origin = join_host_port(host, port)
        if first:
            raise FetchError(where, f"port not allowed for this source: {origin}",
                             "host-not-allowed")
        raise FetchError(where, f"redirect to another port refused: {origin}", "redirect-offsite")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _explain(exc: Exception) -> str:
    """One line on why the network failed; httpx's own message hides the OS error."""
    root: BaseException = exc
    for _ in range(10):  # httpx wraps httpcore wraps anyio wraps the OS error
        inner = root.__cause__ or root.__context__
        if inner is None:
            break
        root = inner
    if isinstance(root, ConnectionRefusedError):
        return "connection refused"
    if isinstance(root, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(root, socket.gaierror):
        return f"host name not resolved ({root.strerror})"
    return str(exc).strip() or type(exc).__name__


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} KB"
