"""Several `feedbot run` processes on one PostgreSQL database (real processes, the test
cluster of tests/pg_cluster.py): the sources are shared by lease and each checked by one
instance, every post goes out once, a SIGKILLed instance's sources are taken over, and
the feeds every instance writes are byte-identical."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_service import ROOT, free_port, wait_for

EN, AR = "@alqst_en", "@alqst_ar"


@pytest.fixture
def sites() -> Iterator[list[ReplicaSite]]:
    with ReplicaSite() as first, ReplicaSite() as second:
        yield [first, second]


def write_config(workdir: Path, sites: list[ReplicaSite], telegram_url: str) -> Path:
    workdir.mkdir()
    sources = "".join(f"""
[[sources]]
name = "site{n}"
url = "{site.base_url}/"
schedule = "every 1s"
[sources.listings]
en = "{site.listing_url("en")}"
ar = "{site.listing_url("ar")}"
""" for n, site in enumerate(sites))
    path = workdir / "config.toml"
    path.write_text(f"""
timezone = "UTC"
lease_seconds = 4
[fetch]
per_host_delay_seconds = 0
retries = 1
{sources}
[feeds]
output_dir = "public"
base_url = "https://feeds.example/"
listen = "127.0.0.1:{free_port()}"
[telegram]
token_env = "TEST_FEEDBOT_TOKEN"
api_base_url = "{telegram_url}"
per_chat_per_minute = 6000
flood_limit = 100
[telegram.channels]
en = "{EN}"
ar = "{AR}"
""")
    return path


def start(config: Path, database: str) -> subprocess.Popen[str]:
    env = dict(os.environ, TEST_FEEDBOT_TOKEN=TOKEN, FEEDBOT_DATABASE_URL=database)
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def feeds(workdir: Path) -> dict[str, bytes]:
    root = workdir / "public"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_instances_on_one_postgresql_share_the_sources_and_post_each_article_once(
        tmp_path: Path, sites: list[ReplicaSite], postgres_url: str) -> None:
    engine = create_engine(postgres_url)

    def holders() -> dict[str, str]:
        with engine.connect() as conn:
            return dict(conn.execute(text("select source, holder from source_leases")).all())

    def finished() -> int:
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(
                    "select count(*) from runs where finished is not null")).scalar_one())
        except ProgrammingError:  # the first instance has not created the tables yet
            return 0

    with FakeTelegram(TOKEN, chats=[EN, AR]) as fake:
        a_dir, b_dir = tmp_path / "a", tmp_path / "b"
        first = start(write_config(a_dir, sites, fake.url), postgres_url)
        second: subprocess.Popen[str] | None = None
        try:
            wait_for(lambda: finished() >= 2, what="the first instance's baseline")
            second = start(write_config(b_dir, sites, fake.url), postgres_url)
            # The first gives one source back, the second takes it: one each.
            wait_for(lambda: len(set(holders().values())) == 2, timeout=20,
                     what="the sources shared")
            for site in sites:
                site.reset_requests()
            time.sleep(4)
            for site in sites:  # every 1 s, one instance's worth: about 4 walks, not 8
                walks = sum(1 for _, path, _ in site.requests if "/en/posts?page=1" in path)
                assert 2 <= walks <= 6, walks
            titles = []
            for n, site in enumerate(sites):
                for lang in ("en", "ar"):
                    title = f"Site {n} {lang} before the kill"
                    site.publish(lang=lang, title=title, paragraphs=[f"{title}: news."])
                    titles.append(title)
            wait_for(lambda: len(fake.sent(EN)) + len(fake.sent(AR)) >= 4, what="4 posts")
            wait_for(lambda: feeds(a_dir) == feeds(b_dir) and b"before the kill" in
                     feeds(b_dir).get("en/atom.xml", b""), timeout=20,
                     what="the same feeds on both instances")
            victim = first if Counter(holders().values()).most_common(1)[0][0].split(":")[1] \
                == str(first.pid) else second
            survivor = second if victim is first else first
            victim.kill()  # SIGKILL: its sources go to the survivor (same host: at once)
            victim.communicate()
            wait_for(lambda: set(holders().values()) == {
                next(h for h in holders().values() if f":{survivor.pid}:" in h)},
                timeout=20, what="the survivor holding every source")
            for n, site in enumerate(sites):
                title = f"Site {n} after the kill"
                site.publish(lang="en", title=title, paragraphs=[f"{title}: news."])
                titles.append(title)
            wait_for(lambda: len(fake.sent(EN)) + len(fake.sent(AR)) >= 6, what="6 posts")
            time.sleep(2)
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.communicate(timeout=20)
            engine.dispose()
    sent = Counter(m.text.split("\n")[0] for chat in (EN, AR) for m in fake.sent(chat))
    assert {t: sent[t] for t in titles} == {t: 1 for t in titles}
    assert sum(sent.values()) == len(titles)
