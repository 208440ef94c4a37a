"""The listing walk under bursts and dead links, on the replica and on a blog of another shape.

A burst deeper than `max_pages` is followed (and resumed past the page cap) until every
article is stored and queued; a link answering 404/410 pass after pass retires, reported
once, under the language whose listing carries it, and stops costing requests and exit 1.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import check_sources
from bot.cli import _check
from bot.config import Config, parse_config
from bot.demo import demo_config
from bot.intake import FLOOD
from bot.outbox import Status
from bot.status import status_lines
from feeds.check import GONE_RECHECK_EVERY, LanguageReport
from feeds.replica import ReplicaSite
from feeds.replica.server import ReplicaPost
from feeds.store import ArticleStore, open_engine
from tests.fakes.blog_site import LINK_PATTERN, BlogSite
from tests.fault_scenarios import EN, OPS, Installation, publish_statement

BURST = 50
PAGE_SIZE = 4
MAX_PAGES = 5


def tuned(config: Config, *, max_pages: int = MAX_PAGES, max_new_per_pass: int | None = None,
          flood_limit: int | None = None) -> Config:
    source = config.sources[0]
    source = dataclasses.replace(
        source, listings=tuple(dataclasses.replace(listing, max_pages=max_pages)
                               for listing in source.listings),
        max_new_per_pass=max_new_per_pass or source.max_new_per_pass)
    telegram = config.telegram if flood_limit is None else dataclasses.replace(
        config.telegram, flood_limit=flood_limit)
    fetch = dataclasses.replace(config.fetch, retries=1, backoff_seconds=0.01,
                                timeout_seconds=3, per_host_delay_seconds=0.0)
    return dataclasses.replace(config, sources=(source,), telegram=telegram, fetch=fetch)


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite(page_size=PAGE_SIZE) as replica:
        yield replica


@pytest.fixture
def config(site: ReplicaSite, tmp_path: Path) -> Config:
    return tuned(demo_config(site.base_url, tmp_path))


@pytest.fixture
def store(config: Config) -> Iterator[ArticleStore]:
    store = ArticleStore(open_engine(config.database))
    yield store
    store.engine.dispose()


def run_pass(config: Config, store: ArticleStore,
             now: Callable[[], datetime] | None = None) -> dict[str, LanguageReport]:
    reports = asyncio.run(check_sources(config, store, **({"now": now} if now else {})))
    return {r.lang: r for r in reports}


def listing_pages_read(site: ReplicaSite, lang: str) -> list[str]:
    return [path for _, path, _ in site.requests if path.startswith(f"/{lang}/posts?")]


def hits(site: ReplicaSite, post: ReplicaPost) -> int:
    paths = {urlsplit(post.url).path, urlsplit(post.numeric_url).path, f"/ar/posts/{post.id}"}
    return sum(1 for _, path, _ in site.requests if path.split("?")[0] in paths)


# ---- bursts -------------------------------------------------------------------------------


def test_a_burst_deeper_than_max_pages_is_stored_whole_over_the_next_passes(
        site: ReplicaSite, config: Config, store: ArticleStore) -> None:
    run_pass(config, store)
    posts = [publish_statement(site, "en", n) for n in range(BURST)]
    first = run_pass(config, store)["en"]
    assert first.links_found >= BURST
    assert first.burst_pages > 0 and any(w.startswith("burst:") for w in first.warnings)
    run_pass(config, store)  # the links max_new_per_pass deferred
    assert [p.url for p in posts if store.get(p.url) is None] == []
    assert store.failing_urls("alqst") == []


def test_a_first_run_reads_no_more_than_max_pages_of_a_big_archive(tmp_path: Path) -> None:
    with ReplicaSite(archive_size=200, page_size=PAGE_SIZE) as site:
        config = tuned(demo_config(site.base_url, tmp_path))
        store = ArticleStore(open_engine(config.database))
        reports = run_pass(config, store)
        assert reports["en"].first_run and reports["en"].pages_walked == MAX_PAGES
        assert len(listing_pages_read(site, "en")) == MAX_PAGES
        assert not reports["en"].warnings and store.listing_state("alqst", "en").resume_url is None
        store.engine.dispose()


def test_a_burst_past_the_page_cap_goes_on_from_there_next_pass(
        site: ReplicaSite, tmp_path: Path) -> None:
    config = tuned(demo_config(site.base_url, tmp_path), max_pages=1, max_new_per_pass=100)
    store = ArticleStore(open_engine(config.database))
    run_pass(config, store)
    posts = [publish_statement(site, "en", n) for n in range(30)]  # 8 pages; the cap is 4
    first = run_pass(config, store)["en"]
    assert first.pages_walked == 4 and first.resume_url is not None
    assert "going on from" in first.warnings[-1]
    # Page 1 and then pages 5-7 (the cap counts page 1); then page 8, the last.
    second = run_pass(config, store)["en"]
    assert second.resume_url == site.listing_url("en").format(page=8)
    third = run_pass(config, store)["en"]
    assert third.resume_url is None and third.burst_pages == 1
    assert [p.url for p in posts if store.get(p.url) is None] == []
    fourth = run_pass(config, store)["en"]
    assert fourth.pages_walked == 1 and not fourth.warnings
    store.engine.dispose()


def test_a_burst_on_a_blog_with_older_posts_links_is_stored_whole(tmp_path: Path) -> None:
    # Another site shape: /news/, /news/page/2/ reached through "Older posts", no {page}.
    with BlogSite(page_size=3) as blog:
        config = blog_config(blog, tmp_path, max_pages=2)
        store = ArticleStore(open_engine(config.database))
        for n in range(4):
            blog.publish(f"Old statement {n}", f"Rights Watch archive statement number {n}.")
        assert run_pass(config, store)["en"].new == 4
        posts = [blog.publish(f"Statement {n}", f"Rights Watch today issued statement {n} "
                              "on prisoners of conscience.") for n in range(14)]
        report = run_pass(config, store)["en"]
        assert [p.slug for p in posts if store.get(blog.url(p)) is None] == []
        assert report.burst_pages > 0 and report.new == 14
        store.engine.dispose()


async def test_a_burst_of_50_is_posted_whole_when_the_flood_limit_allows(
        tmp_path: Path) -> None:
    async with Installation(tmp_path, page_size=PAGE_SIZE, tune=lambda c: tuned(
            c, flood_limit=100)) as bot:
        await bot.run_pass()
        await bot.drain()
        posts = [bot.publish("en") for _ in range(BURST)]
        for _ in range(3):
            await bot.next_run()
        await bot.settle()
        outcome = bot.outcome()
        assert outcome.lost_store == [] and outcome.lost_posts == []
        assert outcome.duplicated == 0 and len(bot.fake.sent(EN)) == BURST
        [told] = [a for a in outcome.alerts if "burst" in a]  # once, not once per pass
        assert "max_pages=5" in told
        assert {p.url for p in posts} <= {r.article_key for r in bot.parts.outbox.items()}


async def test_a_burst_of_50_with_the_default_flood_limit_posts_10_and_holds_40(
        tmp_path: Path) -> None:
    async with Installation(tmp_path, page_size=PAGE_SIZE, tune=lambda c: tuned(
            c, max_new_per_pass=BURST)) as bot:
        await bot.run_pass()
        await bot.drain()
        posts = [bot.publish("en") for _ in range(BURST)]
        for _ in range(3):
            await bot.next_run()
        await bot.settle()
        rows = {r.article_key: r for r in bot.parts.outbox.items() if r.chat == EN}
        assert [p.url for p in posts if p.url not in rows] == []  # none missing
        statuses = [rows[p.url].status for p in posts]
        assert statuses.count(Status.SENT) == 10
        assert statuses.count(Status.HELD) == 40
        held = [p for p in posts if rows[p.url].status is Status.HELD]
        assert {rows[p.url].hold_reason for p in held} == {FLOOD}


async def test_a_burst_with_the_default_limits_loses_nothing_across_deferred_passes(
        tmp_path: Path) -> None:
    async with Installation(tmp_path, page_size=PAGE_SIZE, tune=tuned) as bot:
        await bot.run_pass()
        await bot.drain()
        posts = [bot.publish("en") for _ in range(BURST)]
        for _ in range(3):
            await bot.next_run()
        await bot.settle()
        rows = {r.article_key: r for r in bot.parts.outbox.items() if r.chat == EN}
        assert [p.url for p in posts if p.url not in rows] == []
        assert all(rows[p.url].status in (Status.SENT, Status.HELD) for p in posts)
        assert bot.parts.store.failing_urls("alqst") == []


# ---- dead links ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["404", "410"])
def test_a_dead_link_retires_after_n_passes_and_is_no_longer_fetched(
        site: ReplicaSite, config: Config, store: ArticleStore, status: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    run_pass(config, store)
    dead = site.publish(lang="ar", title="بيان محذوف", paragraphs=["نص البيان المحذوف."])
    site.set_post_fault(dead.id, status)
    site.reset_requests()
    for n in range(1, 3):  # passes 1 and 2: a failure, under Arabic, fetched once
        reports = run_pass(config, store)
        assert hits(site, dead) == 1
        if n > 1:  # a known dead link is not a reason to read page 2
            assert listing_pages_read(site, "ar") == ["/ar/posts?page=1"]
        assert [f.url for f in reports["ar"].failures] == [dead.url]
        assert reports["en"].failures == []
        site.reset_requests()
    third = run_pass(config, store)["ar"]  # the 3rd 404/410 in a row retires it
    assert third.failures == [] and [f.url for f in third.retired] == [dead.url]
    assert "3 passes in a row" in third.retired[0].reason
    site.reset_requests()
    assert _check(config, None) == 0
    assert hits(site, dead) == 0
    assert listing_pages_read(site, "ar") == ["/ar/posts?page=1"]
    assert "retired" not in capsys.readouterr().out  # told once, on the pass that retired it
    [gone] = store.gone_links("alqst")
    assert gone.url == dead.url and gone.lang == "ar"


def test_a_link_answering_503_for_ever_never_retires(
        site: ReplicaSite, config: Config, store: ArticleStore) -> None:
    run_pass(config, store)
    down = site.publish(lang="en", title="Down", paragraphs=["A page that is down."])
    site.set_post_fault(down.id, "500")
    for _ in range(config.sources[0].retire_dead_links_after + 2):
        site.reset_requests()
        report = run_pass(config, store)["en"]
        assert [f.url for f in report.failures] == [down.url] and report.retired == []
        assert hits(site, down) >= 1  # still tried every pass
    assert store.gone_links("alqst") == []


def test_a_transient_failure_neither_counts_toward_retirement_nor_breaks_the_streak(
        site: ReplicaSite, config: Config, store: ArticleStore) -> None:
    run_pass(config, store)
    post = site.publish(lang="en", title="Flaky", paragraphs=["A flaky page."])
    for fault in ("404", "500", "500", "404"):
        site.set_post_fault(post.id, fault)
        assert run_pass(config, store)["en"].retired == []
    site.set_post_fault(post.id, "404")
    assert [f.url for f in run_pass(config, store)["en"].retired] == [post.url]


def test_a_retired_link_that_comes_back_is_fetched_on_the_weekly_recheck(
        site: ReplicaSite, config: Config, store: ArticleStore) -> None:
    clock = Clock()
    run_pass(config, store, clock)
    post = site.publish(lang="en", title="Back again",
                        paragraphs=["ALQST restored this statement on detainees in Saudi "
                                    "Arabia after a mistaken deletion."])
    site.set_post_fault(post.id, "410")
    for _ in range(3):
        clock.moment += timedelta(minutes=30)
        run_pass(config, store, clock)
    assert [g.url for g in store.gone_links("alqst")] == [post.url]
    site.set_post_fault(post.id, None)
    clock.moment += timedelta(days=1)
    site.reset_requests()
    assert run_pass(config, store, clock)["en"].new == 0 and hits(site, post) == 0
    clock.moment += GONE_RECHECK_EVERY
    assert run_pass(config, store, clock)["en"].new == 1
    assert store.get(post.url) is not None and store.gone_links("alqst") == []


def test_a_dead_link_on_a_blog_retires_too(tmp_path: Path) -> None:
    with BlogSite(page_size=3) as blog:
        config = blog_config(blog, tmp_path, max_pages=3)
        store = ArticleStore(open_engine(config.database))
        for n in range(5):
            blog.publish(f"Statement {n}", f"Rights Watch statement number {n} on detainees.")
        run_pass(config, store)
        dead = blog.publish("Deleted statement", "Soon gone.")
        blog.kill(dead, 410)
        for _ in range(3):
            before = len(blog.hits)
            run_pass(config, store)
            assert blog.hits_on(dead.path, before) == 1
        before = len(blog.hits)
        report = run_pass(config, store)["en"]
        assert report.failures == [] and blog.hits_on(dead.path, before) == 0
        assert blog.hits_on("/news/page/2/", before) == 0
        assert [g.url for g in store.gone_links("blog")] == [blog.url(dead)]
        store.engine.dispose()


async def test_a_retired_link_is_told_to_the_operator_once_and_shown_in_status(
        tmp_path: Path) -> None:
    async with Installation(tmp_path, tune=tuned) as bot:
        await bot.run_pass()
        dead = bot.publish("en")
        bot.published.remove(dead)  # never to be posted: it is gone
        bot.site.set_post_fault(dead.id, "404")
        for _ in range(5):
            await bot.next_run()
        await bot.settle()
        told = [m.text for m in bot.fake.sent(OPS) if dead.url in m.text]
        assert len(told) == 1 and "is gone" in told[0]
        assert bot.parts.runs.last("alqst").outcome == "ok"  # type: ignore[union-attr]
        lines = status_lines(bot.config, bot.clock.now())
        assert any("links gone" in line and line.endswith(": 1") for line in lines)
        assert any(dead.url in line and line.strip().startswith("en:") for line in lines)


def blog_config(blog: BlogSite, workdir: Path, *, max_pages: int) -> Config:
    return parse_config({
        "timezone": "UTC",
        "database": "blog.sqlite",
        "fetch": {"per_host_delay_seconds": 0, "retries": 1, "backoff_seconds": 0.01,
                  "timeout_seconds": 3},
        "sources": [{
            "name": "blog", "title": "Rights Watch Blog", "url": blog.base_url + "/",
            "listings": {"en": {"url": blog.listing_url, "max_pages": max_pages}},
            "link_pattern": LINK_PATTERN,
            "selectors": {"title": "h1.entry-title", "date": "time.entry-date",
                          "body": ".entry-content"},
        }],
        "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/"},
        "telegram": {"channels": {"en": "@blog_en"}},
    }, workdir)
