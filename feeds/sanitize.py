"""Feed-safe text, HTML and URLs: what an article body may carry into a feed reader.

nh3 (Ammonia) does the sanitising; this module adds absolute ASCII URLs, tracking removal
and the right-to-left wrapper, and keeps every string within what XML 1.0 can carry.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

import nh3

from feeds.models import RTL_LANGUAGES

# Characters XML 1.0 cannot carry (lxml raises on them) plus C1 controls and U+FFFD, which
# the W3C validator reports as "BadCharacters" (mojibake), and lone surrogates, which
# cannot be encoded at all.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufffe\uffff]")

# The W3C validator's "acceptable elements" minus what a news body never needs; anything
# else is unwrapped (text kept), the CLEAN_CONTENT tags are dropped with their content.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "u", "ul",
})
CLEAN_CONTENT_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "form", "noscript", "template", "object",
    "embed", "applet", "svg", "math", "textarea", "select", "button", "canvas", "audio", "video",
})
# No style, class, id or on* attribute survives: readers restyle content anyway, and the
# validator warns about style values it cannot vet.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"dir", "lang", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = frozenset({"http", "https"})
# Query parameters that only identify the reader to an analytics service.
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
                              "igshid", "_ga", "yclid", "ref_src"})
_TRACKER_HOSTS = frozenset({
    "google-analytics.com", "www.google-analytics.com", "stats.g.doubleclick.net",
    "pixel.wp.com", "stats.wp.com", "px.ads.linkedin.com", "bat.bing.com",
    "www.facebook.com/tr", "facebook.com/tr", "pixel.mailchimp.com",
})

# RFC 3986 character classes, as used for normalisation (section 6.2.2).
_SUBDELIMS = "!$&'()*+,;="
_PCHAR = "-._~" + _SUBDELIMS + ":@"
_RESERVED = ":/?#[]@" + _SUBDELIMS
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_URI_PARTS = re.compile(r"^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$", re.S)
_OCTET = re.compile(r"%[0-9A-Fa-f]{2}|.", re.S)

_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-orig-file")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|"
                           r"(?:width|height)\s*:\s*[01](?:\.0+)?px", re.I)

# Size caps. Whatever passes here is copied into every feed the article appears in (up to a
# dozen), so one 300 KB attribute would weigh 3.6 MB on each reader's poll.
# - A URL longer than 8 KB is refused by most servers anyway (nginx and Apache stop reading
#   a request line at about 8 KB), and an Arabic slug percent-encoded stays far below it;
#   the attribute is dropped and the element kept (a link keeps its words).
MAX_URL_CHARS = 8192
# - alt, title and the like are a sentence or two; 2 KB holds a long image description.
MAX_ATTRIBUTE_CHARS = 2048
# - A run of text without whitespace that long is a pasted blob (base64, a minified script
#   shown as text, a runaway URL), not language: English and Arabic words are < 50 letters,
#   and even scripts written without spaces (Chinese, Thai) break their paragraphs far
#   sooner. It is cut, not dropped: its start tells the reader what it was, "…" shows the
#   cut. Being above both attribute caps, a run this long can only be text, never a tag.
MAX_TEXT_RUN = 10_000
# Matched from a run's first character only: trying every position inside a long run
# would be quadratic.
_LONG_RUN = re.compile(rf"(?<![^\s<>])[^\s<>]{{{MAX_TEXT_RUN + 1},}}")
_PARTIAL_ENTITY = re.compile(r"&#?\w*$")

_BARE_ANCHOR = re.compile(r"<a>(.*?)</a>", re.S)
_TAG_LIKE = re.compile(r"<[/a-zA-Z!?]")
_ENTITY_LIKE = re.compile(r"&(#?\w+)")


def clean_text(text: str) -> str:
    """Drop characters XML cannot carry and those that only come from broken decoding."""
    return _UNSAFE_CHARS.sub("", text)


def plain_text(text: str) -> str:
    """Text without markup, entities decoded and whitespace collapsed: titles, summaries.

    Feed titles are plain text; markup in them is an extraction accident, and the validator
    warns about anything that looks like HTML in a plain-text element.
    """
    text = clean_text(text)
    for _ in range(3):  # "&lt;b&gt;" decodes to a tag, which the next pass strips
        if "<" not in text and "&" not in text:
            break
        stripped = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script",
                                                                                   "style"}))
        stripped = clean_text(stripped)
        if stripped == text:
            break
        text = stripped
    text = _TAG_LIKE.sub(lambda m: "‹" + m.group(0)[1:], text)
    text = _ENTITY_LIKE.sub(_defuse_entity, text)
    return " ".join(text.split())


def _defuse_entity(match: re.Match[str]) -> str:
    # "&copy" or "&#1" in plain text reads as an entity to feed validators and some
    # readers; a full-width ampersand looks the same and means nothing.
    name = match.group(1)
    if name[0] == "#" or name[0].isdigit() or name in html.entities.name2codepoint:
        return "＆" + name
    return match.group(0)


@lru_cache(maxsize=8192)
def canonical_uri(url: str) -> str:
    """The RFC 3986 normal form of a URL or IRI, ASCII only.

    Scheme and host lower-cased, IDN hosts in punycode, default port dropped, dot segments
    removed, every percent-escape upper-case, unreserved characters decoded, everything
    else (Arabic slugs included) UTF-8 percent-encoded. Applying it twice changes nothing,
    so ids built from it are stable, and the W3C validator's "canonical URI" test passes.
    """
    url = clean_text(url).strip()
    match = _URI_PARTS.match(url)
    if match is None:  # pragma: no cover - the pattern matches every string
        return url
    scheme = match.group(2)
    authority = match.group(4)
    path = match.group(5)
    query = match.group(7)
    fragment = match.group(9)
    out = ""
    if scheme is not None:
        scheme = scheme.lower()
        out += scheme + ":"
    if authority is not None:
        out += "//" + _normalise_authority(authority, scheme)
        out += _normalise_path(path)
    elif path.startswith("/"):
        out += _normalise_path(path)
    else:
        out += _normalise_component(path, _PCHAR + "/")
    if query is not None:
        out += "?" + _normalise_component(query, _PCHAR + "/?")
    if fragment is not None:
        out += "#" + _normalise_component(fragment, _PCHAR + "/?")
    return out


def _normalise_authority(authority: str, scheme: str | None) -> str:
    userinfo, _, hostport = authority.rpartition("@")
    host, port = hostport, ""
    if not hostport.endswith("]"):
        head, sep, tail = hostport.rpartition(":")
        if sep and (tail.isdigit() or tail == ""):
            host, port = head, tail
    host = host.lower()
    if host.endswith(".") and host.count(".") > 1:
        host = host[:-1]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = quote(host, safe=_SUBDELIMS + "[]:")
    if port and _DEFAULT_PORTS.get(scheme or "") == int(port):
        port = ""
    result = host + (":" + port if port else "")
    if userinfo:
        result = _normalise_component(userinfo, _SUBDELIMS + "-._~:") + "@" + result
    return result


def _normalise_path(path: str) -> str:
    segments = path.split("/")
    output: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    if output == [""]:
        output = ["", ""]  # an empty path is "/"
    return "/".join(_normalise_component(s, _PCHAR) for s in output)


def _normalise_component(text: str, safe: str) -> str:
    """Decode what need not be escaped, escape the rest (UTF-8, NFC, upper-case hex).

    A reserved character that is allowed here keeps the form it came in: "%26" and "&"
    mean different things in a query.
    """
    if _already_normal(safe).fullmatch(text):
        return text  # the common case: nothing to decode or escape
    out: list[str] = []
    pending = bytearray()

    def flush() -> None:
        if not pending:
            return
        raw = bytes(pending)
        try:
            out.append(quote(unicodedata.normalize("NFC", raw.decode("utf-8")), safe=safe))
        except UnicodeDecodeError:
            out.append(quote(raw, safe=safe))
        pending.clear()

    for token in _OCTET.findall(text):
        if len(token) == 3 and token[0] == "%":
            value = int(token[1:], 16)
            if chr(value) in _RESERVED and chr(value) in safe:
                flush()
                out.append(token.upper())
            else:
                pending.append(value)
        elif token in _RESERVED and token in safe:
            flush()
            out.append(token)
        else:
            pending.extend(token.encode("utf-8", "surrogatepass"))
    flush()
    return "".join(out)


@lru_cache(maxsize=8)
def _already_normal(safe: str) -> re.Pattern[str]:
    allowed = "A-Za-z0-9" + re.escape("-._~" + "".join(c for c in safe if c in _RESERVED))
    return re.compile(f"[{allowed}]*")


def strip_tracking(url: str) -> str:
    """Remove utm_* and click-id parameters; the rest of the query keeps its order."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&") if p and not _is_tracking_param(p)]
    return parts._replace(query="&".join(kept)).geturl()


