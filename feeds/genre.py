"""The genre a page names itself by: a title headed by "Joint statement", "Report:", "Urgent
Action:"; a letter's form (a salutation first, a sign-off after); text in quotation marks, which
is someone else's voice. Used by feeds.campaigns, which weighs these against its other signals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from feeds.dates import normalise_text
from feeds.models import Kind

__all__ = ["TitleGenre", "is_salutation", "title_genre", "title_segments", "unquoted"]

_PUNCTUATION = re.compile(r"[^\w\s]+")

# Nouns that name a piece's genre when they head a title segment. English puts modifiers
# before the head ("Joint oral statement"), Arabic after it ("بيان شفهي مشترك"), so an English
# head may follow modifier words and an Arabic head must come first.
_HEADS: Mapping[Kind, tuple[str, ...]] = {
    Kind.STATEMENT: (
        "statement", "letter", "declaration", "position", "بيان", "رساله", "نداء", "مناشده", "بلاغ",
        "اعلان مشترك",
    ),
    Kind.REPORT: (
        "report", "briefing", "brief", "paper", "submission", "factsheet", "fact sheet", "تقرير",
        "ورقه", "مساهمه", "مذكره", "دراسه", "احاطه", "ملخص سياسات", "موجز سياسات",
    ),
    Kind.CAMPAIGN: ("petition", "عريضه"),
}  # fmt: skip
# Heads that name the genre only after a modifier: "Appeal court upholds ..." is news,
# "Joint urgent appeal ..." is a statement.
_MODIFIED_HEADS: Mapping[Kind, tuple[str, ...]] = {
    Kind.STATEMENT: ("appeal", "appeals", "press release"),  # "Joint press release: ..."
    # "Legal analysis of the Cybercrime Law" is a paper; "Analysis: ..." alone is a news genre.
    Kind.REPORT: ("analysis",),
}
# An appeal may be made to the authorities (a statement) or to the reader (a campaign): the
# body tells which.
_APPEALS = frozenset({"appeal", "appeals", "نداء", "مناشده"})
# A bare "Letter" may be a letter the site signs ("Letter to the Foreign Secretary") or a
# story ("Letter from prison: ..."): without "to", a modifier or an Arabic adjective after it,
# the body must show a letter.
_LETTERS = frozenset({"letter", "رساله"})
_ADDRESSED_TO = frozenset({"to", "الي"})
# Official authors: "بيان وزارة الخارجية" or "Statement by the Foreign Office" is a government's
# statement, reported as news; NGOs do not publish those as their own.
_OFFICIAL_AUTHORS = frozenset({
    "وزاره", "الوزاره", "الحكومه", "حكومه", "السفاره", "سفاره", "الرئاسه", "النيابه", "المحكمه",
    "الداخليه", "الخارجيه", "ministry", "government", "embassy", "prosecutor", "court", "police",
    "foreign", "home", "state", "department", "interior", "white",
})  # fmt: skip
# Adjectives naming someone else's report: "تقرير أممي" (a UN report), "تقرير صحفي".
_OTHERS_REPORT = frozenset({"اممي", "امميه", "صحفي", "اعلامي", "حكومي", "رسمي", "استخباراتي"})


class TitleGenre(NamedTuple):
    """The genre a title names; `appeal` and `bare_letter` mark heads the body must confirm."""

    kind: Kind
    head: str
    appeal: bool = False
    bare_letter: bool = False
# Whole phrases heading a segment that name a call to act.
_CAMPAIGN_TITLES = (
    "urgent action", "take action", "act now", "day of action", "global day of action",
    "تحرك عاجل", "تحركوا", "تحرك الان", "تحركوا الان",
)  # fmt: skip
_EN_MODIFIERS = frozenset({
    "a", "an", "the", "our", "new", "joint", "public", "oral", "written", "open", "urgent",
    "annual", "shadow", "special", "final", "full", "interim", "monitoring", "research", "policy",
    "parallel", "alternative", "quarterly", "periodic", "thematic", "civil", "society", "ngo",
    "ngos", "expert", "legal", "follow", "up", "first", "second", "third", "fourth", "global",
    "country", "white", "mid", "term", "midterm", "progress", "status", "situation", "summary",
    "preliminary",
    # "Field report: ...", "Monthly briefing: ...": how and how often the work was done.
    "field", "investigative", "technical", "statistical", "weekly", "monthly", "biannual",
})  # fmt: skip
_AR_ARTICLE = "ال"
# Where a title splits into segments: "Saudi Arabia: Joint statement", "HRC56 – Report | ALQST".
_SEGMENT_BREAK = re.compile(r"\s*(?:[:|،,؛;]|\s[-–—]\s|[–—])\s*")

# The opening block of a letter: "Dear Foreign Secretary,", "Excellencies,", "معالي الوزير،".
_SALUTATIONS = (
    "dear", "excellencies", "your excellency", "your excellencies", "mr president",
    "madam president", "mr vice president", "madam vice president",
    "to the honourable", "معالي", "سعاده", "السيد الرئيس", "السيده الرئيسه",
    "حضره", "فخامه", "اصحاب السعاده", "صاحب السمو",
    # A statement delivered to a council opens by thanking its chair.
    "thank you mr president", "thank you madam president", "thank you mr chair",
    "thank you madam chair", "شكرا سيدي الرئيس", "شكرا السيد الرئيس", "شكرا سيدتي الرئيسه",
)  # fmt: skip
_SALUTATION_MAX_WORDS = 8

# Quotation marks around someone else's words; an apostrophe is not one, so single quotes
# count only as the curly pair.
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”|«[^»]*»|„[^“”]*[“”]|‘[^’]*’')


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub(" ", normalise_text(text)).split()


def title_segments(title: str) -> list[str]:
    """The title's parts between colons, dashes, bars and commas, each stripped."""
    return [part for part in _SEGMENT_BREAK.split(title) if part.strip()]


