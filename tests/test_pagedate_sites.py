"""Dates with no selectors on test sites the date code was not written for: the Ghost-like
site's "12 Dec 2024 · 5 min read" meta line and the subdomain site's bare
`<span class="date">١٢ ديسمبر ٢٠٢٤</span>`, both with no label, and the Drupal site's
"Submitted by … on …" inside the article's own `<footer>`. Every article page is fetched over
real HTTP and read with a source that configures nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from feeds.extract import extract_articles
from feeds.sources import SourceSettings
from tests.discover_sites import started

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
NOTHING_SET = SourceSettings(name="new", title="New site", url="http://127.0.0.1/")


@pytest.mark.parametrize("site_name", ["ghost", "subdomain", "drupal"])
def test_every_article_gets_the_date_it_shows_with_no_selectors(site_name: str) -> None:
    with started(site_name) as site:
        wrong = {}
        for item in site.expected:
            page = httpx.get(item.url, follow_redirects=True)
            [article] = [a for a in extract_articles(page.text, str(page.url), NOTHING_SET,
                                                     now=NOW) if a.lang == item.lang] or [None]
            shown = article.published.date() if article and article.published else None
            if shown != item.date or article is None or article.date_is_guess:
                wrong[f"{item.url} ({item.lang})"] = shown
    assert wrong == {}
    assert len(site.expected) == 14