def _is_tracking_param(pair: str) -> bool:
    name = pair.split("=", 1)[0].lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def safe_url(value: str, base_url: str, *, image: bool = False) -> str | None:
    """An absolute, canonical, tracking-free URL for a link or image; None when unsafe.

    Only http(s) (and mailto: for links) survive: javascript:, data:, vbscript: and the
    like are dropped, whatever their case or the whitespace hidden inside them.
    """
    value = _no_spaces(value)  # "java\nscript:" is javascript:
    if not value:
        return None
    try:
        # The base is cleaned alike: a space in its host would survive into the result.
        absolute = urljoin(_no_spaces(base_url), value)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    allowed = _IMAGE_SCHEMES if image else _LINK_SCHEMES
    if scheme not in allowed:
        return None
    if scheme == "mailto":
        return quote(absolute, safe=_RESERVED + "%-._~")
    try:
        return canonical_uri(strip_tracking(absolute))
    except ValueError:
        return None


def _no_spaces(url: str) -> str:
    return re.sub(r"[\s\x00-\x1f]+", "", clean_text(url))


def sanitize_html(body_html: str, base_url: str, lang: str | None = None) -> str:
    """Feed-safe HTML: allowed tags only, absolute URLs, no tracking, RTL bodies wrapped.

    `base_url` is the article's own URL, against which relative links and images resolve.
    """
    return _sanitize_cached(body_html, base_url, lang or "")


