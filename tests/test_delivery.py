"""Delivery end to end: a real SQLite store, the outbox, python-telegram-bot and the fake
Bot API over real HTTP. The clock is injected; where the fake's own rate limit is under
test, the real clock runs at a scaled-down rate.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alerts import Alerts
from bot.config import QuietHours, TelegramSettings
from bot.delivery import Delivery, DrainSummary, RetryPolicy, quiet_window
from bot.intake import Intake
from bot.outbox import Outbox, Status
from bot.sender import DryRunSender, TelegramSender
from feeds.models import ActionLink, Article, Kind
from feeds.store import ArticleStore, open_engine
from tests.fakes.dead_process import dead_owner
from tests.fakes.telegram import FakeTelegram

TOKEN = "24680:delivery-TOKEN"
EN, AR, OPS = "@alqst_en", "@alqst_ar", "@ops"
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock that moves only when slept on (or told to)."""

    def __init__(self, start: datetime = START) -> None:
        self.t = start

    def now(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def advance(self, **delta: float) -> None:
        self.t += timedelta(**delta)


class RealClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def article(n: int, lang: str = "en", **changes: object) -> Article:
    return Article(
        key=f"https://alqst.org/{lang}/post/{n}", url=f"https://alqst.org/{lang}/post/{n}",
        source="alqst", lang=lang, title=f"Title {n}", body_html="<p>b</p>", body_text="b",
        summary=f"Summary of {n}.", published=datetime(2024, 2, n, tzinfo=UTC),
    ).with_(**changes)


class Harness:
    """One bot installation: database, outbox, alerts, intake and settings."""

    def __init__(self, path: Path, clock: Clock, **changes: object) -> None:
        self.clock = clock
        self.engine = open_engine(path / "db.sqlite")
        self.store = ArticleStore(self.engine)
        self.outbox = Outbox(self.engine)
        settings = TelegramSettings(channels={"en": EN, "ar": AR}, operator_chat=OPS,
                                    flood_limit=100, per_chat_per_minute=60_000,
                                    overall_per_second=1000)
        self.settings = replace(settings, **changes)  # type: ignore[arg-type]
        self.alerts = Alerts(self.engine, operator_chat=self.settings.operator_chat,
                             now=clock.now)
        self.intake = Intake(self.outbox, self.settings, alerts=self.alerts, now=clock.now)

    def publish(self, *articles: Article, lang: str = "en") -> None:
        hook = self.intake.begin("alqst", lang, first_run=False)
        for item in articles:
            self.store.upsert(item, self.clock.now(), on_stored=hook)
        self.intake.end("alqst", lang)

    def delivery(self, sender: TelegramSender | DryRunSender, **kwargs: object) -> Delivery:
        return Delivery(self.outbox, sender, self.settings, self.alerts, now=self.clock.now,
                        sleep=self.clock.sleep, **kwargs)  # type: ignore[arg-type]

    async def drain(self, fake: FakeTelegram, **kwargs: object) -> DrainSummary:
        async with TelegramSender(TOKEN, fake.url, timeout=0.3, connect_timeout=0.5) as sender:
            return await self.delivery(sender, **kwargs).drain()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(tmp_path: Path, clock: Clock) -> Harness:
    return Harness(tmp_path, clock)


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, fake.url, timeout=0.3, connect_timeout=0.5) as s:
        yield s


def titles(fake: FakeTelegram, chat: str) -> list[str]:
    return [m.text.split("\n")[0] for m in fake.sent(chat)]


# ---- the normal path -------------------------------------------------------------------


async def test_new_articles_are_posted_once_oldest_first(bot: Harness, fake: FakeTelegram,
                                                         sender: TelegramSender) -> None:
    bot.publish(article(9), article(2), article(5))
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 3
    assert titles(fake, EN) == ["Title 2", "Title 5", "Title 9"]
    again = await bot.delivery(sender).drain()
    assert again.sent == 0 and len(fake.sent(EN)) == 3
    sent = bot.outbox.sent_message(article(5).key, EN)
    assert sent is not None and sent.message_id == fake.sent(EN)[1].message_id


