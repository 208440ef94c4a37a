"""Fault scenarios shared by tests/test_faults.py and bench/faults.py.

Each scenario runs one installation (the replica site, the fake Bot API, the real wiring:
`Service.run_source` for passes and feeds, `make_delivery(...).drain()` for Telegram)
through one fault on a simulated clock, and returns what came out: articles missing from
the store, posts lost or duplicated, feed files that failed to parse, operator messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from types import TracebackType

import feedparser
from lxml import etree
from sqlalchemy import func, select

from bot.app import make_delivery
from bot.config import Config
from bot.delivery import Delivery, DrainSummary
from bot.demo import demo_config
from bot.runs import runs
from bot.sender import TelegramSender
from bot.service import Service
from feeds.publish import publish_feeds
from feeds.replica import ReplicaSite
from feeds.replica.server import ReplicaPost
from tests.fakes.telegram import FakeTelegram
from tests.feed_samples import SITE, T0, edited, fill_store, sample_site

TOKEN = "97531:faults-TOKEN-faults-TOKEN"
EN, AR, OPS = "@alqst_en", "@alqst_ar", "@alqst_ops"
ENVIRON = {"FEEDBOT_TELEGRAM_TOKEN": TOKEN}
PASS_EVERY = timedelta(minutes=30)  # the source's schedule in config.toml
SEND_TIMEOUT = 0.5  # seconds; the fake answers in milliseconds unless told to hang


# ---- time -------------------------------------------------------------------------------


class SimClock:
    """Real time plus the time skipped: short waits (a 1 s retry_after, pacing) really
    pass, an outage of a day is skipped in a moment. It never goes backwards."""

    def __init__(self) -> None:
        self.skipped = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skipped

    def skip(self, delta: timedelta) -> None:
        self.skipped += delta

    def skip_to(self, moment: datetime) -> None:
        ahead = moment - self.now()
        if ahead > timedelta(0):
            self.skipped += ahead


# ---- a Bot API that can become unreachable ------------------------------------------------


class Relay:
    """A TCP relay in front of the fake Bot API that can go dark for a while: while it is
    down the port refuses connections and open ones are cut, as when api.telegram.org is
    unreachable; `up()` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> Relay:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="relay-accept").start()
        return self

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True,
                                 name="relay-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._open.discard(source)
        source.close()


# ---- checking the output --------------------------------------------------------------------


def feed_problems(output_dir: Path) -> list[str]:
    """Why each published file would fail a reader (empty when all parse): RSS/Atom must
    parse as strict XML and in feedparser without `bozo`, JSON Feed as JSON with items,
    OPML as XML. Temporary files of an interrupted write are listed too (they are never
    served, but must not pile up)."""
    found = (file_problem(p, p.relative_to(output_dir).as_posix())
             for p in sorted(output_dir.rglob("*")) if p.is_file())
    return [problem for problem in found if problem]


_STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def file_problem(path: Path, name: str) -> str | None:
    data = path.read_bytes()
    if path.name.startswith("."):
        return f"{name}: temporary file left behind"
    if path.suffix in (".xml", ".opml"):
        try:
            etree.fromstring(data, _STRICT)
        except etree.XMLSyntaxError as exc:
            return f"{name}: not well-formed XML: {exc}"
        if path.suffix == ".xml":
            parsed = feedparser.parse(data)
            if parsed.bozo or not parsed.feed.get("title"):
                return f"{name}: feedparser: {parsed.get('bozo_exception')}"
    elif path.suffix == ".json":
        try:
            document = json.loads(data)
        except ValueError as exc:
            return f"{name}: not JSON: {exc}"
        if not str(document.get("version", "")).startswith("https://jsonfeed.org/") \
                or not isinstance(document.get("items"), list):
            return f"{name}: not a JSON Feed"
    elif path.suffix == ".html" and b"</html>" not in data:
        return f"{name}: cut short"
    return None


def feed_links(path: Path) -> set[str]:
    """The article links of a published feed file (none if it does not exist)."""
    if not path.exists():
        return set()
    return {entry.get("link", "") for entry in feedparser.parse(path.read_bytes()).entries}


