"""The bot in private chats: /start, /latest, /follow, /following, /unfollow, /stop.

A python-telegram-bot `Application` fetching updates by long polling, run inside the
service's event loop (`PrivateChat.run(stop, lease)`); of several instances on one
database only the holder of the polling lease (bot/poll_lease.py) polls. Only private
chats are answered: a command in a group or channel is ignored. Each chat may send
`commands_per_minute` commands; the first one over gets a polite answer, the rest none.
Every answer waits its turn in the delivery's Pacer, so answers, alerts and channel
posts share Telegram's overall rate. Alerts themselves do not go out from here: they are
outbox rows (bot.intake), sent by the delivery like channel posts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import Any

from bot.compose import Post, compose_post
from bot.config import PrivateChats
from bot.delivery import Pacer
from bot.follow_match import phrase_key
from bot.followers import FollowerStore, TooMany
from bot.poll_lease import PollLease
from bot.private_texts import CHOOSE, LANGUAGE_NAMES, LANGUAGES, NEED_LANGUAGE, SLOW_DOWN_BOTH
from bot.private_texts import text as say
from bot.sender import RateLimited, classify, quiet_http_loggers
from feeds.models import Article
from feeds.store import ArticleStore

log = logging.getLogger(__name__)

LATEST_COUNT = 5
MAX_PHRASE_CHARS = 100
RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # seconds between connection attempts, doubling
QUIET_AFTER_CONFLICT = 60.0  # seconds of polling without a 409 that end a conflict episode
PRUNE_ABOVE = 10_000  # chats counted in memory before the idle ones are dropped
_SEPARATORS = re.compile(r"[,،\n;؛]+")


class CommandLimit:
    """At most `per_minute` commands per chat in any minute, kept in memory only."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}

    def check(self, chat_id: int) -> str:
        """"ok", "tell" (the first command over the limit: answer politely) or "quiet"."""
        now = self._clock()
        if len(self._seen) > PRUNE_ABOVE:  # chats quiet for a minute need no counter
            self._seen = {c: q for c, q in self._seen.items() if q and now - q[-1] < 60.0}
            self._told = {c: t for c, t in self._told.items() if now - t < 60.0}
        seen = self._seen.setdefault(chat_id, deque())
        while seen and now - seen[0] >= 60.0:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            return "ok"
        if now - self._told.get(chat_id, -120.0) >= 60.0:
            self._told[chat_id] = now
            return "tell"
        return "quiet"

    def forget(self, chat_id: int) -> None:
        self._seen.pop(chat_id, None)
        self._told.pop(chat_id, None)


def split_phrases(args: str) -> list[str]:
    """The phrases of `/follow a, b`: separated by commas (Latin or Arabic), semicolons
    or new lines; spaces inside a phrase are kept."""
    return [p.strip() for p in _SEPARATORS.split(args) if p.strip()]


