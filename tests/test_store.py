"""The article store: one row per key, edits noticed by hash, dates never floating to 'now'.

Every test runs twice: on a SQLite file and on a PostgreSQL database (the `backend` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from feeds.models import Article
from feeds.store import ArticleStore, Change, open_engine
from tests.pg_cluster import PostgresCluster

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(backend: str) -> Iterator[ArticleStore]:
    engine = open_engine(backend)
    yield ArticleStore(engine)
    engine.dispose()


def article(**changes: object) -> Article:
    base = Article(key="https://alqst.org/en/post/a", url="https://alqst.org/en/post/a",
                   source="alqst", lang="en", title="Title", body_html="<p>Body.</p>",
                   body_text="Body.", summary="Body.", published=None)
    return base.with_(**changes)


def test_an_article_without_a_date_keeps_its_first_seen_time_on_every_run(
        store: ArticleStore) -> None:
    assert store.upsert(article(), T0) is Change.NEW
    assert store.upsert(article(), T0 + timedelta(hours=5)) is Change.UNCHANGED
    assert store.upsert(article(title="Corrected"), T0 + timedelta(days=1)) is Change.UPDATED
    stored = store.get(article().key)
    assert stored is not None
    assert stored.published == T0
    assert stored.date_is_guess
    assert stored.updated == T0 + timedelta(days=1)


def test_the_page_date_found_on_a_recheck_replaces_the_first_seen_guess_quietly(
        store: ArticleStore) -> None:
    # Stored undated; the operator then sets selectors.date and a recheck finds the date.
    store.upsert(article(), T0)
    real = T0 - timedelta(days=20)
    assert store.upsert(article(published=real), T0 + timedelta(hours=1)) is Change.UNCHANGED
    stored = store.get(article().key)
    assert stored is not None and (stored.published, stored.date_is_guess) == (real, False)
    # A real date is never replaced by a later guess or another page's date.
    assert store.upsert(article(), T0 + timedelta(hours=2)) is Change.UNCHANGED
    assert store.upsert(article(published=T0, date_is_guess=True), T0) is Change.UNCHANGED
    stored = store.get(article().key)
    assert stored is not None and (stored.published, stored.date_is_guess) == (real, False)


def test_a_refetch_with_the_same_content_changes_nothing(store: ArticleStore) -> None:
    dated = article(published=T0 - timedelta(days=3))
    store.upsert(dated, T0)
    assert store.upsert(dated, T0 + timedelta(hours=1)) is Change.UNCHANGED
    stored = store.get(dated.key)
    assert stored is not None and stored.updated == T0 - timedelta(days=3)
    assert store.count() == 1


def test_latest_is_newest_first_and_filters_by_language(store: ArticleStore) -> None:
    for day in range(5):
        lang = "ar" if day % 2 else "en"
        store.upsert(article(key=f"k{day}", url=f"https://alqst.org/{day}", lang=lang,
                             published=T0 - timedelta(days=day)), T0)
    assert [a.key for a in store.latest(lang="en")] == ["k0", "k2", "k4"]
    assert [a.key for a in store.latest(limit=2)] == ["k0", "k1"]


def test_times_come_back_aware_in_utc_to_the_microsecond(store: ArticleStore) -> None:
    riyadh = timezone(timedelta(hours=3))
    published = datetime(2026, 11, 1, 12, 30, 15, 123456, tzinfo=riyadh)
    store.upsert(article(published=published), T0)
    stored = store.get(article().key)
    assert stored is not None
    assert stored.published == published and stored.published.tzinfo == UTC
    assert stored.published.hour == 9 and stored.published.microsecond == 123456
    assert stored.date_is_guess is False


def test_failures_dead_links_and_retirement_are_remembered(store: ArticleStore) -> None:
    ok, flaky, dead = (f"https://alqst.org/en/post/{n}" for n in ("ok", "flaky", "dead"))
    store.record_fetch(ok, "alqst", T0, etag='"v1"', article_key=ok, lang="en")
    store.record_fetch(flaky, "alqst", T0, error="HTTP 503", lang="en")
    for n in range(3):
        passes = store.record_fetch(dead, "alqst", T0 + timedelta(minutes=n), error="HTTP 404",
                                    lang="ar", dead=True)
    assert passes == 3
    assert store.failing_urls("alqst") == [flaky, dead]
    assert store.failing_urls("alqst", lang="en") == [flaky]
    store.retire(dead, T0 + timedelta(hours=1))
    assert store.failing_urls("alqst") == [flaky]
    [gone] = store.gone_links("alqst")
    assert (gone.url, gone.dead_passes, gone.gone_since) == (dead, 3, T0 + timedelta(hours=1))
    states = store.fetch_states([ok, flaky, "https://alqst.org/unknown"])
    assert states[ok].etag == '"v1"' and states[ok].failures == 0
    assert states[flaky].failures == 1 and states[flaky].last_attempt == T0
    assert store.known_urls([ok, flaky, dead]) == {ok}


def test_the_listing_state_keeps_its_maximum_and_resume_point(store: ArticleStore) -> None:
    store.record_listing("alqst", "en", 12, T0)
    store.record_listing("alqst", "en", 3, T0 + timedelta(hours=1),
                         resume_url="https://alqst.org/en/posts?page=6")
    state = store.listing_state("alqst", "en")
    assert (state.links_last, state.links_max) == (3, 12)
    assert state.last_run == T0 + timedelta(hours=1)
    assert state.resume_url == "https://alqst.org/en/posts?page=6"
    assert store.listing_state("alqst", "ar").last_run is None


def test_long_urls_and_non_latin_text_are_stored_whole(store: ArticleStore) -> None:
    # A long slug (Arabic titles percent-encoded run to thousands of characters) and a
    # long ETag: the store keeps them as they are on either database.
    url = "https://alqst.org/ar/post/" + "%D8%A7" * 400
    title = "القسط تدعو إلى الإفراج عن المعتقلين"
    store.upsert(article(key=url, url=url, lang="ar", title=title, published=T0), T0)
    store.record_fetch(url, "alqst", T0, etag='W/"' + "e" * 700 + '"', article_key=url,
                       content_hash="0" * 64)
    stored = store.get(url)
    assert stored is not None and stored.title == title and stored.url == url
    assert store.fetch_states([url])[url].etag == 'W/"' + "e" * 700 + '"'
    assert store.known_urls([url]) == {url}


def test_a_postgresql_connection_dropped_by_the_server_is_replaced(
        postgres_url: str, pg_cluster: PostgresCluster) -> None:
    # A server restart or failover closes pooled connections; the next job must not fail.
    engine = open_engine(postgres_url)
    try:
        store = ArticleStore(engine)
        store.upsert(article(published=T0), T0)
        name = postgres_url.rsplit("/", 1)[1]
        pg_cluster.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        assert store.count() == 1
    finally:
        engine.dispose()
