"""Hostile input, as properties: whatever a page, an article, a date string, a config or the
bytes off the wire hold, the code fails only in its own typed way, and what it produces
stays valid.

- extraction raises nothing but ExtractError; what it returns has a sane language and URL,
  stores, and renders to strict XML (and JSON) whose content is inert;
- any Article, however built, stores, hashes and renders (lone surrogates, NULs, a
  javascript: URL);
- `parse_date` never raises and never dates an article in the future;
- `compose_post` gives Telegram HTML the fake Bot API accepts, within the limits, whatever
  the article's URLs, language, dates or source title (test_compose covers site texts);
- `parse_config` raises only ConfigError, on any TOML-shaped document and on any edit of
  the shipped config.toml, and what it accepts is usable;
- `decode_body` raises only FetchError on any bytes under any charset label.

FEEDBOT_FUZZ=20 multiplies the examples to dig deeper than the suite's budget.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bot.compose import (
    BUTTON_TEXT_LIMIT,
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    compose_post,
    telegram_length,
)
from bot.config import ConfigError, parse_config
from feeds.dates import find_labelled_date, parse_date
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import FetchError, decode_body
from feeds.models import ActionLink, Article, Kind
from feeds.render import FeedSpec, render_atom, render_json, render_rss
from feeds.sources import Listing, SourceSettings
from feeds.store import ArticleStore, open_engine
from feeds.urls import host_of
from tests.fakes.telegram import EntityError, parse_html, utf16_len
from tests.feed_content import assert_inert, assert_safe_url, entry_urls, feed_contents
from tests.feed_samples import sample_spec

FUZZ = float(os.environ.get("FEEDBOT_FUZZ", "1"))


def examples(n: int) -> int:
    return max(1, int(n * FUZZ))


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://alqst.org"
SOURCE = SourceSettings(
    name="alqst", title="ALQST",
    listings=(Listing("en", f"{SITE}/en/posts?page={{page}}"),
              Listing("ar", f"{SITE}/ar/posts?page={{page}}")),
    url=f"{SITE}/",
)
CONFIG_TOML = Path(__file__).resolve().parent.parent / "config.toml"

# ---- the grammar of a hostile page ------------------------------------------------------

# What real and broken pages carry that trips parsers, encoders and XML writers.
AWKWARD = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff",
    "\ud83d", "\ufffd", "\ufeff", "\ufffe", "\uffff", "\u200f", "\u202e", "\u2066", "\u00a0",
    "\r\n", "\t", "&amp;", "&#0;", "&#xD800;", "&#x110000;", "&nbsp", "&bogus;", "]]>",
    "<!--", "-->", "<![CDATA[", "<?xml", "<!DOCTYPE html>", "</", "<", ">", '"', "'", "=",
    "😀", "📣", "ﻷ", "القسط", "تاريخ النشر: 15/02/2024", "Publication date: 31/02/2024",
    "15 فبراير 2107", "1441 هـ", "Take action", "تحرّك الآن", "javascript:alert(1)",
]
_piece = st.one_of(st.sampled_from(AWKWARD), st.characters(codec=None),
                   st.text(max_size=12))
TEXT = st.lists(_piece, max_size=12).map("".join)
HUGE = st.builds(lambda s, n: s * n, st.sampled_from(["x", "ع", "&amp;", "\x01", "a b ", "😀"]),
                 st.integers(5_000, 60_000))
# Past every Telegram limit (4096), and cheap enough to draw hundreds of times.
LONG = st.builds(lambda s, n: s * n, st.sampled_from(["x", "ع ", "&amp;", "\x01", "a b ", "😀"]),
                 st.integers(1_000, 6_000))
URLS = st.one_of(
    st.sampled_from([
        "/en/post/x", "../../etc/passwd", "//evil.example/x", "http://127.0.0.1:22/",
        "http://169.254.169.254/latest/meta-data", "javascript:alert(1)", "JaVa\nScRiPt:x",
        "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "mailto:a@b", "#top",
        f"{SITE}/en/post/other", f"{SITE}/ar/post/%D8%A7", "http://[::1", "http://a b/",
        f"{SITE}/en/post/\ud800", "https://www.alqst.org/en/post/y?utm_source=z", "",
        "https://alqst.org:99999/en/post/z", "http://alqst.org: 80/", "https://alqst.org\t/x",
    ]),
    TEXT,
)
# Links and images carry URLs, the usual way in: they are drawn more often.
TAGS = ["a", "a", "a", "a", "img", "img", "img", "p", "p", "p", "h1", "h2", "article", "div",
        "section", "span", "ul", "li", "table", "td", "br", "figure", "time", "script", "style",
        "iframe", "svg", "template", "form", "noscript", "textarea", "blockquote", "b", "title",
        "main", "font", "select", "link", "meta", "object", "math", "base", "source"]
ATTRIBUTES = {
    "href": URLS, "src": URLS, "data-src": URLS, "content": TEXT, "datetime": TEXT,
    "class": st.sampled_from(["post-body", "article-body", "publication-date", "share",
                              "related", "pager__item--next", "x"]),
    "rel": st.sampled_from(["canonical", "alternate", "next"]),
    "hreflang": st.sampled_from(["ar", "en", "x-default", "", "\ud800"]),
    "property": st.sampled_from(["og:title", "og:url", "og:image", "article:published_time",
                                 "article:modified_time", "article:section"]),
    "type": st.sampled_from(["application/ld+json", "text/javascript"]),
    "lang": st.sampled_from(["ar", "en", "", "xx-yy", "\u202e", "../../../tmp/x", "EN-gb"]),
    "onerror": TEXT, "onclick": TEXT, "style": TEXT, "width": TEXT, "dir": TEXT,
}


def _attribute(name: str, value: str) -> str:
    quote = '"' if '"' not in value else "'"
    return f" {name}={quote}{value}{quote}"


@st.composite
def elements(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    names = draw(st.lists(st.sampled_from(sorted(ATTRIBUTES)), max_size=4, unique=True))
    if tag in ("a", "img", "link") and draw(st.booleans()):
        names = list(dict.fromkeys(["href" if tag != "img" else "src", *names]))
    attrs = "".join(_attribute(n, draw(st.one_of(ATTRIBUTES[n], HUGE) if draw(
        st.integers(0, 30)) == 0 else ATTRIBUTES[n])) for n in names)
    inner = "".join(draw(st.lists(children, max_size=4)))
    closing = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", f"</{tag}>", "", "</p>", "</"]))
    return f"<{tag}{attrs}>{inner}{closing}"


FRAGMENTS = st.recursive(TEXT, lambda children: elements(children), max_leaves=25)
# The head of a page: what extraction reads for identity, dates and the lead image.
HEAD_BITS = st.sampled_from([
    f'<link rel="canonical" href="{SITE}/en/post/canon">',
    '<link rel="canonical" href="http://evil.example/x">',
    f'<link rel="alternate" hreflang="ar" href="{SITE}/ar/post/canon">',
    '<meta property="og:title" content="OG \ud800 title">',
    '<meta property="article:published_time" content="2107-01-01T00:00:00Z">',
    '<meta property="article:published_time" content="2024-02-15T09:30:00+03:00">',
    '<meta property="article:section" content="Campaign\x00s">',
    '<meta property="og:image" content="javascript:alert(1)">',
    '<script type="application/ld+json">{"datePublished": "15/02/2024", "a": [[[[{}]]]]}'
    "</script>",
    '<script type="application/ld+json">{not json</script>',
    '<html lang="ar" dir="rtl">', '<html lang="\ud800">', "<title>Title &amp; more</title>",
    '<link rel="canonical" href="https://alqst.org:99999/en/post/canon">',
    '<link rel="canonical" href="http://[::1">',
    '<link rel="alternate" hreflang="en" href="http://[::1">',
    '<meta property="og:image" content="http://[::1">',
    '<meta property="og:url" content="https://alqst.org:0x50/">',
])


@st.composite
def pages(draw: st.DrawFn) -> str:
    head = "".join(draw(st.lists(HEAD_BITS, max_size=4)))
    title = draw(st.one_of(TEXT, st.just("Saudi Arabia: a title")))
    body = "".join(draw(st.lists(FRAGMENTS, max_size=5)))
    paragraphs = "".join(f"<p>{draw(TEXT)} ALQST documents the case of a detained activist, "
                         "held without charge.</p>" for _ in range(draw(st.integers(0, 3))))
    page = (f"<!DOCTYPE html><html><head>{head}</head><body><h1>{title}</h1>"
            f'<article><div class="post-body">{paragraphs}{body}</div></article></body></html>')
    depth = draw(st.integers(0, 2))
    if depth:  # deeply nested markup: parsers with recursion limits fall over here
        n = draw(st.sampled_from([300, 1500]))
        page = page.replace("<article>", "<article>" + "<div><span>" * n + "deep")
    if draw(st.integers(0, 5)) == 0:  # a page cut off mid-transfer
        page = page[: draw(st.integers(0, len(page)))]
    return page


def assert_valid_and_inert(feed: FeedSpec, articles: list[Article]) -> None:
    """Strict XML that feedparser reads without complaint, JSON that parses, and nothing
    in any entry that runs code or opens a dangerous URL."""
    for data in (render_rss(feed, articles), render_atom(feed, articles),
                 render_json(feed, articles)):
        if not data.startswith(b"{"):
            etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, parsed.get("bozo_exception")
        for content in feed_contents(data):
            assert_inert(content)
        for url in entry_urls(data):
            assert_safe_url(url)


def fresh_store() -> ArticleStore:
    """A new in-memory SQLite store: one example's articles never meet another's keys."""
    return ArticleStore(open_engine("sqlite://"))


PAGE_URLS = st.sampled_from([f"{SITE}/en/post/x", f"{SITE}/ar/post/%D8%A7%D9%84",
                             f"{SITE}/posts/930"])


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example,
                                 HealthCheck.data_too_large])
@given(html=pages(), page_url=PAGE_URLS)
def test_any_page_extracts_or_fails_with_a_reason_and_what_it_gives_stores_and_renders(
        html: str, page_url: str) -> None:
    try:
        articles = extract_articles(html, page_url, SOURCE, now=NOW)
    except ExtractError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert articles
    store = fresh_store()
    for article in articles:
        # The language names feed directories; the canonical URL is the post's identity.
        assert re.fullmatch(r"[a-z]{2,3}", article.lang), article.lang
        assert all(re.fullmatch(r"[a-z]{2,3}", lang) for lang in article.translations)
        assert article.url.startswith(("http://", "https://"))
        assert host_of(article.url) in SOURCE.hosts
        store.upsert(article, NOW)
        stored = store.get(article.key)
        assert stored is not None
        assert (stored.title, stored.body_text, stored.url) == (
            article.title, article.body_text, article.url)
        assert stored.published is not None and stored.published <= NOW + timedelta(days=1)
    for lang in {a.lang for a in articles}:
        assert_valid_and_inert(sample_spec(lang), [a for a in articles if a.lang == lang])


# ---- dates -------------------------------------------------------------------------------

# Fragments of the formats the date parser knows, so the examples reach deep into it.
DATE_BITS = st.sampled_from([
    "15", "31", "02", "2", "2024", "2107", "1899", "0000", "24", "99", "/", "-", ".", ":", " ",
    "T", "Z", "+03:00", "-14:00", "+99:99", "12:30", "25:61", "فبراير", "حزيران", "يونيو/حزيران",
    "ديسمبر", "December", "Sept.", "of", "العام", "التاسع من", "الحادي والثلاثين", "١٥", "٢٠٢٤",
    "۲۰۲۴", "هـ", "ربيع الثاني", "منذ", "ساعتين", "يوم", "ago", "3 days", "yesterday", "أمس",
    "Publication date:", "تاريخ النشر:", "\u200f", "\u202b", "\ufeff", "\x00", "\ud800",
    "9" * 30, "ـ",
])
DATE_TEXT = st.one_of(
    st.lists(DATE_BITS, max_size=14).map("".join),
    st.lists(st.one_of(DATE_BITS, _piece), max_size=20).map("".join),
    st.text(max_size=120),
)
NOWS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=3)),
                                               timezone(timedelta(hours=-11))]))


@settings(max_examples=examples(400), deadline=None)
@given(text=DATE_TEXT, now=NOWS, lang=st.sampled_from([None, "ar", "en", "fr"]))
def test_parse_date_never_raises_and_never_dates_an_article_in_the_future(
        text: str, now: datetime, lang: str | None) -> None:
    for found in (parse_date(text, now=now, lang=lang), find_labelled_date(text, now=now)):
        if found is not None:
            assert found.tzinfo is not None and found.utcoffset() == timedelta(0)
            # One day of tolerance: the site's clock and zone are not ours.
            assert found <= now + timedelta(days=1)
            assert found.year >= 1900


@settings(max_examples=examples(20), deadline=None)
@given(text=st.builds(lambda s, n: s * n, DATE_BITS, st.integers(1_000, 20_000)))
def test_parse_date_on_a_huge_string_returns_quickly(text: str) -> None:
    import time

    started = time.monotonic()
    parse_date(text, now=NOW)
    find_labelled_date(text, now=NOW)
    assert time.monotonic() - started < 2.0


# ---- Telegram posts ------------------------------------------------------------------------

POST_URLS = st.one_of(URLS, st.sampled_from([
    f"{SITE}/en/post/a?b=1&c=2", f'{SITE}/en/post/"><script>', f"{SITE}/en/post/a'b",
    f"{SITE}/ar/post/القسط", "https://alqst.org/" + "x" * 5000, "https://a b/", "tg://x",
]))
# Years 2-9998: any offset converts to UTC and back (year 1 and 9999 overflow in Python
# itself); extraction only ever gives 1900 onwards.
WHEN = st.one_of(st.none(), st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)),
                               timezone(timedelta(hours=-12))])))
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])


@st.composite
def hostile_articles(draw: st.DrawFn) -> Article:
    url = draw(POST_URLS)
    return Article(
        key=draw(st.one_of(st.just(url), TEXT)), url=url, source=draw(TEXT),
        lang=draw(st.one_of(st.sampled_from(["ar", "en", "fa", ""]), TEXT)),
        title=draw(st.one_of(TEXT, LONG)), body_html=draw(TEXT), body_text=draw(TEXT),
        summary=draw(st.one_of(TEXT, LONG)), published=draw(WHEN),
        date_is_guess=draw(st.booleans()), updated=draw(WHEN),
        image=draw(st.one_of(st.none(), POST_URLS)), kind=draw(st.sampled_from(list(Kind))),
        categories=tuple(draw(st.lists(TEXT, max_size=4))),
        actions=tuple(ActionLink(u, label) for u, label in draw(
            st.lists(st.tuples(POST_URLS, TEXT), max_size=8))),
    )


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article=hostile_articles(), other=hostile_articles(), source_title=st.one_of(
    st.none(), TEXT, LONG), tz=ZONES, as_caption=st.booleans(), plain=st.booleans())
def test_any_article_makes_a_post_the_bot_api_accepts(
        article: Article, other: Article, source_title: str | None, tz: timezone,
        as_caption: bool, plain: bool) -> None:
    post = compose_post(article, translations={"xx": other}, as_caption=as_caption,
                        plain=plain, source_title=source_title, tz=tz)
    limit = CAPTION_LIMIT if as_caption else MESSAGE_LIMIT
    post.text.encode("utf-8")  # python-telegram-bot sends UTF-8: no lone surrogates
    if post.parse_mode == "HTML":
        try:
            shown = parse_html(post.text)
        except EntityError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"invalid Telegram HTML ({exc}): {post.text!r}")
        assert telegram_length(post.text) == utf16_len(shown)
    else:
        shown = post.text
    assert 0 < utf16_len(shown) <= limit and shown.strip()
    for label, url in post.buttons:
        assert label.strip() and len(label) <= BUTTON_TEXT_LIMIT
        label.encode("utf-8")
        # Telegram refuses the whole message for one button URL it cannot read.
        assert url.startswith(("http://", "https://")) and url.isprintable() and " " not in url
    for url in (post.photo, post.link_preview_url):
        assert url is None or (url.startswith(("http://", "https://")) and url.isprintable())


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(article=hostile_articles())
def test_any_article_stores_and_renders_to_strict_xml_with_inert_content(
        article: Article) -> None:
    """Articles do not only come from extraction (feeds, edits, tests): a lone surrogate or
    a NUL anywhere must not stop the store, and a javascript: URL never reaches a feed."""
    article.content_hash()  # hashes UTF-8: no lone surrogate may survive
    store = fresh_store()
    store.upsert(article, NOW)
    stored = store.get(article.key)
    assert stored is not None
    assert (stored.title, stored.summary, stored.body_html, stored.url, stored.actions) == (
        article.title, article.summary, article.body_html, article.url, article.actions)
    assert_valid_and_inert(sample_spec("en"), [stored])


@pytest.mark.parametrize("when", [datetime.min.replace(tzinfo=UTC),
                                  datetime.max.replace(tzinfo=UTC)])
def test_a_date_at_the_calendars_edge_is_written_in_any_zone(when: datetime) -> None:
    article = Article(key=f"{SITE}/en/post/x", url=f"{SITE}/en/post/x", source="alqst",
                      lang="en", title="Title", body_html="", body_text="", summary="",
                      published=when)
    for hours in (-12, 0, 14):
        post = compose_post(article, tz=timezone(timedelta(hours=hours)))
        assert str(when.year) in parse_html(post.text)


# ---- configuration -------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), TEXT,
    st.sampled_from(["", "UTC", "America", "Etc", "../../etc/passwd", "a" * 300, "²", "٨٠",
                     "127.0.0.1:²", "host:", ":80", "a[", "p,,", ":has(", "(" * 300,
                     "a{99999999999}", "every 0m", "every 5s jitter 99d", "* * * * 0",
                     "61 * * * *", "https://alqst.org:99999/", "http://[::1/", "ftp://x",
                     "https://alqst.org/en/posts?page={page}", "@alqst", "-100123"]),
    st.datetimes(), st.dates(), st.times(),
)
TABLE_KEYS = st.one_of(TEXT, st.sampled_from(
    ["name", "url", "listings", "en", "ar", "selectors", "title", "body", "fetch", "feeds",
     "telegram", "sources", "channels", "quiet_hours", "start", "mode", "listen", "retries"]))


def _arrays_and_tables(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, max_size=4), st.dictionaries(TABLE_KEYS, inner, max_size=4))


TOML_VALUES = st.recursive(SCALARS, _arrays_and_tables, max_leaves=12)


SHIPPED = tomllib.loads(CONFIG_TOML.read_text(encoding="utf-8"))


# Where a value can sit in the shipped config (and a few places it has none).
CONFIG_PATHS = [
    ("timezone",), ("database",), ("organisation",), ("sources",), ("fetch",), ("feeds",),
    ("telegram",), *[("fetch", k) for k in ("timeout_seconds", "max_bytes", "retries",
                                             "per_host_concurrency", "per_host_delay_seconds",
                                             "backoff_seconds", "max_retry_after_seconds",
                                             "max_redirects", "contact_url")],
    *[("sources", 0, k) for k in ("name", "title", "url", "listings", "feeds", "link_selector",
                                  "link_pattern", "selectors", "remove", "extra_hosts",
                                  "categories", "schedule", "max_pages", "max_new_per_pass")],
    ("sources", 0, "listings", "en"), ("sources", 0, "listings", "ar", "url"),
    ("sources", 0, "listings", "ar", "max_pages"), ("sources", 0, "selectors", "body"),
    ("sources", 0, "selectors", "title"), ("sources", 0, "feeds", "en"), ("sources", 1),
    *[("feeds", k) for k in ("output_dir", "base_url", "listen", "max_items", "title")],
    *[("telegram", k) for k in ("token_env", "api_base_url", "channels", "channel",
                                "operator_chat", "send_photos", "first_run_post_latest",
                                "flood_limit", "per_chat_per_minute", "overall_per_second",
                                "quiet_hours")],
    ("telegram", "channels", "ar"), ("telegram", "quiet_hours", "start"),
    ("telegram", "quiet_hours", "mode"), ("unknown",),
]


def _set(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Put `value` at `path`, making tables on the way; a path that cannot exist is skipped."""
    for i, step in enumerate(path[:-1]):
        if isinstance(document, list) and isinstance(step, int):
            if step >= len(document):
                return
            document = document[step]
        elif isinstance(document, dict) and isinstance(step, str):
            nxt = path[i + 1]
            document = document.setdefault(step, [] if isinstance(nxt, int) else {})
        else:
            return
    last = path[-1]
    if isinstance(document, dict) and isinstance(last, str):
        document[last] = value
    elif isinstance(document, list) and isinstance(last, int):
        if last < len(document):
            document[last] = value
        elif last == len(document):
            document.append(value)