def posted_urls(fake: FakeTelegram, chat: str) -> Counter[str]:
    """How many messages in `chat` carry each article URL (the post's "Read more" link,
    or the URL on the last line of a plain-text post)."""
    found: Counter[str] = Counter()
    for message in fake.sent(chat):
        links = re.findall(r'href="([^"]*)"', message.html)
        found[unescape(links[-1]) if links else message.text.rsplit("\n", 1)[-1]] += 1
    return found


@dataclass
class Outcome:
    """What one scenario left behind."""

    published: int  # articles the site published after the baseline
    lost_store: list[str]  # of those, not in the store (URL)
    lost_posts: list[str]  # (chat URL) pairs never posted
    missing_from_feeds: list[str]  # of those, not in their language's RSS feed at the end
    duplicated: int  # messages beyond one per article per chat
    stray: list[str]  # channel messages for anything else (the archive, say)
    garbled: list[str]  # stored with another title than the site's (mojibake)
    feeds_checked: int  # feed file versions checked (each new version, after every run)
    feed_problems: list[str]
    alerts: list[str]  # operator messages raising a problem
    all_clears: list[str]  # operator messages closing one
    simulated: timedelta  # how much time the scenario skipped
    details: dict[str, str]  # scenario-specific findings
    failed_fetches: int  # page fetches that failed, over all runs (the fault, seen)
    failed_runs: int  # runs recorded as failed
    telegram_errors: int  # calls the fake Bot API refused or never answered
    failed_sends: int  # sends the delivery counted as failed or rate limited
    seconds: float = 0.0  # real time it took

    @property
    def lost(self) -> int:
        return len(self.lost_store) + len(self.lost_posts) + len(self.missing_from_feeds)


# ---- one installation -----------------------------------------------------------------------


def publish_statement(site: ReplicaSite, lang: str, n: int) -> ReplicaPost:
    """A short statement in `lang` (its body in that language, so it goes to that
    language's channel: posts follow the article's own language)."""
    if lang == "ar":
        return site.publish(lang="ar", title=f"القسط: بيان رقم {n} عن معتقلي الرأي",
                            paragraphs=[f"أصدرت القسط اليوم البيان رقم {n} بشأن معتقلي الرأي "
                                        "في السعودية. وطالبت بالإفراج الفوري عنهم."])
    return site.publish(lang=lang, title=f"ALQST statement {n} on detainees",
                        paragraphs=[f"ALQST today issued statement {n} on prisoners of "
                                    "conscience in Saudi Arabia. It calls for their immediate "
                                    "release."])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fault_config(site_url: str, workdir: Path, telegram_url: str) -> Config:
    """config.toml's shape pointed at the replica and the fake Bot API, with an operator
    chat and timeouts short enough for tests (a hanging page costs 1 s, not 40)."""
    config = demo_config(site_url, workdir, api_base_url=telegram_url)
    return replace(
        config,
        fetch=replace(config.fetch, retries=1, backoff_seconds=0.01, timeout_seconds=0.5,
                      max_bytes=2_000_000, per_host_delay_seconds=0.0),
        telegram=replace(config.telegram, channels={"en": EN, "ar": AR}, operator_chat=OPS,
                         per_chat_per_minute=6000, overall_per_second=1000),
    )


