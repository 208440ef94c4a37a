"""`feeds.dates.bare_date`: a date standing alone (with a weekday or a time of day at most) is
a date; a sentence or another label around it makes it something else."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feeds.dates import bare_date

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Dec 2024", date(2024, 12, 12)),
        ("١٢ ديسمبر ٢٠٢٤", date(2024, 12, 12)),
        ("الثلاثاء 12 ديسمبر 2024 - 10:30 ص", date(2024, 12, 12)),
        ("Thursday, December 12, 2024", date(2024, 12, 12)),
        ("Thursday 12 December 2024 at 10:30 am", date(2024, 12, 12)),
        ("le 12 décembre 2024", date(2024, 12, 12)),
        ("12/12/2024", date(2024, 12, 12)),
        ("On 12 December 2024, police arrested five", None),
        ("Event: 5 March 2025", None),
        ("Last updated: 12 December 2024", None),
        ("5 min read", None),
        ("© 2024 Gulf Rights", None),
        ("12 December 2107", None),  # a typo year is no date at all
    ],
)
def test_a_date_alone_is_read_and_a_date_in_words_around_it_is_not(
        text: str, expected: date | None) -> None:
    found = bare_date(text, now=NOW)
    assert (found.date() if found else None) == expected