@lru_cache(maxsize=4096)
def _sanitize_cached(body_html: str, base_url: str, lang: str) -> str:
    # One article appears in up to a dozen feeds (formats x all/campaigns x per source);
    # the cache makes that one sanitising pass, not twelve.
    text = _rewrite_images(clean_text(body_html), base_url)
    cleaner = nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter(base_url),
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    cleaned = _cut_long_runs(clean_text(cleaner.clean(text)).strip())
    # A link whose URL was unsafe is left as a bare <a>: keep its words, drop the anchor.
    cleaned = _BARE_ANCHOR.sub(r"\1", cleaned)
    if cleaned and lang in RTL_LANGUAGES:
        return f'<div dir="rtl" lang="{html.escape(lang)}">{cleaned}</div>'
    return cleaned


def _cut_long_runs(cleaned: str) -> str:
    def cut(match: re.Match[str]) -> str:
        # Never end inside an entity ("&am"): the feed would not parse.
        return _PARTIAL_ENTITY.sub("", match.group(0)[:MAX_TEXT_RUN]) + "…"

    return _LONG_RUN.sub(cut, cleaned)


def _safe_sized_url(value: str, base_url: str, *, image: bool) -> str | None:
    """safe_url() for an attribute; None when the URL is over MAX_URL_CHARS, before or
    after it is made canonical (percent-encoding can triple it)."""
    if len(value) > MAX_URL_CHARS:
        return None
    url = safe_url(value, base_url, image=image)
    return url if url is None or len(url) <= MAX_URL_CHARS else None


def _attribute_filter(base_url: str) -> Callable[[str, str, str], str | None]:
    # nh3 checks URL schemes *before* this filter runs, so the filter must not produce an
    # unsafe URL itself: safe_url() re-checks the scheme of the resolved URL.
    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr in _URL_ATTRIBUTES:
            return _safe_sized_url(value, base_url, image=(tag == "img" and attr == "src"))
        if len(value) > MAX_ATTRIBUTE_CHARS:
            return None
        if attr in ("width", "height", "colspan", "rowspan", "start"):
            digits = re.match(r"\s*(\d{1,5})", value)
            return digits.group(1) if digits else None
        if attr in ("lang", "hreflang"):
            return value if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", value) else None
        if attr == "dir":
            return value.lower() if value.lower() in ("rtl", "ltr", "auto") else None
        return clean_text(value)

    return keep


def _rewrite_images(text: str, base_url: str) -> str:
    """Drop tracking pixels and images without a usable source; promote lazy-load sources."""

    def rewrite(match: re.Match[str]) -> str:
        attrs: dict[str, str] = {}
        for m in _ATTR.finditer(match.group(0)[4:].rstrip(">/")):
            name = m.group(1).lower()
            value = next((g for g in m.group(2, 3, 4) if g is not None), "")
            attrs.setdefault(name, html.unescape(value))
        src = attrs.get("src", "")
        if not src.strip() or src.strip().lower().startswith("data:"):
            src = next((attrs[a] for a in _LAZY_SRC if attrs.get(a, "").strip()), "")
        url = _safe_sized_url(src, base_url, image=True) if src else None
        if url is None or _is_pixel(attrs, url):
            return ""
        kept = {"src": url} | {k: attrs[k] for k in ("alt", "width", "height", "title")
                               if k in attrs and len(attrs[k]) <= MAX_ATTRIBUTE_CHARS}
        rendered = " ".join(f'{k}="{html.escape(v)}"' for k, v in kept.items())
        return f"<img {rendered}>"

    return _IMG_TAG.sub(rewrite, text)


def _is_pixel(attrs: dict[str, str], url: str) -> bool:
    sizes = [attrs.get(k, "").strip().lower().removesuffix("px") for k in ("width", "height")]
    if any(s in ("0", "1") for s in sizes):
        return True
    if _HIDDEN_STYLE.search(attrs.get("style", "")):
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host in _TRACKER_HOSTS or f"{host}{parts.path}".rstrip("/") in _TRACKER_HOSTS