@lru_cache(maxsize=256)
def _phrase_words(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_words(phrase)) for phrase in phrases if _words(phrase))


def _heads_at(words: list[str], heads: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    if not words:
        return None
    # An Arabic head may carry the article: "التقرير السنوي" is headed by "تقرير".
    firsts = {words[0]}
    if words[0].startswith(_AR_ARTICLE) and len(words[0]) > len(_AR_ARTICLE) + 2:
        firsts.add(words[0].removeprefix(_AR_ARTICLE))
    for head in heads:
        if head[0] in firsts and tuple(words[1: len(head)]) == head[1:]:
            return head
    return None


def _segment_genre(
    words: list[str], phrases: Mapping[Kind, tuple[str, ...]]
) -> tuple[Kind, tuple[str, ...], list[str]] | None:
    """The genre heading one segment's words, the head, and the words after it."""
    if head := _heads_at(words, _phrase_words(_CAMPAIGN_TITLES)):
        return Kind.CAMPAIGN, head, words[len(head):]
    if found := _spokesperson_comment(words) or _period_review(words) or _trailing_report(words):
        return found
    start = 0
    while start < len(words) - 1 and words[start] in _EN_MODIFIERS:
        start += 1
    rest = words[start:]
    for kind in (Kind.STATEMENT, Kind.REPORT, Kind.CAMPAIGN):
        own = _phrase_words(tuple(phrases.get(kind, ())))
        for at in (rest, words):  # a site's phrase may start with a modifier ("white paper")
            head = _heads_at(at, _phrase_words(_HEADS[kind]) + own if at is rest else own)
            if head is None and at is rest and start:
                head = _heads_at(rest, _phrase_words(_MODIFIED_HEADS.get(kind, ())))
            if head is not None and _names_genre(kind, at, len(head)):
                return kind, head, at[len(head):]
    return None


# "Comment by UN Human Rights Office spokesperson ...", "تعليق المتحدث باسم المفوضية ...": a
# spokesperson's comment is the office's own statement, unless a government's office speaks.
_COMMENT_HEADS = (("comment", "by"), ("comments", "by"), ("remarks", "by"), ("تعليق",))
_SPOKESPERSON = frozenset({
    "spokesperson", "spokesman", "spokeswoman", "المتحدث", "المتحدثه", "الناطق", "الناطقه",
})  # fmt: skip
_SPOKESPERSON_SCAN = 10


def _spokesperson_comment(words: list[str]) -> tuple[Kind, tuple[str, ...], list[str]] | None:
    head = _heads_at(words, _COMMENT_HEADS)
    scanned = words[: _SPOKESPERSON_SCAN]
    if head is None or not _SPOKESPERSON.intersection(scanned) \
            or _OFFICIAL_AUTHORS.intersection(scanned):
        return None
    return Kind.STATEMENT, head, words[len(head):]


# "حصاد 2024: ...", "حصاد العام": an organisation's review of a period. "حصاد القمح" (the wheat
# harvest) is news, so the word after it must be a period.
_REVIEW_HEADS = frozenset({"حصاد"})
_PERIODS = frozenset({"العام", "عام", "السنه", "الشهر", "شهر", "الاسبوع", "الربع"})
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _period_review(words: list[str]) -> tuple[Kind, tuple[str, ...], list[str]] | None:
    if len(words) >= 2 and words[0] in _REVIEW_HEADS and (
            words[1] in _PERIODS or _YEAR.match(words[1])):
        return Kind.REPORT, tuple(words[:2]), words[2:]
    return None


# "Freedom on the Net 2024 Country Report": an English title may end with the genre, after the
# series' name and year. Without the year, "Police dismiss annual report" would count.
_TRAILING_REPORTS = frozenset({"country", "annual", "shadow", "parallel", "alternative"})


def _trailing_report(words: list[str]) -> tuple[Kind, tuple[str, ...], list[str]] | None:
    if len(words) >= 3 and words[-1] == "report" and words[-2] in _TRAILING_REPORTS \
            and any(_YEAR.match(word) for word in words[:-2]):
        return Kind.REPORT, tuple(words[-2:]), []
    return None


def _names_genre(kind: Kind, words: list[str], head_length: int) -> bool:
    """Whether the head at the start of `words` names this piece's genre."""
    after = words[head_length:]
    if kind is Kind.CAMPAIGN:
        # "Petition: Save ..." is a label; "Petition for ... passes 100,000 signatures" is news.
        return not after
    if kind is Kind.STATEMENT and after:
        author = after[1:4] if after[0] in ("by", "from", "of", "the") else after[:1]
        return not any(word in _OFFICIAL_AUTHORS for word in author)
    if kind is Kind.REPORT and after:
        # "تقرير أممي: ..." and "تقرير لهيومن رايتس ووتش: ..." (a report by someone) head news
        # stories; "التقرير السنوي للقسط" names the piece.
        indefinite = not words[0].startswith(_AR_ARTICLE)
        by_someone = indefinite and after[0].startswith("ل") and not after[0].startswith("ال")
        return after[0] not in _OTHERS_REPORT and not by_someone
    return True


def title_genre(title: str, phrases: Mapping[Kind, tuple[str, ...]]) -> TitleGenre | None:
    """The genre a title segment is headed by, and the words that say so, or None.

    A head counts only at the start of a segment, after English modifiers at most: "Families
    report new travel bans" and "بحسب تقرير صحفي" name no genre, "New report: ..." and
    "تقرير الظل المقدم إلى ..." do. `phrases` are a site's own genre phrases (ClassifierRules),
    heads as well as the built-in nouns. When two heads follow each other the later one names
    the piece ("position paper" is a paper).
    """
    for segment in title_segments(title):
        words = _words(segment)
        found = _segment_genre(words, phrases)
        if found is None:
            continue
        kind, head, after = found
        for later in (Kind.REPORT, Kind.STATEMENT):
            if later is not kind and (then := _heads_at(after, _phrase_words(_HEADS[later]))):
                return TitleGenre(later, " ".join(head + then))
        last = head[-1].removeprefix(_AR_ARTICLE) if head[-1] not in _LETTERS else head[-1]
        bare_letter = (
            last in _LETTERS and words[0] == head[0]  # no modifier before it
            and not (after and (after[0] in _ADDRESSED_TO or after[0] in ("مفتوحه", "مشتركه")))
        )
        return TitleGenre(kind, " ".join(head), appeal=last in _APPEALS, bare_letter=bare_letter)
    return None


def is_salutation(text: str) -> str | None:
    """The salutation a short opening block starts with ("Dear Minister,"), or None."""
    words = _words(text)
    if not words or len(words) > _SALUTATION_MAX_WORDS:
        return None
    for phrase in _phrase_words(_SALUTATIONS):
        if tuple(words[: len(phrase)]) == phrase:
            return " ".join(phrase)
    return None


def unquoted(text: str) -> str:
    """The text with quoted passages taken out: a call in quotation marks is somebody else's."""
    if not any(mark in text for mark in '"“«„‘'):
        return text
    return _QUOTED.sub(" ", text)
