"""One spelling per URL: no duplicates from `www.`, default ports, tracking or encodings."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga")


def normalise_url(url: str, base: str | None = None) -> str:
    """Absolute, lower-case host without `www.`, no fragment, no tracking parameters,
    no default port, a consistently percent-encoded path without a trailing slash."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else (
        f"{host}:{port}")
    # Unquote then quote again so /ar/post/%D8%A7 and /ar/post/ا are one URL.
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES)
    ))
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
