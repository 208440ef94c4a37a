"""The only python-telegram-bot user: send, edit and pin posts; map Telegram's errors.

Errors are mapped to a small tree the delivery loop can act on:

    SendError                      anything that stopped a call
    ├── RateLimited                429: wait `retry_after` seconds, then go on
    ├── Transient                  5xx, timeouts, network: retry with backoff
    ├── Unauthorized               the token was refused (401/404): nothing can be sent
    ├── ChatProblem                chat not found, bot not a member, no admin rights,
    │                              forbidden, chat migrated: the operator must act
    └── Rejected                   Telegram refused this one request (400)
        ├── TooLong                message / caption is too long: send the plain form
        ├── BadEntities            can't parse entities: send the plain form
        ├── PhotoRejected          the photo URL was refused: send the text post
        ├── NotModified            an edit that changes nothing: already done
        └── Permanent              any other 400: keep queued, alert, retry slowly

The bot token is in every request URL. It never reaches a log line or an error message:
the `httpx` and `httpcore` loggers are raised to WARNING and `telegram` to INFO (the
levels below log URLs), and every message taken from an exception is scrubbed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import TracebackType
from typing import Any, TextIO

from bot.compose import Post

log = logging.getLogger(__name__)

# Loggers that write request URLs (and so the token) below these levels.
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING,
                 "telegram": logging.INFO}


class SendError(Exception):
    """A Telegram call failed; `reason` is a one-line, token-free description."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimited(SendError):
    def __init__(self, retry_after: float, reason: str = "") -> None:
        super().__init__(reason or f"rate limited: retry after {retry_after:g} s")
        self.retry_after = retry_after


class Transient(SendError):
    pass


class Unauthorized(SendError):
    pass


class ChatProblem(SendError):
    """The chat cannot receive posts until the operator fixes something.

    `kind` is a short stable name ("not-found", "forbidden", "not-admin", "migrated")
    used in alert keys.
    """

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.kind = kind


class Rejected(SendError):
    pass


class TooLong(Rejected):
    pass


class BadEntities(Rejected):
    pass


class PhotoRejected(Rejected):
    pass


class NotModified(Rejected):
    pass


class Permanent(Rejected):
    pass


def quiet_http_loggers() -> None:
    """Raise the library loggers above the levels at which they log request URLs."""
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < level:
            logger.setLevel(level)


def _chat_problem(text: str) -> str | None:
    lowered = text.lower()
    for needle, kind in (
        ("chat not found", "not-found"),
        # A user's private chat: the follower is gone (bot.followers forgets them).
        ("blocked by the user", "blocked"),
        ("user is deactivated", "blocked"),
        ("not a member", "not-member"),
        ("bot was kicked", "not-member"),
        ("need administrator rights", "not-admin"),
        ("not enough rights", "not-admin"),
        ("have no rights", "not-admin"),
        ("chat_write_forbidden", "not-admin"),
        ("chat_admin_required", "not-admin"),
        ("peer_id_invalid", "not-found"),
        ("channel_private", "not-member"),
    ):
        if needle in lowered:
            return kind
    return None