class Installation:
    """The bot as installed: one database, one Service (scheduler not started) for the
    passes, one Delivery for the life of the process, talking to the fake Bot API
    directly or through a Relay."""

    def __init__(self, workdir: Path, *, relay: bool = False, tmpfs: str = "",
                 page_size: int = 10, tune: Callable[[Config], Config] | None = None) -> None:
        self.workdir = workdir
        self.tmpfs = tmpfs  # a size: the output directory is a tmpfs that small
        self.tune = tune  # changes to the configuration (max_pages, flood_limit, ...)
        self.details: dict[str, str] = {}  # what a scenario wants reported
        self.clock = SimClock()
        self.site = ReplicaSite(port=free_port(), page_size=page_size)
        self.fake = FakeTelegram(TOKEN, chats=[EN, AR, OPS])
        self.relay: Relay | None = None
        self.with_relay = relay
        self.published: list[ReplicaPost] = []
        self.feeds_checked = 0
        self.problems: list[str] = []
        self._versions: dict[str, tuple[int, int, int]] = {}
        self.failed_sends = 0
        self._stack = contextlib.AsyncExitStack()
        self._serial = 0

    async def __aenter__(self) -> Installation:
        self._stack.enter_context(self.site)
        self._stack.enter_context(self.fake)
        url = self.fake.url
        if self.with_relay:
            self.relay = Relay(int(url.rsplit(":", 1)[1])).up()
            self._stack.callback(self.relay.down)
            url = self.relay.url
        self.config = fault_config(self.site.base_url, self.workdir, url)
        if self.tune is not None:
            self.config = self.tune(self.config)
        if self.tmpfs:
            self._stack.enter_context(tmpfs(self.config.feeds.output_dir, self.tmpfs))
        self.service = Service(self.config, ENVIRON, now=self.clock.now)
        self.parts = self.service.parts
        self._stack.callback(self.parts.engine.dispose)
        sender = await self._stack.enter_async_context(
            TelegramSender(TOKEN, url, timeout=SEND_TIMEOUT, connect_timeout=SEND_TIMEOUT))
        self.delivery: Delivery = make_delivery(self.parts, sender, now=self.clock.now)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._stack.aclose()

    # ---- what the site does

    def publish(self, lang: str) -> ReplicaPost:
        self._serial += 1
        post = publish_statement(self.site, lang, self._serial)
        self.published.append(post)
        return post

    def publish_both(self, count: int = 1) -> list[ReplicaPost]:
        return [self.publish(lang) for _ in range(count) for lang in ("en", "ar")]

    # ---- what the bot does

    async def run_pass(self) -> None:
        """One scheduled run per source (check, publish feeds, alerts), then the feeds
        are checked as a reader would read them."""
        for source in self.config.sources:
            await self.service.run_source(source)
        self.check_feeds()

    def check_feeds(self) -> None:
        """Check every file of the output directory that changed since the last check
        (files are replaced by rename, so a new version has a new inode)."""
        output = self.config.feeds.output_dir
        for path in sorted(p for p in output.rglob("*") if p.is_file()):
            stat = path.stat()
            version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            name = path.relative_to(output).as_posix()
            if self._versions.get(name) == version:
                continue
            self._versions[name] = version
            self.feeds_checked += 1
            if problem := file_problem(path, name):
                self.problems.append(problem)

    async def drain(self) -> DrainSummary:
        summary = await self.delivery.drain()
        self.failed_sends += summary.failed + summary.rate_limited
        return summary

    async def next_run(self) -> None:
        """The scheduler's next run, half an hour later, and a drain."""
        self.clock.skip(PASS_EVERY)
        await self.run_pass()
        await self.drain()

    async def settle(self, rounds: int = 30) -> None:
        """Drain until the queue is empty, skipping ahead to each retry as it falls due."""
        for _ in range(rounds):
            await self.drain()
            due = self.parts.outbox.next_due_at()
            if due is None:
                break
            self.clock.skip_to(due)
        else:
            raise AssertionError(f"the queue did not empty in {rounds} drains")
        # Operator messages go out at the start and the end of a drain; one more catches
        # an all-clear queued by the last send.
        await self.drain()

    # ---- what came out

    def outcome(self) -> Outcome:
        store = self.parts.store
        chats = {"en": EN, "ar": AR}
        counts = {chat: posted_urls(self.fake, chat) for chat in chats.values()}
        expected = {(chats[p.lang], p.url) for p in self.published}
        lost_store = [p.url for p in self.published if store.get(p.url) is None]
        garbled = [p.url for p in self.published
                   if (a := store.get(p.url)) is not None and a.title != p.title]
        lost_posts = [f"{chat} {url}" for chat, url in sorted(expected)
                      if counts[chat][url] == 0]
        in_feeds = {lang: feed_links(self.config.feeds.output_dir / lang / "rss.xml")
                    for lang in chats}
        missing_from_feeds = [p.url for p in self.published if p.url not in in_feeds[p.lang]]
        duplicated = sum(n - 1 for c in counts.values() for n in c.values() if n > 1)
        stray = [f"{chat} {url}" for chat, c in counts.items() for url in c
                 if (chat, url) not in expected]
        operator = [m.text for m in self.fake.sent(OPS)]
        with self.parts.engine.connect() as conn:
            failed_fetches, failed_runs = conn.execute(select(
                func.coalesce(func.sum(runs.c.failed), 0),
                func.count().filter(runs.c.outcome == "failed"))).one()
        return Outcome(
            published=len(self.published), lost_store=lost_store, lost_posts=lost_posts,
            missing_from_feeds=missing_from_feeds,
            duplicated=duplicated, stray=stray, garbled=garbled,
            feeds_checked=self.feeds_checked, feed_problems=list(self.problems),
            alerts=[t for t in operator if t.startswith("⚠️")],
            all_clears=[t for t in operator if t.startswith("✅")],
            simulated=self.clock.skipped, details=dict(self.details),
            failed_fetches=int(failed_fetches),
            failed_runs=int(failed_runs),
            telegram_errors=sum(1 for call in self.fake.calls if not call.ok),
            failed_sends=self.failed_sends)