async def test_each_language_goes_to_its_channel(bot: Harness, fake: FakeTelegram,
                                                 sender: TelegramSender) -> None:
    bot.publish(article(1, "ar"), lang="ar")
    bot.publish(article(2, "en"))
    await bot.delivery(sender).drain()
    assert titles(fake, AR) == ["Title 1"] and titles(fake, EN) == ["Title 2"]


async def test_posts_carry_buttons_translation_and_preview(bot: Harness, fake: FakeTelegram,
                                                           sender: TelegramSender) -> None:
    ar = article(1, "ar", translations={"en": article(1).key})
    en = article(1, "en", kind=Kind.CAMPAIGN, translations={"ar": ar.key},
                 actions=(ActionLink("https://act.example/p", "Sign the petition"),))
    bot.publish(ar, lang="ar")
    bot.publish(en)
    await bot.delivery(sender).drain()
    call = next(c for c in fake.calls_to("sendMessage", ok=True) if c.chat == EN)
    assert call.buttons == [("Sign the petition", "https://act.example/p"),
                            ("Read in Arabic · اقرأ بالعربية", ar.url)]
    assert call.link_preview_options == {"url": en.url, "prefer_large_media": True}
    assert fake.sent(EN)[0].text.startswith("📣 Take action\nTitle 1")


# ---- 429, 5xx, timeouts ------------------------------------------------------------------


async def test_retry_after_keeps_post_queued_then_sends_it(bot: Harness, fake: FakeTelegram,
                                                           sender: TelegramSender) -> None:
    bot.publish(article(1), article(2))
    fake.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 7",
                   retry_after=7)
    started = bot.clock.now()
    summary = await bot.delivery(sender).drain()
    assert summary.rate_limited == 1 and summary.sent == 2
    assert titles(fake, EN) == ["Title 1", "Title 2"]
    assert bot.clock.now() - started >= timedelta(seconds=7)  # it waited, on its clock


async def test_real_rate_limit_is_obeyed_and_nothing_is_lost(tmp_path: Path,
                                                             fake: FakeTelegram) -> None:
    bot = Harness(tmp_path, RealClock())
    fake.rate = (3, 1.0)  # the fake allows 3 a second per chat; the bot is told 600/min
    bot.publish(*(article(n) for n in range(1, 8)))
    summary = await bot.drain(fake)
    assert summary.sent == 7 and summary.rate_limited >= 1
    assert titles(fake, EN) == [f"Title {n}" for n in range(1, 8)]


async def test_a_long_retry_after_is_stored_and_honoured_after_a_restart(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1))
    fake.fail_next("sendMessage", status=429, retry_after=3600)
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 0 and summary.stopped_chats == [EN]
    [item] = bot.outbox.items()
    assert item.status is Status.PENDING
    assert item.next_attempt_at == START + timedelta(hours=1)
    bot.clock.advance(minutes=59)
    assert (await bot.delivery(sender).drain()).sent == 0  # a new process, same wait
    bot.clock.advance(minutes=1)
    assert (await bot.delivery(sender).drain()).sent == 1


