"""`feedbot run` as an operator runs it: a real process, the replica, the fake Telegram, SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path, site: ReplicaSite, telegram_url: str, port: int,
                 schedule: str = "every 2s", extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
organisation = "ALQST (test)"
timezone = "Europe/London"
database = "data/feedbot.sqlite"
[fetch]
per_host_delay_seconds = 0
retries = 1
backoff_seconds = 0.1
timeout_seconds = 5
[[sources]]
name = "alqst"
title = "ALQST for Human Rights"
url = "{site.base_url}/"
schedule = "{schedule}"
[sources.listings]
en = "{site.listing_url("en")}"
ar = "{site.listing_url("ar")}"
[feeds]
output_dir = "public"
listen = "127.0.0.1:{port}"
[telegram]
token_env = "TEST_FEEDBOT_TOKEN"
api_base_url = "{telegram_url}"
operator_chat = "@operator"
per_chat_per_minute = 600
[telegram.channels]
en = "@alqst_en"
ar = "@alqst_ar"
{extra}
""")
    return path


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=["@alqst_en", "@alqst_ar", "@operator"]) as fake:
        yield fake


def start_service(config: Path, *, token: str | None = TOKEN,
                  args: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("TEST_FEEDBOT_TOKEN", None)
    if token:
        env["TEST_FEEDBOT_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def runs_finished(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute(
                "select count(*) from runs where outcome != 'running'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_run_posts_and_publishes_a_new_article_then_stops_cleanly_on_sigterm(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:
    port = free_port()
    config = write_config(tmp_path, site, telegram.url, port)
    db = tmp_path / "data" / "feedbot.sqlite"
    process = start_service(config)
    try:
        wait_for(lambda: runs_finished(db) >= 1, what="the first (baseline) run")
        assert telegram.sent("@alqst_en") == [] and telegram.sent("@alqst_ar") == []

        post = site.publish(lang="en", title="Blogger released after seven years",
                            paragraphs=["A Saudi blogger was released today after seven years "
                                        "in prison. ALQST welcomes the release."])
        wait_for(lambda: telegram.sent("@alqst_en"), what="the post in the channel")
        feed_url = f"http://127.0.0.1:{port}/en/atom.xml"
        feed = wait_for(lambda: [e for e in feedparser.parse(httpx.get(feed_url).text).entries
                                 if e.link == post.url], what="the article in the feed")
        assert feed

        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert re.search(rf'feedbot_runs_total\{{instance="[^"]+:{process.pid}:\w+",'
                         r'outcome="ok",source="alqst"\}', metrics), metrics
        assert re.search(r'feedbot_sources_leased\{instance="[^"]+"\} 1\.0', metrics)
        assert "feedbot_posts_sent_total" in metrics

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0, output
        assert time.monotonic() - started < 10
        assert "stopped cleanly" in output
        assert TOKEN not in output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    messages = telegram.sent("@alqst_en")
    assert len([m for m in messages if "Blogger released" in m.text]) == 1
    with sqlite3.connect(db) as conn:
        unsent = conn.execute("select count(*) from outbox where status in "
                              "('incoming', 'pending')").fetchone()[0]
    assert unsent == 0


def test_a_restart_does_not_repost_and_runs_an_overdue_source_at_once(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:
    port = free_port()
    # An hourly schedule: only the overdue rule can make the second start run at once.
    config = write_config(tmp_path, site, telegram.url, port, schedule="0 * * * *")
    db = tmp_path / "data" / "feedbot.sqlite"
    first = start_service(config)
    wait_for(lambda: runs_finished(db) >= 1, what="the first run")
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=15)
    assert first.returncode == 0

    with sqlite3.connect(db) as conn:  # pretend the last run was two hours ago
        conn.execute("update runs set started = datetime(started, '-2 hours'), "
                     "finished = datetime(finished, '-2 hours')")
    site.publish(lang="ar", title="القسط ترحب بالإفراج عن ناشط",
                 paragraphs=["رحبت القسط بالإفراج عن ناشط حقوقي بعد سنوات من الاعتقال."])
    second = start_service(config)
    try:
        wait_for(lambda: runs_finished(db) >= 2, what="the overdue run at start")
        wait_for(lambda: telegram.sent("@alqst_ar"), what="the new Arabic post")
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=15)
    assert second.returncode == 0
    assert len(telegram.sent("@alqst_ar")) == 1
    assert telegram.sent("@alqst_en") == []


def test_a_persian_post_is_stored_not_posted_to_the_arabic_channel_and_reported_once(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:
    port = free_port()
    config = write_config(tmp_path, site, telegram.url, port)
    db = tmp_path / "data" / "feedbot.sqlite"
    process = start_service(config)
    try:
        wait_for(lambda: runs_finished(db) >= 1, what="the first (baseline) run")
        persian = site.publish(lang="ar", title="ایران باید نرگس محمدی را آزاد کند",
                               paragraphs=["عفو بین‌الملل اعلام کرد که دست‌کم ۲۰ معترض در زندان "
                                           "اوین بازداشت شده‌اند و خانواده‌های آنان خواستار "
                                           "آزادی فوری فرزندانشان هستند."])
        site.publish(lang="ar", title="القسط ترحب بالإفراج عن ناشط",
                     paragraphs=["رحبت القسط بالإفراج عن ناشط حقوقي بعد سنوات من الاعتقال."])
        wait_for(lambda: telegram.sent("@alqst_ar"), what="the Arabic post")
        wait_for(lambda: [m for m in telegram.sent("@operator") if "'fa'" in m.text],
                 what="the operator told about Persian")
        runs = runs_finished(db)
        wait_for(lambda: runs_finished(db) >= runs + 2, what="two more runs")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert [m for m in telegram.sent("@alqst_ar") if "ایران" in m.text] == []
    assert len(telegram.sent("@alqst_ar")) == 1
    assert len([m for m in telegram.sent("@operator") if "'fa'" in m.text]) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("select lang from articles where url = ?",
                            (persian.url,)).fetchone() == ("fa",)
    assert not (tmp_path / "public" / "fa").exists()


@pytest.mark.parametrize(
    ("extra", "token", "key"),
    [
        ("", None, "telegram.token_env"),
        ("", TOKEN, None),
    ],
)
def test_run_refuses_to_start_without_its_token(tmp_path: Path, site: ReplicaSite,
                                                telegram: FakeTelegram, extra: str,
                                                token: str | None, key: str | None) -> None:
    config = write_config(tmp_path, site, telegram.url, free_port(), extra=extra)
    process = start_service(config, token=token)
    if key is None:  # with the token it starts: stop it again
        wait_for(lambda: runs_finished(tmp_path / "data" / "feedbot.sqlite") >= 1,
                 what="a run")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0
        return
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert key in output
    assert len(output.strip().splitlines()) == 1


def test_run_refuses_an_unwritable_output_directory(tmp_path: Path, site: ReplicaSite,
                                                    telegram: FakeTelegram) -> None:
    config = write_config(tmp_path, site, telegram.url, free_port())
    (tmp_path / "public").write_text("a file where the output directory should be")
    process = start_service(config)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "feeds.output_dir" in output


def test_status_shows_last_run_next_run_and_queue(tmp_path: Path, site: ReplicaSite,
                                                  telegram: FakeTelegram) -> None:
    config = write_config(tmp_path, site, telegram.url, free_port())
    db = tmp_path / "data" / "feedbot.sqlite"
    process = start_service(config)
    wait_for(lambda: runs_finished(db) >= 1, what="a run")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=15)
    result = subprocess.run([sys.executable, "-m", "bot", "status", "--config", str(config)],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("service: not running")
    assert "source alqst" in result.stdout
    assert "last run:" in result.stdout and ": ok," in result.stdout
    assert "next run:" in result.stdout
    assert "telegram queue: 0 queued" in result.stdout
    assert "baseline" in result.stdout
