"""Does an article mention a followed name? Whole-word matching on normalised text.

Both sides go through `normalise`: Arabic without diacritics and tatweel, the alef and
hamza forms folded to their base letter, alef maksura to ya, ta marbuta to ha, Persian ya
and kaf to Arabic ones, Arabic-Indic and Persian digits as ASCII digits, Latin
case-folded and without accents. The text is then cut into words (runs of letters and
digits: "al-Shehab" is "al shehab"), and a phrase matches where its words follow one
another. A word matches only a whole word ("Ali" is not in "Khalil"), except that an
Arabic phrase's first word may carry the conjunctions "و" and "ف" written onto it
("وسلمى" is "and Salma", common in lists of names). Not the prepositions "ل", "ب", "ك"
nor the article "ال": names begin with them ("لمى" is Lama, not "for Mai").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

# Folded after the marks are gone (NFD splits أ إ آ ؤ ئ into a base letter and a mark).
_FOLD = str.maketrans({
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0649": "\u064a",  # alef maksura -> ya
    "\u06cc": "\u064a",  # Persian ya -> ya
    "\u0629": "\u0647",  # ta marbuta -> ha
    "\u06a9": "\u0643",  # Persian kaf -> kaf
    "\u0640": None,  # tatweel (kashida): drawn length, not a letter
})
_WORD = re.compile(r"\w+")
# Written onto the next word in Arabic: "and", "so". Few names begin with them followed by
# another name; "ل", "ب", "ك" would make "مي" (Mai) match "لمى" (Lama).
_PROCLITICS = ("و", "ف")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def normalise(text: str) -> str:
    """`text` in the form both sides are compared in (see the module docstring)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.category(char) == "Mn":  # diacritics, hamza/madda marks, accents
            continue
        if char.isdigit() and not char.isascii():
            digit = unicodedata.digit(char, None)
            kept.append(str(digit) if digit is not None else char)
            continue
        kept.append(char)
    return "".join(kept).translate(_FOLD).casefold()


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order."""
    return _WORD.findall(normalise(text))


def phrase_key(phrase: str) -> str:
    """The identity of a followed phrase: its normalised words joined by one space (two
    spellings of one name are one phrase). Empty when it has no words."""
    return " ".join(words(phrase))


def _first_word_matches(word: str, wanted: str) -> bool:
    if word == wanted:
        return True
    if not _ARABIC_LETTER.match(wanted) or len(word) <= len(wanted):
        return False
    return word.endswith(wanted) and word[:-len(wanted)] in _PROCLITICS


class ArticleText:
    """An article's words, indexed once so that many phrases can be looked up cheaply."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.words: list[str] = []
        for text in texts:
            self.words += words(text)
            self.words.append("")  # no phrase runs from one text (the title) into the next
        self._at: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            self._at.setdefault(word, []).append(index)

    def _starts(self, first: str) -> list[int]:
        starts = list(self._at.get(first, ()))
        if _ARABIC_LETTER.match(first):
            for prefix in _PROCLITICS:
                starts += self._at.get(prefix + first, ())
        return starts

    def mentions(self, key: str | Sequence[str]) -> bool:
        """True when the phrase (a `phrase_key`, or its words) appears as whole words."""
        wanted = key.split() if isinstance(key, str) else list(key)
        if not wanted:
            return False
        rest = wanted[1:]
        for start in self._starts(wanted[0]):
            if not _first_word_matches(self.words[start], wanted[0]):
                continue
            if self.words[start + 1:start + 1 + len(rest)] == rest:
                return True
        return False
