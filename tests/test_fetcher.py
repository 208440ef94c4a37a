"""The fetcher against a real misbehaving HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from feeds.fetcher import Fetcher, FetchError, Page, decode_body
from feeds.sources import FetchSettings
from tests.fakes.misbehaving_http import ARABIC, LAST_MODIFIED, MisbehavingServer

HERE = frozenset({"127.0.0.1"})
FAST = FetchSettings(
    timeout_seconds=2.0,
    max_bytes=1_000_000,
    per_host_concurrency=4,
    per_host_delay_seconds=0.0,
    retries=2,
    backoff_seconds=0.01,
)


class RecordingSleep:
    """Stands in for asyncio.sleep: remembers every wait and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MisbehavingServer, MisbehavingServer]]:
    site = MisbehavingServer().start()
    elsewhere = MisbehavingServer().start()  # reached as "localhost": another host name
    yield site, elsewhere
    site.stop()
    elsewhere.stop()


@pytest.fixture
def site(servers: tuple[MisbehavingServer, MisbehavingServer]) -> MisbehavingServer:
    for server in servers:
        server.reset()
    return servers[0]


@pytest.fixture
def elsewhere(servers: tuple[MisbehavingServer, MisbehavingServer]) -> MisbehavingServer:
    return servers[1]


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


async def fetch(
    url: str,
    settings: FetchSettings = FAST,
    sleep: RecordingSleep | None = None,
    allowed: frozenset[str] = HERE,
    **kwargs: str,
) -> tuple[Page, Fetcher]:
    async with Fetcher(settings, sleep=sleep or RecordingSleep()) as fetcher:
        return await fetcher.fetch(url, allowed_hosts=allowed, **kwargs), fetcher


async def fetch_error(
    url: str,
    settings: FetchSettings = FAST,
    sleep: RecordingSleep | None = None,
    allowed: frozenset[str] = HERE,
) -> tuple[FetchError, Fetcher]:
    async with Fetcher(settings, sleep=sleep or RecordingSleep()) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url, allowed_hosts=allowed)
        return caught.value, fetcher


# Plain pages and conditional GET


async def test_utf8_page_is_fetched_and_decoded(site: MisbehavingServer) -> None:
    page, fetcher = await fetch(site.url("/ok"))
    assert page.status == 200
    assert ARABIC in page.text
    assert (page.content_type, page.encoding) == ("text/html", "utf-8")
    assert page.url == page.requested_url == site.url("/ok")
    assert not page.not_modified
    assert fetcher.requests_made == 1


async def test_validators_come_back_and_an_unchanged_page_answers_304(
    site: MisbehavingServer,
) -> None:
    first, _ = await fetch(site.url("/cached"))
    assert (first.etag, first.last_modified) == ('"v1"', LAST_MODIFIED)

    again, _ = await fetch(site.url("/cached"), etag='"v1"')
    assert again.not_modified and again.status == 304
    assert again.text == ""
    assert again.etag == '"v1"'
    assert site.requests[-1][1]["If-None-Match"] == '"v1"'

    by_date, _ = await fetch(site.url("/cached"), last_modified=LAST_MODIFIED)
    assert by_date.not_modified
    assert site.requests[-1][1]["If-Modified-Since"] == LAST_MODIFIED


async def test_user_agent_names_the_bot_and_its_contact_url(site: MisbehavingServer) -> None:
    await fetch(site.url("/ok"))
    agent = site.requests[-1][1]["User-Agent"]
    assert re.fullmatch(r"feedbot/\S+ \(\+https://github\.com/feedbot-ngo/feedbot\)", agent)

    async with Fetcher(FAST, user_agent="custom/1") as fetcher:
        await fetcher.fetch(site.url("/ok"), allowed_hosts=HERE)
    assert site.requests[-1][1]["User-Agent"] == "custom/1"


# Retries


