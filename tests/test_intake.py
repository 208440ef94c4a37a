"""From a pass over a source to queued posts: baseline, flood guard, crash recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.alerts import Alerts
from bot.config import TelegramSettings
from bot.intake import Intake
from bot.outbox import Action, Outbox, Status
from feeds.models import Article
from feeds.store import ArticleStore, open_engine

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = TelegramSettings(channels={"ar": "@alqst_ar", "en": "@alqst_en"}, flood_limit=3)


def article(n: int, lang: str = "en", **changes: object) -> Article:
    return Article(
        key=f"https://alqst.org/{lang}/post/{n}", url=f"https://alqst.org/{lang}/post/{n}",
        source="alqst", lang=lang, title=f"Title {n}", body_html="<p>b</p>", body_text="b",
        summary="Summary.", published=datetime(2024, 1, n, tzinfo=UTC),
    ).with_(**changes)


@pytest.fixture
def engine(backend: str) -> Iterator[Engine]:
    """Each test on a SQLite file and on a PostgreSQL database."""
    engine = open_engine(backend)
    yield engine
    engine.dispose()


def make_intake(outbox: Outbox, settings: TelegramSettings = SETTINGS, *,
                alerts: Alerts | None = None) -> Intake:
    return Intake(outbox, settings, alerts=alerts, now=lambda: NOW)


def run_pass(engine: Engine, intake: Intake, articles: list[Article], *, lang: str = "en",
             first_run: bool = False, end: bool = True) -> None:
    store = ArticleStore(engine)
    hook = intake.begin("alqst", lang, first_run=first_run)
    for item in articles:
        store.upsert(item, NOW, on_stored=hook)
    if end:
        intake.end("alqst", lang)


def pending_numbers(outbox: Outbox) -> list[int]:
    return sorted(int(i.article_key.rsplit("/", 1)[1]) for i in outbox.due(NOW, 1000))


def test_first_run_posts_nothing(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, SETTINGS)
    run_pass(engine, intake, [article(n) for n in range(1, 8)], first_run=True)
    assert outbox.due(NOW) == []
    assert outbox.status().held == {"baseline": 7}


def test_first_run_posts_the_configured_number_of_latest_articles(engine: Engine) -> None:
    outbox = Outbox(engine)
    settings = TelegramSettings(channels={"en": "@alqst_en"}, first_run_post_latest=2)
    intake = make_intake(outbox, settings)
    run_pass(engine, intake, [article(n) for n in (3, 9, 1, 7)], first_run=True)
    assert pending_numbers(outbox) == [7, 9]


def test_second_run_without_changes_posts_nothing(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, SETTINGS)
    run_pass(engine, intake, [article(n) for n in range(1, 4)], first_run=True)
    run_pass(engine, intake, [article(n) for n in range(1, 4)])
    assert outbox.due(NOW) == []


def test_new_articles_after_the_baseline_are_queued(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, SETTINGS)
    run_pass(engine, intake, [article(n) for n in range(1, 4)], first_run=True)
    run_pass(engine, intake, [article(n) for n in range(1, 6)])
    assert pending_numbers(outbox) == [4, 5]


def test_flood_posts_the_most_recent_and_alerts_the_operator_once(engine: Engine) -> None:
    outbox = Outbox(engine)
    alerts = Alerts(engine, operator_chat="42")
    intake = make_intake(outbox, SETTINGS, alerts=alerts)
    run_pass(engine, intake, [article(n) for n in range(1, 11)])
    assert pending_numbers(outbox) == [8, 9, 10]
    assert outbox.status().held == {"flood": 7}
    [problem] = alerts.open_problems("flood:")
    assert problem.key == "flood:alqst:en"
    assert "10 new articles" in problem.text
    run_pass(engine, intake, [article(n) for n in range(11, 21)])  # still flooding
    assert alerts.unsent_count() == 1
    run_pass(engine, intake, [article(21)])  # a normal pass ends the episode quietly
    assert alerts.open_problems("flood:") == []
    assert alerts.unsent_count() == 1


def test_held_flood_posts_can_be_released(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, SETTINGS), [article(n) for n in range(1, 11)])
    assert outbox.release(reason="flood", source="alqst", lang="en") == 7
    assert pending_numbers(outbox) == list(range(1, 11))


def test_languages_go_to_their_own_channels(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, SETTINGS)
    run_pass(engine, intake, [article(1, "ar")], lang="ar")
    run_pass(engine, intake, [article(2, "en")], lang="en")
    assert sorted((i.chat, i.lang) for i in outbox.due(NOW)) == [
        ("@alqst_ar", "ar"), ("@alqst_en", "en")]


def test_an_article_goes_to_the_channel_of_its_own_language(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, SETTINGS), [article(1, "en")], lang="ar")
    assert [i.chat for i in outbox.due(NOW)] == ["@alqst_en"]


def test_one_channel_can_take_everything(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, TelegramSettings(channels={"*": "@alqst"}))
    run_pass(engine, intake, [article(1, "ar")], lang="ar")
    run_pass(engine, intake, [article(2, "en")], lang="en")
    assert [i.chat for i in outbox.due(NOW)] == ["@alqst", "@alqst"]


def test_a_language_without_a_channel_queues_nothing(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, TelegramSettings(channels={"en": "@alqst_en"})),
             [article(1, "ar")], lang="ar")
    assert outbox.items() == []


def test_a_persian_article_on_the_arabic_listing_is_not_posted_and_is_reported_once(
    engine: Engine,
) -> None:
    outbox = Outbox(engine)
    alerts = Alerts(engine, operator_chat="42")
    intake = make_intake(outbox, SETTINGS, alerts=alerts)
    run_pass(engine, intake, [article(1, "ar"), article(2, "fa"), article(3, "fa")], lang="ar")
    assert [(i.chat, i.lang) for i in outbox.due(NOW)] == [("@alqst_ar", "ar")]
    assert ArticleStore(engine).get("https://alqst.org/fa/post/2") is not None
    [problem] = alerts.open_problems("lang:")
    assert problem.key == "lang:alqst:fa"
    assert "https://alqst.org/fa/post/2" in problem.text
    run_pass(engine, intake, [article(4, "fa")], lang="ar")  # the next pass: no second alert
    assert alerts.unsent_count() == 1
    run_pass(engine, intake, [article(5, "ur")], lang="en")  # another language: its own alert
    assert [p.key for p in alerts.open_problems("lang:")] == ["lang:alqst:fa", "lang:alqst:ur"]


def test_a_catch_all_channel_takes_a_language_without_its_own(engine: Engine) -> None:
    # "*" is the operator's explicit choice for everything: posting there is not a wrong channel.
    outbox = Outbox(engine)
    alerts = Alerts(engine, operator_chat="42")
    settings = TelegramSettings(channels={"ar": "@alqst_ar", "*": "@alqst_all"})
    run_pass(engine, make_intake(outbox, settings, alerts=alerts), [article(1, "fa")], lang="ar")
    assert [i.chat for i in outbox.due(NOW)] == ["@alqst_all"]
    assert alerts.open_problems("lang:") == []


def test_crash_between_begin_and_end_loses_nothing(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, SETTINGS), [article(1), article(2)], end=False)
    # The process dies; a new one starts.
    restarted = make_intake(Outbox(engine), SETTINGS)
    [summary] = restarted.recover()
    assert (summary.new, summary.queued) == (2, 2)
    assert pending_numbers(outbox) == [1, 2]


def test_the_next_pass_promotes_what_a_crashed_pass_left(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, SETTINGS), [article(1), article(2)], end=False)
    restarted = make_intake(Outbox(engine), SETTINGS)
    run_pass(engine, restarted, [article(1), article(2), article(3)])
    assert pending_numbers(outbox) == [1, 2, 3]


def test_a_crashed_first_run_is_still_a_baseline(engine: Engine) -> None:
    outbox = Outbox(engine)
    run_pass(engine, make_intake(outbox, SETTINGS), [article(n) for n in range(1, 9)],
             first_run=True, end=False)
    make_intake(Outbox(engine), SETTINGS).recover()
    assert outbox.due(NOW) == []
    assert outbox.status().held == {"baseline": 8}


def test_corrected_article_after_sending_queues_an_edit_not_a_post(engine: Engine) -> None:
    outbox = Outbox(engine)
    intake = make_intake(outbox, SETTINGS)
    run_pass(engine, intake, [article(1)])
    [item] = outbox.due(NOW)
    outbox.mark_sent(item, 7, NOW, sent_as="text", sent_hash="before")
    hook = intake.begin("alqst", "en", first_run=False)
    ArticleStore(engine).upsert(article(1, title="Fixed title"), NOW, on_stored=hook)
    summary = intake.end("alqst", "en")
    assert (summary.new, summary.edits) == (0, 1)
    [edit] = outbox.due(NOW)
    assert (edit.action, edit.status) == (Action.EDIT, Status.PENDING)