# ---- the scenarios --------------------------------------------------------------------------

Run = Callable[[Installation], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    """One fault, how it is driven, and what the operator should hear about it."""

    id: str  # pytest id
    fault: str  # as the report names it
    run: Run
    told: str | None = None  # a phrase of the one alert expected (None: no alert)
    all_clear: str | None = None  # a phrase of the one all-clear expected
    duplicates: int = 0  # allowed by the documented duplicate window
    window: str = "none"  # which window, for the report
    note: str = ""  # why no alert, or what else to know
    relay: bool = False
    tmpfs: str = ""  # needs the output directory on a tmpfs of this size (root only)
    outage: timedelta = timedelta(0)  # how long the fault lasts in simulated time
    hits: str = ""  # where the fault must show: "fetch", "send", "run" (failed runs) or ""

    def fault_seen(self, outcome: Outcome) -> bool:
        """Whether the fault really happened (a scenario that misses it proves nothing)."""
        if self.hits == "fetch":
            return outcome.failed_fetches > 0
        if self.hits == "send":
            return outcome.telegram_errors + outcome.failed_sends > 0
        if self.hits == "run":
            return outcome.failed_runs > 0
        return True


def _page(post: ReplicaPost) -> str:
    return post.url


def on_article_page(fault: str, *, lang: str = "en", passes: int = 1,
                    clears: bool = True) -> Run:
    """The page of one new article misbehaves for `passes` runs, then (if `clears`) is
    repaired; the other new articles are unaffected."""

    async def run(bot: Installation) -> None:
        posts = bot.publish_both()
        target = next(p for p in posts if p.lang == lang)
        bot.site.set_fault(_page(target), fault)
        for _ in range(passes):
            await bot.next_run()
        if clears:
            bot.site.set_fault(_page(target), None)
            await bot.next_run()

    return run


async def malformed_phase(bot: Installation, passes: int = 2) -> None:
    """Article pages answer 200 with a page that is no article (the replica's "malformed":
    an interstitial, no post markup, no `lang`) for `passes` runs, then recover: a new
    article published meanwhile, and an article already stored and posted, both struck.

    Recorded in `bot.details`: whether the posted article stayed as stored through the
    phase, how often a struck new article was found stored during it, the run outcomes
    of the phase ("outcome/failed") and the feed directories at the end."""
    posted = bot.publish_both()
    await bot.next_run()
    await bot.settle()
    before = bot.parts.store.get(posted[0].url)
    struck = bot.publish_both()
    pages = [posted[0], struck[0], struck[1]]  # posted en; new en and ar
    for post in pages:
        bot.site.set_fault(post.url, "malformed")
    kept, stored = [], 0
    for _ in range(passes):
        await bot.next_run()
        kept.append(bot.parts.store.get(posted[0].url) == before)
        stored += sum(1 for p in struck if bot.parts.store.get(p.url) is not None)
    with bot.parts.engine.connect() as conn:
        phase = conn.execute(select(runs.c.outcome, runs.c.failed)
                             .order_by(runs.c.id.desc()).limit(passes)).all()
    for post in pages:
        bot.site.set_fault(post.url, None)
    await bot.next_run()
    output = bot.config.feeds.output_dir
    bot.details.update(
        kept=str(all(kept)), phase=" ".join(f"{o}/{f}" for o, f in reversed(phase)),
        struck_stored=str(stored),
        dirs=" ".join(sorted(p.name for p in output.iterdir() if p.is_dir())))


def on_listings(fault: str, *, langs: tuple[str, ...] = ("en", "ar"), passes: int = 4) -> Run:
    """Every listing page misbehaves for `passes` runs (the site is broken), then recovers."""

    async def run(bot: Installation) -> None:
        for n in range(passes):
            if n == 1:  # published while the site is broken
                bot.publish_both()
            for lang in langs:
                bot.site.set_fault(f"/{lang}/posts", fault)
            await bot.next_run()
        for lang in langs:
            bot.site.set_fault(f"/{lang}/posts", None)
        await bot.next_run()

    return run


async def site_down_for_a_day(bot: Installation) -> None:
    """The server is off (connections refused) for 24 hours of runs every 30 minutes;
    the organisation keeps publishing meanwhile."""
    bot.site.stop()
    for n in range(48):
        if n in (10, 30):
            bot.publish_both()
        await bot.next_run()
    bot.site.start()
    await bot.next_run()
    await bot.next_run()


def telegram_fails(method: str, count: int, **fault: object) -> Run:
    """The next `count` calls to `method` fail as `fault` says (FakeTelegram.fail_next)."""

    async def run(bot: Installation) -> None:
        bot.publish_both()
        await bot.run_pass()
        bot.fake.fail_next(method, count, **fault)  # type: ignore[arg-type]
        await bot.settle()
        if fault.get("deliver"):  # the hung request completes on the server meanwhile
            await asyncio.sleep(float(fault.get("hang", 0.0)))  # type: ignore[arg-type]

    return run


async def rate_limited(bot: Installation) -> None:
    """A 429 asking for 1 s (waited inline), then one asking for an hour (stored, so the
    chat waits across drains)."""
    bot.publish_both()
    await bot.run_pass()
    bot.fake.fail_next("sendMessage", 1, status=429,
                       description="Too Many Requests: retry after 1", retry_after=1)
    await bot.drain()
    bot.fake.fail_next("sendMessage", 1, status=429,
                       description="Too Many Requests: retry after 3600", retry_after=3600)
    bot.publish_both()
    await bot.next_run()
    waiting = bot.parts.outbox.pending_count()
    assert waiting, "the hour-long retry_after left nothing waiting"
    await bot.settle()


async def bot_removed_from_channel(bot: Installation) -> None:
    """403 "bot is not a member" on the Arabic channel for 30 minutes of drains."""
    bot.fake.set_chat_state(AR, "removed")
    bot.publish_both()
    await bot.run_pass()
    await bot.drain()
    for _ in range(3):
        bot.clock.skip(timedelta(minutes=10))
        await bot.drain()
    bot.fake.set_chat_state(AR, "ok")
    await bot.settle()


async def api_unreachable_for_an_hour(bot: Installation) -> None:
    """The Bot API refuses connections for an hour while runs go on every 30 minutes."""
    assert bot.relay is not None
    bot.publish_both()
    bot.relay.down()
    end = bot.clock.now() + timedelta(hours=1)
    next_pass = bot.clock.now()
    while bot.clock.now() < end:
        if bot.clock.now() >= next_pass:
            if next_pass > end - timedelta(hours=1):
                bot.publish_both()
            await bot.run_pass()
            next_pass += PASS_EVERY
        await bot.drain()
        due = bot.parts.outbox.next_due_at() or end
        bot.clock.skip_to(min(due, next_pass, end))
    bot.relay.up()
    await bot.settle()


SOURCE_SCENARIOS = [
    Scenario("listing-500", "source: HTTP 500 on every listing page (4 runs)",
             on_listings("500"), told="runs in a row failed", all_clear="succeed again",
             hits="fetch"),
    Scenario("article-503", "source: 503 with Retry-After on an article page",
             on_article_page("503-retry-after"),
             note="Retry-After honoured, then retried on the next run",
             hits="fetch"),
    Scenario("article-hang", "source: an article page that never answers (timeout)",
             on_article_page("hang"), note="timed out, retried on the next run",
             hits="fetch"),
    Scenario("article-slow", "source: an article body trickling in over 5 s",
             on_article_page("slow"), note="cut at 2 × timeout, retried on the next run",
             hits="fetch"),
    Scenario("article-truncated", "source: truncated article HTML (cut short of its length)",
             on_article_page("truncated"), note="refused as incomplete, retried next run",
             hits="fetch"),
    Scenario("article-garbage", "source: random bytes as an article page",
             on_article_page("garbage"), note="refused as not text, retried next run",
             hits="fetch"),
    Scenario("article-huge", "source: a 50 MB article page", on_article_page("huge"),
             note="refused by its Content-Length, nothing downloaded",
             hits="fetch"),
    Scenario("article-gzip-bomb", "source: a gzip bomb (256 MB inflated)",
             on_article_page("gzip-bomb"), note="inflation stops at max_bytes",
             hits="fetch"),
    Scenario("article-redirect-loop", "source: a redirect loop on an article page",
             on_article_page("redirect-loop"), note="loop detected, retried next run",
             hits="fetch"),
    Scenario("article-redirect-offsite", "source: an article redirecting to another host",
             on_article_page("redirect-offsite"), note="refused, retried next run",
             hits="fetch"),
    Scenario("article-wrong-charset", "source: Arabic page in UTF-8 labelled ISO-8859-1",
             on_article_page("wrong-charset", lang="ar", clears=False),
             note="decoded right: the stored title equals the site's"),
    Scenario("article-cp1256", "source: Arabic page in windows-1256",
             on_article_page("cp1256", lang="ar", clears=False),
             note="decoded right: the stored title equals the site's"),
    Scenario("article-malformed",
             "source: 200 with a page that is no article (interstitial) on article pages "
             "(2 runs)", malformed_phase,
             note="refused as no article, retried next run; the stored version kept",
             hits="fetch"),
    Scenario("listing-empty", "source: the listing suddenly holds no articles (redesign)",
             on_listings("empty-listing", langs=("en",), passes=2),
             told="probable redesign", all_clear="yields articles again"),
    Scenario("site-down-a-day", "source: the site down for a whole day (48 runs)",
             site_down_for_a_day, told="runs in a row failed", all_clear="succeed again",
             outage=timedelta(days=1), hits="fetch"),
]

TELEGRAM_SCENARIOS = [
    Scenario("telegram-429", "Telegram: 429 with retry_after 1 s, then 3600 s",
             rate_limited, note="waited as asked; nothing for the operator to do",
             hits="send"),
    Scenario("telegram-5xx", "Telegram: 502 three times in a row",
             telegram_fails("sendMessage", 3, status=502),
             note="backoff 30/60/120 s; an alert from the 4th failure in a row",
             hits="send"),
    Scenario("telegram-timeout", "Telegram: requests time out (not carried out)",
             telegram_fails("sendMessage", 2, hang=SEND_TIMEOUT * 2),
             note="retried with backoff",
             hits="send"),
    Scenario("telegram-lost-answer", "Telegram: timeout after Telegram posted (answer lost)",
             telegram_fails("sendMessage", 1, hang=SEND_TIMEOUT * 2, deliver=True),
             duplicates=1, window="2 (lost answer)",
             note="indistinguishable from a lost request: resent",
             hits="send"),
    Scenario("telegram-too-long", 'Telegram: 400 "message is too long"',
             telegram_fails("sendMessage", 1, status=400,
                            description="Bad Request: message is too long"),
             note="sent again in the short plain form",
             hits="send"),
    Scenario("telegram-not-member", 'Telegram: 403 "bot is not a member" for 30 min',
             bot_removed_from_channel, told="Cannot post to @alqst_ar",
             all_clear="works again",
             hits="send"),
    Scenario("telegram-unreachable-an-hour", "Telegram: Bot API unreachable for an hour",
             api_unreachable_for_an_hour, told="Telegram is not answering",
             all_clear="Telegram answers again", relay=True, outage=timedelta(hours=1),
             hits="send"),
]



async def disk_full_for_three_runs(bot: Installation) -> None:
    """The output directory's filesystem is full for three runs while the site publishes."""
    output = bot.config.feeds.output_dir
    filler = fill_disk(output)
    before = snapshot(output)
    bot.publish_both()
    for _ in range(3):
        await bot.next_run()
    after = snapshot(output)
    bot.details["intact"] = str(after == before)
    with bot.parts.engine.connect() as conn:
        bot.details["error"] = conn.execute(
            select(runs.c.message).where(runs.c.outcome == "failed")
            .order_by(runs.c.id.desc()).limit(1)).scalar() or ""
    filler.unlink()
    await bot.next_run()


DISK_FULL = Scenario(
    "disk-full", "disk: full while writing the feeds (3 runs; a 4 MB tmpfs, filled)",
    disk_full_for_three_runs, told="publish: cannot write", all_clear="succeed again",
    tmpfs="4m", hits="run",
    note="bot/service.py retries a failed publish only when a later run changes something")

SCENARIOS = SOURCE_SCENARIOS + TELEGRAM_SCENARIOS


async def run_scenario(scenario: Scenario, workdir: Path) -> Outcome:
    """Baseline first (nothing posted), then the scenario, then everything delivered."""
    started = time.monotonic()
    async with Installation(workdir, relay=scenario.relay, tmpfs=scenario.tmpfs) as bot:
        await bot.run_pass()
        await bot.drain()
        await scenario.run(bot)
        # A page that failed for a reason of its own (a slow machine) gets the runs a
        # real installation would give it.
        for _ in range(3):
            if not bot.parts.store.failing_urls(bot.config.sources[0].name):
                break
            await bot.next_run()
        await bot.settle()
        outcome = bot.outcome()
    outcome.seconds = time.monotonic() - started
    return outcome


def told_text(scenario: Scenario, outcome: Outcome) -> str:
    """The report's "operator told" cell."""
    if not outcome.alerts:
        return f"no ({scenario.note})" if scenario.note else "no"
    cleared = f", all-clear {len(outcome.all_clears)}×" if outcome.all_clears else ""
    return f"yes: {len(outcome.alerts)}×{cleared}"


# ---- a full disk while writing feeds ------------------------------------------------------------

FEEDS_BASE = "https://feeds.alqst.example/"


@dataclass
class FullDiskResult:
    method: str  # "rlimit"
    error: str  # what publishing said
    intact: bool  # every previous file byte for byte as it was
    problems: list[str] = field(default_factory=list)  # feed problems after the failure
    recovered: bool = False  # publishing worked once there was room again


def can_mount_tmpfs() -> bool:
    """Root on Linux with a working `mount -t tmpfs` (not in every container)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as probe:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe],
                          capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", probe], capture_output=True)
    return True


def can_limit_file_size() -> bool:
    return hasattr(resource, "RLIMIT_FSIZE") and hasattr(signal, "SIGXFSZ")


@contextlib.contextmanager
def tmpfs(directory: Path, size: str) -> Iterator[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                   check=True, capture_output=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True, capture_output=True)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file's bytes but the filler's."""
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != FILLER}


