"""Article dates with no date selector: one fixture page per site style in tests/data/page_dates,
each opening with a comment that says its URL, the date a reader sees, and what it covers.

The pages are extracted with a source that configures nothing (the defaults a new operator
gets); the run prints how many pages came out right.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from feeds.check import SourceChecker
from feeds.extract import extract_articles
from feeds.fetcher import Fetcher
from feeds.sources import FetchSettings, Listing, SourceSettings
from feeds.store import ArticleStore, open_engine
from tests.fakes.html_site import HtmlSite

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


# ---- end to end: a listing teaser's date is the second opinion htmldate needs ----------------

DAYS = {1: "12 December 2024", 2: "3 November 2024"}


class TeaserDatedSite(HtmlSite):
    """/en/news/ shows each post's date under its title; the post pages show it only as an
    unlabelled line, which htmldate reads but which nothing else vouches for."""

    name = "teaser-dated-site"

    def answer(self, path: str) -> tuple[int, str]:
        if path == "/en/news/":
            items = "".join(f'<li><a href="/en/post/{n}">Post {n}</a><div>{day}</div></li>'
                            for n, day in DAYS.items())
            return 200, f"<html><body><ul>{items}</ul></body></html>"
        n = int(path.rsplit("/", 1)[-1])
        return 200, (f'<html lang="en"><body><h1>Post {n}</h1><div class="date">'
                     f'{DAYS[n]}</div><div class="story"><p>Story {n}. {PROSE}</p></div>'
                     "</body></html>")


PROSE = ("The Specialized Criminal Court sentenced the activist to ten years in prison and a "
         "travel ban of equal length for posts on social media calling for reform.")


def test_a_pass_dates_a_page_by_htmldate_when_the_listing_teaser_shows_the_same_day(
        tmp_path: Path) -> None:
    with TeaserDatedSite() as site:
        source = SourceSettings(name="ngo", title="NGO", url=f"{site.base_url}/",
                                listings=(Listing("en", f"{site.base_url}/en/news/", max_pages=1),))
        store = ArticleStore(open_engine(tmp_path / "feedbot.sqlite", allow_upgrade=True))

        async def check() -> None:
            async with Fetcher(FetchSettings(per_host_delay_seconds=0, retries=0)) as fetcher:
                await SourceChecker(store, fetcher, now=lambda: NOW).check(source)

        asyncio.run(check())
    dates = {a.title: (a.published, a.date_is_guess) for a in store.latest(source="ngo")}
    assert dates == {"Post 1": (datetime(2024, 12, 12, tzinfo=UTC), False),
                     "Post 2": (datetime(2024, 11, 3, tzinfo=UTC), False)}
