"""Proof under faults: the source, Telegram and the disk misbehave; nothing is lost.

Every scenario (tests/fault_scenarios.py) runs the real wiring against the replica site and
the fake Bot API on a simulated clock: a baseline run, the fault, new articles published
through it, runs and drains until it clears. Then every new article is in the store and in
its channel exactly once (or as often as the documented duplicate window allows), every
feed file parsed after every run, and the operator heard about it once where there is
something to do, and once more when it was over. bench/faults.py adds SIGKILL trials.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.intake import BASELINE
from bot.outbox import Status
from feeds.check import DEFERRED
from feeds.publish import publish_feeds
from tests.fault_scenarios import (
    AR,
    DISK_FULL,
    EN,
    FEEDS_BASE,
    SCENARIOS,
    Installation,
    Outcome,
    Scenario,
    can_limit_file_size,
    can_mount_tmpfs,
    feed_problems,
    file_size_limit_trial,
    run_scenario,
)
from tests.feed_samples import fill_store, sample_site


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_a_fault_loses_no_post_duplicates_none_and_keeps_feeds_valid(
        scenario: Scenario, tmp_path: Path) -> None:
    outcome = asyncio.run(run_scenario(scenario, tmp_path))
    check_outcome(scenario, outcome)


def check_outcome(scenario: Scenario, outcome: Outcome) -> None:
    assert scenario.fault_seen(outcome), "the fault never happened"
    assert outcome.published >= 2
    assert outcome.lost_store == [], "articles on the site missing from the store"
    assert outcome.lost_posts == [], "posts never sent"
    assert outcome.missing_from_feeds == [], "articles the feeds never showed"
    assert outcome.duplicated == scenario.duplicates
    assert outcome.stray == [], "posts of articles nobody published (the archive?)"
    assert outcome.garbled == []
    assert outcome.feeds_checked > 0 and outcome.feed_problems == []
    if scenario.told is None:
        assert outcome.alerts == []
    else:
        [alert] = outcome.alerts  # once, not once per run
        assert scenario.told in alert
        [all_clear] = outcome.all_clears
        assert scenario.all_clear is not None and scenario.all_clear in all_clear
    # A day-long outage is simulated, not waited for.
    assert outcome.simulated >= scenario.outage and outcome.seconds < 30


def test_a_full_disk_while_writing_feeds_keeps_the_previous_feeds(tmp_path: Path) -> None:
    if can_mount_tmpfs():  # the real thing: the service, its feeds on a full filesystem
        outcome = asyncio.run(run_scenario(DISK_FULL, tmp_path))
        check_outcome(DISK_FULL, outcome)
        assert outcome.details["intact"] == "True", "a previous feed file changed"
        error = outcome.details["error"]
        assert "publish: cannot write " in error and "No space left on device" in error
        assert "\n" not in error and "the previous file is unchanged" in error
        return
    if not can_limit_file_size():
        pytest.skip("neither a tmpfs (needs root) nor RLIMIT_FSIZE is available")
    check_file_size_limit(tmp_path)


def test_the_file_size_limit_fallback_keeps_the_previous_feeds_too(tmp_path: Path) -> None:
    if not can_limit_file_size():
        pytest.skip("no RLIMIT_FSIZE on this platform")
    check_file_size_limit(tmp_path)


def check_file_size_limit(tmp_path: Path) -> None:
    result = file_size_limit_trial(tmp_path)
    assert result.error.startswith("publish: cannot write ")
    assert "\n" not in result.error and "File too large" in result.error
    assert result.intact, "a previous feed file changed"
    assert result.problems == []  # valid, and no temporary file left behind
    assert result.recovered


async def test_a_first_pass_cut_short_stays_a_baseline(tmp_path: Path) -> None:
    # A first pass killed (here: cancelled) before it stored the articles it had found
    # must not leave a "first run done" mark: the next pass would post the archive.
    async with Installation(tmp_path) as bot:
        hanging = bot.site.posts("en")[0]
        bot.site.set_fault(hanging.url, "hang")
        task = asyncio.ensure_future(bot.service.run_source(bot.config.sources[0]))
        path = urlsplit(hanging.url).path
        for _ in range(100):  # until the listing is read and its articles are being fetched
            if any(request.startswith(path) for _, request, _ in bot.site.requests):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the pass never reached the article pages")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        bot.site.set_fault(hanging.url, None)
        await bot.run_pass()
        await bot.settle()
        assert bot.fake.sent(EN) == [] and bot.fake.sent(AR) == []
        outbox = bot.parts.outbox.status()
        assert outbox.pending == outbox.sent == 0 and outbox.held.get(BASELINE, 0) > 0


async def test_a_burst_larger_than_max_new_per_pass_arrives_over_the_next_passes(
        tmp_path: Path) -> None:
    # After a long outage more articles may wait than one pass fetches; the rest must be
    # fetched by the next passes, although the listing's first page then holds nothing new.
    async with Installation(tmp_path) as bot:
        await bot.run_pass()
        posts = [bot.publish("en") for _ in range(bot.config.sources[0].max_new_per_pass + 4)]
        await bot.run_pass()
        deferred = [u for u in bot.parts.store.failing_urls("alqst")]
        assert len(deferred) == 4
        assert all(bot.parts.store.fetch_states([u])[u].last_error == DEFERRED
                   for u in deferred)
        await bot.run_pass()
        assert [p.url for p in posts if bot.parts.store.get(p.url) is None] == []
        assert bot.parts.store.failing_urls("alqst") == []
        # The flood guard holds most of them for the operator; none is dropped.
        rows = bot.parts.outbox.items()
        assert {r.article_key for r in rows if r.chat == EN} >= {p.url for p in posts}
        assert all(r.status in (Status.PENDING, Status.HELD) for r in rows
                   if r.article_key in {p.url for p in posts})


def test_a_write_killed_before_its_rename_leaves_no_temporary_behind(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    output = tmp_path / "public"
    publish_feeds(store, sample_site(FEEDS_BASE), output)
    leftover = output / "en" / ".rss.xml.k1ll3d.tmp"  # as mkstemp names them
    leftover.write_bytes(b"<?xml version='1.0'?><rss><chan")  # half a feed
    publish_feeds(store, sample_site(FEEDS_BASE), output)
    assert not leftover.exists()
    assert feed_problems(output) == []
    store.engine.dispose()
