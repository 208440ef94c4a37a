"""Which language a block of text is in (Arabic vs English, by script), and where a bilingual
page's body switches language, so each half can go to its own language feed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LanguageSegment", "detect_language", "dominant_language", "split_languages"]

UNDETERMINED = "und"
# Fewer letters than this is a date, a number or an acronym: no language to speak of.
MIN_LETTERS = 3
# Arabic script leaves short vowels unwritten, so the same text takes about a quarter fewer
# letters than Latin script; weigh Arabic letters up so a mixed block is judged by words.
ARABIC_WEIGHT = 1.3
# A page splits only when each language holds this much prose (FACTS §1, seed 004 vs 002).
SPLIT_MIN_LETTERS = 200
SPLIT_MIN_SHARE = 0.15

_URLS = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)
_LIST_TAGS = frozenset({"li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th"})
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "div", "section", "article"})
# A "paragraph" shorter than this is a caption, a date line or a name, not running prose.
_MIN_PROSE_WORDS = 5


def _is_arabic(code: int) -> bool:
    return (
        (0x0620 <= code <= 0x064A and code != 0x0640)  # letters; not tatweel, not harakat
        or 0x066E <= code <= 0x06D3
        or code == 0x06D5
        or 0x06FA <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )


def _is_latin(code: int) -> bool:
    return (
        0x41 <= code <= 0x5A
        or 0x61 <= code <= 0x7A
        or (0xC0 <= code <= 0x24F and code not in (0xD7, 0xF7))  # × ÷ sit among the letters
        or 0x1E00 <= code <= 0x1EFF
    )


# The same sets as _is_arabic and _is_latin, as character classes: counting with a regex runs
# in C, where a loop over characters in Python cost 0.2 µs a letter (long bodies, signatory
# lists). tests/test_language.py checks the classes against the functions on every code point.
_ARABIC_RUNS = re.compile(
    "[\u0620-\u063f\u0641-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f"
    "\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"
)
_LATIN_RUNS = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")


def _letter_counts(text: str) -> tuple[int, int]:
    """(Arabic letters, Latin letters); digits, punctuation, URLs and other scripts ignored."""
    if "://" in text or "www." in text.lower() or "@" in text:
        text = _URLS.sub(" ", text)
    arabic = sum(map(len, _ARABIC_RUNS.findall(text)))
    latin = sum(map(len, _LATIN_RUNS.findall(text)))
    return arabic, latin


def _decide(arabic: int, latin: int) -> str:
    if arabic + latin < MIN_LETTERS:
        return UNDETERMINED
    # Farsi/Urdu are out of scope: any Arabic-script majority is "ar".
    return "ar" if arabic * ARABIC_WEIGHT >= latin else "en"


def detect_language(text: str) -> str:
    """ "ar", "en", or "und" when the text has fewer than three letters, by script ratio."""
    return _decide(*_letter_counts(text))


@dataclass(frozen=True)
class LanguageSegment:
    """A run of blocks in one language: blocks[start:end]."""

    lang: str
    start: int
    end: int


@dataclass
class _Block:
    lang: str
    letters: int
    prose: bool  # running text, as opposed to list items, names or a date line
    paragraph: bool


def _profile(tag: str, text: str) -> _Block:
    arabic, latin = _letter_counts(text)
    lang = _decide(arabic, latin)
    tag = tag.lower()
    heading = len(tag) == 2 and tag[0] == "h" and tag[1].isdigit()
    paragraph = tag in _PARAGRAPH_TAGS and len(text.split()) >= _MIN_PROSE_WORDS
    prose = lang != UNDETERMINED and tag not in _LIST_TAGS and (heading or paragraph)
    return _Block(lang, arabic + latin, prose, paragraph and prose)


@dataclass
class _Run:
    lang: str
    start: int
    end: int
    letters: int
    paragraphs: int

    def substantial(self) -> bool:
        return self.letters >= SPLIT_MIN_LETTERS and self.paragraphs > 0


def _prose_letters(profiles: Sequence[_Block]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for block in profiles:
        if block.prose:
            totals[block.lang] = totals.get(block.lang, 0) + block.letters
    return totals


def _dominant(profiles: Sequence[_Block]) -> str:
    totals = _prose_letters(profiles)
    if not totals:
        # No prose at all (a bare list): fall back to every block's letters.
        for block in profiles:
            if block.lang != UNDETERMINED:
                totals[block.lang] = totals.get(block.lang, 0) + block.letters
    if not totals:
        return UNDETERMINED
    return max(sorted(totals), key=lambda lang: totals[lang])


def dominant_language(blocks: Sequence[tuple[str, str]]) -> str:
    """The language most of the page's prose is in; lists of names do not vote."""
    return _dominant([_profile(tag, text) for tag, text in blocks])


