"""A source that already publishes RSS is read with feedparser instead of being scraped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import check_sources
from bot.config import parse_config
from feeds.serve import FeedServer
from feeds.store import ArticleStore, open_engine

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>SMEX</title><link>https://smex.org/</link><description>Digital rights</description>
<item><title>New report on spyware in the Gulf</title>
<link>{base}/2024/03/spyware-report/?utm_source=rss</link>
<pubDate>Tue, 12 Mar 2024 09:00:00 +0000</pubDate>
<description><![CDATA[
<p>SMEX publishes a report on spyware. It names three vendors.</p>]]></description>
</item>
<item><title>تقرير جديد عن برامج التجسس في الخليج</title>
<link>{base}/ar/2024/03/spyware-report-ar/</link>
<pubDate>Tue, 12 Mar 2024 10:00:00 +0000</pubDate>
<description><![CDATA[
<p>نشرت سمكس تقريراً عن برامج التجسس. ويسمي التقرير ثلاث شركات.</p>]]></description>
</item>
<item><title>A post dated in the future by mistake</title>
<link>{base}/2107/01/typo/</link>
<pubDate>Fri, 01 Jan 2107 10:00:00 +0000</pubDate>
<description>Typo year.</description>
</item>
<item><title>A post whose date was never set</title>
<link>{base}/unset-date/</link>
<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>
<description>The content system's default.</description>
</item>
</channel></rss>
"""


def test_feed_source_entries_become_articles_without_scraping(tmp_path: Path) -> None:
    public = tmp_path / "site"
    public.mkdir()
    with FeedServer(public) as server:
        base = server.url.rstrip("/")
        (public / "feed.xml").write_text(RSS.format(base=base), encoding="utf-8")
        config = parse_config({
            "database": "db.sqlite",
            "fetch": {"per_host_delay_seconds": 0, "retries": 0},
            "sources": [{"name": "smex", "title": "SMEX", "url": base + "/",
                         "feeds": {"en": base + "/feed.xml"}}],
        }, tmp_path)
        store = ArticleStore(open_engine(config.database))
        first = asyncio.run(check_sources(config, store))[0]
        second = asyncio.run(check_sources(config, store))[0]
    assert first.new == 4 and not first.failures
    assert second.new == 0  # answered 304 Not Modified: nothing re-read
    english = store.get(f"{base}/2024/03/spyware-report")
    assert english is not None
    assert english.lang == "en" and english.published is not None
    assert english.published.isoformat() == "2024-03-12T09:00:00+00:00"
    assert english.summary == "SMEX publishes a report on spyware. It names three vendors."
    arabic = store.get(f"{base}/ar/2024/03/spyware-report-ar")
    assert arabic is not None and arabic.lang == "ar"
    typo = store.get(f"{base}/2107/01/typo")
    assert typo is not None and typo.date_is_guess
    assert typo.published is not None and typo.published.year < 2100
    unset = store.get(f"{base}/unset-date")
    assert unset is not None and unset.date_is_guess  # 1970 is no publication date
    assert unset.published is not None and unset.published.year > 2000
