"""python-telegram-bot, unmodified, talking real HTTP to the fake Bot API.

Each Telegram answer must come out as the right SendError, and the token must never
reach a log record or an error message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.compose import Post, compose_post
from bot.sender import (
    BadEntities,
    ChatProblem,
    DryRunSender,
    NotModified,
    Permanent,
    PhotoRejected,
    RateLimited,
    SendError,
    TelegramSender,
    TooLong,
    Transient,
    Unauthorized,
)
from feeds.models import ActionLink, Article, Kind
from tests.fakes.telegram import FakeTelegram, parse_html

TOKEN = "987654:SECRET-token-value"
CHANNEL = "@alqst_en"


def post(text: str = "<b>Hello</b> &amp; welcome", **changes: object) -> Post:
    base = Post(key="k", lang="en", text=text, buttons=(("Sign", "https://act.example/p"),),
                photo=None, parse_mode="HTML", link_preview_url="https://alqst.org/en/post/x")
    return base if not changes else Post(**{**base.__dict__, **changes})


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=[CHANNEL, "@alqst_ar"]) as server:
        yield server


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, fake.url, timeout=0.5, connect_timeout=0.5) as s:
        yield s


async def test_entering_checks_the_token_with_get_me(fake: FakeTelegram,
                                                     sender: TelegramSender) -> None:
    assert sender.username == "fake_feedbot"
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_refused_token_is_unauthorized_without_the_token_in_the_message(
        fake: FakeTelegram) -> None:
    with pytest.raises(Unauthorized) as caught:
        async with TelegramSender("111:wrong-token-xyz", fake.url):
            pass
    assert "wrong-token-xyz" not in str(caught.value)


async def test_send_posts_html_with_buttons_and_link_preview(
        fake: FakeTelegram, sender: TelegramSender) -> None:
    message_id = await sender.send(post(), CHANNEL)
    [message] = fake.sent(CHANNEL)
    assert message.message_id == message_id
    assert message.text == "Hello & welcome"
    call = fake.calls_to("sendMessage")[0]
    assert call.params["parse_mode"] == "HTML"
    assert call.buttons == [("Sign", "https://act.example/p")]
    assert call.link_preview_options == {"url": "https://alqst.org/en/post/x",
                                         "prefer_large_media": True}
    assert not message.silent


async def test_silent_send_disables_the_notification(fake: FakeTelegram,
                                                     sender: TelegramSender) -> None:
    await sender.send(post(), CHANNEL, silent=True)
    assert fake.sent(CHANNEL)[0].silent


async def test_a_composed_article_is_accepted_as_telegram_html(
        fake: FakeTelegram, sender: TelegramSender) -> None:
    from datetime import UTC, datetime

    article = Article(
        key="k", url="https://alqst.org/ar/post/x", source="alqst", lang="ar",
        title="حملة <عاجلة> & مهمة", body_html="", body_text="", summary="نص؟ " * 400,
        published=datetime(2024, 2, 15, tzinfo=UTC), kind=Kind.CAMPAIGN,
        categories=("Saudi Arabia",), actions=(ActionLink("https://act.example/p", "وقّع"),))
    await sender.send(compose_post(article), "@alqst_ar")
    [message] = fake.sent("@alqst_ar")
    assert message.text.startswith("📣 تحرّك الآن\nحملة <عاجلة> & مهمة")


async def test_photo_post_sends_the_caption(fake: FakeTelegram, sender: TelegramSender) -> None:
    photo = post(photo="https://alqst.org/img/a.jpg", caption=True, link_preview_url=None)
    await sender.send_photo(photo, CHANNEL)
    [message] = fake.sent(CHANNEL)
    assert (message.kind, message.photo, message.text) == (
        "photo", "https://alqst.org/img/a.jpg", "Hello & welcome")


async def test_edit_replaces_the_text_in_place(fake: FakeTelegram,
                                               sender: TelegramSender) -> None:
    message_id = await sender.send(post(), CHANNEL)
    await sender.edit(CHANNEL, message_id, post("<b>Hello</b> again"))
    [message] = fake.sent(CHANNEL)
    assert (message.text, message.edits) == ("Hello again", 1)


async def test_edit_of_a_photo_post_edits_its_caption(fake: FakeTelegram,
                                                      sender: TelegramSender) -> None:
    photo = post(photo="https://alqst.org/img/a.jpg", caption=True, link_preview_url=None)
    message_id = await sender.send_photo(photo, CHANNEL)
    await sender.edit(CHANNEL, message_id, post("New caption", photo=None, caption=True))
    assert fake.sent(CHANNEL)[0].text == "New caption"
    assert fake.calls_to("editMessageCaption", ok=True)


async def test_edit_that_changes_nothing_is_not_modified(fake: FakeTelegram,
                                                         sender: TelegramSender) -> None:
    message_id = await sender.send(post(), CHANNEL)
    with pytest.raises(NotModified):
        await sender.edit(CHANNEL, message_id, post())


async def test_pin_pins_the_message(fake: FakeTelegram, sender: TelegramSender) -> None:
    message_id = await sender.send(post(), CHANNEL)
    await sender.pin(CHANNEL, message_id)
    assert fake.sent(CHANNEL)[0].pinned
    assert fake.calls_to("pinChatMessage")[0].params["disable_notification"] == "true"


async def test_429_is_rate_limited_with_its_retry_after(fake: FakeTelegram,
                                                        sender: TelegramSender) -> None:
    fake.rate = (1, 60.0)
    await sender.send(post(), CHANNEL)
    with pytest.raises(RateLimited) as caught:
        await sender.send(post(), CHANNEL)
    assert 59 <= caught.value.retry_after <= 60
    assert fake.rate_limited == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(fake: FakeTelegram, sender: TelegramSender,
                                           status: int) -> None:
    fake.fail_next("sendMessage", status=status)
    with pytest.raises(Transient):
        await sender.send(post(), CHANNEL)


async def test_a_hanging_server_is_a_transient_timeout(fake: FakeTelegram,
                                                       sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", hang=2.0)
    with pytest.raises(Transient, match="timed out"):
        await sender.send(post(), CHANNEL)


@pytest.mark.parametrize(("setup", "kind"), [
    (lambda f: None, "not-found"),
    (lambda f: f.set_chat_state("@gone", "removed"), "not-member"),
    (lambda f: f.set_chat_state("@gone", "not-admin"), "not-admin"),
])
async def test_chat_problems_are_told_apart(fake: FakeTelegram, sender: TelegramSender,
                                            setup: object, kind: str) -> None:
    setup(fake)  # type: ignore[operator]
    with pytest.raises(ChatProblem) as caught:
        await sender.send(post(), "@gone")
    assert caught.value.kind == kind


async def test_too_long_and_bad_entities_are_told_apart(fake: FakeTelegram,
                                                        sender: TelegramSender) -> None:
    with pytest.raises(TooLong):
        await sender.send(post("x" * 5000), CHANNEL)
    with pytest.raises(BadEntities, match=r"(?i)unsupported start tag"):
        await sender.send(post("<br> not allowed"), CHANNEL)
    photo = post("y" * 1100, photo="https://alqst.org/a.jpg", caption=True)
    with pytest.raises(TooLong, match="caption is too long"):
        await sender.send_photo(photo, CHANNEL)


async def test_a_refused_photo_is_photo_rejected(fake: FakeTelegram,
                                                 sender: TelegramSender) -> None:
    fake.fail_next("sendPhoto", status=400,
                   description="Bad Request: wrong type of the web page content")
    with pytest.raises(PhotoRejected):
        await sender.send_photo(post(photo="https://alqst.org/a.jpg", caption=True), CHANNEL)


async def test_other_refusals_are_permanent(fake: FakeTelegram, sender: TelegramSender) -> None:
    with pytest.raises(Permanent, match=r"(?i)message to edit not found"):
        await sender.edit(CHANNEL, 999, post())


async def test_forbidden_is_a_chat_problem(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", status=403,
                   description="Forbidden: bot was kicked from the channel chat")
    with pytest.raises(ChatProblem):
        await sender.send(post(), CHANNEL)


async def test_token_never_appears_in_logs(fake: FakeTelegram,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[SendError] = []
    fake.rate = (1, 60.0)
    async with TelegramSender(TOKEN, fake.url, timeout=0.3) as sender:
        await sender.send(post(), CHANNEL)
        for _ in range(2):
            fake.fail_next("sendMessage", status=500)
        fake.fail_next("sendMessage", hang=1.0)
        for chat in (CHANNEL, CHANNEL, CHANNEL, CHANNEL, "@nowhere"):
            try:
                await sender.send(post(), chat)
            except SendError as exc:
                logging.getLogger("bot.test").exception("send failed: %s", exc)
                errors.append(exc)
    with pytest.raises(Unauthorized):
        async with TelegramSender(TOKEN + "x", fake.url):
            pass
    assert [type(e) for e in errors] == [Transient, Transient, Transient, RateLimited,
                                         ChatProblem]
    assert caplog.records, "nothing was logged at all"
    secret = TOKEN.split(":")[1]
    for record in caplog.records:
        rendered = caplog.handler.format(record)
        assert secret not in rendered, f"token leaked by {record.name}: {rendered}"
    for error in errors:
        assert secret not in str(error) and secret not in repr(error)
        # Raised `from None`: a traceback printer shows no chained PTB/httpx exception.
        assert error.__suppress_context__ and error.__cause__ is None


async def test_dry_run_prints_the_post_exactly_as_it_would_be_sent() -> None:
    out = io.StringIO()
    async with DryRunSender(out) as sender:
        first = await sender.send(post(), CHANNEL, silent=True)
        await sender.edit(CHANNEL, first, post("<b>New</b>"))
        await sender.pin(CHANNEL, first)
    printed = out.getvalue()
    assert printed == (
        "--- sendMessage to @alqst_en (parse_mode=HTML, silent)\n"
        "<b>Hello</b> &amp; welcome\n"
        "[button] Sign -> https://act.example/p\n"
        "preview: https://alqst.org/en/post/x\n"
        "--- editMessageText to @alqst_en (parse_mode=HTML, message_id=1)\n"
        "<b>New</b>\n"
        "[button] Sign -> https://act.example/p\n"
        "preview: https://alqst.org/en/post/x\n"
        "--- pinChatMessage to @alqst_en (message_id=1)\n")


# ---- the fake itself behaves like Telegram -----------------------------------------------


@pytest.mark.parametrize(("html", "error"), [
    ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", "Unmatched end tag"),
    ("</b>", "Unexpected end tag"),
    ("a < b", "Unsupported start tag"),
    ("<p>x</p>", 'Unsupported start tag "p"'),
    ("<a href=x", "Unclosed start tag"),
    ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
])
def test_fake_refuses_what_telegram_refuses(html: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_html(html)


@pytest.mark.parametrize(("html", "text"), [
    ("<b>a</b> &amp; <i>b</i>", "a & b"),
    ("AT&T &nbsp; &#1575;&#x644;", "AT&T &nbsp; ال"),
    ('<a href="https://x.example/?a=1&amp;b=2">link</a>', "link"),
    ("<blockquote expandable>q</blockquote>", "q"),
    ('<span class="tg-spoiler">s</span> x > y', "s x > y"),
])
def test_fake_parses_what_telegram_parses(html: str, text: str) -> None:
    assert parse_html(html) == text