async def test_a_500_is_retried_after_a_backoff_and_then_succeeds(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    page, fetcher = await fetch(site.url("/flaky"), sleep=sleep)
    assert "second time lucky" in page.text
    assert site.hits["/flaky"] == 2 and fetcher.requests_made == 2
    assert len(sleep.delays) == 1
    assert FAST.backoff_seconds <= sleep.delays[0] <= FAST.backoff_seconds * 1.1


async def test_retry_after_on_a_503_is_honoured(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    page, _ = await fetch(site.url("/busy?after=1"), sleep=sleep)
    assert "rested" in page.text
    assert sleep.delays and sleep.delays[0] >= 1


async def test_retry_after_as_an_http_date_is_honoured(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    page, _ = await fetch(site.url(f"/busy?after={soon.replace(' ', '+')}"), sleep=sleep)
    assert "rested" in page.text
    assert 25 <= sleep.delays[0] <= 31


async def test_a_retry_after_beyond_the_limit_stops_at_once_and_says_why(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    error, fetcher = await fetch_error(site.url("/always-busy?after=3600"), sleep=sleep)
    assert (error.kind, error.status) == ("http", 503)
    assert "3600 s" in error.reason and "120 s allowed" in error.reason
    assert fetcher.requests_made == 1 and sleep.delays == []


async def test_a_kept_alive_connection_the_server_closed_is_asked_again_not_failed(
    site: MisbehavingServer, sleep: RecordingSleep,
) -> None:
    # No retries allowed: the second GET reuses the pooled connection, which the server
    # drops unanswered; the fetcher asks once more on a fresh one, without a backoff.
    async with Fetcher(replace(FAST, retries=0), sleep=sleep) as fetcher:
        pages = [await fetcher.fetch(site.url("/closes-idle"), allowed_hosts=HERE)
                 for _ in range(2)]
    assert [page.text for page in pages] == ["<html><body>kept alive</body></html>"] * 2
    assert site.hits["/closes-idle"] == 3 and sleep.delays == []


async def test_a_server_that_always_fails_gives_up_after_the_retries_with_a_clear_reason(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    error, fetcher = await fetch_error(site.url("/broken"), sleep=sleep)
    assert (error.kind, error.status) == ("http", 500)
    assert error.reason == "HTTP 500 from 127.0.0.1 after 3 attempts"
    assert site.hits["/broken"] == fetcher.requests_made == FAST.retries + 1
    # Exponential backoff: each wait about twice the one before.
    assert len(sleep.delays) == FAST.retries
    assert sleep.delays[1] > sleep.delays[0] * 1.7
    assert str(error) == f"fetcher: {site.url('/broken')}: {error.reason}"


async def test_a_404_is_not_retried(site: MisbehavingServer) -> None:
    error, fetcher = await fetch_error(site.url("/gone"))
    assert (error.kind, error.status, error.reason) == ("http", 404, "HTTP 404 from 127.0.0.1")
    assert fetcher.requests_made == 1


async def test_a_refused_connection_is_retried_then_reported(sleep: RecordingSleep) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago refuses connections
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error, fetcher = await fetch_error(f"http://127.0.0.1:{port}/", sleep=sleep)
    assert error.kind == "connection"
    assert error.reason.startswith("cannot connect: connection refused")
    assert fetcher.requests_made == FAST.retries + 1


# Slow, hanging and broken answers


async def test_a_server_trickling_bytes_forever_is_cut_off_by_the_deadline(
    site: MisbehavingServer,
) -> None:
    settings = replace(FAST, timeout_seconds=0.25, retries=0)
    started = time.monotonic()
    error, _ = await fetch_error(site.url("/trickle"), settings)
    assert error.kind == "timeout"
    assert "0.5 s" in error.reason
    assert time.monotonic() - started < 2


async def test_a_hanging_server_times_out_and_is_retried(
    site: MisbehavingServer, sleep: RecordingSleep
) -> None:
    settings = replace(FAST, timeout_seconds=0.25, retries=1)
    error, fetcher = await fetch_error(site.url("/hang"), settings, sleep)
    assert error.kind == "timeout"
    assert error.reason == "timed out after 0.25 s (2 attempts)"
    assert fetcher.requests_made == 2


async def test_a_body_shorter_than_its_content_length_is_an_error_and_retried(
    site: MisbehavingServer,
) -> None:
    error, fetcher = await fetch_error(site.url("/truncated"))
    assert error.kind == "connection"
    assert "incomplete" in error.reason or "complete message body" in error.reason
    assert site.hits["/truncated"] == fetcher.requests_made == FAST.retries + 1


# Size caps


async def test_a_huge_page_is_cut_off_early_without_reading_it_all(
    site: MisbehavingServer,
) -> None:
    error, fetcher = await fetch_error(site.url("/huge"))
    assert (error.kind, error.reason) == ("too-large", "page larger than 1 MB")
    assert fetcher.requests_made == 1  # too large is final, not retried
    assert await asyncio.to_thread(site.huge_done.wait, 5)
    assert site.huge_sent < 10_000_000  # of 50 MB: socket buffers hold a few MB at most


async def test_a_declared_content_length_over_the_cap_is_refused_before_reading(
    site: MisbehavingServer,
) -> None:
    error, _ = await fetch_error(site.url("/huge-declared"))
    assert error.kind == "too-large"


async def test_a_gzip_bomb_stops_at_the_cap(site: MisbehavingServer) -> None:
    assert len(site.bomb()) < 100_000  # tiny on the wire, 30 MB once inflated
    error, _ = await fetch_error(site.url("/bomb"))
    assert (error.kind, error.reason) == ("too-large", "page larger than 1 MB")


@pytest.mark.parametrize("how", ["gzip", "zlib", "raw-deflate"])
async def test_compressed_pages_are_inflated(site: MisbehavingServer, how: str) -> None:
    page, _ = await fetch(site.url(f"/compressed?how={how}"))
    assert ARABIC in page.text
    assert site.requests[-1][1]["Accept-Encoding"] == "gzip, deflate"


# Redirects and allowed hosts


async def test_a_redirect_on_the_same_host_is_followed(site: MisbehavingServer) -> None:
    page, fetcher = await fetch(site.url("/redirect?to=/ok"))
    assert page.url == site.url("/ok")
    assert page.requested_url == site.url("/redirect?to=/ok")
    assert ARABIC in page.text
    assert fetcher.requests_made == 2


async def test_a_redirect_loop_is_reported(site: MisbehavingServer) -> None:
    error, fetcher = await fetch_error(site.url("/loop-a"))
    assert error.kind == "redirect-loop"
    assert error.reason == f"redirect loop at {site.url('/loop-a')}"
    assert fetcher.requests_made == 2


async def test_too_many_redirects_count_as_a_loop(site: MisbehavingServer) -> None:
    error, fetcher = await fetch_error(site.url("/hop/1"), replace(FAST, max_redirects=3))
    assert (error.kind, error.reason) == ("redirect-loop", "redirect loop: more than 3 redirects")
    assert fetcher.requests_made == 4


async def test_a_redirect_to_another_host_is_refused(
    site: MisbehavingServer, elsewhere: MisbehavingServer
) -> None:
    target = elsewhere.url("/ok", host="localhost")
    error, fetcher = await fetch_error(site.url(f"/redirect?to={target}"))
    assert error.kind == "redirect-offsite"
    assert error.reason == "redirect to another host refused: localhost"
    assert fetcher.requests_made == 1
    assert elsewhere.hits["/ok"] == 0


async def test_a_redirect_to_another_allowed_host_is_followed(
    site: MisbehavingServer, elsewhere: MisbehavingServer
) -> None:
    target = elsewhere.url("/ok", host="localhost")
    page, _ = await fetch(site.url(f"/redirect?to={target}"), allowed=HERE | {"LocalHost"})
    assert page.url == target
    assert elsewhere.hits["/ok"] == 1


async def test_a_redirect_to_a_non_web_scheme_is_refused(site: MisbehavingServer) -> None:
    error, _ = await fetch_error(site.url("/redirect?to=file:///etc/passwd"))
    assert error.kind == "redirect-offsite"


async def test_a_first_url_on_a_host_not_allowed_sends_no_request(
    site: MisbehavingServer,
) -> None:
    error, fetcher = await fetch_error(site.url("/ok"), allowed=frozenset({"alqst.org"}))
    assert (error.kind, error.reason) == (
        "host-not-allowed",
        "host not allowed for this source: 127.0.0.1",
    )
    assert fetcher.requests_made == 0 and site.hits["/ok"] == 0


async def test_a_first_url_that_is_not_http_is_refused() -> None:
    error, fetcher = await fetch_error("ftp://127.0.0.1/x")
    assert error.kind == "bad-url"
    assert fetcher.requests_made == 0


# Charsets and content types


@pytest.mark.parametrize("hint", ["header", "meta", "xml", "none", "wrong-header"])
async def test_a_windows_1256_arabic_page_comes_out_as_arabic(
    site: MisbehavingServer, hint: str
) -> None:
    page, _ = await fetch(site.url(f"/arabic?hint={hint}"))
    assert ARABIC in page.text
    assert page.encoding == "cp1256"


async def test_a_utf8_page_with_a_wrong_latin1_header_is_read_as_utf8(
    site: MisbehavingServer,
) -> None:
    page, _ = await fetch(site.url("/utf8-says-latin1"))
    assert ARABIC in page.text
    assert page.encoding == "utf-8"


async def test_random_bytes_are_refused_as_not_text(site: MisbehavingServer) -> None:
    error, fetcher = await fetch_error(site.url("/garbage"))
    assert (error.kind, error.reason) == ("decode", "body is not text")
    assert fetcher.requests_made == 1


async def test_an_image_is_refused_by_its_content_type(site: MisbehavingServer) -> None:
    error, _ = await fetch_error(site.url("/image"))
    assert (error.kind, error.reason) == ("content-type", "not HTML/XML: image/png")


def test_a_latin1_label_on_a_non_utf8_latin_page_means_windows_1252() -> None:
    body = "Le café “ouvert”".encode("cp1252")
    assert decode_body(body, "iso-8859-1") == ("Le café “ouvert”", "cp1252")


def test_a_utf8_page_with_one_stray_byte_stays_utf8() -> None:
    body = (ARABIC * 5).encode() + b"\xe9" + (ARABIC * 5).encode()
    text, encoding = decode_body(body, "utf-8")
    assert encoding == "utf-8" and text.count("\ufffd") == 1


# Politeness


async def test_per_host_concurrency_caps_requests_in_flight(site: MisbehavingServer) -> None:
    settings = replace(FAST, per_host_concurrency=2)
    async with Fetcher(settings) as fetcher:
        await asyncio.gather(
            *(fetcher.fetch(site.url(f"/slow?n={i}"), allowed_hosts=HERE) for i in range(10))
        )
    assert site.hits["/slow"] == 10
    assert site.max_active == 2


async def test_request_starts_to_one_host_are_spaced_by_the_delay(
    site: MisbehavingServer,
) -> None:
    settings = replace(FAST, per_host_delay_seconds=0.15)
    async with Fetcher(settings) as fetcher:
        await asyncio.gather(
            *(fetcher.fetch(site.url(f"/ok?n={i}"), allowed_hosts=HERE) for i in range(4))
        )
    starts = sorted(t for _, t in site.starts)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.14  # small slack for when the server thread notices the request


async def test_different_hosts_do_not_wait_for_each_other(
    site: MisbehavingServer, elsewhere: MisbehavingServer
) -> None:
    settings = replace(FAST, per_host_delay_seconds=0.3)
    both = HERE | {"localhost"}
    urls = [site.url(f"/ok?n={i}") for i in range(3)]
    urls += [elsewhere.url(f"/ok?n={i}", host="localhost") for i in range(3)]
    async with Fetcher(settings) as fetcher:
        started = time.monotonic()
        await asyncio.gather(*(fetcher.fetch(u, allowed_hosts=both) for u in urls))
        elapsed = time.monotonic() - started
    # Two hosts, three requests each: 2 delays (0.6 s) in parallel, not 5 delays in a row.
    assert 0.55 <= elapsed < 1.2
