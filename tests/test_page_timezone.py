"""Page dates are the organisation's days: shown in the configured timezone
(config.timezone), not UTC's, on the feed pages and the index page alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from feeds.models import Article
from feeds.publish import publish_feeds
from tests.feed_samples import SITE, fill_store, sample_site
from tests.test_pages import BASE, NS, parse, texts


def test_page_dates_are_the_organisation_s_days_in_its_timezone(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    # 23:30 UTC on 9 March is already 10 March in Riyadh (UTC+3), where ALQST's readers
    # and its own site date the article.
    late = datetime(2024, 3, 9, 23, 30, tzinfo=UTC)
    for lang, title in (("en", "Late statement"), ("ar", "بيان متأخر")):
        url = f"{SITE}/{lang}/post/late"
        store.upsert(Article(key=url, url=url, source="alqst", lang=lang, title=title,
                             body_html="<p>Body.</p>", body_text="Body.", summary="",
                             published=late), late)
    public = tmp_path / "public"
    publish_feeds(store, replace(sample_site(BASE), timezone="Asia/Riyadh"), public)
    assert texts(parse(public / "en" / "index.html"), "//h:ol//h:time")[0] == "10 March 2024"
    assert texts(parse(public / "ar" / "index.html"), "//h:ol//h:time")[0] == "10 مارس 2024"
    index = parse(public / "index.html")
    assert texts(index, "//h:section[@id='en']//h:ol//h:time")[0] == "10 March 2024"
    # The machine-readable moment stays exact.
    assert parse(public / "en" / "index.html").xpath(
        "//h:ol//h:time/@datetime", namespaces=NS)[0] == "2024-03-09T23:30:00+00:00"
    # Without a timezone configured, UTC's day.
    publish_feeds(store, sample_site(BASE), public)
    assert texts(parse(public / "en" / "index.html"), "//h:ol//h:time")[0] == "9 March 2024"
