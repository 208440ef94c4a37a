"""Sources are checked at the same time, and per-host politeness still holds across them:
observed at the replica servers (what they were answering, and when), not by timing the bot."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import check_sources
from bot.config import Config, parse_config
from bot.service import Service
from feeds.replica import ReplicaSite
from feeds.replica import server as replica_server
from feeds.store import ArticleStore, open_engine

SLOW_SECONDS = 1.0  # the replica's "slow" answers trickle over this long


@pytest.fixture(autouse=True)
def quick_slow_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica_server, "SLOW_SECONDS", SLOW_SECONDS)


@pytest.fixture
def other_site() -> Iterator[ReplicaSite]:
    """A second site on another loopback address: another host for the fetcher."""
    with ReplicaSite(host="127.0.0.2") as replica:
        yield replica


def make_config(tmp_path: Path, sources: list[tuple[str, str, str]], *,
                concurrency: int) -> Config:
    """One source per (name, lang, listing base URL), one listing page each."""
    return parse_config({
        "organisation": "Concurrency test", "timezone": "Europe/London",
        "database": "test.sqlite",
        "fetch": {"per_host_delay_seconds": 0, "per_host_concurrency": concurrency,
                  "retries": 0, "timeout_seconds": 10},
        "sources": [{
            "name": name, "title": name, "url": base + "/",
            "listings": {lang: f"{base}/{lang}/posts?page={{page}}"},
            "max_pages": 1, "schedule": "every 30m",
        } for name, lang, base in sources],
        "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/",
                  "listen": "127.0.0.1:0"},
        "telegram": {"channels": {"ar": "@test_ar", "en": "@test_en"}},
    }, tmp_path)


def slow_listing_span(site: ReplicaSite, lang: str) -> tuple[float, float]:
    [span] = [(start, end) for start, end, path in site.spans()
              if path.startswith(f"/{lang}/posts?")]
    return span


def test_check_answers_two_slow_sources_on_different_hosts_at_the_same_time(
        site: ReplicaSite, other_site: ReplicaSite, tmp_path: Path) -> None:
    config = make_config(tmp_path, [("first", "en", site.base_url),
                                    ("second", "en", other_site.base_url)], concurrency=1)
    site.set_fault("/en/posts", "slow")
    other_site.set_fault("/en/posts", "slow")
    store = ArticleStore(open_engine(config.database))

    reports = asyncio.run(check_sources(config, store))

    assert [(r.source, r.failures) for r in reports] == [("first", []), ("second", [])]
    first, second = slow_listing_span(site, "en"), slow_listing_span(other_site, "en")
    # Each site was still trickling its listing when the other one's was asked for.
    assert second[0] < first[1] and first[0] < second[1], (first, second)


def test_check_keeps_the_per_host_limit_across_sources_that_share_a_host(
        site: ReplicaSite, tmp_path: Path) -> None:
    config = make_config(tmp_path, [("english", "en", site.base_url),
                                    ("arabic", "ar", site.base_url)], concurrency=1)
    site.set_fault("/en/posts", "slow")
    site.set_fault("/ar/posts", "slow")
    store = ArticleStore(open_engine(config.database))

    reports = asyncio.run(check_sources(config, store))

    assert all(not r.failures and r.new for r in reports), reports
    assert site.max_in_flight == 1
    english, arabic = slow_listing_span(site, "en"), slow_listing_span(site, "ar")
    assert english[1] <= arabic[0] or arabic[1] <= english[0], (english, arabic)


def test_check_passes_at_most_max_concurrent_sources_at_a_time(
        site: ReplicaSite, other_site: ReplicaSite, tmp_path: Path) -> None:
    config = make_config(tmp_path, [("first", "en", site.base_url),
                                    ("second", "en", other_site.base_url)], concurrency=1)
    config = dataclasses.replace(
        config, fetch=dataclasses.replace(config.fetch, max_concurrent_sources=1))
    site.set_fault("/en/posts", "slow")
    other_site.set_fault("/en/posts", "slow")
    store = ArticleStore(open_engine(config.database))

    asyncio.run(check_sources(config, store))

    first, second = slow_listing_span(site, "en"), slow_listing_span(other_site, "en")
    assert first[1] <= second[0], (first, second)


def test_the_services_jobs_keep_the_per_host_limit_across_sources_that_share_a_host(
        site: ReplicaSite, tmp_path: Path) -> None:
    config = make_config(tmp_path, [("english", "en", site.base_url),
                                    ("arabic", "ar", site.base_url)], concurrency=1)
    site.set_fault("/en/posts", "slow")
    site.set_fault("/ar/posts", "slow")
    service = Service(config, {})

    async def both_jobs_at_once() -> None:
        await asyncio.gather(*(service.run_source(source) for source in config.sources))

    try:
        asyncio.run(both_jobs_at_once())
    finally:
        service.parts.engine.dispose()
    assert [service.parts.runs.last(s.name).outcome  # type: ignore[union-attr]
            for s in config.sources] == ["ok", "ok"]
    assert site.max_in_flight == 1
