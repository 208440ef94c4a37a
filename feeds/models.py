"""The one type that flows through the pipeline: an Article, and the small values it carries.

Fetch -> extract -> store -> (feeds, Telegram) all speak `Article`; nothing downstream
reaches back into HTML.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What an article is, as an editor would file it."""

    NEWS = "news"
    CAMPAIGN = "campaign"
    STATEMENT = "statement"  # joint statement / open letter
    REPORT = "report"


@dataclass(frozen=True)
class ActionLink:
    """A call-to-action link (petition, tweet intent, letter) with its visible label."""

    url: str
    label: str


@dataclass(frozen=True)
class Article:
    """One article in one language, as the bot understood it.

    `key` is the stable identity: the canonical URL, plus `#lang` when one page held
    several languages. Feed ids and Telegram de-duplication derive from it, never from
    the title.
    """

    key: str
    url: str  # canonical URL a reader should open
    source: str
    lang: str  # BCP-47 primary tag: "ar", "en", ...
    title: str
    body_html: str  # main content only, absolute URLs, not yet sanitised for feeds
    body_text: str
    summary: str
    published: datetime | None  # timezone-aware; None only before the store fills it
    date_is_guess: bool = False  # True when no usable date was found (first-seen time used)
    updated: datetime | None = None
    image: str | None = None
    kind: Kind = Kind.NEWS
    categories: tuple[str, ...] = ()
    actions: tuple[ActionLink, ...] = ()
    # language -> key of the same article in that language
    translations: dict[str, str] = field(default_factory=dict)

    @property
    def is_rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    def content_hash(self) -> str:
        """A hash of what a reader sees: an edit on the site changes it, a re-fetch does not."""
        parts = [self.title, self.summary, self.body_text, self.image or "", self.kind.value]
        parts += [f"{a.url} {a.label}" for a in self.actions]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def with_(self, **changes: object) -> Article:
        return replace(self, **changes)  # type: ignore[arg-type]


RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ku", "yi", "dv"})
