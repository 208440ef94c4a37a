"""Steady passes that cost one conditional request per language, and corrections still found.

Listing page 1 is asked for with its stored validators: a 304 means nothing new, nothing is
parsed and no other page is read. A correction is found when its teaser on the listing
changes (next pass) and otherwise on the slow `recheck_every` cadence, also on a site whose
articles carry no validators. Requests are counted at the servers; both database backends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import feeds.check
from bot.config import parse_config
from bot.demo import demo_config
from feeds.check import LanguageReport, SourceChecker
from feeds.fetcher import Fetcher
from feeds.replica import ReplicaSite
from feeds.sources import FetchSettings, SourceSettings
from feeds.store import ArticleStore, FirstPage, open_engine
from tests.fakes.blog_site import LINK_PATTERN, BlogSite

FAST = FetchSettings(per_host_delay_seconds=0.0, retries=1, backoff_seconds=0.01,
                     timeout_seconds=3)
PASS_EVERY = timedelta(minutes=10)


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def store(backend: str) -> Iterator[ArticleStore]:
    engine = open_engine(backend)
    yield ArticleStore(engine)
    engine.dispose()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The listing pages parsed by passes (URLs), in order."""
    seen: list[str] = []
    parse = feeds.check.parse_listing

    def counting(html: str, page_url: str, **kwargs: Any) -> Any:
        seen.append(page_url)
        return parse(html, page_url, **kwargs)

    monkeypatch.setattr(feeds.check, "parse_listing", counting)
    return seen


def run_pass(source: SourceSettings, store: ArticleStore,
             clock: Clock | None = None) -> dict[str, LanguageReport]:
    async def one() -> list[LanguageReport]:
        async with Fetcher(FAST) as fetcher:
            checker = SourceChecker(store, fetcher, now=clock or (lambda: datetime.now(UTC)))
            return await checker.check(source)
    return {r.lang: r for r in asyncio.run(one())}


def blog_source(blog: BlogSite, tmp_path: Path, **keys: Any) -> SourceSettings:
    config = parse_config({
        "timezone": "UTC",
        "sources": [{
            "name": "blog", "title": "Rights Watch Blog", "url": blog.base_url + "/",
            "listings": {"en": {"url": blog.listing_url, "max_pages": 3}},
            "link_pattern": LINK_PATTERN,
            "selectors": {"title": "h1.entry-title", "date": "time.entry-date",
                          "body": ".entry-content"},
            **keys,
        }],
        "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/"},
        "telegram": {"channels": {"en": "@blog_en"}},
    }, tmp_path)
    return config.sources[0]


def statement(n: int) -> str:
    return (f"Rights Watch today issued statement number {n} on the detainees held without "
            f"charge. The statement calls for their release and for an independent inquiry "
            f"into the conditions of their detention, number {n}.")


@pytest.fixture
def blog() -> Iterator[BlogSite]:
    with BlogSite(page_size=5, listing_etags=True) as site:
        for n in range(8):
            site.publish(f"Statement {n}", statement(n))
        yield site


# ---- one request per language, nothing parsed --------------------------------------------


def test_a_steady_pass_on_the_replica_is_one_304_per_language_and_parses_nothing(
        store: ArticleStore, parses: list[str], tmp_path: Path) -> None:
    with ReplicaSite(archive_size=15) as site:
        source = demo_config(site.base_url, tmp_path).sources[0]
        run_pass(source, store)
        site.reset_requests()
        parses.clear()
        reports = run_pass(source, store)
        requests = list(site.requests)
    assert sorted(path for _, path, _ in requests) == ["/ar/posts?page=1", "/en/posts?page=1"]
    assert all("if-none-match" in headers for _, _, headers in requests)
    assert all(r.listing_not_modified and r.pages_walked == 1 for r in reports.values())
    assert all(r.new == r.updated == r.unchanged == 0 and r.ok for r in reports.values())
    assert parses == []


def test_a_steady_pass_on_a_site_without_article_validators_is_one_304(
        blog: BlogSite, store: ArticleStore, parses: list[str], tmp_path: Path) -> None:
    source = blog_source(blog, tmp_path)
    clock = Clock()
    assert run_pass(source, store, clock)["en"].new == 8
    start = len(blog.answers)
    parses.clear()
    for _ in range(2):  # passes within half an hour of the baseline: no recheck
        clock.moment += PASS_EVERY
        report = run_pass(source, store, clock)["en"]
        assert report.listing_not_modified and report.rechecked == 0 and report.ok
    assert blog.answers[start:] == [("/news/", 304)] * 2
    assert parses == []


# ---- corrections --------------------------------------------------------------------------


def test_a_teaser_change_is_caught_on_the_next_pass_fetching_that_article_only(
        blog: BlogSite, store: ArticleStore, tmp_path: Path) -> None:
    source = blog_source(blog, tmp_path)
    clock = Clock()
    run_pass(source, store, clock)
    post = blog.posts[-2]
    blog.edit(post, title="Statement 6 (corrected)")
    start = len(blog.answers)
    clock.moment += PASS_EVERY
    report = run_pass(source, store, clock)["en"]
    assert report.updated == 1 and report.new == 0 and report.rechecked == 1
    assert blog.answers[start:] == [("/news/", 200), (post.path.rstrip("/"), 200)]
    article = store.get(blog.url(post))
    assert article is not None and article.title == "Statement 6 (corrected)"


