"""A follower's alert: the channel's post with one line above it naming what they follow
("🔔 لجين الهذلول"), so a person who follows several names sees why it came. Pure."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from bot.compose import Post, shorten, telegram_length, utf16_units

BELL = "🔔"
MAX_LINE_UNITS = 120


def with_alert_line(post: Post, names: Sequence[str]) -> Post:
    """`post` with the names line on top; unchanged when there are no names or the line
    would take the post over Telegram's limit (the post matters more than the line)."""
    if not names:
        return post
    joined = shorten(("، " if post.lang == "ar" else ", ").join(names), MAX_LINE_UNITS)
    line = f"{BELL} {joined}\n\n"
    if post.parse_mode == "HTML":
        line = f"{BELL} <b>{html.escape(joined, quote=False)}</b>\n\n"
        length = telegram_length(line + post.text)
    else:
        length = utf16_units(line + post.text)
    if length > post.limit:
        return post
    return replace(post, text=line + post.text)
