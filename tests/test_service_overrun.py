"""A pass that outlives its interval: one line from the service, not a warning per tick."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobEvent

from bot.demo import demo_config
from bot.service import Service
from feeds.replica import ReplicaSite


def test_a_pass_that_outlives_its_interval_is_logged_once_per_pass(
        site: ReplicaSite, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = demo_config(site.base_url, tmp_path)
    source = config.sources[0]
    one_page = tuple(dataclasses.replace(listing, max_pages=1) for listing in source.listings)
    config = dataclasses.replace(
        config, fetch=dataclasses.replace(config.fetch, timeout_seconds=15),
        sources=(dataclasses.replace(source, schedule="every 1s", listings=one_page),))
    site.set_fault("/en/posts", "slow")  # the first pass takes about five seconds
    service = Service(config, {})
    skipped: list[JobEvent] = []
    started: list[JobEvent] = []
    service.scheduler.add_listener(skipped.append, EVENT_JOB_MAX_INSTANCES)
    service.scheduler.add_listener(started.append, EVENT_JOB_SUBMITTED)

    def first_pass_over() -> bool:
        last = service.parts.runs.last("alqst")
        return last is not None and last.outcome != "running"

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        while not first_pass_over():
            await asyncio.sleep(0.1)
        site.set_fault("/en/posts", None)
        first_pass_skips = len(skipped)
        while len(started) < 3:  # two more passes: the episode is over, a new one may begin
            await asyncio.sleep(0.1)
        stop.set()
        assert await running == 0
        assert first_pass_skips >= 3  # the scheduler did skip tick after tick

    with caplog.at_level(logging.INFO):
        asyncio.run(scenario())
    overruns = [r for r in caplog.records if r.name == "bot.service" and
                "is still running" in r.getMessage()]
    assert overruns, caplog.text
    # The first (slow) pass gets one line; a later pass, slowed by a busy machine, its own.
    assert overruns[0].levelno == logging.WARNING
    assert overruns[0].getMessage().startswith("source alqst: the pass started at ")
    assert "scheduled runs are skipped, not stacked, until it ends" in overruns[0].getMessage()
    passes = [r.getMessage().split(" (")[0] for r in overruns]
    assert len(passes) == len(set(passes)), passes
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")
                and "maximum number of running instances" in r.getMessage()]
