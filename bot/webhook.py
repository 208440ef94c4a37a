"""Telegram's webhook (`[telegram.private] mode = "webhook"`): updates POSTed by Telegram
to a secret path of the feed server, checked against Telegram's secret_token header.

Both secrets are derived from the bot token (an HMAC of it, so neither reveals it), which
lets every instance sharing a database agree on them with nothing more to configure or
store, and a new token changes them. The path keeps strangers from finding the endpoint;
the `X-Telegram-Bot-Api-Secret-Token` header proves a request comes from Telegram (set by
setWebhook's `secret_token`). A request without it is refused with 403 and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
PATH_PREFIX = "/telegram/"


@dataclass(frozen=True)
class WebhookSecrets:
    path: str  # "/telegram/<64 hex>", served by the feed server
    token: str  # the secret_token Telegram sends back in every request's header

    def url(self, base_url: str) -> str:
        """The public URL: the feed server's host, as feeds.base_url names it."""
        return base_url.rstrip("/") + self.path

    def __repr__(self) -> str:  # never the secrets, should the object reach a log line
        return "WebhookSecrets(<hidden>)"


def webhook_secrets(bot_token: str) -> WebhookSecrets:
    def derive(purpose: str) -> str:
        return hmac.new(bot_token.encode(), f"feedbot webhook {purpose}".encode(),
                        hashlib.sha256).hexdigest()

    # secret_token allows 1-256 characters of A-Z a-z 0-9 _ -: hex digits are all in it.
    return WebhookSecrets(path=PATH_PREFIX + derive("path"), token=derive("secret token"))


class WebhookReceiver:
    """The feed server's POST route for the webhook path: checks the secret header, parses
    the update and hands it to `deliver` (which answers False while the bot is not ready,
    so Telegram keeps the update and sends it again)."""

    def __init__(self, secrets: WebhookSecrets,
                 deliver: Callable[[dict[str, Any]], bool]) -> None:
        self.secrets = secrets
        self.deliver = deliver
        self.refused = 0  # requests without the right secret

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes]:
        sent = headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.secrets.token.encode()):
            self.refused += 1
            log.warning("webhook: a request without Telegram's secret header was refused")
            return 403, "text/plain; charset=utf-8", b"forbidden\n"
        try:
            update = json.loads(body)
        except ValueError:
            update = None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            log.warning("webhook: a request from Telegram held no update; ignored")
            return 400, "text/plain; charset=utf-8", b"not an update\n"
        try:
            delivered = self.deliver(update)
        except Exception as exc:  # an update the library cannot read: retrying won't help
            log.warning("webhook: an update could not be read (%s); dropped",
                        type(exc).__name__)
            return 400, "text/plain; charset=utf-8", b"not an update\n"
        if not delivered:
            return 503, "text/plain; charset=utf-8", b"not ready\n"
        return 200, "application/json", b"{}"
