"""Arabic/English date normalisation: one `parse_date` for every format the sources print.

A regex/table path handles the known formats; dateparser (languages restricted) is the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

__all__ = ["find_labelled_date", "normalise_text", "parse_date"]

# A publication date more than this far after `now` is a typo (FACTS §2: "2107").
_FUTURE_TOLERANCE = timedelta(days=1)
_MIN_YEAR = 1900
# dateparser on a long paragraph is slow and finds nonsense; a date string is short.
_FALLBACK_MAX_CHARS = 80

# --- normalisation ---------------------------------------------------------------------------

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS |= {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_FOLD = {
    **_DIGITS,
    **{ord(c): "ا" for c in "أإآٱ"},
    ord("ى"): "ي",
    ord("ی"): "ي",  # Persian yeh, common in text typed on Persian keyboards
    ord("ة"): "ه",
    ord("ـ"): None,  # tatweel is decoration
    ord("٫"): ".",  # Arabic decimal separator, seen between date parts
    ord("\u00a0"): " ",
    **{ord(c): "-" for c in "‐‑‒–—―−"},
    **{ord(c): None for c in "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"},
    **{ord(c): None for c in "\u2066\u2067\u2068\u2069\ufeff"},
}
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Fold Arabic spelling variants, digits and dashes so one table matches every spelling.

    Diacritics and tatweel are dropped, alef/yaa/taa-marbuta forms unified, Arabic-Indic and
    Persian digits turned into ASCII, case folded. Shared with `feeds.campaigns`.
    """
    text = unicodedata.normalize("NFKC", text)  # presentation forms (ﻷ) -> letters
    text = _fold(_HARAKAT.sub("", text)).casefold()
    return " ".join(text.split())  # str.split's whitespace is exactly re's \s


# str.translate looks every character up in a dict: 55 ns a character, the cost of classifying
# a long Arabic page. No replacement is itself folded, so replacing one character at a time,
# only those present, gives translate's result; ASCII text holds none of them.
_FOLD_PAIRS = tuple((chr(code), value or "") for code, value in _FOLD.items())


def _fold(text: str) -> str:
    if text.isascii():
        return text
    for char, replacement in _FOLD_PAIRS:
        if char in text:
            text = text.replace(char, replacement)
    return text


# --- tables ------------------------------------------------------------------------------------

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "يناير", "كانون الثاني", "كانون ثاني", "جانفي", "جانفييه"),
    2: ("february", "feb", "فبراير", "شباط", "فيفري", "فبرير"),
    3: ("march", "mar", "مارس", "اذار"),
    4: ("april", "apr", "ابريل", "نيسان", "افريل"),
    5: ("may", "مايو", "ايار", "ماي"),
    6: ("june", "jun", "يونيو", "يونيه", "حزيران", "جوان"),
    7: ("july", "jul", "يوليو", "يوليه", "تموز", "جويليه", "يوليوز"),
    8: ("august", "aug", "اغسطس", "اب", "اوت", "غشت"),
    9: ("september", "sept", "sep", "سبتمبر", "ايلول", "شتنبر"),
    10: ("october", "oct", "اكتوبر", "تشرين الاول", "تشرين اول"),
    11: ("november", "nov", "نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر"),
    12: ("december", "dec", "ديسمبر", "كانون الاول", "كانون اول", "دجنبر"),
}
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}

_UNITS = ("الاول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع")
_ORDINAL_DAYS: dict[str, int] = {"اول": 1, "العاشر": 10, "العشرين": 20, "العشرون": 20}
for _i, _unit in enumerate(_UNITS, start=1):
    _ORDINAL_DAYS[_unit] = _i
    _teen = "الحادي" if _i == 1 else _unit  # 11 is "al-hadi ashar", not "al-awwal ashar"
    _ORDINAL_DAYS[f"{_teen} عشر"] = 10 + _i
    for _tens_word in ("العشرين", "العشرون"):
        _ORDINAL_DAYS[f"{_teen} و{_tens_word}"] = 20 + _i
        if _i == 1:
            _ORDINAL_DAYS[f"الواحد و{_tens_word}"] = 21
for _tens_word in ("الثلاثين", "الثلاثون"):
    _ORDINAL_DAYS[_tens_word] = 30
    _ORDINAL_DAYS[f"الحادي و{_tens_word}"] = 31
    _ORDINAL_DAYS[f"الواحد و{_tens_word}"] = 31


def _alternation(words: Iterable[str]) -> str:
    # Longest first so "ماي" never wins over "مايو"; "و" may stand apart or join the next word.
    parts = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace(r"\s+و", r"\s+و\s*") for w in parts)


_MONTH_RE = rf"(?:{_alternation(_MONTHS)})(?![^\W\d_])"
_ORDINAL_RE = rf"(?:{_alternation(_ORDINAL_DAYS)})(?![^\W\d_])"
_YEAR_WORD = r"(?:من\s+)?(?:للعام|لعام|العام|عام|للسنه|لسنه|السنه|سنه|of)"
# A time is kept only with an explicit zone; a bare "16:45" has no known offset.
_TIME_RE = (
    r"(?:\s*(?:,|،|at|t|في|الساعه)?\s*(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>z|gmt|utc|[+-]\d{2}(?::?\d{2})?)(?![\w]))?"
)

