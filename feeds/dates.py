"""Arabic/English date normalisation: one `parse_date` for every format the sources print.

A regex/table path handles the known formats; dateparser (languages restricted) is the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from dateutil.relativedelta import relativedelta

__all__ = ["PUBLICATION_LABEL", "bare_date", "find_labelled_date", "normalise_text", "parse_date",
           "plausible"]

# A publication date more than this far after `now` is a typo (FACTS §2: "2107").
_FUTURE_TOLERANCE = timedelta(days=1)
# The web's publishing era: anything earlier is a content system's unset default
# ("1970-01-01T00:00:00Z", "0001-01-01"), never a real publication date.
_MIN_YEAR = 1995
# dateparser on a long paragraph is slow and finds nonsense; a date string is short.
_FALLBACK_MAX_CHARS = 80


def plausible(moment: datetime, *, now: datetime) -> bool:
    """Whether `moment` can be a publication date: from 1995 on and at most a day after `now`.

    Shared with feed sources, whose unset dates arrive as "Thu, 01 Jan 1970 00:00:00 +0000".
    """
    return moment.year >= _MIN_YEAR and moment <= now + _FUTURE_TOLERANCE


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
# Maghreb NGOs write French datelines ("Tunis, le 22 février 2024"); the names cost nothing.
for _number, _names in enumerate((
    # with the abbreviations French sites print ("22 févr. 2024", "3 janv. 2024")
    ("janvier", "janv"), ("février", "fevrier", "févr", "fevr"), ("mars",), ("avril", "avr"),
    ("mai",), ("juin",), ("juillet", "juil"), ("août", "aout"), ("septembre",), ("octobre",),
    ("novembre",), ("décembre", "decembre", "déc"),
), start=1):
    _MONTH_NAMES[_number] += _names
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

# Zones a page may print after a time. Named ones only where the name means one offset:
# "AST" (Arabia or Atlantic) and "ET" (EST or EDT) are not here, so such a time is left out.
_NAMED_ZONES = {
    "est": -5, "edt": -4, "pst": -8, "pdt": -7, "bst": 1, "cet": 1, "cest": 2, "eet": 2,
    "eest": 3, "msk": 3,
    # Al Jazeera and Gulf sites print Mecca time; Saudi Arabia keeps +03:00 all year.
    "مكه المكرمه": 3, "مكه": 3, "السعوديه": 3, "الرياض": 3,
    # Sky News Arabia prints Abu Dhabi time; the Gulf states keep one offset all year.
    "ابوظبي": 4, "ابو ظبي": 4, "الامارات": 4, "دبي": 4, "مسقط": 4,
    "الدوحه": 3, "قطر": 3, "الكويت": 3, "المنامه": 3, "البحرين": 3, "بغداد": 3,
}  # fmt: skip
_UTC_NAMES = r"z|gmt|utc|ت\.?\s?غ\.?|غرينتش|غرينيتش|جرينتش|جرينيتش"
_ZONE_RE = (
    # "(Oman time, GMT+4)", "(local time, UTC+3)": the offset after the place's name counts.
    rf"\(?\s*(?:[^\W\d_]+\s+time\s*[,،:]?\s*)?(?:ب?توقيت\s+)?(?P<tz>(?:{_UTC_NAMES})(?:\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?)?"
    rf"|[+-]\d{{2}}(?::?\d{{2}})?|{_alternation(_NAMED_ZONES)})\s*\)?(?![^\W\d_])"
)
_AMPM = r"(?:\s*(?P<ampm>am|pm|a\.m\.|p\.m\.|صباحا|مساءا|مساء|ص|م)(?![^\W\d_]))?"
# A time is kept only with an explicit zone; a bare "16:45" has no known offset.
_TIME_RE = (
    # "10.45 GMT" (The Guardian) as well as "10:45 GMT"; only ever read with a zone after it.
    # French sites write "à 10h30 GMT+1".
    r"(?:\s*(?:,|،|-|\||at|t|à|في|على\s+الساعه|الساعه)?\s*(?P<hh>\d{1,2})[:.h](?P<mi>\d{2})"
    rf"(?::(?P<ss>\d{{2}})(?:\.\d+)?)?{_AMPM}\s*{_ZONE_RE})?"
)

_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_CLOCK_IN_ZONE = re.compile(rf"\d{{1,2}}:\d{{2}}(?::\d{{2}})?{_AMPM}\s*{_ZONE_RE}")

_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    r"(?:[t\s](?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d+)?)?"
    rf"(?:\s*{_ZONE_RE})?)?"
)
_NUMERIC_DMY = re.compile(
    r"(?<![\d.:/-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    # Al Jazeera's text runs the year into the time ("10/3/202412:49"): a clock may follow.
    r"(?:(?=\d{1,2}:\d{2})(?<=\d{4})|(?![\d:]|[/.-]\d))"
    + _TIME_RE
)
_WORD_DMY = re.compile(
    rf"(?:(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er)?|(?<!\w)(?P<word>{_ORDINAL_RE}))"
    r"\s*[-/.,،]?\s*(?:(?:من|of)\s+)?(?:شهر\s+)?"
    rf"(?P<m1>{_MONTH_RE})\.?(?:\s*[/(]\s*(?P<m2>{_MONTH_RE})\s*\)?)?"
    rf"\s*[-/.,،]?\s*(?:{_YEAR_WORD}\s*)?(?P<y>\d{{4}})(?!\d)" + _TIME_RE
)
_WORD_MDY = re.compile(
    rf"(?<!\w)(?P<m1>{_MONTH_RE})\.?(?:\s*[/(]\s*(?P<m2>{_MONTH_RE})\s*\)?)?"
    r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)\s*[,،]?\s*(?P<y>\d{4})(?!\d)" + _TIME_RE
)
# Ranges ("5–7 March 2024", "من 5 إلى 7 مارس 2024", "March 5–7, 2024") name an event's days:
# the start day is the only one that can be a publication date.
_ORDINAL_SUFFIX = r"(?:st|nd|rd|th|er)?"  # "1er": French "premier"
_RANGE_TO = r"\s*(?:-|to|until|and|&|au|الي|حتي|و)\s*"  # folded: "إلى" is "الي" here
_RANGE_DAY = rf"(?:\d{{1,2}}{_ORDINAL_SUFFIX}|{_ORDINAL_RE})"
_MONTHS_PAIR = rf"(?P<m1>{_MONTH_RE})\.?(?:\s*[/(]\s*(?P<m2>{_MONTH_RE})\s*\)?)?"
_END_MONTH = rf"(?P<e1>{_MONTH_RE})\.?(?:\s*[/(]\s*{_MONTH_RE}\s*\)?)?"
_RANGE_DMY = re.compile(
    rf"(?:(?<![\d/.:-])(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}|(?<!\w)(?P<word>{_ORDINAL_RE}))"
    # "الثاني والعشرين" is one day (22), not the range 2–20.
    rf"{_RANGE_TO}(?!(?:العشرين|العشرون|الثلاثين|الثلاثون)(?![^\W\d_])){_RANGE_DAY}\s*"
    rf"(?:(?:من|of)\s+)?{_MONTHS_PAIR}\s*[-,،]?\s*(?P<y>\d{{4}})(?!\d)"
)
_RANGE_DMY_ACROSS = re.compile(
    rf"(?<![\d/.:-])(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}\s*{_MONTHS_PAIR}{_RANGE_TO}"
    rf"\d{{1,2}}{_ORDINAL_SUFFIX}\s*{_END_MONTH}\s*[-,،]?\s*(?P<y>\d{{4}})(?!\d)"
)
_RANGE_MDY = re.compile(
    rf"(?<!\w){_MONTHS_PAIR}\s*(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}{_RANGE_TO}"
    rf"(?:{_END_MONTH}\s*)?\d{{1,2}}{_ORDINAL_SUFFIX}\s*,?\s*(?P<y>\d{{4}})(?!\d)"
)
_PATTERNS = (_ISO, _NUMERIC_DMY, _WORD_DMY, _WORD_MDY, _RANGE_DMY, _RANGE_DMY_ACROSS, _RANGE_MDY)

# Hijri month names or the "هـ" era mark: such a date alone is rejected, not converted, because
# the sites' Hijri dates follow Umm al-Qura or local sighting, and arithmetic conversion can be a
# day or two off; every page seen prints the Gregorian date next to it.
_HIJRI = re.compile(
    r"(?:محرم|صفر|ربيع\s+(?:الاول|الثاني|الاخر)|جمادي\s+(?:الاولي|الاول|الثانيه|الاخره)|رجب|شعبان"
    r"|رمضان|شوال|ذو\s+القعده|ذو\s+الحجه)(?![^\W\d_])|\d\s*هـ|\bهـ\b|\d\s*ه(?![^\W\d_])"
)

_LABEL = (
    r"(?:publication\s+date|date\s+of\s+publication|date\s+published|published\s+on|published"
    r"|posted\s+on|posted|تاريخ\s+النشر|نشر\s+بتاريخ|نشر\s+في|تم\s+النشر\s+في|تاريخ\s+الاصدار"
    r"|date\s+de\s+publication|publié\s+le|publie\s+le)"  # Maghreb NGOs' French pages
)
# The same labels for feeds.pagedate, which reads them at the start of a page's meta lines.
PUBLICATION_LABEL = _LABEL
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
    ("years", "سنه", "سنتين", ("سنوات", "سنين")),
    ("years", "عام", "عامين", ("اعوام",)),
):
    _AR_UNITS[_one] = (_unit_name, 1)
    # After 11 and up the noun is a singular accusative: "منذ 12 يوماً", "قبل 20 عاماً".
    _AR_UNITS[_one + "ا"] = (_unit_name, 1)
    _AR_UNITS[_two] = (_unit_name, 2)
    _AR_UNITS[_two[:-2] + "ان"] = (_unit_name, 2)  # nominative dual: ساعتان
    for _plural in _plurals:
        _AR_UNITS[_plural] = (_unit_name, 0)
_AR_NUMBER_WORDS: dict[str, int] = {}
for _n, _word in enumerate(("ثلاث", "اربع", "خمس", "ست", "سبع", "ثماني", "تسع", "عشر"), start=3):
    _AR_NUMBER_WORDS[_word] = _AR_NUMBER_WORDS[_word + "ه"] = _n  # ثلاث ساعات, ثلاثة أيام
_AR_NUMBER_WORDS["ثمان"] = 8

_AR_RELATIVE = re.compile(
    rf"(?:منذ|قبل)\s+(?:(?P<n>\d+|{_alternation(_AR_NUMBER_WORDS)})\s+|(?P<d>\d+)\s*)?"
    # "منذ يوم واحد", "منذ ساعة واحدة": "one" after the noun, which already says one.
    rf"(?P<unit>{_alternation(_AR_UNITS)})(?![^\W\d_])(?:\s+واحده?(?![^\W\d_]))?"
)
_EN_RELATIVE = re.compile(
    r"(?P<n>\d+|an?|one)\s*(?P<unit>second|sec|minute|min|hour|hr|day|week|month|year)s?"
    r"\.?\s+ago"
)
_EN_UNITS = {"sec": "second", "min": "minute", "hr": "hour"}
# Maghreb NGOs' French pages: "il y a 3 jours", "il y a une heure".
_FR_RELATIVE = re.compile(
    r"il y a\s+(?P<n>\d+|une?)\s*"
    r"(?P<unit>secondes?|sec|minutes?|min|heures?|h|jours?|semaines?|mois|ans?|années?|annees?)"
)
_FR_UNITS = {"sec": "seconds", "seconde": "seconds", "min": "minutes", "minute": "minutes",
             "h": "hours", "heure": "hours", "jour": "days", "semaine": "weeks",
             "mois": "months", "an": "years", "année": "years", "annee": "years"}
# "أمس الساعة 10:30", "yesterday at 10:30": the day is what counts; its clock has no zone.
_TRAILING_TIME = re.compile(
    rf"\s*(?:at|à|في|على\s+الساعه|الساعه|,|،|-)?\s*\d{{1,2}}[:h]\d{{2}}{_AMPM}$"
)
_FIXED_RELATIVE = {
    "today": 0, "just now": 0, "now": 0, "اليوم": 0, "الان": 0, "قبل قليل": 0, "منذ قليل": 0,
    "yesterday": 1, "امس": 1, "يوم امس": 1, "البارحه": 1,
    "اول امس": 2, "اول من امس": 2, "قبل امس": 2, "the day before yesterday": 2,
    "aujourd'hui": 0, "aujourd’hui": 0, "hier": 1, "avant-hier": 2,
}  # fmt: skip
_TRAILING = re.compile(r"[\s.,،:;!؛]+$")


def _relative(text: str, now: datetime) -> datetime | None:
    # Only a string that *is* a relative date counts: "اليوم" inside a sentence is not a date.
    text = _TRAILING.sub("", text)
    day = _TRAILING_TIME.sub("", text)
    if day in _FIXED_RELATIVE:
        return _midnight(now - timedelta(days=_FIXED_RELATIVE[day]))
    unit: str
    if m := _AR_RELATIVE.fullmatch(text):
        unit, implied = _AR_UNITS[_SPACES.sub(" ", m["unit"])]
        number = m["n"] or m["d"]
        if number is None:
            count = implied
        else:
            count = int(number) if number.isdigit() else _AR_NUMBER_WORDS[number]
        if not count and unit != "seconds":
            return None
    elif m := _EN_RELATIVE.fullmatch(text):
        unit = _EN_UNITS.get(m["unit"], m["unit"]) + "s"
        count = int(m["n"]) if m["n"].isdigit() else 1
    elif m := _FR_RELATIVE.fullmatch(text):
        word = m["unit"]
        unit = _FR_UNITS.get(word) or _FR_UNITS[word[:-1]]  # plural "s"; "mois" is both
        count = int(m["n"]) if m["n"].isdigit() else 1
    else:
        return None
    if unit in ("days", "weeks", "months", "years"):
        # "two days ago", "a year ago" name a day, not an instant: keep the date, drop the
        # clock. Months and years are calendar ones ("a month ago" on 1 March is 1 February).
        return _midnight(now - relativedelta(**{unit: count}))
    return (now - timedelta(**{unit: count})).replace(second=0, microsecond=0)


# --- absolute dates ------------------------------------------------------------------------------


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


_OFFSET = re.compile(r"(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")


def _zone(text: str) -> timezone | None:
    """The offset a zone text names: "gmt+3", "+0300", "z", "مكه المكرمه"; None if unknown."""
    text = _SPACES.sub(" ", text)
    if text in _NAMED_ZONES:
        return timezone(timedelta(hours=_NAMED_ZONES[text]))
    offset = _OFFSET.search(text)
    if offset is None:
        return UTC  # a UTC name with no offset after it
    minutes = int(offset["h"]) * 60 + int(offset["m"] or 0)
    if minutes > 14 * 60:
        return None  # no zone is that far from UTC: a misread, not an offset
    return timezone((-1 if offset["sign"] == "-" else 1) * timedelta(minutes=minutes))


def _hour(groups: dict[str, str | None]) -> int:
    hour = int(groups["hh"] or 0)
    ampm = groups.get("ampm")
    if ampm is None:
        return hour
    if ampm[0] in "pم":  # pm, p.m., م, مساء
        return hour % 12 + 12
    return hour % 12


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
        if match.re is _NUMERIC_DMY and month > 12 >= day:
            day, month = month, day  # "12/25/2023": day first is impossible, so month first
    year = _year(groups["y"], now)
    if match.re is _NUMERIC_DMY and month <= 12 and day <= 12:
        day, month = _by_weekday(match, year, day, month)
    if groups.get("e1") and _MONTHS[_SPACES.sub(" ", groups["e1"])] < month:
        year -= 1  # "30 December – 2 January 2024": the year printed is the end's
    if year < _MIN_YEAR:
        return None
    zone = _zone(groups["tz"]) if groups.get("tz") and groups.get("hh") else None
    try:
        if zone is not None:
            local = datetime(
                year, month, day, _hour(groups), int(groups["mi"]), int(groups["ss"] or 0),
                tzinfo=zone,
            )  # fmt: skip
            return local.astimezone(UTC)
        # No time, or a time in an unknown zone: the day alone, never a guessed instant.
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


# Weekday names, folded; Drupal's default "Mon, 02/05/2024 - 10:00" is month first.
_WEEKDAYS = {
    "mon": 0, "monday": 0, "الاثنين": 0, "tue": 1, "tues": 1, "tuesday": 1,
    "الثلاثاء": 1, "wed": 2, "wednesday": 2, "الاربعاء": 2, "thu": 3, "thurs": 3, "thursday": 3,
    "الخميس": 3, "fri": 4, "friday": 4, "الجمعه": 4, "sat": 5, "saturday": 5, "السبت": 5,
    "sun": 6, "sunday": 6, "الاحد": 6,
}  # fmt: skip
_WEEKDAY_BEFORE = re.compile(rf"(?<!\w)({_alternation(_WEEKDAYS)})(?![^\W\d_])[\s,،.]*$")


def _by_weekday(match: re.Match[str], year: int, day: int, month: int) -> tuple[int, int]:
    """(day, month) of an ambiguous numeric date: day first unless a weekday printed just
    before it fits only the month-first reading."""
    named = _WEEKDAY_BEFORE.search(match.string, 0, match.start())
    if named is None or day == month:
        return day, month
    weekday = _WEEKDAYS[named[1]]
    try:
        day_first = datetime(year, month, day).weekday() == weekday
        month_first = datetime(year, day, month).weekday() == weekday
    except ValueError:
        return day, month
    return (month, day) if month_first and not day_first else (day, month)


def _candidates(text: str) -> Iterator[re.Match[str]]:
    matches = [m for pattern in _PATTERNS for m in pattern.finditer(text)]
    # Reading order; at one position the longest reading, so a range beats its first day.
    return iter(sorted(matches, key=lambda m: (m.start(), -m.end())))


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
    if result is None:
        return None
    if _CLOCK.search(text) and not _CLOCK_IN_ZONE.search(text):
        # dateparser reads a clock without a zone as UTC; the regex path's rule holds here too:
        # the day alone, never a guessed instant.
        return datetime(result.year, result.month, result.day, tzinfo=UTC)
    return result.astimezone(UTC)


def parse_date(text: str, *, now: datetime, lang: str | None = None) -> datetime | None:
    """The date a short text names, as an aware UTC datetime, or None.

    Midnight UTC unless the text gives a time with a known zone ("GMT+3", "+03:00", "بتوقيت
    مكة المكرمة"), which moves the instant; a time in an unknown zone is left out, never read
    as UTC. Day-month order unless day first is impossible ("12/25/2023"). A range gives its
    start day. Rejected (None): no day ("June 2021"), before 1995 (unset defaults such as
    1970-01-01), more than a day after `now` (typo years), Hijri-only dates (see `_HIJRI`),
    anything unparsable. The first valid date in reading order wins, so labels and datelines
    in front are fine. `lang` ("ar"/"en") only narrows the dateparser fallback.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    folded = normalise_text(text)
    if not folded:
        return None
    matched = False
    for match in _candidates(folded):
        matched = True
        result = _build(match, now)
        if result is not None and plausible(result, now=now):
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
    return result if result is not None and plausible(result, now=now) else None


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


# --- a date standing alone ---------------------------------------------------------------------

_WEEKDAY_WORDS = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "الاثنين", "الإثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت", "الاحد",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
)
# What may stand beside a date in a meta element and still leave it "a date alone": a weekday,
# a time of day, "at"/"le"/"في", punctuation.
_AROUND_DATE = re.compile(
    rf"(?:{_alternation(normalise_text(w) for w in _WEEKDAY_WORDS)})(?![^\W\d_])"
    rf"|\d{{1,2}}[:.h]\d{{2}}(?::\d{{2}})?{_AMPM}|(?<![^\W\d_])(?:at|on|le|à|في|يوم)(?![^\W\d_])"
    r"|[\s,،.\-–—|/()]+"
)


def bare_date(text: str, *, now: datetime) -> datetime | None:
    """The date when `text` is a date and nothing else ("12 Dec 2024", "الثلاثاء ١٢ ديسمبر
    ٢٠٢٤ 10:30 ص", "Thursday, December 12, 2024"), else None: a sentence that holds a date
    ("On 12 December 2024, police arrested…") or a labelled one ("Event: 5 March 2025") is not
    a date alone."""
    folded = normalise_text(text)
    for match in _candidates(folded):
        rest = folded[: match.start()] + " " + folded[match.end() :]
        if _AROUND_DATE.sub("", rest):
            continue
        found = _build(match, now)
        if found is not None and plausible(found, now=now):
            return found
    return None
