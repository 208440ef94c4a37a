"""A period's articles -> the Telegram messages of its digest. Pure: no I/O.

One line per article, grouped by kind with campaign calls first; each campaign call is
numbered and its action links become buttons ("1 · Sign the petition") on the message
that lists it. Long digests are split between lines, never inside one (so never inside
an HTML tag), each message within Telegram's 4096 units and MAX_BUTTONS buttons; a kind
whose list goes on in the next message is headed again there, marked as continued.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.compose import (
    BUTTON_TEXT_LIMIT,
    MESSAGE_LIMIT,
    RLM,
    _is_web_url,
    clean_text,
    shorten,
    telegram_length,
)
from feeds.digests import DigestMessage, group_by_kind, period_label, words
from feeds.models import RTL_LANGUAGES, Article, Kind

# Telegram documents no cap on a keyboard's size; ~100 buttons is where it refuses, and a
# phone shows a dozen rows before the keyboard buries the message. 12 keeps it readable.
MAX_BUTTONS = 12
ACTIONS_PER_CALL = 3  # action buttons per campaign call (petition, letter, share...)
ITEM_TITLE_LIMIT = 200  # units of a title in a digest line: one article never fills a message

@dataclass
class _Message:
    lines: list[str]
    units: int
    buttons: list[tuple[str, str]]


def compose_digest(items: Sequence[Article], *, lang: str, name: str, start: datetime,
                   end: datetime, tz: tzinfo) -> list[DigestMessage]:
    """The messages of one digest, in order; none when `items` is empty."""
    if not items:
        return []
    w = words(lang)
    mark = RLM if lang in RTL_LANGUAGES else ""
    title = html.escape(shorten(clean_text(w["title"].format(name=name)), 200), quote=False)
    count = w["one"] if len(items) == 1 else w["count"].format(n=len(items))
    subtitle = html.escape(f"{period_label(start, end, lang, tz)} · {count}", quote=False)

    def header(part: int, total: int) -> str:
        numbering = f" ({part}/{total})" if total > 1 else ""
        return f"{mark}<b>{title}</b>{numbering}\n{mark}<i>{subtitle}</i>"

    # Room for the widest header ("(99/99)"), whatever the final count turns out to be.
    budget = MESSAGE_LIMIT - telegram_length(header(99, 99))
    messages: list[_Message] = []
    current = _Message([], 0, [])

    def fits(lines: list[str], buttons: int) -> bool:
        added = sum(telegram_length(line) + 1 for line in lines)  # each after a "\n"
        return (current.units + added <= budget
                and len(current.buttons) + buttons <= MAX_BUTTONS)

    def add(lines: list[str], buttons: list[tuple[str, str]]) -> None:
        current.lines += lines
        current.units += sum(telegram_length(line) + 1 for line in lines)
        current.buttons += buttons

    number = 0
    for kind, group in group_by_kind(items):
        heading = f"\n{mark}<b>{html.escape(w[kind], quote=False)}</b>"
        continued = (f"\n{mark}<b>{html.escape(w[kind], quote=False)}</b> "
                     f"<i>({html.escape(w['continued'], quote=False)})</i>")
        first = True
        for article in group:
            buttons: list[tuple[str, str]] = []
            if kind is Kind.CAMPAIGN:
                number += 1
                buttons = _action_buttons(article, number, w["action"])
            line = _line(article, number if kind is Kind.CAMPAIGN else None, mark)
            lead = [heading] if first else []
            if not fits([*lead, line], len(buttons)) and current.lines:
                messages.append(current)
                current = _Message([], 0, [])
                lead = [heading if first else continued]
            add([*lead, line], buttons)
            first = False
    messages.append(current)
    total = len(messages)
    return [DigestMessage(text="\n".join([header(i, total), *m.lines]),
                          buttons=tuple(m.buttons))
            for i, m in enumerate(messages, start=1)]


def _line(article: Article, number: int | None, mark: str) -> str:
    title = html.escape(shorten(clean_text(article.title), ITEM_TITLE_LIMIT) or article.url,
                        quote=False)
    bullet = f"{number}." if number is not None else "•"
    if _is_web_url(article.url):
        title = f'<a href="{html.escape(article.url, quote=True)}">{title}</a>'
    return f"{mark}{bullet} {title}"


def _action_buttons(article: Article, number: int, fallback: str) -> list[tuple[str, str]]:
    buttons: list[tuple[str, str]] = []
    seen: set[str] = set()
    for action in article.actions:
        # Telegram refuses the whole message for one button it cannot open.
        if not _is_web_url(action.url) or action.url in seen:
            continue
        seen.add(action.url)
        label = clean_text(action.label) or fallback
        buttons.append((shorten(f"{number} · {label}", BUTTON_TEXT_LIMIT), action.url))
        if len(buttons) == ACTIONS_PER_CALL:
            break
    return buttons
