"""One pass over one source: walk its listings (or read its feeds), fetch what is new, store it.

Cost does not grow with the archive: known articles are not fetched again. Listing page 1 is
requested with the validators it last answered; a 304 means nothing new, and the page is
neither parsed nor followed. Corrections are noticed on a listing's first page: a known
article whose teaser there changed is fetched again on the next pass, and each of the others
at most once per `recheck_every`, spread across passes (cheap with article validators, and
bounded without them).
Failures are recorded per URL with a one-line reason and retried on the next pass; a link
that answers 404/410 pass after pass retires. A burst of new articles deeper than
`max_pages` is followed further (bounded per pass, resumed next pass), never cut off.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from feeds.extract import ExtractError, extract_articles
from feeds.feedsource import FeedError, articles_from_feed
from feeds.fetcher import Fetcher, FetchError, Page
from feeds.listing import page_number, page_url, parse_listing
from feeds.models import Article
from feeds.quality import source_gaps
from feeds.sources import Listing, SourceSettings
from feeds.store import ArticleStore, Change, FetchState, FirstPage, ListingState, OnStored
from feeds.validity import first_verdict, judge_feed_entry, repeated

log = logging.getLogger(__name__)

DEFERRED = "not fetched yet: more new links than max_new_per_pass in one pass"
# A pass walks at most this many times `max_pages` listing pages. Past `max_pages` it goes on
# only while pages are new from top to bottom (a burst): 4 x 5 pages of 10 is 200 articles,
# more than an NGO publishes in months, while a URL change that makes the whole archive look
# new costs 20 listing requests a pass, not hundreds. What lies deeper is read next pass.
BURST_WALK_FACTOR = 4
DEAD_STATUSES = frozenset({404, 410})  # "not there" answers; 5xx and timeouts are transient
# A retired link that the listing still shows is fetched again this rarely, so an article
# that comes back is found (and posted) without a dead link costing a request every pass.
GONE_RECHECK_EVERY = timedelta(days=7)


class PassObserver(Protocol):
    """Told when a (source, language) pass starts and ends; gives the hook that stores posts."""

    def begin(self, source: str, lang: str, *, first_run: bool) -> OnStored: ...

    def end(self, source: str, lang: str) -> object: ...


@dataclass(frozen=True)
class Failure:
    url: str
    reason: str


@dataclass
class LanguageReport:
    """What one pass did for one source and language."""

    source: str
    lang: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The warnings about fields the newest stored articles lack (feeds.quality), also in
    # `warnings`: the service keeps one operator alert open for them per source and language.
    # None: not judged (the pass failed before storing anything).
    gaps: list[str] | None = None
    retired: list[Failure] = field(default_factory=list)  # dead links retired by this pass
    links_found: int = 0
    pages_walked: int = 0
    burst_pages: int = 0  # listing pages beyond max_pages that held new links
    resume_url: str | None = None  # where the walk goes on next pass (the page cap was hit)
    listing_not_modified: bool = False  # listing page 1 answered 304: nothing new on it
    rechecked: int = 0  # known first-page articles fetched again (corrections)
    first_run: bool = False
    milliseconds: int = 0
    new_articles: list[Article] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.warnings

    def summary_line(self) -> str:
        line = (f"{self.source} {self.lang}: {self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.failures)} failed")
        if self.first_run:
            line += " (first run: baseline)"
        return line

    def detail_lines(self) -> list[str]:
        return ([f"  warning: {w}" for w in self.warnings]
                + [f"  failed {f.url}: {f.reason}" for f in self.failures]
                + [f"  retired {f.url}: {f.reason}" for f in self.retired])


class SourceChecker:
    """Runs passes; the store, fetcher and clock are passed in."""

    def __init__(self, store: ArticleStore, fetcher: Fetcher, *,
                 now: Callable[[], datetime], observer: PassObserver | None = None) -> None:
        self.store = store
        self.fetcher = fetcher
        self.now = now
        self.observer = observer

    async def check(self, source: SourceSettings) -> list[LanguageReport]:
        reports = []
        retried: set[str] = set()
        for listing in source.listings:
            reports.append(await self._check_listing(source, listing, retried))
        for lang, url in source.feed_urls.items():
            reports.append(await self._check_feed(source, lang, url))
        return reports

    # ---- listings ---------------------------------------------------------------

    async def _check_listing(self, source: SourceSettings, listing: Listing,
                             retried: set[str]) -> LanguageReport:
        started = time.monotonic()
        state = self.store.listing_state(source.name, listing.lang)
        report = LanguageReport(source.name, listing.lang, first_run=state.last_run is None)
        hook = self._begin(source.name, listing.lang, report.first_run)
        try:
            try:
                walk = await self._walk(source, listing, state, first_run=report.first_run)
            except FetchError as exc:
                report.failures.append(Failure(exc.url, exc.reason))
                if not report.first_run:  # a failed first run must stay a first run (baseline)
                    self.store.record_listing(source.name, listing.lang, state.links_last,
                                              self.now(), error=exc.reason,
                                              resume_url=state.resume_url,
                                              first_page=_kept_first_page(state))
                return report
            links, first_page, known = list(walk.links), walk.first_page, walk.known
            report.links_found = len(links)
            report.pages_walked = walk.pages
            report.listing_not_modified = walk.not_modified
            if not first_page and state.links_max > 0:
                report.warnings.append(
                    f"probable redesign: {page_url(listing.url, listing.first_page)} yields no "
                    f"article links (it had {state.links_max}); nothing was deleted")
            listing_error = report.warnings[0] if report.warnings else None
            if walk.burst_pages or walk.resume_url:
                report.burst_pages, report.resume_url = walk.burst_pages, walk.resume_url
                report.warnings.append(
                    f"burst: {walk.burst_pages} listing page(s) beyond max_pages="
                    f"{listing.max_pages} held new links; walked {walk.pages} pages"
                    + (f", going on from {walk.resume_url} next pass" if walk.resume_url
                       else ""))
            # A link with a fetch record (failing, deferred, retired) is not new: it has its
            # own retry below, and must not make the walk read further pages pass after pass.
            gone = {u for u, s in walk.states.items() if s.gone_since is not None}
            new_links = [u for u in links if u not in known and u not in walk.states
                         and u not in retried]
            deferred: list[str] = []
            if len(new_links) > source.max_new_per_pass:
                report.warnings.append(
                    f"{len(new_links)} new links; fetching the newest {source.max_new_per_pass}"
                    ", the rest on the next passes")
                new_links, deferred = (new_links[:source.max_new_per_pass],
                                       new_links[source.max_new_per_pass:])
            recheck = self._recheck(source, state, walk, gone)
            report.rechecked = len(recheck)
            # Failing links this listing shows first, then the rest of this language's, so
            # each is fetched once a pass and reported under the language that carries it.
            listed_failing = [u for u in links if u in walk.states and u not in gone
                              and walk.states[u].last_error is not None]
            recheck_before = self.now() - GONE_RECHECK_EVERY
            gone_due = [u for u in links if u in gone and _attempted_before(
                walk.states[u], recheck_before)]
            retry = [u for u in dict.fromkeys(
                listed_failing + self.store.failing_urls(source.name, lang=listing.lang)
                + gone_due)
                     if u not in retried and u not in new_links and u not in recheck]
            # Oldest first, so the order articles are stored (and posted) is the site's order.
            urls = list(reversed(new_links)) + retry + recheck
            # Tried once per pass: a page that just failed is not fetched again for the
            # next language's listing (its retries already ran in the fetcher).
            retried.update(urls)
            await self._fetch_and_store(source, urls, report, hook, walk.dates)
            self._judge_fields(source, report, feed=False)
            if not report.first_run:
                # The next walk stops at the first listing page with nothing new and would
                # never see these links again: they wait among the failing URLs (retried
                # from the next pass on). A first run leaves them out: they are archive.
                for url in deferred:
                    self.store.record_fetch(url, source.name, self.now(), error=DEFERRED,
                                            lang=listing.lang)
                retried.update(deferred)
            # Recorded last, so a first pass killed midway is a first pass again next time
            # and the archive it had not stored yet stays baseline instead of being posted.
            # A listing that looks broken is not kept: the next pass reads page 1 again.
            kept = None if listing_error else FirstPage(walk.teasers, walk.etag,
                                                         walk.last_modified)
            self.store.record_listing(source.name, listing.lang, len(first_page), self.now(),
                                      error=listing_error, resume_url=walk.resume_url,
                                      first_page=kept)
            return report
        finally:
            if self.observer is not None:
                self.observer.end(source.name, listing.lang)
            report.milliseconds = int((time.monotonic() - started) * 1000)
            _log_report(report)

    def _recheck(self, source: SourceSettings, state: ListingState, walk: _Walk,
                 gone: set[str]) -> list[str]:
        """Known first-page articles to fetch again for corrections: those whose teaser
        changed since the last parse of page 1, then those whose turn on the slow cadence
        came since the last pass.

        Each link has its own moment in every `recheck_every` (from a hash of its URL), so
        rechecks are spread over the passes instead of all falling due together, and one
        link's come `recheck_every` apart. A turn is skipped when the link was fetched
        shortly before (half a cycle, less when passes are further apart than that): a
        new article is not fetched twice in a row. So a correction is seen within
        `recheck_every` and one pass, at worst 1.5x that after such a skipped turn."""
        known = [u for u in walk.first_page if u in walk.known and u not in gone]
        before = state.first_page or {}
        changed = [u for u in known if u in before and before[u] != walk.teasers.get(u)]
        if state.last_run is None:
            return changed
        now = self.now()
        every = source.recheck_every
        recent = now - max(min(every / 2, every - (now - state.last_run)), timedelta(0))
        previous, moment, cycle = (state.last_run.timestamp(), now.timestamp(),
                                   every.total_seconds())
        turns = [u for u in known if u not in changed
                 and (u not in walk.states or (walk.states[u].last_error is None
                                               and _attempted_before(walk.states[u], recent)))
                 and _turn_came(u, previous, moment, cycle)]
        return changed + turns

    async def _walk(self, source: SourceSettings, listing: Listing, state: ListingState, *,
                    first_run: bool) -> _Walk:
        """Listing pages in order until one holds nothing new; then, if an earlier pass hit
        the page cap in a burst, on from where it stopped.

        Page 1 is asked for with its stored validators: a 304 stands for the page as last
        parsed, and the walk reads no further (only a pending burst resume).
        A first run (the baseline) reads `max_pages` at most: the archive is not wanted.
        """
        walk = _Walk()
        budget = listing.max_pages if first_run else listing.max_pages * BURST_WALK_FACTOR
        start = page_url(listing.url, listing.first_page)
        resume_url = state.resume_url
        walk.resume_url = await self._walk_from(source, listing, walk, start, listing.first_page,
                                                budget, resumed=False, first_run=first_run,
                                                stored=state)
        if resume_url and walk.resume_url is None and not first_run and walk.pages < budget:
            walk.resume_url = await self._walk_from(
                source, listing, walk, resume_url, page_number(listing.url, resume_url),
                budget, resumed=True, first_run=False)
        return walk

    async def _walk_from(self, source: SourceSettings, listing: Listing, walk: _Walk, url: str,
                         number: int | None, budget: int, *, resumed: bool,
                         first_run: bool, stored: ListingState | None = None) -> str | None:
        """Read pages from `url` into `walk`; returns the next page to read if the budget ran
        out while pages were still new, else None. `stored`: the listing's state, whose
        validators page 1 is requested with (only when its links are stored beside them)."""
        paged = "{page}" in listing.url
        # Whether a known link followed a new one: the burst has ended on the pages read.
        # Known links *before* any new one do not count: on a resumed walk they are
        # articles that the posts published since the last pass pushed down a page.
        found_new = crossed = False
        while walk.pages < budget:
            first = walk.pages == 0 and not resumed
            kept = stored.first_page if first and stored is not None else None
            try:
                page = await self.fetcher.fetch(
                    url, allowed_hosts=source.hosts,
                    etag=stored.etag if kept is not None and stored else None,
                    last_modified=stored.last_modified if kept is not None and stored else None)
            except FetchError as exc:
                # A page past the last answers 404 on many sites (WordPress's /page/N/):
                # the listing has ended there, and the pages read before it stand.
                if walk.pages > 0 and paged and exc.status in (404, 410):
                    return None
                raise
            walk.pages += 1
            if first:
                walk.etag, walk.last_modified = page.etag, page.last_modified
            if page.not_modified and kept is not None:
                walk.not_modified = True
                walk.teasers = dict(kept)
                walk.first_page = list(kept)
                walk.links.update(dict.fromkeys(walk.first_page))
                walk.known |= self.store.known_urls(walk.first_page)
                walk.states.update(self.store.fetch_states(walk.first_page))
                return None
            parsed = parse_listing(page.text, page.url, link_selector=source.link_selector,
                                   link_pattern=source.link_pattern, allowed_hosts=source.hosts,
                                   now=self.now())
            walk.dates.update(parsed.dates)
            if first:
                walk.first_page = list(parsed.links)
                walk.teasers = {u: _teaser_hash(parsed.teasers.get(u, "")) for u in parsed.links}
            fresh = [u for u in parsed.links if u not in walk.links]
            walk.links.update(dict.fromkeys(fresh))
            if fresh:
                walk.known |= self.store.known_urls(fresh)
                walk.states.update(self.store.fetch_states(fresh))
            new = [u for u in fresh if u not in walk.known and u not in walk.states]
            new_here = set(new)
            for link in parsed.links:
                is_new = link in new_here
                crossed |= found_new and not is_new
                found_new |= is_new
            if new and walk.pages > listing.max_pages:
                walk.burst_pages += 1
            next_url = (page_url(listing.url, number + 1) if paged and number is not None
                        else parsed.next_url)
            number = number + 1 if number is not None else None
            if not new or next_url is None:
                return None
            # At max_pages a normal pass stops unless no known link has shown up below the
            # new ones yet: then a burst goes on past it, until its end. Going on through
            # pages that hold anything new would walk into the archive the baseline never
            # read; a first run reads max_pages and no more.
            if (resumed or walk.pages >= listing.max_pages) and (first_run or crossed):
                return None
            url = next_url
        return url

    async def _fetch_and_store(self, source: SourceSettings, urls: list[str],
                               report: LanguageReport, hook: OnStored | None,
                               listed: dict[str, datetime]) -> None:
        """`listed`: the dates the listing's teasers show (evidence for a page's date)."""
        states = self.store.fetch_states(urls)

        async def fetch(url: str) -> Page | FetchError:
            state = states.get(url)
            try:
                return await self.fetcher.fetch(
                    url, allowed_hosts=source.hosts,
                    etag=state.etag if state and not state.last_error else None,
                    last_modified=state.last_modified if state and not state.last_error
                    else None)
            except FetchError as exc:
                return exc

        results = await asyncio.gather(*(fetch(u) for u in urls))
        # Every page of the pass is extracted before any is judged, so that one page served
        # for every URL (a challenge) is seen as such; then the pages that pass are stored.
        extracted: dict[str, tuple[Page, list[Article], datetime]] = {}
        for url, result in zip(urls, results, strict=True):
            now = self.now()
            if isinstance(result, FetchError):
                self._fail(source, url, result.reason, report, status=result.status)
                continue
            if result.not_modified:
                report.unchanged += 1
                state = states.get(url)
                self.store.record_fetch(url, source.name, now, etag=result.etag or (
                    state.etag if state else None), last_modified=result.last_modified or (
                    state.last_modified if state else None))
                continue
            try:
                articles = extract_articles(result.text, result.url, source, now=now,
                                            listed=listed.get(url))
            except ExtractError as exc:
                self._fail(source, url, str(exc), report)
                continue
            except Exception as exc:  # one bad page never stops a pass
                log.exception("extract failed for %s", url)
                self._fail(source, url, f"extraction crashed: {type(exc).__name__}: {exc}",
                           report)
                continue
            extracted[url] = (result, articles, now)
        verdicts = self._judge({url: articles for url, (_, articles, _) in extracted.items()})
        for url, (page, articles, now) in extracted.items():
            if reason := verdicts.get(url):
                # A failed fetch: nothing stored, no post queued, the stored good version
                # (if any) left alone, and no validators kept, so the next pass refetches.
                log.info("refused %s: %s", url, reason)
                self._fail(source, url, reason, report)
                continue
            for article in articles:
                self._count(report, article, self.store.upsert(article, now, on_stored=hook))
            self.store.record_fetch(url, source.name, now, etag=page.etag,
                                    last_modified=page.last_modified,
                                    article_key=articles[0].key)

    def _judge(self, pages: dict[str, list[Article]]) -> dict[str, str]:
        """URL -> why its page is not an article (see feeds.validity), for the refused pages."""
        verdicts = repeated(pages)
        for url, articles in pages.items():
            if url not in verdicts:
                stored = {a.key: s for a in articles if (s := self.store.get(a.key)) is not None}
                if reason := first_verdict(articles, stored):
                    verdicts[url] = reason
        return verdicts

    def _fail(self, source: SourceSettings, url: str, reason: str,
              report: LanguageReport, status: int | None = None) -> None:
        dead = status in DEAD_STATUSES
        before = self.store.fetch_states([url]).get(url) if dead else None
        passes = self.store.record_fetch(url, source.name, self.now(), error=reason,
                                         lang=report.lang, dead=dead)
        if before is not None and before.gone_since is not None:
            return  # a retired link checked again and still dead: already reported
        if dead and passes >= source.retire_dead_links_after:
            self.store.retire(url, self.now())
            report.retired.append(Failure(
                url, f"{reason} on {passes} passes in a row; retired, no longer fetched"))
            return
        report.failures.append(Failure(url, reason))

    @staticmethod
    def _count(report: LanguageReport, article: Article, change: Change) -> None:
        if change is Change.NEW:
            report.new += 1
            report.new_articles.append(article)
        elif change is Change.UPDATED:
            report.updated += 1
        else:
            report.unchanged += 1

    def _judge_fields(self, source: SourceSettings, report: LanguageReport, *,
                      feed: bool) -> None:
        """Every pass says what the newest stored articles lack, not only the pass that
        stored them: the operator sees it until a selector fixes it."""
        report.gaps = source_gaps(self.store, source.name, report.lang, feed=feed)
        report.warnings += report.gaps

    def _begin(self, source: str, lang: str, first_run: bool) -> OnStored | None:
        if self.observer is None:
            return None
        return self.observer.begin(source, lang, first_run=first_run)

    # ---- feeds ------------------------------------------------------------------

    async def _check_feed(self, source: SourceSettings, lang: str, url: str) -> LanguageReport:
        """A source that publishes RSS/Atom is read as a feed, not scraped."""
        started = time.monotonic()
        state = self.store.listing_state(source.name, lang)
        report = LanguageReport(source.name, lang, first_run=state.last_run is None)
        hook = self._begin(source.name, lang, report.first_run)
        try:
            fetch_state = self.store.fetch_states([url]).get(url)
            try:
                page = await self.fetcher.fetch(
                    url, allowed_hosts=source.hosts,
                    etag=fetch_state.etag if fetch_state else None,
                    last_modified=fetch_state.last_modified if fetch_state else None,
                    accept="application/atom+xml,application/rss+xml,application/xml;q=0.9")
            except FetchError as exc:
                self._fail(source, url, exc.reason, report)
                return report
            now = self.now()
            if page.not_modified:
                self.store.record_fetch(url, source.name, now, etag=page.etag,
                                        last_modified=page.last_modified)
                self.store.record_listing(source.name, lang, state.links_last, now)
                self._judge_fields(source, report, feed=True)
                return report
            try:
                articles = articles_from_feed(page.text, page.url, source, lang, now=now)
            except FeedError as exc:
                self._fail(source, url, str(exc), report)
                return report
            except Exception as exc:  # one bad feed never stops a run
                log.exception("reading feed %s failed", url)
                self._fail(source, url, f"feed reading crashed: {type(exc).__name__}: {exc}",
                           report)
                return report
            report.links_found = len(articles)
            if not articles and state.links_max > 0:
                report.warnings.append(f"probable breakage: feed {url} has no entries "
                                       f"(it had {state.links_max}); nothing was deleted")
            refused = False
            for article in reversed(articles):
                if reason := judge_feed_entry(article):
                    report.failures.append(Failure(article.url, reason))
                    refused = True
                    continue
                self._count(report, article, self.store.upsert(article, now, on_stored=hook))
            # Validators and the run are recorded only once every entry is stored: after a
            # crash midway, the next pass reads the whole feed again (not a 304) as before.
            # A refused entry keeps them out too, so the next pass judges it again.
            self.store.record_fetch(url, source.name, now,
                                    etag=None if refused else page.etag,
                                    last_modified=None if refused else page.last_modified)
            self.store.record_listing(source.name, lang, len(articles), now)
            self._judge_fields(source, report, feed=True)
            return report
        finally:
            if self.observer is not None:
                self.observer.end(source.name, lang)
            report.milliseconds = int((time.monotonic() - started) * 1000)
            _log_report(report)


@dataclass
class _Walk:
    """What one listing walk saw."""

    links: dict[str, None] = field(default_factory=dict)  # listing order, newest first
    first_page: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # fetched successfully once
    states: dict[str, FetchState] = field(default_factory=dict)  # links with a fetch record
    pages: int = 0
    burst_pages: int = 0
    resume_url: str | None = None
    teasers: dict[str, str] = field(default_factory=dict)  # page 1: link -> teaser hash
    etag: str | None = None  # page 1's validators
    last_modified: str | None = None
    not_modified: bool = False  # page 1 answered 304
    dates: dict[str, datetime] = field(default_factory=dict)  # link -> its teaser's date


def _teaser_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _kept_first_page(state: ListingState) -> FirstPage | None:
    if state.first_page is None:
        return None
    return FirstPage(state.first_page, state.etag, state.last_modified)


def _turn_came(url: str, previous: float, now: float, every: float) -> bool:
    """Whether `url`'s moment in its `every`-second cycle fell in (previous, now]."""
    phase = int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % every
    return (now - phase) // every > (previous - phase) // every


def _attempted_before(state: FetchState, moment: datetime) -> bool:
    return state.last_attempt is None or state.last_attempt <= moment


def _log_report(report: LanguageReport) -> None:
    level = logging.WARNING if not report.ok else logging.INFO
    log.log(level, "check source=%s lang=%s new=%d updated=%d unchanged=%d failed=%d "
            "retired=%d warnings=%d pages=%d ms=%d", report.source, report.lang, report.new,
            report.updated, report.unchanged, len(report.failures), len(report.retired),
            len(report.warnings), report.pages_walked, report.milliseconds)