FILLER = "filler.bin"


def fill_disk(directory: Path) -> Path:
    """Fill the filesystem holding `directory` to the last byte."""
    filler = directory / FILLER
    with filler.open("wb", buffering=0) as handle:
        for chunk in (b"\0" * 65536, b"\0" * 4096, b"\0"):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(chunk)
    return filler


def file_size_limit_trial(workdir: Path) -> FullDiskResult:
    """The fallback when no tmpfs can be mounted: publish the sample feeds, edit an
    article, then publish again in a child process whose RLIMIT_FSIZE is below a feed's
    size (the write fails with EFBIG where a full disk fails with ENOSPC). The error
    must be one line naming the file; every previous file must stay intact and valid;
    publishing works again without the limit."""
    store = fill_store(workdir / "db.sqlite", with_edit=False)
    info = sample_site(FEEDS_BASE)
    output = workdir / "public"
    publish_feeds(store, info, output)
    before = snapshot(output)
    article = store.get(f"{SITE}/en/post/release-salma")
    assert article is not None
    store.upsert(edited(article), T0 + timedelta(days=3))
    child = subprocess.run(
        [sys.executable, "-c", _RLIMIT_CHILD, str(workdir / "db.sqlite"), str(output),
         FEEDS_BASE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    error = child.stdout.strip() if child.returncode == 0 else (
        f"the child failed ({child.returncode}): {child.stderr.strip()[-300:]}")
    intact = snapshot(output) == before
    problems = feed_problems(output)
    recovered = bool(publish_feeds(store, info, output).written)
    store.engine.dispose()
    return FullDiskResult("rlimit", error, intact, problems, recovered)


ROOT = Path(__file__).resolve().parent.parent

# The rlimit child: reads the store first (so SQLite has sized its files), then lowers its
# own file size limit below a feed's size and publishes. SIGXFSZ is ignored so that the
# write fails with EFBIG instead of killing the process.
_RLIMIT_CHILD = """
import resource, signal, sys
from pathlib import Path
from feeds.publish import PublishError, publish_feeds
from feeds.store import ArticleStore, open_engine
from tests.feed_samples import sample_site
store = ArticleStore(open_engine(sys.argv[1]))
store.count()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    publish_feeds(store, sample_site(sys.argv[3]), Path(sys.argv[2]))
except PublishError as exc:
    print(exc)
"""
