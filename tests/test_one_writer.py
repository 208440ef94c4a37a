"""One writer per database, with real processes: a second `run` or `check` is refused before
it touches anything, a killed holder frees the database, racing starts create the schema
once, and two services that bypass the lock still post every article exactly once."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.writer_lock import DatabaseBusy, WriterLock
from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_service import (
    ROOT,
    free_port,
    runs_finished,
    start_service,
    telegram,  # noqa: F401 - a fixture
    wait_for,
    write_config,
)


def test_a_second_writer_in_the_same_process_is_refused_with_the_holder(
        tmp_path: Path) -> None:
    db = tmp_path / "feedbot.sqlite"
    with WriterLock(db, "feedbot run"), pytest.raises(DatabaseBusy) as refused:
        WriterLock(db, "feedbot check").acquire()
    message = str(refused.value)
    assert f"pid {os.getpid()}" in message and "(feedbot run)" in message
    assert str(db) in message and "\n" not in message
    with WriterLock(db, "feedbot check"):  # released on exit: free again
        pass


def test_a_second_run_and_a_check_are_refused_before_touching_the_database(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    port = free_port()
    config = write_config(tmp_path, site, telegram.url, port)
    db = tmp_path / "data" / "feedbot.sqlite"
    first = start_service(config)
    try:
        wait_for(lambda: runs_finished(db) >= 1, what="the first run")
        published = sorted(p.name for p in (tmp_path / "public").rglob("*"))
        second = start_service(config)
        output, _ = second.communicate(timeout=30)
        assert second.returncode == 2
        [line] = output.strip().splitlines()
        assert re.search(rf"database {re.escape(str(db))} is in use by pid {first.pid} on "
                         r"host \S+ \(feedbot run\) since \d{4}-\d\d-\d\d", line), line
        assert "address already in use" not in output.lower()
        check = subprocess.run([sys.executable, "-m", "bot", "check", "--config", str(config)],
                               cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert check.returncode == 2 and "(feedbot run)" in check.stderr
        assert check.stdout == ""
        status = subprocess.run([sys.executable, "-m", "bot", "status", "--config",
                                 str(config)], cwd=ROOT, capture_output=True, text=True,
                                timeout=30)
        assert status.stdout.startswith(f"service: running, pid {first.pid} on host ")
        # Nothing of the refused processes reached the database or the feeds.
        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from runs").fetchone()[0] == runs_finished(db)
        assert sorted(p.name for p in (tmp_path / "public").rglob("*")) == published
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=15)
    assert first.returncode == 0


def test_a_killed_holder_frees_the_database_at_once(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port())
    db = tmp_path / "data" / "feedbot.sqlite"
    first = start_service(config)
    wait_for(lambda: runs_finished(db) >= 1, what="the first run")
    first.kill()
    first.communicate(timeout=15)
    second = start_service(config)
    try:
        wait_for(lambda: runs_finished(db) >= 2, what="a run of the restarted service")
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=15)
    assert second.returncode == 0, output


def test_processes_starting_together_on_a_new_database_create_the_schema_once(
        tmp_path: Path) -> None:
    db = tmp_path / "fresh.sqlite"
    start_at = time.time() + 1.5  # all import first, then open the database together
    code = ("import sys, time; from bot.app import build_parts; from bot.config import "
            "parse_config; from pathlib import Path\n"
            "config = parse_config({'database': sys.argv[1], 'sources': [{'name': 'x', "
            "'listings': {'en': 'https://example.org/?p={page}'}}]}, Path('.'))\n"
            "time.sleep(max(0, float(sys.argv[2]) - time.time()))\n"
            "build_parts(config); print('ok')")
    processes = [subprocess.Popen([sys.executable, "-c", code, str(db), str(start_at)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(6)]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, outputs
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"articles", "outbox", "runs", "chat_waits", "alert_problems"} <= tables


@pytest.mark.slow
def test_two_services_bypassing_the_lock_post_every_article_exactly_once(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    db = tmp_path / "shared" / "feedbot.sqlite"
    configs = [shared_database_config(tmp_path / host, site, telegram, db, {
        "per_chat_per_minute = 600": "per_chat_per_minute = 6000\nflood_limit = 100"})
        for host in ("host-a", "host-b")]
    services = [start_unlocked(c) for c in configs]
    try:
        wait_for(lambda: runs_finished(db) >= 4, what="baseline runs of both services")
        titles = [f"Detainee {n} released" for n in range(1, 21)]
        for title in titles:
            site.publish(lang="en", title=title, paragraphs=[f"{title} after years in prison."])
            site.publish(lang="ar", title=f"{title} (ar)",
                         paragraphs=["أفرجت السلطات عن معتقل بعد سنوات من السجن التعسفي."])
        wait_for(lambda: len(telegram.sent("@alqst_en")) + len(telegram.sent("@alqst_ar"))
                 >= 40, timeout=90, what="forty posts")
        time.sleep(3)  # room for a duplicate to show up
    finally:
        for service in services:
            service.send_signal(signal.SIGTERM)
        outputs = [s.communicate(timeout=20)[0] for s in services]
    sent = Counter(m.text.split("\n")[0] for chat in ("@alqst_en", "@alqst_ar")
                   for m in telegram.sent(chat))
    assert sum(sent.values()) == 40, outputs
    assert [t for t, n in sent.items() if n > 1] == []
    assert TOKEN not in "".join(outputs)


@pytest.mark.slow
def test_two_services_share_sources_by_lease_and_write_identical_feeds(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    db = tmp_path / "shared" / "feedbot.sqlite"
    # Behind a load balancer both serve one public URL.
    configs = [shared_database_config(tmp_path / host, site, telegram, db, {
        'output_dir = "public"': 'output_dir = "public"\nbase_url = "https://feeds.example/"'})
        for host in ("host-a", "host-b")]
    start = start_unlocked

    def listing_requests() -> int:
        return sum(1 for _, path, _ in site.requests if path.startswith("/en/posts"))

    first = start(configs[0])
    wait_for(lambda: runs_finished(db) >= 1, what="the first service's baseline")
    second = start(configs[1])
    try:
        time.sleep(2)  # the second is up and beating
        site.reset_requests()
        time.sleep(5)
        # Every 1 s, one source: one instance's worth of listing walks, not two.
        assert 2 <= listing_requests() <= 7
        site.publish(lang="en", title="Checked once", paragraphs=["A detainee was freed."])
        wait_for(lambda: telegram.sent("@alqst_en"), what="the post")

        def feeds(host: str) -> dict[str, bytes]:
            root = tmp_path / host / "public"
            # Dot-files are a write in progress (written whole, then renamed into place).
            return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                    if p.is_file() and not p.name.startswith(".")}

        # The instance that did not run the pass rewrites its feeds on its next beat.
        wait_for(lambda: all(b"Checked once" in feeds(h).get("en/atom.xml", b"")
                             for h in ("host-a", "host-b")), timeout=25,
                 what="the article in both instances' feeds")
        # Byte-identical (one ETag behind a load balancer) once neither is mid-publish.
        wait_for(lambda: feeds("host-a") == feeds("host-b"), timeout=15,
                 what="identical feeds in both output directories")
        assert len(feeds("host-a")) > 10
        first.kill()  # the lease holder dies: the second takes over at once (same host)
        first.communicate()
        site.publish(lang="en", title="After the takeover", paragraphs=["A trial began."])
        wait_for(lambda: len(telegram.sent("@alqst_en")) == 2, what="the post after it")
    finally:
        outputs = _stop_all(second)
    assert [m.text.split("\n")[0] for m in telegram.sent("@alqst_en")] == [
        "Checked once", "After the takeover"], outputs


def shared_database_config(workdir: Path, site: ReplicaSite, fake: FakeTelegram,
                           db: Path, changes: dict[str, str]) -> Path:
    """The config of one host of several on one database, with `changes` made to it."""
    workdir.mkdir()
    path = write_config(workdir, site, fake.url, free_port(), schedule="every 1s")
    text = path.read_text().replace('database = "data/feedbot.sqlite"', f'database = "{db}"')
    for old, new in changes.items():
        text = text.replace(old, new)
    path.write_text(text)
    return path


def start_unlocked(config: Path) -> subprocess.Popen[str]:
    """`feedbot run` without the single-writer lock (tests/unlocked_service.py)."""
    return subprocess.Popen([sys.executable, "-m", "tests.unlocked_service", str(config)],
                            cwd=ROOT, env=dict(os.environ, TEST_FEEDBOT_TOKEN=TOKEN),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop_all(*processes: subprocess.Popen[str]) -> list[str]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return [p.communicate(timeout=20)[0] for p in processes]
