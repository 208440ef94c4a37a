"""Article dates with no date selector: one fixture page per site style in tests/data/page_dates,
each opening with a comment that says its URL, the date a reader sees, and what it covers.

The pages are extracted with a source that configures nothing (the defaults a new operator
gets); the run prints how many pages came out right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from feeds.extract import extract_articles
from feeds.sources import Listing, SourceSettings

PAGES = Path(__file__).parent / "data" / "page_dates"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
SOURCE = SourceSettings(name="ngo", title="NGO", url="https://ngo.example/",
                        listings=(Listing("en", "https://ngo.example/en/news?page={page}"),))


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    url: str
    expected: date | None
    listed: datetime | None
    what: str


def _case(path: Path) -> Case:
    html = path.read_text(encoding="utf-8")
    header = html[html.index("<!--") + 4:html.index("-->")]
    fields = dict(line.strip().split(": ", 1) for line in header.strip().splitlines())
    expected = None if fields["expect"] == "none" else date.fromisoformat(fields["expect"])
    listed = datetime.fromisoformat(fields["listed"]).replace(tzinfo=UTC) \
        if "listed" in fields else None
    return Case(path.stem, html, fields["url"], expected, listed, fields["what"])


CASES = [_case(p) for p in sorted(PAGES.glob("*.html"))]


def found_date(case: Case) -> date | None:
    [article] = extract_articles(case.html, case.url, SOURCE, now=NOW, listed=case.listed)
    assert article.date_is_guess is (article.published is None)
    return article.published.date() if article.published else None


def test_the_table_covers_both_languages_and_pages_without_a_date() -> None:
    names = {c.name for c in CASES}
    assert len(CASES) >= 20
    assert sum(n.endswith("-ar") for n in names) >= 8 and sum(n.endswith("-en") for n in names) >= 8
    assert sum(c.expected is None for c in CASES) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_date_without_selectors(case: Case) -> None:
    assert found_date(case) == case.expected, case.what


def test_pass_rate_is_printed_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    wrong = [c.name for c in CASES if found_date(c) != c.expected]
    with capsys.disabled():
        print(f"\npage dates without selectors: {len(CASES) - len(wrong)}/{len(CASES)} right"
              + (f"; wrong: {', '.join(wrong)}" if wrong else ""))
    assert not wrong