def _should_split(profiles: Sequence[_Block]) -> bool:
    totals = _prose_letters(profiles)
    grand_total = sum(totals.values())
    big = [
        lang
        for lang, letters in totals.items()
        if letters >= SPLIT_MIN_LETTERS and letters >= SPLIT_MIN_SHARE * grand_total
    ]
    with_paragraph = {b.lang for b in profiles if b.paragraph}
    return len([lang for lang in big if lang in with_paragraph]) >= 2


def _prose_runs(profiles: Sequence[_Block]) -> list[_Run]:
    runs: list[_Run] = []
    for index, block in enumerate(profiles):
        if not block.prose:
            continue
        if runs and runs[-1].lang == block.lang:
            run = runs[-1]
            run.end, run.letters = index + 1, run.letters + block.letters
            run.paragraphs += block.paragraph
        else:
            runs.append(_Run(block.lang, index, index + 1, block.letters, int(block.paragraph)))
    return runs


def _merge_small_runs(runs: list[_Run]) -> list[_Run]:
    # An Arabic quote inside an English article is part of the English article: fold every
    # run too small to stand alone into its larger neighbour, smallest first.
    runs = list(runs)
    while len(runs) > 1:
        small = [i for i, run in enumerate(runs) if not run.substantial()]
        if not small:
            break
        i = min(small, key=lambda k: runs[k].letters)
        neighbours = [k for k in (i - 1, i + 1) if 0 <= k < len(runs)]
        into = max(neighbours, key=lambda k: runs[k].letters)
        a, b = sorted((i, into))
        host = runs[into]
        merged = _Run(
            host.lang,
            runs[a].start,
            runs[b].end,
            runs[a].letters + runs[b].letters,
            runs[a].paragraphs + runs[b].paragraphs,
        )
        runs[a : b + 1] = [merged]
        # Neighbours of one language now touching become one run.
        for k in range(len(runs) - 1, 0, -1):
            if runs[k].lang == runs[k - 1].lang:
                left, right = runs[k - 1], runs[k]
                runs[k - 1 : k + 1] = [
                    _Run(
                        left.lang,
                        left.start,
                        right.end,
                        left.letters + right.letters,
                        left.paragraphs + right.paragraphs,
                    )
                ]
    return runs


def split_languages(blocks: Sequence[tuple[str, str]]) -> list[LanguageSegment]:
    """Segments covering every block, one per language of substantial prose, in page order.

    A page splits only when two languages each hold at least `SPLIT_MIN_LETTERS` letters and
    `SPLIT_MIN_SHARE` of the prose, each with a paragraph; list items (signatory and member
    lists) are never prose and join the segment before them, unless their own language matches
    only the next one. A language appears twice only if the page truly alternates.
    """
    if not blocks:
        return []
    profiles = [_profile(tag, text) for tag, text in blocks]
    if not _should_split(profiles):
        return [LanguageSegment(_dominant(profiles), 0, len(blocks))]
    runs = _merge_small_runs(_prose_runs(profiles))
    if len(runs) < 2:
        return [LanguageSegment(_dominant(profiles), 0, len(blocks))]
    # Blocks between two runs (lists, captions, date lines) go with the run before them: the
    # member list follows its announcement. A block that speaks only the next run's language
    # (a heading-less list of Arabic names before Arabic text) goes forward instead.
    bounds = [0]
    for before, after in itertools.pairwise(runs):
        cut = after.start
        while cut > before.end and profiles[cut - 1].lang == after.lang:
            cut -= 1
        bounds.append(cut)
    bounds.append(len(blocks))
    return [LanguageSegment(run.lang, bounds[i], bounds[i + 1]) for i, run in enumerate(runs)]