async def test_a_short_retry_after_holds_the_whole_chat_across_a_restart(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    # A 429 with a short wait is waited out in-process; killed during that wait, the
    # restarted process must not send *another* post to the chat before it ends either.
    bot.publish(article(1), article(2))
    fake.fail_next("sendMessage", status=429, retry_after=60)
    stop = asyncio.Event()

    async def killed_during_the_wait(seconds: float) -> None:
        stop.set()  # the process dies while it sleeps the retry_after
        await asyncio.sleep(0)

    first = Delivery(bot.outbox, sender, bot.settings, bot.alerts, now=bot.clock.now,
                     sleep=killed_during_the_wait)
    assert (await first.drain(stop)).sent == 0
    bot.publish(article(3))  # queued while the process was down
    for _ in range(5):  # restarts inside the wait: nothing goes out to the chat
        bot.clock.advance(seconds=10)
        assert (await bot.delivery(sender).drain()).sent == 0
    assert fake.sent(EN) == []
    bot.clock.advance(seconds=10)
    assert (await bot.delivery(sender).drain()).sent == 3
    assert titles(fake, EN) == ["Title 1", "Title 2", "Title 3"]


async def test_server_errors_retry_with_backoff_across_restarts(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1), article(2))
    fake.fail_next("sendMessage", status=502)
    first = await bot.delivery(sender).drain()
    assert (first.sent, first.failed) == (0, 1)
    items = bot.outbox.items()
    assert [i.attempts for i in items] == [1, 0]
    assert {i.next_attempt_at for i in items} == {START + timedelta(seconds=30)}
    assert (await bot.delivery(sender).drain()).sent == 0  # restarted: still waiting
    fake.fail_next("sendMessage", status=500)
    bot.clock.advance(seconds=30)
    assert (await bot.delivery(sender).drain()).sent == 0
    assert bot.outbox.items()[0].next_attempt_at == bot.clock.now() + timedelta(seconds=60)
    bot.clock.advance(seconds=60)
    assert (await bot.delivery(sender).drain()).sent == 2
    assert titles(fake, EN) == ["Title 1", "Title 2"]


async def test_a_timeout_is_retried_later(bot: Harness, fake: FakeTelegram,
                                          sender: TelegramSender) -> None:
    bot.publish(article(1))
    fake.fail_next("sendMessage", hang=1.0)
    assert (await bot.delivery(sender).drain()).failed == 1
    bot.clock.advance(seconds=30)
    assert (await bot.delivery(sender).drain()).sent == 1
    assert len(fake.sent(EN)) == 1


async def test_a_lost_answer_is_retried_and_can_duplicate(bot: Harness, fake: FakeTelegram,
                                                          sender: TelegramSender) -> None:
    # The documented duplicate window: Telegram posted, but its answer never arrived.
    bot.publish(article(1))
    fake.fail_next("sendMessage", hang=1.0, deliver=True)
    await bot.delivery(sender).drain()
    bot.clock.advance(seconds=30)
    await bot.delivery(sender).drain()
    for _ in range(40):  # the hung request completes on the server in its own time
        if len(fake.sent(EN)) == 2:
            break
        await asyncio.sleep(0.05)
    assert titles(fake, EN) == ["Title 1", "Title 1"]  # a duplicate, never a loss


async def test_an_interrupted_send_is_resent_and_reported_in_doubt(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1))
    [item] = bot.outbox.due(bot.clock.now())
    assert bot.outbox.claim(item, dead_owner(), bot.clock.now())  # ... and it was killed
    summary = await bot.delivery(sender).drain()
    assert (summary.in_doubt, summary.sent) == (1, 1)
    assert bot.outbox.status().in_doubt == 0


async def test_a_post_being_sent_by_a_live_process_is_not_sent_again(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1), article(2))
    first = bot.outbox.due(bot.clock.now())[0]
    assert bot.outbox.claim(first, "other-host.example:77:x", bot.clock.now())
    summary = await bot.delivery(sender).drain()
    assert (summary.in_doubt, summary.sent) == (0, 1)
    assert titles(fake, EN) == ["Title 2"]


async def test_two_deliveries_draining_one_database_send_each_post_once(
        tmp_path: Path, fake: FakeTelegram) -> None:
    # Two processes on one database (the single-writer lock bypassed): the claims alone
    # must stop every duplicate, with sends interleaving on a real clock.
    first, second = Harness(tmp_path, RealClock()), Harness(tmp_path, RealClock())
    first.publish(*(article(n) for n in range(1, 21)))
    first.publish(*(article(n, "ar") for n in range(1, 21)), lang="ar")
    async with TelegramSender(TOKEN, fake.url) as one, TelegramSender(TOKEN, fake.url) as two:
        a, b = await asyncio.gather(first.delivery(one).drain(), second.delivery(two).drain())
    assert a.sent + b.sent == 40 and a.sent and b.sent
    for chat in (EN, AR):
        assert sorted(titles(fake, chat)) == sorted(f"Title {n}" for n in range(1, 21))


# ---- fallbacks -----------------------------------------------------------------------