def test_a_correction_the_listing_does_not_show_is_caught_within_the_cadence(
        blog: BlogSite, store: ArticleStore, tmp_path: Path) -> None:
    """No article validators, the listing answers 304: the slow cadence finds the edit
    within `recheck_every` and one pass, each first-page article fetched once an hour."""
    source = blog_source(blog, tmp_path, recheck_every="1h")
    clock = Clock()
    run_pass(source, store, clock)
    first_page = blog.posts[-5:]

    def passes(count: int) -> list[LanguageReport]:
        reports = []
        for _ in range(count):
            clock.moment += PASS_EVERY
            reports.append(run_pass(source, store, clock)["en"])
            assert reports[-1].listing_not_modified and reports[-1].new == 0
            assert reports[-1].ok
        return reports

    passes(6 * 2)  # two hours: every article has had its turn
    hits = {post.path: blog.hits_on(post.path) for post in first_page}
    reports = passes(6 * 2)  # two more hours: each article twice, on its own turn
    assert all(blog.hits_on(post.path) - hits[post.path] == 2 for post in first_page)
    assert max(r.rechecked for r in reports) < len(first_page)  # spread over the passes

    post = first_page[2]
    blog.edit(post, text=statement(5) + " Correction: the inquiry was opened on 2 March.")
    edited_at = clock.moment
    caught = None
    while caught is None and clock.moment - edited_at <= timedelta(hours=2):
        if passes(1)[0].updated:
            caught = clock.moment
    assert caught is not None and caught - edited_at <= timedelta(hours=1) + PASS_EVERY
    article = store.get(blog.url(post))
    assert article is not None and "Correction: the inquiry" in article.body_text


def test_a_correction_just_after_the_baseline_is_caught_within_one_and_a_half_cadences(
        blog: BlogSite, store: ArticleStore, tmp_path: Path) -> None:
    source = blog_source(blog, tmp_path, recheck_every="1h")
    clock = Clock()
    run_pass(source, store, clock)
    edited = blog.posts[-5:]
    for post in edited:
        blog.edit(post, text=post.text + " Corrected.")
    caught: dict[str, datetime] = {}
    for _ in range(6 * 2):
        clock.moment += PASS_EVERY
        run_pass(source, store, clock)
        for post in edited:
            article = store.get(blog.url(post))
            if article is not None and article.body_text.endswith("Corrected."):
                caught.setdefault(post.path, clock.moment)
    assert len(caught) == len(edited)
    assert max(caught.values()) - Clock().moment <= timedelta(hours=1.5) + PASS_EVERY
    # Twelve passes, yet each article fetched at most twice after the baseline.
    assert all(blog.hits_on(post.path) <= 1 + 2 for post in edited)


# ---- a 304 hides neither failing retries nor a pending burst resume -------------------------


def test_a_304_listing_still_retries_failing_links_and_goes_on_with_a_resume(
        blog: BlogSite, store: ArticleStore, tmp_path: Path) -> None:
    source = blog_source(blog, tmp_path)
    clock = Clock()
    run_pass(source, store, clock)
    failing = blog.publish("Statement 8", statement(8))
    blog.kill(failing, 503)
    clock.moment += PASS_EVERY
    assert run_pass(source, store, clock)["en"].failures  # a new link, failing
    blog.kill(failing, 200)
    state = store.listing_state("blog", "en")
    assert state.first_page is not None
    # As if the previous walk had stopped at its page cap in a burst.
    store.record_listing("blog", "en", state.links_last, clock.moment,
                         resume_url=blog.listing_url + "page/2",
                         first_page=FirstPage(state.first_page, state.etag, state.last_modified))
    start = len(blog.answers)
    clock.moment += PASS_EVERY
    report = run_pass(source, store, clock)["en"]
    assert report.listing_not_modified
    assert report.new == 1 and store.get(blog.url(failing)) is not None
    answered = blog.answers[start:]
    assert answered[0] == ("/news/", 304)
    assert ("/news/page/2", 200) in answered
    assert (failing.path.rstrip("/"), 200) in answered
    assert store.listing_state("blog", "en").resume_url is None


def test_a_changed_listing_is_parsed_and_its_new_article_found(
        blog: BlogSite, store: ArticleStore, parses: list[str], tmp_path: Path) -> None:
    source = blog_source(blog, tmp_path)
    clock = Clock()
    run_pass(source, store, clock)
    post = blog.publish("Statement 8", statement(8))
    parses.clear()
    clock.moment += PASS_EVERY
    report = run_pass(source, store, clock)["en"]
    assert report.new == 1 and not report.listing_not_modified
    assert parses[0] == blog.listing_url and len(parses) == 2  # page 2: nothing new, stop
    assert store.get(blog.url(post)) is not None


def test_a_listing_without_validators_is_read_as_before(
        store: ArticleStore, parses: list[str], tmp_path: Path) -> None:
    with BlogSite(page_size=5) as site:
        for n in range(3):
            site.publish(f"Statement {n}", statement(n))
        source = blog_source(site, tmp_path)
        run_pass(source, store)
        start = len(site.answers)
        report = run_pass(source, store)["en"]
        assert not report.listing_not_modified and report.new == 0
        assert site.answers[start:] == [("/news/", 200)]


def test_the_replica_without_conditional_get_is_walked_unconditionally(
        store: ArticleStore, tmp_path: Path) -> None:
    with ReplicaSite(conditional=False) as site:
        source = demo_config(site.base_url, tmp_path).sources[0]
        run_pass(source, store)
        site.reset_requests()
        reports = run_pass(source, store)
        assert not any(r.listing_not_modified for r in reports.values())
        assert sorted(p for _, p, _ in site.requests) == ["/ar/posts?page=1",
                                                          "/en/posts?page=1"]
