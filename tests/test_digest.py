"""The digest: one post per language per period, campaign calls first with their buttons,
split within Telegram's limits, nothing for an empty period, exactly once across restarts
and instances, and the same digest as an entry of the `/{lang}/digest/` feeds.

A real SQLite file (or PostgreSQL, where the `backend` fixture says so), the outbox, the
real python-telegram-bot and the fake Bot API over HTTP; the clock is injected.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from bot.alerts import Alerts
from bot.app import publish
from bot.compose import MESSAGE_LIMIT, telegram_length
from bot.config import Config, ConfigError, parse_config
from bot.delivery import Delivery, DrainSummary
from bot.digest import DigestMaker
from bot.digest_compose import MAX_BUTTONS, compose_digest
from bot.digest_schedule import parse_digest_schedule
from bot.outbox import Action, Outbox, Status
from bot.sender import TelegramSender
from feeds.digests import Digest, DigestStore
from feeds.models import ActionLink, Article, Kind
from feeds.store import ArticleStore, open_engine
from tests.fakes.dead_process import dead_owner
from tests.fakes.telegram import FakeTelegram

TOKEN = "13579:digest-TOKEN"
EN, AR = "@alqst_en", "@alqst_ar"
# Friday 5 December 2025, 17:00 in London (GMT): the digest moment of "fri 17:00".
MOMENT = datetime(2025, 12, 5, 17, 0, tzinfo=UTC)
WEEK_START = MOMENT - timedelta(days=7)
VALIDATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "w3c-feedvalidator"


def make_config(tmp_path: Path, database: str, digest: dict[str, Any] | None = None) -> Config:
    data: dict[str, Any] = {
        "organisation": "ALQST",
        "timezone": "Europe/London",
        "database": database,
        "sources": [{"name": "alqst", "title": "ALQST for Human Rights",
                     "url": "https://alqst.org/", "schedule": "every 30m",
                     "listings": {"en": "https://alqst.org/en/posts?page={page}",
                                  "ar": "https://alqst.org/ar/posts?page={page}"}}],
        "feeds": {"output_dir": "public", "base_url": "https://feeds.example/"},
        "telegram": {"per_chat_per_minute": 6000, "overall_per_second": 1000,
                     "channels": {"en": EN, "ar": AR}},
    }
    if digest is not None:
        data["digest"] = digest
    return parse_config(data, tmp_path)


def article(n: int, lang: str = "en", *, day: float = 1, kind: Kind = Kind.NEWS,
            title: str | None = None, actions: tuple[ActionLink, ...] = ()) -> Article:
    url = f"https://alqst.org/{lang}/post/{n}"
    return Article(key=url, url=url, source="alqst", lang=lang,
                   title=title or f"{lang.upper()} article {n}", body_html="<p>b</p>",
                   body_text="b", summary="s", kind=kind, actions=actions,
                   published=WEEK_START + timedelta(days=day))


class Clock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def now(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        await asyncio.sleep(0)


class Install:
    """One process of the bot on a database: its own maker, outbox and delivery."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.engine = open_engine(config.database)
        self.store = ArticleStore(self.engine)
        self.outbox = Outbox(self.engine)
        self.digests = DigestStore(self.engine)
        self.maker = DigestMaker(self.engine, self.outbox, config, now=clock.now)

    def seen(self, *articles: Article, at: datetime = WEEK_START) -> None:
        for item in articles:
            self.store.upsert(item, at)

    async def drain(self, fake: FakeTelegram) -> DrainSummary:
        alerts = Alerts(self.engine, now=self.clock.now)
        async with TelegramSender(TOKEN, fake.url, timeout=2, connect_timeout=2) as sender:
            delivery = Delivery(self.outbox, sender, self.config.telegram, alerts,
                                now=self.clock.now, sleep=self.clock.sleep)
            return await delivery.drain()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=[EN, AR]) as server:
        yield server


@pytest.fixture
def weekly(tmp_path: Path) -> Install:
    config = make_config(tmp_path, "data/db.sqlite", {"schedule": "fri 17:00"})
    return Install(config, Clock(MOMENT + timedelta(minutes=1)))


def sent_calls(fake: FakeTelegram, chat: str) -> list[Any]:
    return [c for c in fake.calls_to("sendMessage", ok=True) if c.chat == chat]