@pytest.mark.parametrize("description", [
    "Bad Request: message is too long",
    "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3",
])
async def test_a_refused_html_post_goes_out_in_plain_text(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender, description: str) -> None:
    bot.publish(article(1))
    fake.fail_next("sendMessage", status=400, description=description)
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 1
    [message] = fake.sent(EN)
    assert message.parse_mode is None
    assert message.text.startswith("Title 1\n") and message.text.endswith(article(1).url)
    assert bot.outbox.sent_message(article(1).key, EN).plain  # type: ignore[union-attr]


async def test_photo_posts_go_as_a_photo_with_a_caption(tmp_path: Path, clock: Clock,
                                                        fake: FakeTelegram,
                                                        sender: TelegramSender) -> None:
    bot = Harness(tmp_path, clock, send_photos=True)
    bot.publish(article(1, image="https://alqst.org/img/1.jpg"), article(2))
    await bot.delivery(sender).drain()
    photo, text = fake.sent(EN)
    assert (photo.kind, photo.photo) == ("photo", "https://alqst.org/img/1.jpg")
    assert text.kind == "text"


async def test_a_refused_photo_still_posts_the_text(tmp_path: Path, clock: Clock,
                                                    fake: FakeTelegram,
                                                    sender: TelegramSender) -> None:
    bot = Harness(tmp_path, clock, send_photos=True)
    bot.publish(article(1, image="https://alqst.org/img/huge.tiff"))
    fake.fail_next("sendPhoto", status=400,
                   description="Bad Request: wrong type of the web page content")
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 1
    [message] = fake.sent(EN)
    assert message.kind == "text" and message.text.startswith("Title 1")


# ---- operator problems ---------------------------------------------------------------


async def test_chat_problem_keeps_posts_queued_alerts_once_and_recovers(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.set_chat_state(AR, "removed")
    bot.publish(article(1, "ar"), article(2, "ar"), lang="ar")
    bot.publish(article(3), article(4))
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 2 and summary.stopped_chats == [AR]  # English went on
    assert bot.outbox.pending_count(AR) == 2
    [alert] = fake.sent(OPS)
    assert "Cannot post to @alqst_ar" in alert.text and "2 post(s) are waiting" in alert.text
    bot.clock.advance(minutes=10)
    await bot.delivery(sender).drain()  # still broken: tried again, no second alert
    assert len(fake.sent(OPS)) == 1 and bot.outbox.pending_count(AR) == 2
    fake.set_chat_state(AR, "ok")
    bot.clock.advance(minutes=10)
    assert (await bot.delivery(sender).drain()).sent == 2
    assert titles(fake, AR) == ["Title 1", "Title 2"]
    assert "@alqst_ar works again" in fake.sent(OPS)[1].text


async def test_missing_admin_rights_alert_the_operator(bot: Harness, fake: FakeTelegram,
                                                       sender: TelegramSender) -> None:
    fake.set_chat_state(EN, "not-admin")
    bot.publish(article(1))
    await bot.delivery(sender).drain()
    assert [p.key for p in bot.alerts.open_problems()] == ["chat:@alqst_en:not-admin"]
    assert bot.outbox.pending_count(EN) == 1


async def test_other_refusals_stay_queued_alert_and_wait(bot: Harness, fake: FakeTelegram,
                                                         sender: TelegramSender) -> None:
    bot.publish(article(1), article(2))
    fake.fail_next("sendMessage", status=400, description="Bad Request: something new")
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 1 and titles(fake, EN) == ["Title 2"]  # the next one went on
    failed = bot.outbox.items(status=Status.PENDING)
    assert [i.last_error for i in failed] == ["sendMessage: Something new"]
    assert failed[0].next_attempt_at == START + timedelta(hours=1)
    assert "Telegram refused the send" in fake.sent(OPS)[0].text
    bot.clock.advance(hours=1)
    assert (await bot.delivery(sender).drain()).sent == 1


async def test_alerts_are_logged_when_there_is_no_operator_chat(
        tmp_path: Path, clock: Clock, fake: FakeTelegram, sender: TelegramSender,
        caplog: pytest.LogCaptureFixture) -> None:
    bot = Harness(tmp_path, clock, operator_chat="")
    fake.set_chat_state(EN, "removed")
    bot.publish(article(1))
    await bot.delivery(sender).drain()
    assert fake.sent(OPS) == []
    assert any(r.levelname == "WARNING" and "Cannot post to @alqst_en" in r.getMessage()
               for r in caplog.records)


async def test_a_refused_token_stops_the_drain_and_keeps_everything(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1), article(2))
    fake.fail_next("sendMessage", status=401, description="Unauthorized")
    summary = await bot.delivery(sender).drain()
    assert summary.fatal is not None and summary.sent == 0
    assert bot.outbox.pending_count() == 2


