"""WebSub and page benchmark: what the readable pages add to a publish, what telling a hub
costs a pass (nothing it waits for, even when the hub hangs), and how fast notices go out.

Run from the repository root:  .venv/bin/python bench/websub_pages.py
Everything runs on 127.0.0.1 (the fake hub of the tests) and stops by itself.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds.pages import FeedLink, FeedPage, render_feed_page
from feeds.publish import LANGUAGE_NAMES, publish_feeds
from feeds.render import prepare_entries
from feeds.store import ArticleStore, open_engine
from feeds.websub import HubNotifier
from tests.fakes.websub_hub import FakeHub
from tests.feed_samples import T0, many_articles, sample_site, sample_spec


def best_ms(runs: int, work: object) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = ArticleStore(open_engine(root / "db.sqlite"))
        for article in many_articles(200, "en") + many_articles(200, "ar"):
            store.upsert(article.with_(key=article.key + article.lang,
                                       url=article.url.replace("/en/", f"/{article.lang}/")),
                         T0)
        site = sample_site("https://feeds.example/")

        entries = tuple(prepare_entries(sample_spec("en"), many_articles(50, "en")))
        page = FeedPage(directory="en/", lang="en", title="ALQST — latest news",
                        description="Latest news", campaigns=False, source=None,
                        links=(FeedLink("RSS", "application/rss+xml", "en/rss.xml",
                                        "https://feeds.example/en/rss.xml"),),
                        entries=entries)
        one_page = best_ms(20, lambda: render_feed_page(page, [page], LANGUAGE_NAMES))
        first = best_ms(1, lambda: publish_feeds(store, site, root / "out"))
        again = best_ms(5, lambda: publish_feeds(store, site, root / "out"))
        print(f"one feed page of 50 items:             {one_page:8.2f} ms")
        print(f"publish, 2 languages x 2 feeds, first: {first:8.1f} ms (4 pages, 12 feeds)")
        print(f"publish again, nothing changed:        {again:8.1f} ms")

        # A hub that accepts connections and never answers: the worst a pass could meet.
        hanging = socket.socket()
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(100)
        hung_url = f"http://127.0.0.1:{hanging.getsockname()[1]}/hub"
        hub_site = replace(site, websub_hub=hung_url)
        notifier = HubNotifier(hung_url, timeout_seconds=30).start()
        store.upsert(many_articles(1, "en")[0].with_(key="k-new", url="https://alqst.org/n",
                                                     published=T0), T0)
        result = publish_feeds(store, hub_site, root / "out")
        started = time.perf_counter()
        queued = notifier.notify(f.url for f in result.changed_feeds)
        notify_ms = (time.perf_counter() - started) * 1000
        print(f"notify() after that publish, hub hung: {notify_ms:8.3f} ms "
              f"({queued} notices queued; the pass goes on)")
        notifier.close(timeout=0.1)
        hanging.close()

        with FakeHub() as hub, HubNotifier(hub.url) as fast:
            urls = [f"https://feeds.example/f{i}/rss.xml" for i in range(1000)]
            started = time.perf_counter()
            fast.notify(urls)
            queue_ms = (time.perf_counter() - started) * 1000
            hub.wait_for(1000, timeout=120)
            total = time.perf_counter() - started
            print(f"queue 1,000 notices:                   {queue_ms:8.1f} ms")
            print(f"deliver 1,000 notices to a local hub:  {total * 1000:8.0f} ms "
                  f"({1000 / total:.0f} a second, one connection, one at a time)")


if __name__ == "__main__":
    main()