# ---- config and schedule ---------------------------------------------------------------


def test_a_schedule_per_language_with_a_default_and_off(tmp_path: Path) -> None:
    config = make_config(tmp_path, "db.sqlite", {
        "schedule": "fri 17:00", "languages": {"ar": "thu 18:30", "fa": "off"}})
    assert config.digest.schedule_for("en") == parse_digest_schedule("fri 17:00")
    ar = config.digest.schedule_for("ar")
    assert ar is not None and ar.weekdays == {3} and f"{ar.at:%H:%M}" == "18:30"
    assert config.digest.schedule_for("fa") is None
    assert make_config(tmp_path, "db.sqlite").digest.schedule_for("en") is None  # off
    assert config.warnings == ("digest.languages.fa: no source has 'fa' listings or feeds, "
                               "so this schedule makes no digest",)


@pytest.mark.parametrize(("digest", "message"), [
    ({"schedule": "friday at 5pm"}, "digest.schedule: expected a weekday and a time like"),
    ({"schedule": "fri 25:00"}, "digest.schedule: not a time of day"),
    ({"schedule": "fry 17:00"}, "digest.schedule: unknown weekday 'fry'"),
    ({"schedule": 5}, "digest.schedule: expected a string"),
    ({"languages": {"ar": "sun"}}, "digest.languages.ar: expected a weekday and a time"),
    ({"when": "fri 17:00"}, "digest.when: unknown key"),
])
def test_a_bad_digest_schedule_is_a_one_line_config_error(
        tmp_path: Path, digest: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        make_config(tmp_path, "db.sqlite", digest)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_the_period_runs_from_the_previous_moment_in_the_configured_zone() -> None:
    from zoneinfo import ZoneInfo

    schedule = parse_digest_schedule("fri 17:00")
    london = ZoneInfo("Europe/London")
    # Summer time: 17:00 in London is 16:00 UTC; the period before crosses no change.
    start, end = schedule.period(datetime(2026, 7, 4, 9, 0, tzinfo=UTC), london)
    assert (start, end) == (datetime(2026, 6, 26, 16, 0, tzinfo=UTC),
                            datetime(2026, 7, 3, 16, 0, tzinfo=UTC))
    # A week that crosses the end of summer time is an hour longer, 17:00 both ends.
    start, end = schedule.period(datetime(2026, 10, 30, 17, 0, tzinfo=UTC), london)
    assert (start, end) == (datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
                            datetime(2026, 10, 30, 17, 0, tzinfo=UTC))


# ---- one digest per language -----------------------------------------------------------


async def test_a_week_of_articles_gives_one_digest_per_language_campaign_calls_first(
        weekly: Install, fake: FakeTelegram) -> None:
    petition = ActionLink("https://act.example/free-salma", "Sign the petition")
    letter = ActionLink("https://act.example/letter", "Write a letter")
    weekly.seen(article(1, day=1), article(2, day=2, kind=Kind.REPORT),
                article(3, day=3, kind=Kind.CAMPAIGN, title="Free Salma al-Shehab",
                        actions=(petition, letter)),
                article(4, day=4, kind=Kind.STATEMENT),
                article(5, "ar", day=2, kind=Kind.CAMPAIGN, title="الحرية لسلمى الشهاب",
                        actions=(ActionLink("https://act.example/ar", "وقّع العريضة"),)),
                article(6, "ar", day=5))
    # Outside the week: the previous period and after the moment.
    weekly.seen(article(7, day=-1), article(8, day=7.5))

    made = weekly.maker.make_due()
    assert sorted((m.lang, m.articles, m.messages) for m in made) == [("ar", 2, 1),
                                                                     ("en", 4, 1)]
    summary = await weekly.drain(fake)
    assert summary.sent == 2

    [en] = sent_calls(fake, EN)
    text = fake.sent(EN)[0].text
    lines = text.split("\n")
    assert lines[0] == "ALQST — digest"
    assert lines[1] == "28 November – 5 December 2025 · 4 articles"
    headings = [line for line in lines if line in
                ("📣 Campaign calls", "Statements", "Reports", "News")]
    assert headings == ["📣 Campaign calls", "Statements", "Reports", "News"]
    assert text.index("1. Free Salma al-Shehab") < text.index("EN article 4") \
        < text.index("EN article 2") < text.index("EN article 1")
    assert "EN article 7" not in text and "EN article 8" not in text
    assert en.buttons == [("1 · Sign the petition", petition.url),
                          ("1 · Write a letter", letter.url)]
    assert en.link_preview_options == {"is_disabled": True}

    [ar] = sent_calls(fake, AR)
    ar_text = fake.sent(AR)[0].text
    assert "الموجز" in ar_text.split("\n")[0]
    assert ar_text.index("نداءات التحرك") < ar_text.index("الحرية لسلمى الشهاب") \
        < ar_text.index("أخبار")
    assert ar.buttons == [("1 · وقّع العريضة", "https://act.example/ar")]

    # Asked again in the same period (the next minute's check, a restart): nothing more.
    weekly.clock.t += timedelta(minutes=5)
    assert weekly.maker.make_due() == []
    assert (await weekly.drain(fake)).sent == 0
    assert len(fake.calls_to("sendMessage", ok=True)) == 2


async def test_a_long_week_is_split_between_lines_each_message_within_limits(
        weekly: Install, fake: FakeTelegram) -> None:
    long_title = "Saudi Arabia: detained human rights defender's trial postponed again " * 2
    calls = [article(n, day=0.5 + n / 100, kind=Kind.CAMPAIGN, title=f"{n} {long_title}",
                     actions=(ActionLink(f"https://act.example/{n}", "Act"),))
             for n in range(1, 31)]
    news = [article(n, day=1 + n / 100, title=f"{n} <b>{long_title}</b> & more")
            for n in range(100, 180)]
    weekly.seen(*calls, *news)
    [made] = [m for m in weekly.maker.make_due() if m.lang == "en"]
    assert made.articles == 110 and made.messages >= 5

    await weekly.drain(fake)
    messages = fake.sent(EN)
    calls_made = sent_calls(fake, EN)
    assert len(messages) == made.messages
    for number, (message, call) in enumerate(zip(messages, calls_made, strict=True), 1):
        assert telegram_length(call.text) <= MESSAGE_LIMIT
        assert len(call.buttons) <= MAX_BUTTONS
        assert message.text.split("\n")[0] == f"ALQST — digest ({number}/{made.messages})"
    # Every article exactly once, whole, in order: campaign calls first, numbered on.
    shown = [line for m in messages for line in m.text.split("\n")
             if line.startswith(("•", *(f"{n}." for n in range(1, 31))))]
    titles = [line.split(" ", 1)[1] for line in shown]
    expected = [c.title for c in calls] + [a.title for a in news]
    assert [t.rstrip("…") for t in titles] == [
        e[:len(t.rstrip("…"))] for e, t in zip(expected, titles, strict=True)]
    # Every campaign call's button, numbered as its line, on the message that lists it.
    for message, call in zip(messages, calls_made, strict=True):
        numbers = {line.split(".", 1)[0] for line in message.text.split("\n")
                   if line[:1].isdigit() and ". " in line}
        assert {label.split(" · ")[0] for label, _ in call.buttons} == numbers
    # A kind that goes on in the next message is headed again there.
    assert any("News (continued)" in m.text for m in messages[1:])


async def test_an_empty_week_sends_nothing_and_has_no_feed_entry(
        weekly: Install, fake: FakeTelegram, tmp_path: Path) -> None:
    weekly.seen(article(1, day=-2), article(2, "ar", day=-3))  # last week's only
    made = weekly.maker.make_due()
    assert [(m.articles, m.messages) for m in made] == [(0, 0), (0, 0)]
    assert weekly.outbox.items() == []
    assert (await weekly.drain(fake)).sent == 0 and fake.sent(EN) == []
    digest = weekly.digests.get("en", WEEK_START)
    assert digest is not None and digest.empty  # decided, and kept decided
    publish(weekly.config, weekly.store)
    assert feedparser.parse(tmp_path / "public/en/digest/atom.xml").entries == []


# ---- exactly once ------------------------------------------------------------------------


async def test_a_restart_between_claim_and_send_sends_each_message_once(
        weekly: Install, fake: FakeTelegram) -> None:
    weekly.seen(*(article(n, day=1 + n / 1000, title=f"{n} " + "long title words " * 10)
                  for n in range(1, 60)))
    [made] = [m for m in weekly.maker.make_due() if m.lang == "en"]
    assert made.messages >= 2
    # The first process claimed the first message (committed) and was killed before the
    # request went out: the row is in flight, its owner is dead.
    first = weekly.outbox.due(weekly.clock.now())[0]
    assert weekly.outbox.claim(first, dead_owner(), weekly.clock.now())

    restarted = Install(weekly.config, weekly.clock)  # a new process on the same file
    assert restarted.maker.make_due() == []  # the digest exists: not made again
    summary = await restarted.drain(fake)
    assert summary.in_doubt == 1 and summary.sent == made.messages
    texts = [m.text.split("\n")[0] for m in fake.sent(EN)]
    assert texts == [f"ALQST — digest ({i}/{made.messages})"
                     for i in range(1, made.messages + 1)]
    assert {i.status for i in restarted.outbox.items()} == {Status.SENT}
    assert (await Install(weekly.config, weekly.clock).drain(fake)).sent == 0


async def test_two_instances_make_the_digest_once(tmp_path: Path, backend: str) -> None:
    config = make_config(tmp_path, backend, {"schedule": "fri 17:00"})
    clock = Clock(MOMENT + timedelta(minutes=1))
    one, two = Install(config, clock), Install(config, clock)
    one.seen(article(1, day=1), article(2, day=2, kind=Kind.CAMPAIGN))
    # The second read "no digest yet" just before the first committed its own.
    two.maker.store.get = lambda lang, start: None  # type: ignore[method-assign]
    assert [m.lang for m in one.maker.make_due()] == ["en"]
    assert two.maker.make_due() == []  # the unique (lang, period_start) refused it
    digest_rows = [i for i in one.outbox.items() if i.action is Action.DIGEST]
    assert [(i.chat, i.status) for i in digest_rows] == [(EN, Status.PENDING)]
    one.engine.dispose()
    two.engine.dispose()


def test_a_digest_missed_while_down_goes_out_within_a_day_not_later(tmp_path: Path) -> None:
    config = make_config(tmp_path, "db.sqlite", {"schedule": "fri 17:00"})
    late = Install(config, Clock(MOMENT + timedelta(hours=20)))  # back on Saturday 13:00
    late.seen(article(1, day=3))
    assert [(m.lang, m.period_end) for m in late.maker.make_due()] == [("en", MOMENT)]

    too_late = Install(make_config(tmp_path / "b", "db.sqlite", {"schedule": "fri 17:00"}),
                       Clock(MOMENT + timedelta(hours=25)))  # back on Saturday 18:00
    too_late.seen(article(1, day=3))
    assert too_late.maker.make_due() == []
    assert too_late.outbox.items() == []


def test_a_new_install_does_not_send_a_digest_of_what_it_found_on_its_first_pass(
        tmp_path: Path) -> None:
    config = make_config(tmp_path, "db.sqlite", {"schedule": "fri 17:00"})
    fresh = Install(config, Clock(MOMENT + timedelta(hours=1)))
    fresh.seen(article(1, day=3), at=MOMENT + timedelta(minutes=30))  # baseline after 17:00
    assert fresh.maker.make_due() == []


# ---- the feed ------------------------------------------------------------------------------


def test_the_digest_feed_has_one_entry_per_period_with_a_stable_id(
        weekly: Install, tmp_path: Path) -> None:
    weekly.seen(article(1, day=1), article(2, day=2, kind=Kind.CAMPAIGN,
                                          actions=(ActionLink("https://act.example/p",
                                                              "Sign the petition"),)))
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    atom = tmp_path / "public/en/digest/atom.xml"
    first = feedparser.parse(atom)
    [entry] = first.entries
    assert entry.id == "https://feeds.example/en/digest/#2025-11-28T17:00Z"
    assert entry.title == "ALQST — digest: 28 November – 5 December 2025"
    content = entry.content[0].value
    assert content.index("Campaign calls") < content.index("EN article 2") \
        < content.index("News") < content.index("EN article 1")
    assert 'href="https://act.example/p"' in content

    # A week later: a second entry; the first keeps its id and its words.
    weekly.seen(article(3, day=9), at=MOMENT)
    weekly.clock.t += timedelta(days=7)
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    second = feedparser.parse(atom)
    assert [e.id for e in second.entries] == [
        "https://feeds.example/en/digest/#2025-12-05T17:00Z", entry.id]
    assert second.entries[1].content[0].value == content
    rss = feedparser.parse(tmp_path / "public/en/digest/rss.xml")
    assert [e.id for e in rss.entries] == [e.id for e in second.entries]
    ar = feedparser.parse(tmp_path / "public/ar/digest/atom.xml")
    assert ar.entries == [] and ar.feed.language == "ar"


def test_the_digest_feeds_name_the_websub_hub_and_are_told_to_it_when_rewritten(
        weekly: Install, tmp_path: Path) -> None:
    hub = "https://hub.example/websub"
    weekly.config = replace(weekly.config, feeds=replace(weekly.config.feeds, websub_hub=hub))
    weekly.seen(article(1, day=1))
    weekly.maker.make_due()
    first = publish(weekly.config, weekly.store)
    digest_urls = {f.url for f in first.changed_feeds if "/digest/" in f.url}
    assert digest_urls == {f"https://feeds.example/{lang}/digest/{name}"
                           for lang in ("ar", "en") for name in ("rss.xml", "atom.xml",
                                                                 "feed.json")}
    atom = feedparser.parse(tmp_path / "public/en/digest/atom.xml")
    assert hub in {link.href for link in atom.feed.links if link.rel == "hub"}
    again = publish(weekly.config, weekly.store)
    assert [f.url for f in again.changed_feeds if "/digest/" in f.url] == []


@pytest.mark.skipif(not VALIDATOR.exists(), reason=f"the W3C validator is not at {VALIDATOR}")
def test_the_digest_feeds_pass_the_w3c_validator(weekly: Install, tmp_path: Path) -> None:
    weekly.seen(article(1, day=1, title="Salma al-Shehab & the court: <update>"),
                article(2, day=2, kind=Kind.CAMPAIGN,
                        actions=(ActionLink("https://act.example/p?a=1&b=2", "Sign"),)),
                article(3, "ar", day=3, title="لجين الهذلول: حكم جديد"),
                article(4, "ar", day=3.5, kind=Kind.REPORT))
    weekly.maker.make_due()
    weekly.seen(article(5, day=8), at=MOMENT)
    weekly.clock.t += timedelta(days=7)
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    feeds = sorted(str(p) for p in (tmp_path / "public").rglob("digest/*.xml"))
    assert len(feeds) == 4
    result = subprocess.run([str(VALIDATOR), *feeds], capture_output=True, text=True,
                            timeout=600, check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_a_stored_digest_reads_back_as_it_was_written(weekly: Install) -> None:
    weekly.seen(article(1, day=1))
    weekly.maker.make_due()
    digest = weekly.digests.get("en", WEEK_START)
    assert isinstance(digest, Digest)
    assert digest.article_keys == (article(1).key,) and digest.period_end == MOMENT


async def test_a_refused_message_holds_back_the_rest_of_its_digest_until_it_goes_out(
        weekly: Install, fake: FakeTelegram) -> None:
    weekly.seen(*(article(n, day=1 + n / 1000, title=f"{n} " + "long title words " * 10)
                  for n in range(1, 60)))
    [made] = [m for m in weekly.maker.make_due() if m.lang == "en"]
    fake.fail_next("sendMessage", status=400, description="Bad Request: something odd")
    await weekly.drain(fake)
    assert fake.sent(EN) == []  # the later messages did not overtake the first
    weekly.clock.t += timedelta(hours=2)  # the refused one's retry
    await weekly.drain(fake)
    assert [m.text.split("\n")[0] for m in fake.sent(EN)] == [
        f"ALQST — digest ({i}/{made.messages})" for i in range(1, made.messages + 1)]


def test_a_sorani_digest_reads_right_to_left_in_english_words() -> None:
    item = Article(key="https://alqst.org/ckb/1", url="https://alqst.org/ckb/1", source="alqst",
                   lang="ckb", title="مافی مرۆڤ لە هەرێمی کوردستان", body_html="<p>x</p>",
                   body_text="x", summary="", published=MOMENT - timedelta(days=1))
    [message] = compose_digest([item], lang="ckb", name="ALQST", start=WEEK_START, end=MOMENT,
                               tz=UTC)
    header = message.text.split("\n")[:2]
    assert all(line.startswith("\u200f") for line in header), header
    assert "28 November – 5 December 2025" in header[1]
