"""Articles, fetch state and listing state in one database, behind SQLAlchemy Core.

All SQL of the article side lives here. SQLite is the default, PostgreSQL the server
choice (feeds.database); the schema uses only types both store the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    func,
    or_,
    select,
)
from sqlalchemy.types import TypeEngine

from feeds.database import create_database_engine, database_url
from feeds.models import ActionLink, Article, Kind
from feeds.schema import prepare


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as naive UTC: SQLite has no time zones, and on
    PostgreSQL a `timestamp without time zone` keeps the same values and comparisons."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def site_string(length: int) -> TypeEngine[str]:
    """A string the site decides (a URL, an ETag): VARCHAR(length) on SQLite as always
    (SQLite never enforces the length), TEXT on PostgreSQL, which would refuse the longer
    values SQLite keeps (URLs reach 8 KB, feeds.sanitize.MAX_URL_CHARS)."""
    return String(length).with_variant(Text(), "postgresql")


# The tables as the queries see them; the migrations in feeds/migrations create them, and
# tests/test_migrations.py fails when the two disagree (a change here needs a migration).
metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("key", site_string(1000), primary_key=True),
    Column("url", site_string(1000), nullable=False, index=True),
    Column("source", String(100), nullable=False, index=True),
    Column("lang", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False, index=True),
    Column("date_is_guess", Boolean, nullable=False, default=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("image", site_string(1000)),
    Column("kind", String(20), nullable=False),
    Column("categories", Text, nullable=False, default="[]"),
    Column("actions", Text, nullable=False, default="[]"),
    Column("translations", Text, nullable=False, default="{}"),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_checked", UTCDateTime, nullable=False),
)

fetch_state = Table(
    "fetch_state",
    metadata,
    Column("url", site_string(1000), primary_key=True),
    Column("source", String(100), nullable=False, index=True),
    Column("etag", site_string(500)),
    Column("last_modified", site_string(100)),
    Column("article_key", site_string(1000)),  # what this URL resolved to (canonical dedup)
    Column("content_hash", String(64)),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("last_attempt", UTCDateTime),
    Column("last_success", UTCDateTime),
    # Dead links (404/410): the listing language that carries the URL (its failures are
    # retried and reported in that language's pass), how many passes in a row it answered
    # 404/410, and since when it is retired (no longer fetched). Nullable: added to
    # existing databases by migration 0002.
    Column("lang", String(10)),
    Column("dead_passes", Integer),
    Column("gone_since", UTCDateTime),
)

# Failing URLs are looked up on every pass; without this the lookup reads every fetch
# record of the source and grows with the archive.
Index("ix_fetch_state_failing", fetch_state.c.source, fetch_state.c.last_attempt,
      sqlite_where=fetch_state.c.last_error.is_not(None),
      postgresql_where=fetch_state.c.last_error.is_not(None))

listing_state = Table(
    "listing_state",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("lang", String(10), primary_key=True),
    Column("links_last", Integer, nullable=False, default=0),
    Column("links_max", Integer, nullable=False, default=0),
    Column("last_run", UTCDateTime),
    Column("last_error", Text),
    # Where a walk cut short by its page cap goes on next pass (a burst of new articles).
    Column("resume_url", site_string(1000)),
    # Listing page 1 as last parsed: its validators (sent with the next request; a 304 means
    # nothing new) and its links with a hash of each teaser, as JSON [[url, hash], ...],
    # which stand in for the page when it answers 304. Added by migration 0004.
    Column("etag", site_string(500)),
    Column("last_modified", site_string(100)),
    Column("first_page", Text),
)


class Change(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FetchState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    article_key: str | None = None
    content_hash: str | None = None
    failures: int = 0
    last_error: str | None = None
    last_attempt: datetime | None = None
    lang: str | None = None
    dead_passes: int = 0
    gone_since: datetime | None = None


@dataclass(frozen=True)
class ListingState:
    links_last: int = 0
    links_max: int = 0
    last_run: datetime | None = None
    resume_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # Listing page 1's links (newest first) -> their teaser hashes; None: never stored.
    first_page: dict[str, str] | None = None


@dataclass(frozen=True)
class FirstPage:
    """Listing page 1 as parsed, to keep for the next pass."""

    teasers: dict[str, str]  # link -> teaser hash, in page order
    etag: str | None
    last_modified: str | None


# Runs inside the upsert transaction, so whatever it writes (an outbox row) commits
# together with the article or not at all.
OnStored = Callable[[Connection, Article, Change], None]


def open_engine(url_or_path: Path | str, *, allow_upgrade: bool = False) -> Engine:
    """An engine on a database at the schema's head: a SQLite file path or a database URL.

    A new database is created at head. One below head raises `feeds.schema.SchemaOutdated`
    unless `allow_upgrade` (then it is upgraded first)."""
    engine = make_engine(url_or_path)
    prepare(engine, allow_upgrade=allow_upgrade)
    return engine


def make_engine(url_or_path: Path | str) -> Engine:
    """An engine on the database as it is, schema untouched (for `feeds.schema`'s callers)."""
    return create_database_engine(database_url(url_or_path))


class ArticleStore:
    """Articles keyed by `Article.key`, with fetch and listing state beside them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ---- articles ---------------------------------------------------------------

    def upsert(self, article: Article, now: datetime, on_stored: OnStored | None = None) -> Change:
        """Insert or update one article; returns what changed.

        An article with no usable date keeps its first-seen time as publication date,
        flagged, so it never floats to the top on every run. An edit (a new content hash)
        sets `updated`; the first publication date is kept unless the site changed it.
        """
        digest = article.content_hash()
        with self.engine.begin() as conn:
            row = conn.execute(select(articles).where(articles.c.key == article.key)).first()
            if row is None:
                published = article.published or now
                stored = article.with_(
                    published=published,
                    date_is_guess=article.date_is_guess or article.published is None,
                    updated=article.updated or published,
                )
                conn.execute(articles.insert().values(
                    **_article_values(stored), content_hash=digest, first_seen=now,
                    last_checked=now))
                change = Change.NEW
            elif row.content_hash == digest and _json(row.translations) == article.translations:
                values: dict[str, object] = {"last_checked": now}
                if row.date_is_guess and article.published and not article.date_is_guess:
                    # The page's own date, found on a recheck (a date selector set since, or
                    # a better finder): it replaces the first-seen guess. Not an edit, so
                    # nothing is posted again.
                    values |= {"published": article.published, "date_is_guess": False}
                conn.execute(articles.update().where(articles.c.key == article.key)
                             .values(**values))
                return Change.UNCHANGED
            else:
                published = row.published if (article.published is None
                                               or article.date_is_guess) else article.published
                content_changed = row.content_hash != digest
                stored = article.with_(
                    published=published,
                    date_is_guess=row.date_is_guess if article.published is None
                    else article.date_is_guess,
                    updated=(article.updated or now) if content_changed else row.updated,
                )
                conn.execute(articles.update().where(articles.c.key == article.key).values(
                    **_article_values(stored), content_hash=digest, last_checked=now))
                change = Change.UPDATED if content_changed else Change.UNCHANGED
            if on_stored is not None and change is not Change.UNCHANGED:
                on_stored(conn, stored, change)
            return change

    def get(self, key: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.key == key)).first()
        return _article_from_row(row) if row else None

    def latest(
        self,
        *,
        lang: str | None = None,
        source: str | None = None,
        kind: Kind | None = None,
        limit: int = 50,
    ) -> list[Article]:
        """Newest first by publication date (ties broken by key, so order is stable)."""
        query = select(articles)
        if lang:
            query = query.where(articles.c.lang == lang)
        if source:
            query = query.where(articles.c.source == source)
        if kind:
            query = query.where(articles.c.kind == kind.value)
        query = query.order_by(articles.c.published.desc(), articles.c.key.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_article_from_row(r) for r in conn.execute(query)]

    def languages(self, source: str | None = None) -> list[str]:
        query = select(articles.c.lang).distinct()
        if source:
            query = query.where(articles.c.source == source)
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(query))

    def count(self, source: str | None = None) -> int:
        query = select(func.count()).select_from(articles)
        if source:
            query = query.where(articles.c.source == source)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # ---- fetch state ------------------------------------------------------------

    def fetch_states(self, urls: Iterable[str]) -> dict[str, FetchState]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, FetchState] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                for row in conn.execute(select(fetch_state).where(fetch_state.c.url.in_(chunk))):
                    found[row.url] = FetchState(
                        url=row.url, etag=row.etag, last_modified=row.last_modified,
                        article_key=row.article_key, content_hash=row.content_hash,
                        failures=row.failures, last_error=row.last_error,
                        last_attempt=row.last_attempt, lang=row.lang,
                        dead_passes=row.dead_passes or 0, gone_since=row.gone_since)
        return found

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs already fetched successfully once (as fetched or as canonical)."""
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                known.update(conn.execute(
                    select(fetch_state.c.url).where(fetch_state.c.url.in_(chunk),
                                                    fetch_state.c.last_success.is_not(None))
                ).scalars())
                known.update(conn.execute(
                    select(articles.c.url).where(articles.c.url.in_(chunk))).scalars())
        return known

    def record_fetch(
        self,
        url: str,
        source: str,
        now: datetime,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        article_key: str | None = None,
        content_hash: str | None = None,
        error: str | None = None,
        lang: str | None = None,
        dead: bool = False,
    ) -> int:
        """Remember how fetching `url` went. A failure keeps the validators and key it had.

        `dead`: the failure was a 404/410. Returns how many passes in a row the URL has
        answered so: a success starts again from 0 (and un-retires it); another failure
        (a 5xx, a timeout) neither counts nor breaks the streak.
        """
        with self.engine.begin() as conn:
            row = conn.execute(select(fetch_state).where(fetch_state.c.url == url)).first()
            dead_passes = (row.dead_passes or 0) if row else 0
            if error is None:
                dead_passes = 0
                values: dict[str, Any] = dict(
                    etag=etag, last_modified=last_modified, failures=0, last_error=None,
                    last_attempt=now, last_success=now, dead_passes=0, gone_since=None)
                if article_key is not None:
                    values["article_key"] = article_key
                if content_hash is not None:
                    values["content_hash"] = content_hash
            else:
                dead_passes += 1 if dead else 0
                values = dict(failures=(row.failures if row else 0) + 1, last_error=error,
                              last_attempt=now, dead_passes=dead_passes)
            if lang is not None:
                values["lang"] = lang
            if row is None:
                conn.execute(fetch_state.insert().values(url=url, source=source, **values))
            else:
                conn.execute(fetch_state.update().where(fetch_state.c.url == url).values(**values))
        return dead_passes

    def retire(self, url: str, now: datetime) -> None:
        """Record `url` as gone: no longer retried as a failing URL."""
        with self.engine.begin() as conn:
            conn.execute(fetch_state.update().where(fetch_state.c.url == url)
                         .values(gone_since=now))

    def failing_urls(self, source: str, limit: int = 100, *,
                     lang: str | None = None) -> list[str]:
        """URLs whose last attempt failed: they are retried on the next run. Retired (gone)
        URLs are not among them. `lang`: only those of that language's listing (and those
        recorded before URLs had a language)."""
        query = select(fetch_state.c.url).where(fetch_state.c.source == source,
                                                fetch_state.c.last_error.is_not(None),
                                                fetch_state.c.gone_since.is_(None))
        if lang is not None:
            query = query.where(or_(fetch_state.c.lang == lang, fetch_state.c.lang.is_(None)))
        with self.engine.connect() as conn:
            return list(conn.execute(
                query.order_by(fetch_state.c.last_attempt).limit(limit)).scalars())

    def gone_links(self, source: str) -> list[FetchState]:
        """The retired links of `source` (404/410 pass after pass), longest gone first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(fetch_state).where(
                fetch_state.c.source == source, fetch_state.c.gone_since.is_not(None))
                .order_by(fetch_state.c.gone_since, fetch_state.c.url)).all()
        return [FetchState(url=r.url, last_error=r.last_error, last_attempt=r.last_attempt,
                           lang=r.lang, dead_passes=r.dead_passes or 0, gone_since=r.gone_since)
                for r in rows]

    # ---- listing state ----------------------------------------------------------

    def listing_state(self, source: str, lang: str) -> ListingState:
        with self.engine.connect() as conn:
            row = conn.execute(select(listing_state).where(
                listing_state.c.source == source, listing_state.c.lang == lang)).first()
        if row is None:
            return ListingState()
        first_page = None
        if row.first_page is not None:
            first_page = {url: digest for url, digest in json.loads(row.first_page)}
        return ListingState(links_last=row.links_last, links_max=row.links_max,
                            last_run=row.last_run, resume_url=row.resume_url, etag=row.etag,
                            last_modified=row.last_modified, first_page=first_page)

    def record_listing(
        self, source: str, lang: str, links: int, now: datetime, error: str | None = None,
        resume_url: str | None = None, first_page: FirstPage | None = None,
    ) -> None:
        """Record a listing pass. `first_page`: page 1 as this pass saw it; None forgets the
        stored one, so the next pass requests and parses page 1 unconditionally."""
        with self.engine.begin() as conn:
            row = conn.execute(select(listing_state).where(
                listing_state.c.source == source, listing_state.c.lang == lang)).first()
            values = dict(links_last=links, last_run=now, last_error=error,
                          links_max=max(links, row.links_max if row else 0),
                          resume_url=resume_url,
                          etag=first_page.etag if first_page else None,
                          last_modified=first_page.last_modified if first_page else None,
                          first_page=json.dumps(list(first_page.teasers.items()))
                          if first_page else None)
            if row is None:
                conn.execute(listing_state.insert().values(source=source, lang=lang, **values))
            else:
                conn.execute(listing_state.update().where(
                    listing_state.c.source == source, listing_state.c.lang == lang,
                ).values(**values))


def _article_values(article: Article) -> dict[str, Any]:
    return dict(
        key=article.key, url=article.url, source=article.source, lang=article.lang,
        title=article.title, summary=article.summary, body_html=article.body_html,
        body_text=article.body_text, published=article.published,
        date_is_guess=article.date_is_guess, updated=article.updated, image=article.image,
        kind=article.kind.value, categories=json.dumps(list(article.categories)),
        actions=json.dumps([[a.url, a.label] for a in article.actions], ensure_ascii=False),
        translations=json.dumps(article.translations, sort_keys=True),
    )


def _json(text: str) -> Any:
    return json.loads(text) if text else None


def _article_from_row(row: Any) -> Article:
    return Article(
        key=row.key, url=row.url, source=row.source, lang=row.lang, title=row.title,
        body_html=row.body_html, body_text=row.body_text, summary=row.summary,
        published=row.published, date_is_guess=bool(row.date_is_guess), updated=row.updated,
        image=row.image, kind=Kind(row.kind), categories=tuple(json.loads(row.categories)),
        actions=tuple(ActionLink(url=u, label=label) for u, label in json.loads(row.actions)),
        translations=json.loads(row.translations),
    )
