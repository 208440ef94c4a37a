"""`feedbot healthcheck` as a container probe runs it: a real service, a dead port, a hang."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.healthcheck import healthz_url
from feeds.replica import ReplicaSite
from tests.fakes.telegram import FakeTelegram
from tests.test_service import (
    ROOT,
    free_port,
    runs_finished,
    start_service,
    telegram,  # noqa: F401 - the fixture
    wait_for,
    write_config,
)


def healthcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "healthcheck", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    return output


def test_healthcheck_follows_the_running_service_from_ok_to_unhealthy(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port(), schedule="every 1s")
    process = start_service(config)
    try:
        wait_for(lambda: runs_finished(tmp_path / "data" / "feedbot.sqlite") >= 1,
                 what="the first run")
        healthy = healthcheck("--config", str(config))  # the URL comes from feeds.listen
        site.set_fault("/en/posts", "500")
        site.set_fault("/ar/posts", "500")
        unhealthy = wait_for(lambda: (r := healthcheck("--config", str(config))).returncode
                             and r, what="the service to report the failing source")
    finally:
        stop(process)
    assert (healthy.returncode, healthy.stdout.split(":")[0]) == (0, "ok"), healthy
    assert isinstance(unhealthy, subprocess.CompletedProcess)
    assert unhealthy.returncode == 1
    # Three failed runs make it unhealthy; a fourth may end before the probe asks.
    assert re.fullmatch(r"unhealthy: source alqst failed [3-9] runs in a row\n", unhealthy.stdout)


def test_healthcheck_accepts_degraded_while_telegram_is_down(
        tmp_path: Path, site: ReplicaSite) -> None:
    config = write_config(tmp_path, site, f"http://127.0.0.1:{free_port()}", free_port())
    process = start_service(config)
    try:
        wait_for(lambda: runs_finished(tmp_path / "data" / "feedbot.sqlite") >= 1,
                 what="a run without Telegram")
        result = healthcheck("--config", str(config))
    finally:
        stop(process)
    assert result.returncode == 0, result
    assert result.stdout == "degraded: telegram: not reachable; posts are queued\n"


def test_healthcheck_of_a_dead_port_exits_1_with_one_line_and_no_traceback() -> None:
    url = f"http://127.0.0.1:{free_port()}/healthz"
    result = healthcheck("--url", url)
    assert result.returncode == 1
    assert result.stdout == f"unreachable: {url} (connection refused)\n"
    assert result.stderr == ""


def test_healthcheck_gives_up_after_its_timeout(site: ReplicaSite) -> None:
    site.set_fault("/healthz", "hang")
    started = time.monotonic()
    result = healthcheck("--url", f"{site.base_url}/healthz", "--timeout", "0.5")
    assert time.monotonic() - started < 10
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("unreachable: ") and "timed out" in result.stdout


def test_a_page_that_is_not_a_health_answer_is_unhealthy(site: ReplicaSite) -> None:
    result = healthcheck("--url", f"{site.base_url}/en/posts")
    assert result.returncode == 1
    assert result.stdout.startswith("unhealthy: ") and "without a feedbot health status" \
        in result.stdout


@pytest.mark.parametrize(("listen", "url"), [
    ("127.0.0.1:8080", "http://127.0.0.1:8080/healthz"),
    ("0.0.0.0:8080", "http://127.0.0.1:8080/healthz"),  # the container's setting
    ("[::]:9000", "http://[::1]:9000/healthz"),
    ("feeds.internal:8081", "http://feeds.internal:8081/healthz"),
])
def test_the_default_url_asks_the_listen_address_on_this_host(listen: str, url: str) -> None:
    config = parse_config({"sources": [{"name": "alqst", "listings": {
        "en": "https://alqst.org/en/posts?page={page}"}}], "feeds": {"listen": listen}},
        Path("/tmp"))
    assert healthz_url(config) == url