def classify(exc: BaseException, *, method: str, token: str) -> SendError:
    """The SendError for an exception raised by python-telegram-bot during `method`."""
    from telegram import error as tg

    def scrub(text: str) -> str:
        text = text.replace(token, "<token>") if token else text
        return " ".join(text.split())[:300]

    text = scrub(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
    if isinstance(exc, tg.RetryAfter):
        return RateLimited(_seconds(exc), f"{method}: {text}")
    if isinstance(exc, tg.ChatMigrated):
        return ChatProblem(f"{method}: chat migrated to a supergroup, new id "
                           f"{exc.new_chat_id}: update the configuration", "migrated")
    if isinstance(exc, tg.InvalidToken):
        return Unauthorized(f"{method}: the bot token was refused")
    if isinstance(exc, tg.Forbidden):
        return ChatProblem(f"{method}: {text}", _chat_problem(text) or "forbidden")
    if isinstance(exc, tg.BadRequest):
        lowered = text.lower()
        kind = _chat_problem(text)
        if kind is not None:
            return ChatProblem(f"{method}: {text}", kind)
        if "too long" in lowered:
            return TooLong(f"{method}: {text}")
        if "can't parse entities" in lowered or "can't find end" in lowered:
            return BadEntities(f"{method}: {text}")
        if "message is not modified" in lowered:
            return NotModified(f"{method}: {text}")
        if method == "sendPhoto":
            return PhotoRejected(f"{method}: {text}")
        return Permanent(f"{method}: {text}")
    if isinstance(exc, tg.TimedOut):
        return Transient(f"{method}: timed out")
    if isinstance(exc, tg.NetworkError):  # 5xx, connection errors (BadRequest handled above)
        return Transient(f"{method}: {text}")
    if isinstance(exc, tg.EndPointNotFound | tg.Conflict):
        return Permanent(f"{method}: {text}")
    if isinstance(exc, tg.TelegramError):  # e.g. an unreadable answer
        return Transient(f"{method}: {text}")
    return Transient(f"{method}: {type(exc).__name__}: {text}")


def _seconds(exc: Any) -> float:
    # With PTB_TIMEDELTA set (TelegramSender sets it) this is a timedelta and reading it
    # does not warn; an int is still accepted should another caller have unset it.
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Posts through the Bot API at `api_base_url` (Telegram's or a self-hosted server).

    Use as `async with TelegramSender(token, url) as sender:`; entering calls getMe, so a
    refused token fails here with `Unauthorized`.
    """

    dry_run = False

    def __init__(self, token: str, api_base_url: str = "https://api.telegram.org", *,
                 timeout: float = 20.0, connect_timeout: float = 10.0) -> None:
        if not token:
            raise ValueError("TelegramSender needs a token; use DryRunSender without one")
        # python-telegram-bot 22 warns on every read of RetryAfter.retry_after (and while
        # building one) unless this opt-in is set; the value is then a timedelta.
        os.environ["PTB_TIMEDELTA"] = "true"
        quiet_http_loggers()
        self._token = token
        self._base = api_base_url.rstrip("/")
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._bot: Any = None
        self._ready = False

    def __repr__(self) -> str:
        return f"TelegramSender({self._base!r})"

    async def __aenter__(self) -> TelegramSender:
        """Builds the bot and calls getMe, so a refused token fails here with
        `Unauthorized` and an unreachable Bot API with `Transient`."""
        await self.open()
        try:
            await self.ensure_ready()
        except BaseException:
            await self.close()
            raise
        return self

    async def open(self) -> None:
        """Build the bot without calling Telegram: `feedbot run` starts (and scrapes,
        and publishes feeds) while the Bot API is unreachable; calls connect later."""
        from telegram import Bot
        from telegram.request import HTTPXRequest

        request = HTTPXRequest(read_timeout=self._timeout, write_timeout=self._timeout,
                               connect_timeout=self._connect_timeout, pool_timeout=self._timeout)
        self._bot = Bot(self._token, base_url=f"{self._base}/bot",
                        base_file_url=f"{self._base}/file/bot", request=request)

    @property
    def ready(self) -> bool:
        """Telegram has answered getMe (the token is known to work)."""
        return self._ready

    async def ensure_ready(self) -> None:
        """Call getMe once, until it has succeeded; raises a SendError when it fails."""
        if self._ready:
            return
        if self._bot is None:
            await self.open()
        try:
            await self._bot.initialize()
        except Exception as exc:
            raise classify(exc, method="getMe", token=self._token) from None
        self._ready = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None
            self._ready = False

    @property
    def username(self) -> str:
        return str(self._bot.username) if self._bot is not None else ""

    async def _call(self, method: str, call: Callable[[Any], Awaitable[Any]]) -> Any:
        """`call(bot)` once the bot is connected (getMe answered), errors classified."""
        await self.ensure_ready()
        try:
            return await call(self._bot)
        except Exception as exc:
            # `from None`: the original exception's text may hold the URL, and so the token.
            raise classify(exc, method=method, token=self._token) from None

    @staticmethod
    def _markup(post: Post) -> Any:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        if not post.buttons:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]
                                     for label, url in post.buttons])

    @staticmethod
    def _preview(post: Post) -> Any:
        from telegram import LinkPreviewOptions

        if post.link_preview_url is None:
            return LinkPreviewOptions(is_disabled=True)
        return LinkPreviewOptions(url=post.link_preview_url, prefer_large_media=True)

    async def send(self, post: Post, chat: str, *, silent: bool = False) -> int:
        """Send `post` as a text message; returns Telegram's message id."""
        message = await self._call("sendMessage", lambda bot: bot.send_message(
            chat_id=chat, text=post.text, parse_mode=post.parse_mode,
            reply_markup=self._markup(post), link_preview_options=self._preview(post),
            disable_notification=silent))
        return int(message.message_id)

    async def send_photo(self, post: Post, chat: str, *, silent: bool = False) -> int:
        """Send `post` as its photo with the text as caption; returns the message id."""
        if post.photo is None:
            raise ValueError("send_photo needs a post composed with as_caption=True")
        message = await self._call("sendPhoto", lambda bot: bot.send_photo(
            chat_id=chat, photo=post.photo, caption=post.text, parse_mode=post.parse_mode,
            reply_markup=self._markup(post), disable_notification=silent))
        return int(message.message_id)

    async def edit(self, chat: str, message_id: int, post: Post) -> None:
        """Replace the text (or, for a post composed as a caption, the caption)."""
        if post.caption:
            await self._call("editMessageCaption", lambda bot: bot.edit_message_caption(
                chat_id=chat, message_id=message_id, caption=post.text,
                parse_mode=post.parse_mode, reply_markup=self._markup(post)))
        else:
            await self._call("editMessageText", lambda bot: bot.edit_message_text(
                chat_id=chat, message_id=message_id, text=post.text,
                parse_mode=post.parse_mode, reply_markup=self._markup(post),
                link_preview_options=self._preview(post)))

    async def pin(self, chat: str, message_id: int) -> None:
        """Pin a message without notifying the channel's subscribers a second time."""
        await self._call("pinChatMessage", lambda bot: bot.pin_chat_message(
            chat_id=chat, message_id=message_id, disable_notification=True))


class DryRunSender:
    """The TelegramSender interface, printing each call exactly as it would be sent."""

    dry_run = True
    username = "dry-run"
    ready = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._next_id = 0

    async def __aenter__(self) -> DryRunSender:
        return self

    async def open(self) -> None:
        return None

    async def ensure_ready(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None

    def _print(self, method: str, chat: str, post: Post, extra: str = "") -> int:
        stream = self._stream or sys.stdout
        self._next_id += 1
        mode = post.parse_mode or "none"
        lines = [f"--- {method} to {chat} (parse_mode={mode}{extra})"]
        if post.photo:
            lines.append(f"photo: {post.photo}")
        lines.append(post.text)
        lines += [f"[button] {label} -> {url}" for label, url in post.buttons]
        if post.link_preview_url and not post.photo:
            lines.append(f"preview: {post.link_preview_url}")
        print("\n".join(lines), file=stream, flush=True)
        return self._next_id

    async def send(self, post: Post, chat: str, *, silent: bool = False) -> int:
        return self._print("sendMessage", chat, post, ", silent" if silent else "")

    async def send_photo(self, post: Post, chat: str, *, silent: bool = False) -> int:
        return self._print("sendPhoto", chat, post, ", silent" if silent else "")

    async def edit(self, chat: str, message_id: int, post: Post) -> None:
        method = "editMessageCaption" if post.caption else "editMessageText"
        self._print(method, chat, post, f", message_id={message_id}")

    async def pin(self, chat: str, message_id: int) -> None:
        print(f"--- pinChatMessage to {chat} (message_id={message_id})",
              file=self._stream or sys.stdout, flush=True)


Sender = TelegramSender | DryRunSender
