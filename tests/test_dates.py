"""Date normalisation: a table of real and hand-made date strings with the expected UTC result."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from feeds import dates
from feeds.dates import find_labelled_date, normalise_text, parse_date

TABLE = Path(__file__).parent / "data" / "dates.tsv"
# Written before reading feeds/dates.py and scored once as written (issue 13's held-out bar).
HELDOUT = Path(__file__).parent / "data" / "dates_heldout.tsv"
# A second blind batch (other news sites, CMS defaults, Hijri, number traps), written the same way.
BLIND2 = Path(__file__).parent / "data" / "dates_blind2.tsv"
# A third (Gulf, Levant, Iraqi, Maghreb and francophone news, NGOs, blog platforms), the same way.
BLIND3 = Path(__file__).parent / "data" / "dates_blind3.tsv"
DEFAULT_NOW = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)


def _rows(table: Path = TABLE) -> list[tuple[str, datetime, datetime | None]]:
    rows = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip("\n"):
            continue
        text, now, expected = line.split("\t")[:3]
        rows.append(
            (
                text,
                DEFAULT_NOW if now == "-" else datetime.fromisoformat(now),
                None if expected == "None" else datetime.fromisoformat(expected),
            )
        )
    return rows


ROWS = _rows()
HELDOUT_ROWS = _rows(HELDOUT)
BLIND2_ROWS = _rows(BLIND2)
BLIND3_ROWS = _rows(BLIND3)


def test_the_table_is_large_enough() -> None:
    assert len(ROWS) >= 200


def test_the_table_pass_rate_is_printed_and_meets_the_goal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One line in the run's output whatever the verbosity: the figure the issue asks for.
    failed = [text for text, now, expected in ROWS if parse_date(text, now=now) != expected]
    rate = 1 - len(failed) / len(ROWS)
    with capsys.disabled():
        print(f"\ndates table: {len(ROWS) - len(failed)}/{len(ROWS)} pass ({rate:.1%})")
    assert rate >= 0.99, failed


@pytest.mark.parametrize(("name", "rows", "minimum"),
                         [("held-out", HELDOUT_ROWS, 80), ("blind batch 2", BLIND2_ROWS, 100),
                          ("blind batch 3", BLIND3_ROWS, 100)])
def test_the_held_out_pass_rate_is_printed_and_meets_the_goal(
    capsys: pytest.CaptureFixture[str], name: str,
    rows: list[tuple[str, datetime, datetime | None]], minimum: int,
) -> None:
    assert len(rows) >= minimum
    misses = [(text, parse_date(text, now=now), expected) for text, now, expected in rows
              if parse_date(text, now=now) != expected]
    rate = 1 - len(misses) / len(rows)
    with capsys.disabled():
        print(f"\n{name} dates: {len(rows) - len(misses)}/{len(rows)} pass ({rate:.1%})")
        for text, got, expected in misses:
            print(f"  expected {expected}, got {got}: {text}")
    assert rate >= 0.99


@pytest.mark.parametrize(("text", "now", "expected"), ROWS, ids=[r[0] or "<empty>" for r in ROWS])
def test_parse_date_table(text: str, now: datetime, expected: datetime | None) -> None:
    result = parse_date(text, now=now)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


def test_naive_now_is_read_as_utc() -> None:
    assert parse_date("منذ ساعة", now=datetime(2024, 3, 1, 12, 0)) == datetime(
        2024, 3, 1, 11, 0, tzinfo=UTC
    )


def test_lang_narrows_only_the_fallback() -> None:
    assert parse_date("15/02/2024", now=DEFAULT_NOW, lang="en") == datetime(2024, 2, 15, tzinfo=UTC)
    assert parse_date("June the 7th, 2021", now=DEFAULT_NOW, lang="en") == datetime(
        2021, 6, 7, tzinfo=UTC
    )


def test_labelled_date_wins_over_a_typo_dateline_in_the_body() -> None:
    page = "انعقد مؤتمر القسط الأول\nتاريخ النشر: 12/12/2017\n\nلندن، التاسع من ديسمبر 2107\n"
    assert find_labelled_date(page, now=DEFAULT_NOW) == datetime(2017, 12, 12, tzinfo=UTC)


def test_labelled_date_in_english_chrome() -> None:
    page = "Some title\nPublication date: 15/02/2024\nOn 22 January 2024, during ..."
    assert find_labelled_date(page, now=DEFAULT_NOW) == datetime(2024, 2, 15, tzinfo=UTC)


def test_labelled_date_in_french_chrome() -> None:
    page = "Tunisie : arrestation d'un avocat\nPublié le 22 février 2024\nLe 3 janvier 2024, ..."
    assert find_labelled_date(page, now=DEFAULT_NOW) == datetime(2024, 2, 22, tzinfo=UTC)


def test_labelled_date_skips_a_label_without_a_date() -> None:
    page = "Published by ALQST\nPublished on: 3 March 2023"
    assert find_labelled_date(page, now=DEFAULT_NOW) == datetime(2023, 3, 3, tzinfo=UTC)


def test_no_label_no_date_even_if_the_body_has_one() -> None:
    page = "On 22 January 2024, during Saudi Arabia's fourth UPR, member states ..."
    assert find_labelled_date(page, now=DEFAULT_NOW) is None


def test_normalise_text_folds_spelling_variants() -> None:
    assert normalise_text("أُكتـوبر ٢٠١٨") == normalise_text("اكتوبر 2018") == "اكتوبر 2018"


def test_common_formats_take_the_fast_path() -> None:
    # 200 dates in well under a second means dateparser was not consulted for them.
    samples = ["15/02/2024", "07-يونيو/حزيران-2021", "التاسع من ديسمبر 2017", "9 سبتمبر 2020"]
    start = time.perf_counter()
    for _ in range(50):
        for text in samples:
            assert parse_date(text, now=DEFAULT_NOW) is not None
    assert time.perf_counter() - start < 1.0


def _normalised_as_before(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = dates._HARAKAT.sub("", text).translate(dates._FOLD).casefold()
    return re.sub(r"\s+", " ", text).strip()


@given(st.lists(st.sampled_from(["أ", "إ", "آ", "ٱ", "ى", "ی", "ة", "ـ", "٫", "\u00a0", "–", "−",
                                 "\u200f", "\ufeff", "٣", "۴", "\u064b", " ", "\t", "A", "ب"])
                | st.text()).map("".join))
def test_normalise_text_folds_as_a_translation_table_does(text: str) -> None:
    assert normalise_text(text) == _normalised_as_before(text)


# ---- properties over generated dates ------------------------------------------------------

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
              "أكتوبر", "نوفمبر", "ديسمبر")
_LEVANT_MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
                  "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول")
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FORMATS = (
    lambda d: f"{d.day} {_EN_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{_EN_MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: d.date().isoformat(),
    lambda d: f"{d.day} {_AR_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {_AR_MONTHS[d.month - 1]}/{_LEVANT_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {_LEVANT_MONTHS[d.month - 1]} {d.year}".translate(_INDIC),
    lambda d: f"تاريخ النشر: {d.day}/{d.month}/{d.year}",
    lambda d: f"London, {d.day}–{min(d.day + 2, 28)} {_EN_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"من {d.day} إلى {min(d.day + 2, 28)} {_AR_MONTHS[d.month - 1]} {d.year}",
)


@given(day=st.dates(min_value=date(1995, 1, 1), max_value=DEFAULT_NOW.date()),
       style=st.sampled_from(range(len(_FORMATS))))
def test_a_date_written_in_any_known_style_reads_back_as_that_day(day: date, style: int) -> None:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    text = _FORMATS[style](moment)
    if "–" in text or "إلى" in text:
        assume(moment.day <= 26)  # a range's end must stay in the month
    assert parse_date(text, now=DEFAULT_NOW) == moment, text


@given(st.text(max_size=60))
def test_any_text_gives_none_or_a_plausible_utc_date(text: str) -> None:
    result = parse_date(text, now=DEFAULT_NOW)
    if result is not None:
        assert result.tzinfo is UTC
        assert datetime(1995, 1, 1, tzinfo=UTC) <= result <= DEFAULT_NOW + dates._FUTURE_TOLERANCE
