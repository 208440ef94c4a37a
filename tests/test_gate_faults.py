"""A malformed-200 phase in the middle of a run, end to end: the replica's article pages
answer with a page that is no article, then recover. Real HTTP, the real wiring
(`Service.run_source`, delivery to the fake Bot API), a simulated clock."""

from __future__ import annotations

from pathlib import Path

import httpx

from feeds.replica import ReplicaSite
from tests.fault_scenarios import (
    AR,
    EN,
    SOURCE_SCENARIOS,
    Installation,
    malformed_phase,
    posted_urls,
)
from tests.test_faults import check_outcome

MALFORMED = next(s for s in SOURCE_SCENARIOS if s.id == "article-malformed")


async def test_a_malformed_phase_posts_each_article_once_and_keeps_the_stored_version(
        tmp_path: Path) -> None:
    async with Installation(tmp_path) as bot:
        await bot.run_pass()  # the baseline
        await bot.drain()
        await malformed_phase(bot)
        await bot.settle()
        outcome = bot.outcome()
        check_outcome(MALFORMED, outcome)
        assert outcome.details["kept"] == "True", "the stored good version was replaced"
        assert outcome.details["struck_stored"] == "0", "a malformed page was stored"
        # Each pass of the phase recorded the refused pages; none read "ok, 0 failed".
        phase = outcome.details["phase"].split()
        assert len(phase) == 2 and all(not r.startswith("ok") and not r.endswith("/0")
                                       for r in phase), phase
        assert "und" not in outcome.details["dirs"].split()
        assert not (bot.config.feeds.output_dir / "und").exists()
        # Every article of the site is posted exactly once, the struck ones included.
        for chat, lang in ((EN, "en"), (AR, "ar")):
            counts = posted_urls(bot.fake, chat)
            assert all(counts[p.url] == 1 for p in bot.published if p.lang == lang), counts
        # No edit was armed for the posted article: what was stored never changed.
        assert [c.method for c in bot.fake.calls if c.method.startswith("edit")] == []


def test_the_replica_answers_a_malformed_article_page_with_200_and_no_post(
        tmp_path: Path) -> None:
    with ReplicaSite() as site:
        post = site.publish(lang="en", title="A post", paragraphs=["Its only paragraph."])
        site.set_fault(post.url, "malformed")
        answer = httpx.get(post.url)
        assert answer.status_code == 200 and "etag" not in answer.headers
        assert post.title not in answer.text and 'class="post-body"' not in answer.text
        assert "<html>" in answer.text  # no lang: nothing tells the language
        site.set_fault(post.url, None)
        assert post.title in httpx.get(post.url).text