class PrivateChat:
    """The command handlers and the Application that feeds them."""

    def __init__(self, followers: FollowerStore, store: ArticleStore,
                 settings: PrivateChats, pacer: Pacer, *, organisation: str = "",
                 tz: tzinfo = UTC, source_titles: Mapping[str, str] | None = None) -> None:
        self.followers = followers
        self.store = store
        self.settings = settings
        self.pacer = pacer
        self.organisation = organisation
        self.tz = tz
        self.source_titles = dict(source_titles or {})
        self.limit = CommandLimit(settings.commands_per_minute)
        self._token = ""
        self.app: Any = None
        self._conflict = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._accepting = False  # webhook mode, once setWebhook succeeded
        self._lease_failing = False

    # ---- the Application -----------------------------------------------------------

    def build(self, token: str, api_base_url: str) -> Any:
        from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

        # As TelegramSender does: RetryAfter.retry_after as a timedelta, without a warning.
        os.environ["PTB_TIMEDELTA"] = "true"
        quiet_http_loggers()
        self._token = token
        base = api_base_url.rstrip("/")
        app = (Application.builder().token(token).base_url(f"{base}/bot")
               .base_file_url(f"{base}/file/bot")
               # A /latest answer takes seconds (one message a second): other chats
               # must not wait behind it.
               .concurrent_updates(True).job_queue(None).build())
        private = filters.ChatType.PRIVATE
        for name, handler in (("start", self.on_start), ("latest", self.on_latest),
                              ("follow", self.on_follow), ("following", self.on_following),
                              ("unfollow", self.on_unfollow), ("stop", self.on_stop),
                              ("help", self.on_help)):
            app.add_handler(CommandHandler(name, handler, filters=private))
        app.add_handler(CallbackQueryHandler(self.on_language, pattern=r"^lang:(ar|en)$"))
        app.add_error_handler(self.on_error)
        self.app = app
        return app

    async def run(self, stop: asyncio.Event, lease: PollLease | None = None,
                  tick: float = 15.0, webhook: tuple[str, str] | None = None) -> None:
        """Connect (retrying while Telegram is unreachable), then fetch updates while this
        instance holds `lease` (always, without one; looked at every `tick` seconds) until
        `stop`; then stop polling and close, in that order. With `webhook` (url, secret
        token), Telegram is told to POST updates there instead (`accept` takes them)."""
        self._loop = asyncio.get_running_loop()
        try:
            if await self._connect(stop):
                if webhook is not None:
                    await self._serve_webhook(stop, *webhook)
                else:
                    await self._poll(stop, lease, tick)
        finally:  # cancelled too (the service stopping on an error): polling ends first
            await self._close()

    async def _serve_webhook(self, stop: asyncio.Event, url: str, secret: str) -> None:
        """setWebhook (retried, doubling), then wait for `stop`. The webhook stays set when
        stopping: Telegram keeps the updates while no instance answers, and polling mode
        deletes it (PTB's start_polling calls deleteWebhook)."""
        wait = RETRY_FIRST
        while not stop.is_set():
            try:
                await self.app.bot.set_webhook(
                    url=url, secret_token=secret,
                    allowed_updates=["message", "callback_query"])
                break
            except Exception as exc:
                reason = classify(exc, method="setWebhook", token=self._token).reason
                log.warning("private chats: setWebhook failed (%s); next try in %.0f s",
                            reason, wait)
                await _pause(stop, wait)
                wait = min(wait * 2, RETRY_MAX)
        else:
            return
        self._accepting = True
        # The URL holds the secret path: it is not logged.
        log.info("private chats: answering commands (webhook at the feed server)")
        try:
            await stop.wait()
        finally:
            self._accepting = False

    def accept(self, data: dict[str, Any]) -> bool:
        """An update POSTed to the webhook (called on the feed server's thread): queued for
        the Application; False while it is not running, so Telegram sends it again."""
        from telegram import Update

        loop = self._loop
        if not self._accepting or loop is None or loop.is_closed():
            return False
        update = Update.de_json(data, self.app.bot)
        queued = asyncio.run_coroutine_threadsafe(self.app.update_queue.put(update), loop)
        try:
            queued.result(timeout=10)
        except Exception:
            return False
        return True

    async def _connect(self, stop: asyncio.Event) -> bool:
        from telegram.error import InvalidToken

        wait = RETRY_FIRST
        while not stop.is_set():
            try:
                await self.app.initialize()
                await self.app.start()
                break
            except InvalidToken:
                log.error("private chats: Telegram refused the token; not answering")
                return False
            except Exception as exc:
                reason = classify(exc, method="getUpdates", token=self._token).reason
                log.warning("private chats: cannot reach Telegram (%s); next try in %.0f s",
                            reason, wait)
                await self._close()
                await _pause(stop, wait)
                wait = min(wait * 2, RETRY_MAX)
        else:
            return False
        with contextlib.suppress(Exception):  # the command menu is a nicety
            await self._set_menu()
        return True

    async def _poll(self, stop: asyncio.Event, lease: PollLease | None, tick: float) -> None:
        """Poll while the lease is held here; stop at once when it is not. A 409 Conflict
        (another process polls this token, outside our database) stops polling for a
        doubling pause, said once per episode (ended by a minute of quiet polling) rather
        than on every try."""
        wait = RETRY_FIRST
        conflicted = False
        polling_since = time.monotonic()
        while not stop.is_set():
            if not self._may_poll(lease):
                await self._stop_polling()
                await _pause(stop, tick)
                continue
            if not self.app.updater.running:
                self._conflict.clear()
                try:
                    await self.app.updater.start_polling(
                        timeout=self.settings.poll_timeout,
                        allowed_updates=["message", "callback_query"],
                        bootstrap_retries=0, error_callback=self._on_poll_error)
                except Exception as exc:
                    reason = classify(exc, method="getUpdates", token=self._token).reason
                    log.warning("private chats: cannot start polling (%s); next try in "
                                "%.0f s", reason, wait)
                    await _pause(stop, wait)
                    wait = min(wait * 2, RETRY_MAX)
                    continue
                polling_since = time.monotonic()
                if not conflicted:
                    log.info("private chats: answering commands (long polling)")
            await _pause(stop, tick, self._conflict)
            if not self._conflict.is_set():
                if time.monotonic() - polling_since >= QUIET_AFTER_CONFLICT:
                    wait, conflicted = RETRY_FIRST, False
                continue
            await self._stop_polling()
            if not conflicted:
                log.warning("private chats: another process is polling this bot's updates "
                            "(409 Conflict from Telegram): only one may; pausing (%.0f s "
                            "at first, doubling) and trying again", wait)
            else:
                log.debug("private chats: still in conflict; next try in %.0f s", wait)
            conflicted = True
            await _pause(stop, wait)
            wait = min(wait * 2, RETRY_MAX)

    def _may_poll(self, lease: PollLease | None) -> bool:
        if lease is None:
            return True
        try:
            held = lease.keep()
        except Exception as exc:  # the database is away: polling waits, it does not guess
            if not self._lease_failing:  # once per outage, not on every tick
                log.warning("private chats: the polling lease cannot be kept (%s); not "
                            "polling until the database answers", type(exc).__name__)
            self._lease_failing = True
            return False
        self._lease_failing = False
        return held

    def _on_poll_error(self, error: Exception) -> None:
        """PTB's polling loop calls this on each failed getUpdates (and backs off)."""
        from telegram.error import Conflict

        if isinstance(error, Conflict):
            self._conflict.set()
            return
        reason = classify(error, method="getUpdates", token=self._token).reason
        log.warning("private chats: fetching updates failed (%s); retrying", reason)

    async def _stop_polling(self) -> None:
        with contextlib.suppress(Exception):
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()

    async def _close(self) -> None:
        app = self.app
        with contextlib.suppress(Exception):
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()
        with contextlib.suppress(Exception):
            await app.shutdown()

    async def _set_menu(self) -> None:
        from telegram import BotCommand

        for lang in LANGUAGES:
            commands = [BotCommand(name, say(lang, f"menu_{name}"))
                        for name in ("latest", "follow", "following", "unfollow", "stop")]
            await self.app.bot.set_my_commands(commands, language_code=lang)

    # ---- answering -----------------------------------------------------------------

    async def _say(self, chat_id: int, text: str, *, buttons: Any = None,
                   post: Post | None = None) -> None:
        """One message to the chat, paced with everything else the bot sends."""
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
        from telegram.error import Forbidden

        chat = str(chat_id)
        kwargs: dict[str, Any] = {"reply_markup": buttons}
        if post is not None:
            text = post.text
            kwargs = {"parse_mode": post.parse_mode,
                      "reply_markup": InlineKeyboardMarkup(
                          [[InlineKeyboardButton(label, url=url)] for label, url in
                           post.buttons]) if post.buttons else None,
                      "link_preview_options": LinkPreviewOptions(is_disabled=True)
                      if post.link_preview_url is None else
                      LinkPreviewOptions(url=post.link_preview_url, prefer_large_media=True)}
        await self.pacer.wait(chat)
        try:
            await self.app.bot.send_message(chat_id=chat_id, text=text, **kwargs)
        except Forbidden:
            # The user blocked the bot between their command and this answer.
            self.followers.forget(chat_id)
            self.limit.forget(chat_id)
        except Exception as exc:
            error = classify(exc, method="sendMessage", token=self._token)
            log.warning("private chats: answer to %s not sent: %s", chat, error.reason)
            if isinstance(error, RateLimited):  # the chat's next message waits it out
                self.pacer.pause(chat, error.retry_after)
        finally:
            self.pacer.done(chat)

    async def _admit(self, update: Any) -> tuple[int, str | None] | None:
        """(chat id, its language or None) when the command may be answered."""
        chat_id = int(update.effective_chat.id)
        verdict = self.limit.check(chat_id)
        if verdict == "ok":
            return chat_id, self.followers.language(chat_id)
        if verdict == "tell":
            lang = self.followers.language(chat_id)
            await self._say(chat_id, say(lang, "slow_down") if lang else SLOW_DOWN_BOTH)
        return None

    async def _language_of(self, update: Any) -> tuple[int, str] | None:
        admitted = await self._admit(update)
        if admitted is None:
            return None
        chat_id, lang = admitted
        if lang is None:
            await self._say(chat_id, NEED_LANGUAGE, buttons=self._language_buttons())
            return None
        return chat_id, lang

    @staticmethod
    def _language_buttons() -> Any:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        return InlineKeyboardMarkup([[InlineKeyboardButton(LANGUAGE_NAMES[lang],
                                                           callback_data=f"lang:{lang}")
                                      for lang in LANGUAGES]])

    async def _choose(self, chat_id: int, lang: str) -> None:
        self.followers.set_language(chat_id, lang)
        await self._say(chat_id, say(lang, "welcome", org=self.organisation or "feedbot"))

    # ---- the commands --------------------------------------------------------------

    async def on_start(self, update: Any, context: Any) -> None:
        admitted = await self._admit(update)
        if admitted is None:
            return
        chat_id, _ = admitted
        wanted = (context.args or [""])[0].lower()
        if wanted in LANGUAGES:
            await self._choose(chat_id, wanted)
        else:
            await self._say(chat_id, CHOOSE, buttons=self._language_buttons())

    async def on_language(self, update: Any, context: Any) -> None:
        query = update.callback_query
        with contextlib.suppress(Exception):
            await query.answer()
        if query.message is None or query.message.chat.type != "private":
            return
        admitted = await self._admit(update)
        if admitted is None:
            return
        await self._choose(admitted[0], str(query.data).split(":", 1)[1])

    async def on_help(self, update: Any, context: Any) -> None:
        found = await self._language_of(update)
        if found is not None:
            await self._say(found[0], say(found[1], "help"))

    async def on_latest(self, update: Any, context: Any) -> None:
        found = await self._language_of(update)
        if found is None:
            return
        chat_id, lang = found
        articles = self.store.latest(lang=lang, limit=LATEST_COUNT)
        if not articles:
            await self._say(chat_id, say(lang, "latest_none"))
            return
        for article in reversed(articles):  # oldest first, as a channel reads
            await self._say(chat_id, "", post=self._post(article))

    def _post(self, article: Article) -> Post:
        translations = {lang: other for lang, key in sorted(article.translations.items())
                        if (other := self.store.get(key)) is not None}
        return compose_post(article, translations=translations, tz=self.tz,
                            source_title=self.source_titles.get(article.source))

    async def on_follow(self, update: Any, context: Any) -> None:
        found = await self._language_of(update)
        if found is None:
            return
        chat_id, lang = found
        phrases = split_phrases(_arguments(update))
        if not phrases:
            await self._say(chat_id, say(lang, "follow_usage"))
            return
        if any(len(p) > MAX_PHRASE_CHARS or len(phrase_key(p)) > 250 for p in phrases):
            await self._say(chat_id, say(lang, "too_long", max=MAX_PHRASE_CHARS))
            return
        try:
            added = self.followers.follow(chat_id, phrases)
        except TooMany:
            await self._say(chat_id, say(lang, "too_many", max=self.followers.max_phrases))
            return
        if added:
            await self._say(chat_id, say(lang, "followed", names=_listed(added, lang)))
        else:
            await self._say(chat_id, say(lang, "already", names=_listed(phrases, lang)))

    async def on_following(self, update: Any, context: Any) -> None:
        found = await self._language_of(update)
        if found is None:
            return
        chat_id, lang = found
        phrases = self.followers.following(chat_id)
        if not phrases:
            await self._say(chat_id, say(lang, "following_none"))
        else:
            await self._say(chat_id, say(lang, "following",
                                         names="\n".join(f"• {p}" for p in phrases)))

    async def on_unfollow(self, update: Any, context: Any) -> None:
        found = await self._language_of(update)
        if found is None:
            return
        chat_id, lang = found
        phrases = split_phrases(_arguments(update))
        if not phrases:
            await self._say(chat_id, say(lang, "unfollow_usage"))
            return
        removed = self.followers.unfollow(chat_id, phrases)
        if removed:
            await self._say(chat_id, say(lang, "unfollowed", names=_listed(removed, lang)))
        else:
            await self._say(chat_id, say(lang, "not_following", names=_listed(phrases, lang)))

    async def on_stop(self, update: Any, context: Any) -> None:
        admitted = await self._admit(update)
        if admitted is None:
            return
        chat_id, lang = admitted
        self.followers.forget(chat_id)
        self.limit.forget(chat_id)
        await self._say(chat_id, say(lang, "stopped") if lang else
                        f"{say('ar', 'stopped')}\n{say('en', 'stopped')}")

    async def on_error(self, update: object, context: Any) -> None:
        error = context.error
        reason = classify(error, method="update", token=self._token).reason \
            if error is not None else "unknown"
        log.error("private chats: a command failed: %s", reason)


async def _pause(stop: asyncio.Event, seconds: float, *more: asyncio.Event) -> None:
    """Wait `seconds`, or less when `stop` (or any of `more`) is set."""
    events = (stop, *more)
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


def _arguments(update: Any) -> str:
    """The text after the command, new lines kept (context.args splits on them)."""
    text = update.effective_message.text or ""
    return text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""


def _listed(phrases: list[str], lang: str) -> str:
    return ("، " if lang == "ar" else ", ").join(phrases)