_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    r"(?:[t\s](?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_NUMERIC_DMY = re.compile(
    r"(?<![\d.:/-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d:]|[/.-]\d)"
    + _TIME_RE
)
_WORD_DMY = re.compile(
    rf"(?:(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?|(?<!\w)(?P<word>{_ORDINAL_RE}))"
    r"\s*[-/.,،]?\s*(?:(?:من|of)\s+)?(?:شهر\s+)?"
    rf"(?P<m1>{_MONTH_RE})\.?(?:\s*[/(]\s*(?P<m2>{_MONTH_RE})\s*\)?)?"
    rf"\s*[-/.,،]?\s*(?:{_YEAR_WORD}\s*)?(?P<y>\d{{4}})(?!\d)" + _TIME_RE
)
_WORD_MDY = re.compile(
    rf"(?<!\w)(?P<m1>{_MONTH_RE})\.?(?:\s*[/(]\s*(?P<m2>{_MONTH_RE})\s*\)?)?"
    r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)\s*[,،]?\s*(?P<y>\d{4})(?!\d)" + _TIME_RE
)
_PATTERNS = (_ISO, _NUMERIC_DMY, _WORD_DMY, _WORD_MDY)

# Hijri month names or the "هـ" era mark: such a date alone is rejected, not converted, because
# the sites' Hijri dates follow Umm al-Qura or local sighting, and arithmetic conversion can be a
# day or two off; every page seen prints the Gregorian date next to it.
_HIJRI = re.compile(
    r"(?:محرم|صفر|ربيع\s+(?:الاول|الثاني|الاخر)|جمادي\s+(?:الاولي|الاول|الثانيه|الاخره)|رجب|شعبان"
    r"|رمضان|شوال|ذو\s+القعده|ذو\s+الحجه)(?![^\W\d_])|\d\s*هـ|\bهـ\b|\d\s*ه(?![^\W\d_])"
)

_LABEL = (
    r"(?:publication\s+date|date\s+of\s+publication|date\s+published|published\s+on|published"
    r"|posted\s+on|posted|تاريخ\s+النشر|نشر\s+بتاريخ|نشر\s+في|تم\s+النشر\s+في|تاريخ\s+الاصدار)"
)
_LABEL_PREFIX = re.compile(
    rf"^(?:{_LABEL}|(?:last\s+)?updated(?:\s+on)?|اخر\s+تحديث|date|التاريخ|تاريخ|بتاريخ|نشر)"
    r"\s*[:：\-]?\s*"
)
_LABEL_ANYWHERE = re.compile(rf"(?<!\w){_LABEL}\s*[:：\-]?\s*")

# --- relative dates ----------------------------------------------------------------------------

_AR_UNITS: dict[str, tuple[str, int]] = {}  # spelling -> (unit, implied count; 0 = needs a number)
for _unit_name, _one, _two, _plurals in (
    ("seconds", "ثانيه", "ثانيتين", ("ثوان", "ثواني", "ثواني")),
    ("minutes", "دقيقه", "دقيقتين", ("دقائق",)),
    ("hours", "ساعه", "ساعتين", ("ساعات",)),
    ("days", "يوم", "يومين", ("ايام",)),
    ("weeks", "اسبوع", "اسبوعين", ("اسابيع",)),
    ("months", "شهر", "شهرين", ("اشهر", "شهور")),
):
    _AR_UNITS[_one] = (_unit_name, 1)
    _AR_UNITS[_two] = (_unit_name, 2)
    _AR_UNITS[_two[:-2] + "ان"] = (_unit_name, 2)  # nominative dual: ساعتان
    for _plural in _plurals:
        _AR_UNITS[_plural] = (_unit_name, 0)

_AR_RELATIVE = re.compile(
    rf"(?:منذ|قبل)\s+(?:(?P<n>\d+)\s*)?(?P<unit>{_alternation(_AR_UNITS)})(?![^\W\d_])"
)
_EN_RELATIVE = re.compile(
    r"(?P<n>\d+|an?|one)\s+(?P<unit>second|minute|hour|day|week|month)s?\s+ago"
)
_FIXED_RELATIVE = {
    "today": 0, "just now": 0, "now": 0, "اليوم": 0, "الان": 0, "قبل قليل": 0, "منذ قليل": 0,
    "yesterday": 1, "امس": 1, "يوم امس": 1, "البارحه": 1,
    "اول امس": 2, "اول من امس": 2, "قبل امس": 2, "the day before yesterday": 2,
}  # fmt: skip
_TRAILING = re.compile(r"[\s.,،:;!؛]+$")


