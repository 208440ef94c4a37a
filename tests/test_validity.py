"""The validity gate (feeds/validity.py): labelled pages that are no article are refused with
a one-line reason, short real articles pass; and a WordPress-style site the code was not
written for, answering interstitials with a 200, gets nothing stored until it recovers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.check import LanguageReport, SourceChecker
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import Fetcher
from feeds.models import Article
from feeds.sources import FetchSettings, Listing, SourceSettings
from feeds.store import ArticleStore, open_engine
from feeds.validity import (
    PREFIX,
    REPEATS,
    SHRINK_FLOOR_LETTERS,
    judge,
    judge_feed_entry,
    repeated,
)
from tests.fakes.wordpress_site import WordPressSite

PAGES = Path(__file__).parent / "data" / "validity"
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SITE = "https://www.example.org"
SOURCE = SourceSettings(name="example", title="Example Rights Watch", url=SITE + "/",
                        listings=(Listing("en", SITE + "/en/posts?page={page}"),))


def labelled(kind: str) -> list[Path]:
    return sorted((PAGES / kind).glob("*.html"))


def refusal(page: Path) -> str | None:
    """Why the page is not stored (extraction or the gate), or None when it would be."""
    try:
        articles = extract_articles(page.read_text("utf-8"), f"{SITE}/en/post/{page.stem}",
                                    SOURCE, now=NOW)
    except ExtractError as exc:
        return str(exc)
    return next((reason for a in articles if (reason := judge(a))), None)


@pytest.mark.parametrize("page", labelled("not_articles"), ids=lambda p: p.stem)
def test_a_page_that_is_no_article_is_refused_with_a_one_line_reason(page: Path) -> None:
    reason = refusal(page)
    assert reason is not None, "stored as an article"
    assert "\n" not in reason and len(reason) < 200


def test_the_labelled_pages_cover_each_kind_of_interstitial() -> None:
    # Most of them get through extraction: it is the gate, not the extractor, that stops them.
    gated = [p.stem for p in labelled("not_articles")
             if (r := refusal(p)) is not None and r.startswith(PREFIX)]
    assert len(labelled("not_articles")) >= 9 and len(gated) >= 7, gated


@pytest.mark.parametrize("page", labelled("articles"), ids=lambda p: p.stem)
def test_a_short_real_article_passes_the_gate(page: Path) -> None:
    assert refusal(page) is None


def article(key: str = f"{SITE}/en/post/a", *, title: str = "Travel bans on families continue",
            body: str = "Relatives of detained activists remain barred from leaving.",
            lang: str = "en") -> Article:
    return Article(key=key, url=key, source="example", lang=lang, title=title,
                   body_html=f"<p>{body}</p>", body_text=body, summary=body, published=NOW)


def test_an_article_without_a_title_or_a_body_or_a_language_is_refused() -> None:
    assert judge(article(title=" ")) == PREFIX + "the page has no title"
    assert "no body text" in (judge(article(body="2026 · 503")) or "")
    assert "only 11 letters" in (judge(article(body="nginx/1.18.0 (Ubuntu)")) or "")
    assert "language" in (judge(article(lang="und")) or "")


def test_a_body_far_shorter_than_the_stored_one_is_refused_and_names_both() -> None:
    stored = article(body="Relatives of detained activists remain barred. " * 20)
    teaser = article(body="Relatives of detained activists remain barred from leaving.")
    reason = judge(teaser, stored)
    assert reason is not None and "the stored version is kept" in reason
    assert re.search(r"has \d+ letters, \d+% of the \d+ stored", reason)


def test_a_real_correction_that_shortens_an_article_passes() -> None:
    stored = article(body="Relatives of detained activists remain barred. " * 20)
    assert judge(article(body="Relatives of detained activists remain barred. " * 6),
                 stored) is None
    # Below the floor an editor may rewrite a short item whole.
    short = article(body="x" * (SHRINK_FLOOR_LETTERS - 1))
    assert judge(article(body="We condemn today's sentence."), short) is None


def test_one_body_on_several_pages_of_a_pass_is_refused_on_each() -> None:
    pages = {f"{SITE}/en/post/{n}": [article(f"{SITE}/en/post/{n}", title=f"Title {n}",
                                             body="Please wait while we verify your request.")]
             for n in range(REPEATS)}
    pages[f"{SITE}/en/post/real"] = [article(f"{SITE}/en/post/real")]
    verdicts = repeated(pages)
    assert set(verdicts) == set(pages) - {f"{SITE}/en/post/real"}
    assert all("same body text" in r for r in verdicts.values())


def test_a_title_that_recurs_on_a_few_pages_of_a_long_pass_is_no_reason() -> None:
    pages = {f"{SITE}/en/post/{n}": [article(f"{SITE}/en/post/{n}",
                                             title="Joint statement" if n < 3 else f"News {n}",
                                             body=f"Article number {n} on detainees in prison.")]
             for n in range(10)}
    assert repeated(pages) == {}


def test_one_title_on_most_pages_of_a_pass_is_refused() -> None:
    pages = {f"{SITE}/en/post/{n}": [article(f"{SITE}/en/post/{n}", title="Security check",
                                             body=f"Your request {n} is being verified.")]
             for n in range(4)}
    pages[f"{SITE}/en/post/real"] = [article(f"{SITE}/en/post/real")]
    assert len(repeated(pages)) == 4


def test_one_article_reached_by_two_urls_counts_once() -> None:
    same = article(f"{SITE}/en/post/a")
    assert repeated({f"{SITE}/en/post/a": [same], f"{SITE}/posts/1": [same],
                     f"{SITE}/en/posts/1": [same]}) == {}


def test_a_feed_entry_with_only_a_title_and_a_short_summary_passes() -> None:
    # A feed may carry a summary only: no body rule applies to its entries.
    assert judge_feed_entry(article(body="Read the statement.")) is None
    assert judge_feed_entry(article(body="")) is None
    assert judge_feed_entry(article(title="Just a moment...")) is not None


# ---- a site the gate was not written for -------------------------------------------------


@pytest.fixture
def wordpress() -> Iterator[WordPressSite]:
    with WordPressSite() as site:
        yield site


def wordpress_source(site: WordPressSite) -> SourceSettings:
    return SourceSettings(
        name="gulf", title="Gulf Rights Monitor", url=site.base_url + "/",
        listings=(Listing("en", site.base_url + "/news/page/{page}/"),),
        link_selector="h2.entry-title a", link_pattern=r"/\d{4}/\d{2}/[^/]+/?$",
        selectors={"title": "h1.entry-title", "date": "time.entry-date",
                   "body": ".entry-content"})


def check(site: WordPressSite, store: ArticleStore,
          later: timedelta = timedelta(0)) -> LanguageReport:
    """One pass; `later`: as if run that long from now (known articles come due for a
    recheck once `recheck_every` has passed)."""
    async def run() -> LanguageReport:
        settings = FetchSettings(retries=0, per_host_delay_seconds=0, timeout_seconds=5)
        async with Fetcher(settings) as fetcher:
            checker = SourceChecker(store, fetcher, now=lambda: datetime.now(UTC) + later)
            [report] = await checker.check(wordpress_source(site))
            return report
    return asyncio.run(run())


PARAGRAPHS = {
    "Travel bans on families continue": ["Relatives of detained activists remain barred from "
                                         "leaving the country.", "None has been charged."],
    "Blogger sentenced after secret trial": ["A blogger was sentenced to ten years in prison "
                                             "after a secret trial.", "We call for his release."],
    "Migrant workers unpaid for months": ["Migrant maintenance workers say they have not been "
                                          "paid for six months."],
    "Joint letter to the Human Rights Council": ["Twelve organisations wrote to the Council "
                                                 "about executions."],
}


@pytest.mark.parametrize("interstitial", ["challenge", "maintenance", "shell"])
def test_a_foreign_site_answering_interstitials_stores_nothing_until_it_recovers(
        wordpress: WordPressSite, tmp_path: Path, interstitial: str) -> None:
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    posts = [wordpress.publish(title, paragraphs) for title, paragraphs in PARAGRAPHS.items()]
    wordpress.interstitial = interstitial

    report = check(wordpress, store)

    assert report.new == 0 and store.count() == 0
    assert {f.url for f in report.failures} == {wordpress.url(p) for p in posts}
    assert all("\n" not in f.reason for f in report.failures)
    wordpress.interstitial = None

    report = check(wordpress, store)

    assert report.failures == [] and report.new == len(posts)
    assert {a.title for a in store.latest(limit=10)} == set(PARAGRAPHS)
    assert store.languages() == ["en"]
    store.engine.dispose()


def test_a_foreign_article_struck_after_it_was_stored_keeps_its_stored_version(
        wordpress: WordPressSite, tmp_path: Path) -> None:
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    posts = [wordpress.publish(title, paragraphs) for title, paragraphs in PARAGRAPHS.items()]
    long_read = wordpress.publish("Annual report on detention", [
        f"Paragraph {n} of the annual report documents arbitrary detention and unfair trials "
        "before the Specialized Criminal Court." for n in range(1, 8)])
    check(wordpress, store)
    before = {p.path: store.get(wordpress.url(p)) for p in [*posts, long_read]}
    # Only one page struck: nothing repeats across the pass, the challenge's wording is
    # none the gate knows; its body is a fraction of the stored one.
    wordpress.interstitial, wordpress.struck = "challenge", {long_read.path}

    report = check(wordpress, store, later=timedelta(hours=2))  # its recheck is due

    assert [f.url for f in report.failures] == [wordpress.url(long_read)]
    assert "the stored version is kept" in report.failures[0].reason
    assert report.updated == 0
    assert {p.path: store.get(wordpress.url(p)) for p in [*posts, long_read]} == before
    store.engine.dispose()