# ---- corrections and pins ------------------------------------------------------------


async def test_corrected_article_is_edited_in_place(bot: Harness, fake: FakeTelegram,
                                                    sender: TelegramSender) -> None:
    bot.publish(article(1))
    await bot.delivery(sender).drain()
    bot.clock.advance(hours=2)
    bot.publish(article(1, title="Title 1 (corrected)"))
    summary = await bot.delivery(sender).drain()
    assert (summary.sent, summary.edited) == (0, 1)
    [message] = fake.sent(EN)
    assert message.edits == 1 and message.text.startswith("Title 1 (corrected)\n")


async def test_corrected_photo_post_has_its_caption_edited(tmp_path: Path, clock: Clock,
                                                           fake: FakeTelegram,
                                                           sender: TelegramSender) -> None:
    bot = Harness(tmp_path, clock, send_photos=True)
    bot.publish(article(1, image="https://alqst.org/1.jpg"))
    await bot.delivery(sender).drain()
    bot.publish(article(1, image="https://alqst.org/1.jpg", summary="Fixed summary."))
    await bot.delivery(sender).drain()
    [message] = fake.sent(EN)
    assert message.kind == "photo" and "Fixed summary." in message.text
    assert fake.calls_to("editMessageCaption", ok=True)


async def test_correction_before_sending_sends_the_corrected_text(
        bot: Harness, fake: FakeTelegram, sender: TelegramSender) -> None:
    bot.publish(article(1))
    bot.publish(article(1, title="Title 1 (corrected)"))
    await bot.delivery(sender).drain()
    [message] = fake.sent(EN)
    assert message.text.startswith("Title 1 (corrected)\n") and message.edits == 0


async def test_campaign_posts_are_pinned_when_configured(tmp_path: Path, clock: Clock,
                                                         fake: FakeTelegram,
                                                         sender: TelegramSender) -> None:
    bot = Harness(tmp_path, clock, pin_campaigns=True)
    bot.publish(article(1, kind=Kind.CAMPAIGN), article(2))
    await bot.delivery(sender).drain()
    assert [m.pinned for m in fake.sent(EN)] == [True, False]


async def test_a_pin_that_fails_alerts_but_keeps_the_post(tmp_path: Path, clock: Clock,
                                                          fake: FakeTelegram,
                                                          sender: TelegramSender) -> None:
    bot = Harness(tmp_path, clock, pin_campaigns=True)
    fake.set_chat_state(EN, "no-pin")
    bot.publish(article(1, kind=Kind.CAMPAIGN))
    summary = await bot.delivery(sender).drain()
    assert summary.sent == 1 and not fake.sent(EN)[0].pinned
    assert [p.key for p in bot.alerts.open_problems()] == ["pin:@alqst_en"]


# ---- quiet hours, pacing, dry run, stopping ------------------------------------------------

LONDON = ZoneInfo("Europe/London")


def test_quiet_window_spans_midnight_in_the_configured_zone() -> None:
    quiet = QuietHours(start=time(22, 0), end=time(7, 0), mode="hold")
    at = datetime(2024, 7, 1, 22, 30, tzinfo=LONDON)  # summer time: 21:30 UTC
    assert quiet_window(at.astimezone(UTC), quiet, LONDON) == datetime(2024, 7, 2, 7, 0,
                                                                      tzinfo=LONDON)
    assert quiet_window(datetime(2024, 7, 1, 12, tzinfo=LONDON), quiet, LONDON) is None
    early = datetime(2024, 7, 2, 6, 59, tzinfo=LONDON)
    assert quiet_window(early, quiet, LONDON) == datetime(2024, 7, 2, 7, 0, tzinfo=LONDON)


