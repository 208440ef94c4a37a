"""The one type that flows through the pipeline: an Article, and the small values it carries.

Fetch -> extract -> store -> (feeds, Telegram) all speak `Article`; nothing downstream
reaches back into HTML.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What an article is, as an editor would file it."""

    NEWS = "news"
    CAMPAIGN = "campaign"
    STATEMENT = "statement"  # joint statement / open letter
    REPORT = "report"


# A lone surrogate cannot be encoded in UTF-8: SQLite, hashing and Telegram all raise on it.
# Decoders never make one, but `json.loads` and feed parsers turn "\\ud800" or "&#xD800;"
# into one, so an Article drops them wherever its text came from.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # a primary language subtag, or "und"


def encodable(text: str) -> str:
    """`text` without lone surrogates (the only str that UTF-8 cannot encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATES.sub("", text)
    return text


@dataclass(frozen=True)
class ActionLink:
    """A call-to-action link (petition, tweet intent, letter) with its visible label."""

    url: str
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", encodable(self.url))
        object.__setattr__(self, "label", encodable(self.label))


@dataclass(frozen=True)
class Article:
    """One article in one language, as the bot understood it.

    `key` is the stable identity: the canonical URL, plus `#lang` when one page held
    several languages. Feed ids and Telegram de-duplication derive from it, never from
    the title.

    Whoever builds one, an Article holds no lone surrogates (so it can always be stored,
    hashed and sent) and a `lang` of two or three lower-case letters.
    """

    key: str
    url: str  # canonical URL a reader should open
    source: str
    lang: str  # BCP-47 primary tag: "ar", "en", ...; anything else becomes "und"
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

    def __post_init__(self) -> None:
        # Every Article can be stored, hashed and sent, whoever built it.
        if not _LANGUAGE.fullmatch(self.lang):
            # The language names feed directories: "../../x" from a page's <html lang>
            # must never become a path.
            object.__setattr__(self, "lang", "und")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, encodable(value))
        object.__setattr__(self, "categories", tuple(encodable(c) for c in self.categories))
        object.__setattr__(self, "translations", {lang: encodable(key) for lang, key
                                                  in self.translations.items()
                                                  if _LANGUAGE.fullmatch(lang)})

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


# "ckb": Sorani Kurdish, which feeds.language detects; "ku" is the macrolanguage code.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ku", "ckb", "yi", "dv"})
