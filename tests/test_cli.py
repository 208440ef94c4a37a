"""The `feedbot` command line as an operator runs it: log levels and config warnings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_service import (
    ROOT,
    free_port,
    runs_finished,
    telegram,  # noqa: F401 - the fixture
    wait_for,
    write_config,
)


def run_until_first_pass(config: Path, *global_args: str) -> str:
    """`feedbot [global_args] run` until its first pass is recorded, then SIGTERM; its
    output (stderr and stdout together)."""
    env = dict(os.environ, TEST_FEEDBOT_TOKEN=TOKEN)
    process = subprocess.Popen([sys.executable, "-m", "bot", *global_args, "run", "--config",
                                str(config)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: runs_finished(config.parent / "data" / "feedbot.sqlite") >= 1,
                 what="the first run")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    return output


def test_verbose_run_logs_debug_lines_but_never_the_http_libraries(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port())
    output = run_until_first_pass(config, "-v")
    assert " DEBUG feeds.fetcher: GET " in output
    assert " INFO bot.service: run source=alqst" in output
    # httpx logs every request at INFO, and the Bot API URL carries the token.
    assert "HTTP Request" not in output and " httpx" not in output and " httpcore" not in output
    assert TOKEN not in output


def test_run_without_verbose_logs_info_and_no_debug(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port())
    output = run_until_first_pass(config)
    assert " INFO bot.service: run source=alqst" in output
    assert " DEBUG " not in output


def test_verbose_works_for_the_one_shot_commands_too(tmp_path: Path, site: ReplicaSite) -> None:
    config = write_config(tmp_path, site, "http://127.0.0.1:9", free_port())
    quiet = subprocess.run([sys.executable, "-m", "bot", "check", "--config", str(config)],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    verbose = subprocess.run([sys.executable, "-m", "bot", "--verbose", "check", "--config",
                              str(config)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert quiet.returncode == verbose.returncode == 0, verbose.stderr
    assert " DEBUG " not in quiet.stderr
    assert " DEBUG feeds.fetcher: GET " in verbose.stderr
    assert "HTTP Request" not in verbose.stderr


def test_run_logs_each_config_warning_once_at_start(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port())
    config.write_text(config.read_text().replace('en = "@alqst_en"\n', ""))
    output = run_until_first_pass(config)
    warnings = [line for line in output.splitlines() if "WARNING bot.cli: config:" in line]
    assert len(warnings) == 1, output
    assert "telegram.channels: no channel for 'en'" in warnings[0]


def test_check_and_status_on_postgresql_from_the_environment_never_show_the_password(
        tmp_path: Path, site: ReplicaSite, postgres_url: str) -> None:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.engine import make_url

    from feeds.store import articles

    config = write_config(tmp_path, site, "http://127.0.0.1:9", free_port())
    password = make_url(postgres_url).password
    assert password
    env = dict(os.environ, FEEDBOT_DATABASE_URL=postgres_url)
    check = subprocess.run([sys.executable, "-m", "bot", "check", "--config", str(config)],
                           cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    shown = make_url(postgres_url).render_as_string(hide_password=True)
    assert f"articles in {shown}" in check.stdout
    status = subprocess.run([sys.executable, "-m", "bot", "status", "--config", str(config)],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"database: {shown}\n")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(articles)).scalar_one()
    finally:
        engine.dispose()
    assert stored > 0
    assert f"source alqst (every 2s): {stored} articles" in status.stdout
    for output in (check.stdout, check.stderr, status.stdout, status.stderr):
        assert password not in output
    # Nothing of SQLite was made beside the config: no file, no lock, no "postgresql:" folder.
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
    assert not list(tmp_path.glob("postgresql*"))