async def test_quiet_hours_hold_posts_until_the_morning(tmp_path: Path, fake: FakeTelegram,
                                                        sender: TelegramSender) -> None:
    clock = Clock(datetime(2024, 3, 1, 23, 0, tzinfo=LONDON))
    bot = Harness(tmp_path, clock,
                  quiet_hours=QuietHours(start=time(22, 0), end=time(7, 0), mode="hold"))
    bot.publish(article(1))
    summary = await bot.delivery(sender, tz=LONDON).drain()
    assert summary.sent == 0 and summary.quiet_until == datetime(2024, 3, 2, 7, 0,
                                                                 tzinfo=LONDON)
    clock.t = datetime(2024, 3, 2, 7, 0, tzinfo=LONDON)
    assert (await bot.delivery(sender, tz=LONDON).drain()).sent == 1
    assert not fake.sent(EN)[0].silent


async def test_quiet_hours_silent_sends_without_notification(tmp_path: Path,
                                                             fake: FakeTelegram,
                                                             sender: TelegramSender) -> None:
    clock = Clock(datetime(2024, 3, 1, 23, 0, tzinfo=LONDON))
    bot = Harness(tmp_path, clock,
                  quiet_hours=QuietHours(start=time(22, 0), end=time(7, 0), mode="silent"))
    bot.publish(article(1))
    assert (await bot.delivery(sender, tz=LONDON).drain()).sent == 1
    assert fake.sent(EN)[0].silent


async def test_posts_are_spaced_per_chat_and_chats_run_side_by_side(
        tmp_path: Path, fake: FakeTelegram) -> None:
    bot = Harness(tmp_path, RealClock(), per_chat_per_minute=600)  # 0.1 s apart
    bot.publish(*(article(n, "ar") for n in range(1, 6)), lang="ar")
    bot.publish(*(article(n) for n in range(1, 6)))
    summary = await bot.drain(fake)
    assert summary.sent == 10
    stamps = {chat: [c.at for c in fake.calls_to("sendMessage", ok=True) if c.chat == chat]
              for chat in (EN, AR)}
    for chat in (EN, AR):
        assert all(b - a >= 0.1 for a, b in itertools.pairwise(stamps[chat]))
    # Side by side, not one chat after the other: each began before the other finished.
    assert stamps[AR][0] < stamps[EN][-1] and stamps[EN][0] < stamps[AR][-1]


async def test_dry_run_prints_posts_and_records_them(bot: Harness, fake: FakeTelegram) -> None:
    out = io.StringIO()
    bot.publish(article(1))
    async with DryRunSender(out) as sender:
        summary = await bot.delivery(sender).drain()
    assert summary.sent == 1 and fake.sent() == []
    assert out.getvalue().startswith("--- sendMessage to @alqst_en (parse_mode=HTML)\n"
                                     "<b>Title 1</b>\n")
    sent = bot.outbox.sent_message(article(1).key, EN)
    assert sent is not None and sent.sent_as == "dry-run"


async def test_max_items_and_stop_event_end_a_drain_early(bot: Harness, fake: FakeTelegram,
                                                          sender: TelegramSender) -> None:
    bot.publish(*(article(n) for n in range(1, 6)))
    assert (await bot.delivery(sender).drain(max_items=2)).sent == 2
    stop = asyncio.Event()
    stop.set()
    assert (await bot.delivery(sender).drain(stop_event=stop)).sent == 0
    assert (await bot.delivery(sender).drain()).sent == 3


async def test_policy_is_configurable(bot: Harness, fake: FakeTelegram,
                                      sender: TelegramSender) -> None:
    bot.publish(article(1))
    fake.fail_next("sendMessage", status=500)
    await bot.delivery(sender, policy=RetryPolicy(transient_base=5)).drain()
    assert bot.outbox.items()[0].next_attempt_at == START + timedelta(seconds=5)
