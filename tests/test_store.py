"""The article store: one row per key, edits noticed by hash, dates never floating to 'now'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from feeds.models import Article
from feeds.store import ArticleStore, Change, open_engine

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def article(**changes: object) -> Article:
    base = Article(key="https://alqst.org/en/post/a", url="https://alqst.org/en/post/a",
                   source="alqst", lang="en", title="Title", body_html="<p>Body.</p>",
                   body_text="Body.", summary="Body.", published=None)
    return base.with_(**changes)


def test_an_article_without_a_date_keeps_its_first_seen_time_on_every_run(
        tmp_path: Path) -> None:
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    assert store.upsert(article(), T0) is Change.NEW
    assert store.upsert(article(), T0 + timedelta(hours=5)) is Change.UNCHANGED
    assert store.upsert(article(title="Corrected"), T0 + timedelta(days=1)) is Change.UPDATED
    stored = store.get(article().key)
    assert stored is not None
    assert stored.published == T0
    assert stored.date_is_guess
    assert stored.updated == T0 + timedelta(days=1)


def test_a_refetch_with_the_same_content_changes_nothing(tmp_path: Path) -> None:
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    dated = article(published=T0 - timedelta(days=3))
    store.upsert(dated, T0)
    assert store.upsert(dated, T0 + timedelta(hours=1)) is Change.UNCHANGED
    stored = store.get(dated.key)
    assert stored is not None and stored.updated == T0 - timedelta(days=3)
    assert store.count() == 1


def test_latest_is_newest_first_and_filters_by_language(tmp_path: Path) -> None:
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    for day in range(5):
        lang = "ar" if day % 2 else "en"
        store.upsert(article(key=f"k{day}", url=f"https://alqst.org/{day}", lang=lang,
                             published=T0 - timedelta(days=day)), T0)
    assert [a.key for a in store.latest(lang="en")] == ["k0", "k2", "k4"]
    assert [a.key for a in store.latest(limit=2)] == ["k0", "k1"]