def assert_only_config_errors(data: dict[str, Any], tmp: Path) -> None:
    try:
        config = parse_config(data, tmp)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    # What a run relies on holds for every configuration that is accepted.
    fetch = config.fetch
    assert fetch.retries >= 0 and fetch.max_redirects >= 0
    for seconds in (fetch.timeout_seconds, fetch.per_host_delay_seconds, fetch.backoff_seconds,
                    fetch.max_retry_after_seconds):
        assert 0 <= seconds < float("inf")
    for source in config.sources:
        assert source.hosts
    assert 0 <= config.feeds.listen_port < 65536


@settings(max_examples=examples(200), deadline=None)
@given(data=st.dictionaries(st.one_of(TEXT, st.sampled_from(
    ["timezone", "database", "organisation", "sources", "fetch", "feeds", "telegram"])),
    TOML_VALUES, max_size=6))
def test_any_toml_document_is_accepted_or_refused_with_a_config_error(
        data: dict[str, Any]) -> None:
    assert_only_config_errors(data, Path("/nonexistent/base"))


@settings(max_examples=examples(250), deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(CONFIG_PATHS), TOML_VALUES), min_size=1,
                      max_size=4))
def test_any_edit_of_the_shipped_config_is_accepted_or_named_as_a_config_error(
        edits: list[tuple[tuple[str | int, ...], Any]]) -> None:
    data = copy.deepcopy(SHIPPED)
    for path, value in edits:
        _set(data, path, value)
    assert_only_config_errors(data, Path("/nonexistent/base"))



