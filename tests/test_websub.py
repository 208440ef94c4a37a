"""WebSub: every feed names its hub, and the hub is told of each changed feed exactly once,
by a notifier that retries a failing hub with backoff while publishing carries on.

A fake hub on 127.0.0.1 (tests/fakes/websub_hub.py) records the notifications; the feeds
are written by the real publisher into a temporary directory from a real SQLite store.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree

from bot.config import ConfigError, parse_config
from feeds.models import Article, Kind
from feeds.publish import SiteInfo, publish_feeds
from feeds.replica import ReplicaSite
from feeds.store import ArticleStore
from feeds.websub import HubNotifier
from tests.conftest import TEST_TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.fakes.websub_hub import FakeHub
from tests.feed_samples import SITE, T0, fill_store, sample_site
from tests.test_service import free_port, runs_finished, start_service, wait_for, write_config
from tests.test_w3c_validator import VALIDATOR

BASE = "https://feeds.example/"
ATOM = "{http://www.w3.org/2005/Atom}"


def hub_site(hub_url: str) -> SiteInfo:
    return replace(sample_site(BASE), websub_hub=hub_url)


def wait_idle(notifier: HubNotifier, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not notifier.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert notifier.idle(), "the notifier still has notices waiting"


def new_article(lang: str = "en") -> Article:
    url = f"{SITE}/{lang}/post/new-arrest"
    return Article(key=url, url=url, source="alqst", lang=lang, title="A new arrest",
                   body_html="<p>Another activist was arrested.</p>",
                   body_text="Another activist was arrested.", summary="",
                   published=T0 + timedelta(days=5), kind=Kind.NEWS)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: a hub that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---- the feeds name the hub -------------------------------------------------------------


def test_rss_atom_and_json_feeds_name_the_hub_next_to_their_self_link(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    publish_feeds(store, hub_site("https://hub.example/websub"), tmp_path / "out")

    rss = etree.parse(str(tmp_path / "out" / "en" / "rss.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in rss.iter(f"{ATOM}link")
             if link.getparent().tag == "channel"}
    assert links == {"self": BASE + "en/rss.xml", "hub": "https://hub.example/websub"}
    assert rss.findtext("channel/link") == SITE + "/"  # the RSS <link> is still the site

    atom = etree.parse(str(tmp_path / "out" / "ar" / "campaigns" / "atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in atom.findall(f"{ATOM}link")}
    assert links["self"] == BASE + "ar/campaigns/atom.xml"
    assert links["hub"] == "https://hub.example/websub"

    json_feed = (tmp_path / "out" / "en" / "feed.json").read_text("utf-8")
    assert '"url": "https://hub.example/websub"' in json_feed


def test_feeds_name_no_hub_when_none_is_configured(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    publish_feeds(store, sample_site(BASE), tmp_path / "out")
    for path in (tmp_path / "out").rglob("*.xml"):
        assert b'rel="hub"' not in path.read_bytes(), path


@pytest.mark.skipif(not VALIDATOR.exists(), reason=f"the W3C validator is not at {VALIDATOR}")
def test_feeds_with_a_hub_pass_the_w3c_validator(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    publish_feeds(store, replace(sample_site(BASE, two_sources=True),
                                 websub_hub="https://hub.example/websub"), tmp_path / "out")
    feeds = sorted(str(p) for p in (tmp_path / "out").rglob("*.xml"))
    result = subprocess.run([str(VALIDATOR), *feeds], capture_output=True, text=True,
                            timeout=600, check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_the_hub_must_be_an_http_url_in_the_config(tmp_path: Path) -> None:
    data = {"sources": [{"name": "alqst", "listings": {"en": "https://alqst.org/en/posts"}}],
            "feeds": {"websub_hub": "hub.example"}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, tmp_path)
    assert str(caught.value) == "feeds.websub_hub: expected an http(s) URL, got 'hub.example'"
    data["feeds"] = {"websub_hub": "https://pubsubhubbub.appspot.com/"}
    assert parse_config(data, tmp_path).feeds.websub_hub == "https://pubsubhubbub.appspot.com/"


# ---- the hub is told ----------------------------------------------------------------


def test_hub_gets_one_notice_per_changed_feed_and_none_when_nothing_changed(
        tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    out = tmp_path / "out"
    with FakeHub() as hub, HubNotifier(hub.url) as notifier:
        site = hub_site(hub.url)

        first = publish_feeds(store, site, out)
        notifier.notify(f.url for f in first.changed_feeds)
        wait_idle(notifier)
        every_feed = sorted(f.url for f in first.feeds)
        assert len(every_feed) == 12  # ar, en, each with campaigns, in three formats
        assert sorted(hub.accepted()) == every_feed  # each exactly once
        assert all(n.content_type == "application/x-www-form-urlencoded"
                   for n in hub.notices)

        again = publish_feeds(store, site, out)
        notifier.notify(f.url for f in again.changed_feeds)
        wait_idle(notifier)
        assert len(hub.notices) == 12  # nothing changed: nothing more

        store.upsert(new_article("en"), T0 + timedelta(days=5))
        third = publish_feeds(store, site, out)
        notifier.notify(f.url for f in third.changed_feeds)
        wait_idle(notifier)
        assert sorted(hub.accepted()[12:]) == [BASE + "en/atom.xml", BASE + "en/feed.json",
                                               BASE + "en/rss.xml"]
        assert notifier.counts.sent == 15 and notifier.counts.failed == 0


def test_a_hub_answering_500_is_asked_again_with_growing_pauses(tmp_path: Path) -> None:
    pauses: list[float] = []

    def record(seconds: float) -> bool:
        pauses.append(seconds)
        return False  # not stopping; no real wait, so no timing in the test

    with FakeHub() as hub, HubNotifier(hub.url, backoff_seconds=2.0, wait=record) as notifier:
        hub.fail_next(3, status=500)
        notifier.notify([BASE + "en/rss.xml"])
        wait_idle(notifier)

    assert [n.status for n in hub.notices] == [500, 500, 500, 204]
    assert hub.accepted() == [BASE + "en/rss.xml"]
    assert pauses == [2.0, 4.0, 8.0]
    assert (notifier.counts.sent, notifier.counts.retried, notifier.counts.failed) == (1, 3, 0)


def test_a_hub_refusing_the_request_is_not_asked_again(caplog: pytest.LogCaptureFixture) -> None:
    with FakeHub() as hub, HubNotifier(hub.url, wait=lambda _: False) as notifier:
        hub_url = hub.url
        hub.fail_next(1, status=400)
        with caplog.at_level(logging.WARNING, logger="feeds.websub"):
            notifier.notify([BASE + "ar/atom.xml"])
            wait_idle(notifier)
    assert [n.status for n in hub.notices] == [400]
    assert notifier.counts.failed == 1 and notifier.counts.retried == 0
    [line] = [r.getMessage() for r in caplog.records]
    assert line == (f"websub: hub {hub_url} not told of {BASE}ar/atom.xml: HTTP 400 "
                    "(1 attempt(s))")


def test_a_hub_that_is_down_never_stops_publishing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    out = tmp_path / "out"
    down = f"http://127.0.0.1:{closed_port()}/hub"
    site = hub_site(down)
    released = False

    def held(_: float) -> bool:  # every pause lasts until the test releases it
        while not released:
            time.sleep(0.01)
        return False

    notifier = HubNotifier(down, attempts=3, wait=held).start()
    try:
        with caplog.at_level(logging.WARNING, logger="feeds.websub"):
            first = publish_feeds(store, site, out)
            assert notifier.notify(f.url for f in first.changed_feeds) == 12
            # The notifier is stuck retrying the first notice, yet the next passes publish.
            store.upsert(new_article("ar"), T0 + timedelta(days=5))
            second = publish_feeds(store, site, out)
            assert {f.path for f in second.changed_feeds} == {
                "ar/rss.xml", "ar/atom.xml", "ar/feed.json"}
            assert b"A new arrest" in (out / "ar" / "rss.xml").read_bytes()
            assert notifier.notify(f.url for f in second.changed_feeds) == 0  # still queued
            assert not notifier.idle()
            released = True
            wait_idle(notifier)
    finally:
        notifier.close()
    assert notifier.counts.failed == 12 and notifier.counts.sent == 0
    assert notifier.counts.retried == 24  # 3 attempts each
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 12 and all("\n" not in line for line in lines)
    assert all(line.startswith(f"websub: hub {down} not told of ") for line in lines)


def test_stopping_drops_the_unsent_notices_and_counts_them(
        caplog: pytest.LogCaptureFixture) -> None:
    down = f"http://127.0.0.1:{closed_port()}/hub"
    # A long pause after the first failure: stopping must not wait for it.
    notifier = HubNotifier(down, backoff_seconds=3600).start()
    notifier.notify(BASE + f"{lang}/rss.xml" for lang in ("ar", "en", "fr", "fa", "ur"))
    with caplog.at_level(logging.WARNING, logger="feeds.websub"):
        notifier.close()
    assert notifier.counts.dropped == 5 and notifier.counts.sent == 0
    assert notifier.counts.failed == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"websub: stopping with 5 notice(s) unsent to {down}"]


def test_notices_beyond_the_queue_are_dropped_and_counted() -> None:
    notifier = HubNotifier("http://127.0.0.1:9/hub", queue_size=2)  # not started: none sent
    assert notifier.notify([BASE + "a.xml", BASE + "b.xml", BASE + "c.xml"]) == 2
    assert notifier.counts.dropped == 1


def test_publish_reports_only_the_feed_files_it_rewrote(tmp_path: Path) -> None:
    store: ArticleStore = fill_store(tmp_path / "db.sqlite")
    out = tmp_path / "out"
    publish_feeds(store, sample_site(BASE), out)
    store.upsert(replace(new_article("en"), kind=Kind.CAMPAIGN), T0 + timedelta(days=5))
    result = publish_feeds(store, sample_site(BASE), out)
    assert sorted(f.path for f in result.changed_feeds) == [
        "en/atom.xml", "en/campaigns/atom.xml", "en/campaigns/feed.json",
        "en/campaigns/rss.xml", "en/feed.json", "en/rss.xml"]


# ---- the service tells the hub ----------------------------------------------------------


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TEST_TOKEN, chats=["@alqst_en", "@alqst_ar", "@operator"]) as fake:
        yield fake


def test_the_running_service_tells_the_hub_of_changed_feeds_only(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:
    port = free_port()
    with FakeHub() as hub:
        config = write_config(tmp_path, site, telegram.url, port)
        # write_config has its own [feeds] table: the hub goes into it.
        text = config.read_text().replace('[feeds]\n', f'[feeds]\nwebsub_hub = "{hub.url}"\n')
        config.write_text(text)
        db = tmp_path / "data" / "feedbot.sqlite"
        feeds = f"http://127.0.0.1:{port}/"
        process = start_service(config)
        try:
            wait_for(lambda: runs_finished(db) >= 2, what="the first two passes")
            every = {feeds + f"{lang}/{sub}{name}" for lang in ("ar", "en")
                     for sub in ("", "campaigns/") for name in ("rss.xml", "atom.xml",
                                                                "feed.json")}
            wait_for(lambda: set(hub.accepted()) == every, what="a notice for every feed")
            settled = len(hub.notices)
            passes = runs_finished(db)
            wait_for(lambda: runs_finished(db) >= passes + 2, what="two passes changing nothing")
            assert len(hub.notices) == settled  # nothing changed: the hub hears nothing

            site.publish(lang="en", title="Blogger released after seven years",
                         paragraphs=["A Saudi blogger was released today after seven years "
                                     "in prison. ALQST welcomes the release."])
            wait_for(lambda: len(hub.notices) >= settled + 3, what="the notices of en feeds")
            passes = runs_finished(db)
            wait_for(lambda: runs_finished(db) >= passes + 2, what="two more passes")
            assert sorted(hub.accepted()[settled:]) == [
                feeds + "en/atom.xml", feeds + "en/feed.json", feeds + "en/rss.xml"]
            rss = httpx.get(feeds + "en/rss.xml").text
            assert f'<atom:link href="{hub.url}" rel="hub"/>' in rss
            metrics = httpx.get(feeds + "metrics").text
            assert re.search(r'feedbot_websub_notices\{instance="[^"]+",outcome="failed"\} 0\.0',
                             metrics), metrics
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
            assert process.returncode == 0, output
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