def _relative(text: str, now: datetime) -> datetime | None:
    # Only a string that *is* a relative date counts: "اليوم" inside a sentence is not a date.
    text = _TRAILING.sub("", text)
    if text in _FIXED_RELATIVE:
        return _midnight(now - timedelta(days=_FIXED_RELATIVE[text]))
    unit: str
    if m := _AR_RELATIVE.fullmatch(text):
        unit, implied = _AR_UNITS[_SPACES.sub(" ", m["unit"])]
        count = int(m["n"]) if m["n"] else implied
        if not count and unit != "seconds":
            return None
    elif m := _EN_RELATIVE.fullmatch(text):
        unit = m["unit"] + "s"
        count = int(m["n"]) if m["n"].isdigit() else 1
    else:
        return None
    if unit == "months":
        unit, count = "days", 30 * count  # a month ago is never precise; 30 days is the reading
    delta = timedelta(**{unit: count})
    if unit in ("days", "weeks"):
        # "two days ago" names a day, not an instant: keep the date, drop the clock.
        return _midnight(now - delta)
    return (now - delta).replace(second=0, microsecond=0)


# --- absolute dates ------------------------------------------------------------------------------


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _zone(text: str) -> timezone:
    if text in ("z", "gmt", "utc"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
    return timezone(sign * timedelta(minutes=minutes))


def _year(text: str, now: datetime) -> int:
    if len(text) == 4:
        return int(text)
    year = 2000 + int(text)  # "24.03.22": two digits mean this century unless that is future
    return year if year <= now.year else year - 100


def _build(match: re.Match[str], now: datetime) -> datetime | None:
    groups = match.groupdict()
    if groups.get("word"):
        day = _ORDINAL_DAYS[_SPACES.sub(" ", groups["word"]).replace("و ", "و")]
    else:
        day = int(groups["d"])
    if groups.get("m1"):
        month = _MONTHS[_SPACES.sub(" ", groups["m1"])]
        if groups.get("m2") and _MONTHS[_SPACES.sub(" ", groups["m2"])] != month:
            return None  # "يونيو/تموز" contradicts itself: no trustworthy month
    else:
        month = int(groups["m"])
    year = _year(groups["y"], now)
    if year < _MIN_YEAR:
        return None
    try:
        if groups.get("tz") and groups.get("hh"):
            local = datetime(
                year, month, day, int(groups["hh"]), int(groups["mi"]), int(groups["ss"] or 0),
                tzinfo=_zone(groups["tz"]),
            )  # fmt: skip
            return local.astimezone(UTC)
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _candidates(text: str) -> Iterator[re.Match[str]]:
    matches = [m for pattern in _PATTERNS for m in pattern.finditer(text)]
    return iter(sorted(matches, key=lambda m: m.start()))


def _fallback(text: str, now: datetime, lang: str | None) -> datetime | None:
    import dateparser  # imported late: it loads locale data (~0.3 s) that most runs never need

    if lang in ("ar", "en"):
        languages = [lang]
    else:
        languages = ["ar", "en"] if re.search("[\u0600-\u06ff]", text) else ["en"]
    settings: Any = {
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        # no "timestamp" parser: a bare "1441" or "2024" must not become an epoch instant
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }
    result = dateparser.parse(text, languages=languages, settings=settings)
    return result.astimezone(UTC) if result is not None else None


def parse_date(text: str, *, now: datetime, lang: str | None = None) -> datetime | None:
    """The date a short text names, as an aware UTC datetime, or None.

    Midnight UTC unless the text gives a time with a zone. Day-month order always. Rejected
    (None): no day ("June 2021"), more than a day after `now` (typo years), Hijri-only dates
    (see `_HIJRI`), anything unparsable. The first valid date in reading order wins, so labels
    and datelines in front are fine. `lang` ("ar"/"en") only narrows the dateparser fallback.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    folded = normalise_text(text)
    if not folded:
        return None
    latest = now + _FUTURE_TOLERANCE
    matched = False
    for match in _candidates(folded):
        matched = True
        result = _build(match, now)
        if result is not None and result.year >= _MIN_YEAR and result <= latest:
            return result
    if matched:
        return None  # a date was written, and it is wrong: do not let a fallback guess another
    unlabelled = _LABEL_PREFIX.sub("", folded)
    relative = _relative(unlabelled, now)
    if relative is not None:
        return relative
    if len(unlabelled) > _FALLBACK_MAX_CHARS or not re.search(r"\d", unlabelled):
        return None  # no digits: no day and year, and dateparser costs ms to say so
    if _HIJRI.search(unlabelled):
        return None
    result = _fallback(unlabelled, now, lang)
    if result is None or result > latest or result.year < _MIN_YEAR:
        return None
    return result


def find_labelled_date(text: str, *, now: datetime) -> datetime | None:
    """The date after a publication label ("Publication date: …", "تاريخ النشر: …") in a block.

    Looks only at the rest of the label's line, so a date elsewhere in the body never counts.
    """
    folded_lines = (normalise_text(line) for line in text.splitlines())
    for line in folded_lines:
        for label in _LABEL_ANYWHERE.finditer(line):
            rest = line[label.end() : label.end() + _FALLBACK_MAX_CHARS]
            found = parse_date(rest, now=now)
            if found is not None:
                return found
    return None