# ---- bytes off the wire -------------------------------------------------------------------

CHARSETS = st.one_of(st.none(), st.sampled_from([
    "utf-8", "UTF8", "windows-1256", "iso-8859-1", "latin1", "ascii", "utf-16", "utf-32",
    "cp037", "base64", "rot13", "hex", "zlib", "undefined", "idna", "punycode", "utf-7",
    "unicode_escape", "raw_unicode_escape", "bogus", "", '"utf-8"', "x" * 200,
]), TEXT)
BODY_BITS = st.sampled_from([
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b'<meta charset="base64">',
    b'<meta charset="utf-7">', b'<?xml version="1.0" encoding="rot13"?>', b"\xed\xa0\x80",
    b"+ADw-script+AD4-", "القسط".encode("cp1256"), "القسط".encode(), b"\x00" * 10,
    b"<html><body><p>", b"\\ud800",
])
BODIES = st.lists(st.one_of(BODY_BITS, st.binary(max_size=64)), max_size=12).map(b"".join)


@settings(max_examples=examples(300), deadline=None)
@given(body=BODIES, charset=CHARSETS)
def test_any_bytes_decode_to_sendable_text_or_fail_with_a_fetch_error(
        body: bytes, charset: str | None) -> None:
    try:
        text, codec = decode_body(body, charset, "https://alqst.org/x")
    except FetchError as exc:
        assert exc.kind == "decode" and "\n" not in exc.reason
        return
    text.encode("utf-8")  # no lone surrogates: storable and sendable
    assert codec not in ("utf-7", "base64", "rot-13", "undefined", "unicode-escape")
