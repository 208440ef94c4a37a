"""The persistent outbox, against a real store: each test on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine

from bot.claims import CLAIM_TTL
from bot.outbox import Action, Outbox, Status, post_fingerprint
from feeds.models import Article
from feeds.store import ArticleStore, Change, open_engine
from tests.fakes.dead_process import dead_owner

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
CHAT = "@alqst_en"


def article(n: int, **changes: object) -> Article:
    return Article(
        key=f"https://alqst.org/en/post/{n}", url=f"https://alqst.org/en/post/{n}",
        source="alqst", lang="en", title=f"Title {n}", body_html="<p>b</p>", body_text="b",
        summary=f"Summary {n}.", published=datetime(2024, 2, n, tzinfo=UTC),
    ).with_(**changes)


@pytest.fixture
def engine(backend: str) -> Iterator[Engine]:
    engine = open_engine(backend)
    yield engine
    engine.dispose()


@pytest.fixture
def reopen(backend: str) -> Iterator[Callable[[], Outbox]]:
    """The outbox as another process (or this one after a restart) sees it."""
    engines: list[Engine] = []

    def make() -> Outbox:
        engines.append(open_engine(backend))
        return Outbox(engines[-1])

    yield make
    for other in engines:
        other.dispose()


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    return Outbox(engine)


def store_and_record(engine: Engine, outbox: Outbox, item: Article,
                     now: datetime = NOW) -> Change:
    def hook(conn: Connection, stored: Article, change: Change) -> None:
        outbox.record(conn, stored, change, chats=[CHAT], batch="alqst:en", now=now)

    return ArticleStore(engine).upsert(item, now, on_stored=hook)


def send_all(outbox: Outbox, now: datetime = NOW) -> None:
    outbox.promote([i.id for i in outbox.incoming()])
    for number, item in enumerate(outbox.due(now, 1000), start=100):
        article = outbox.article_for(item)
        assert article is not None
        outbox.mark_sent(item, number, now, sent_as="text", sent_hash=post_fingerprint(article))


def test_new_article_is_queued_as_incoming_in_the_same_transaction(
        engine: Engine, outbox: Outbox) -> None:
    assert store_and_record(engine, outbox, article(1)) is Change.NEW
    [item] = outbox.incoming()
    assert (item.article_key, item.chat, item.action, item.status) == (
        article(1).key, CHAT, Action.SEND, Status.INCOMING)
    assert outbox.due(NOW) == []  # not before the pass ends


def test_a_failing_hook_rolls_the_article_back(engine: Engine, outbox: Outbox) -> None:
    def hook(conn: Connection, stored: Article, change: Change) -> None:
        outbox.record(conn, stored, change, chats=[CHAT], batch="alqst:en", now=NOW)
        raise RuntimeError("crash inside the transaction")

    with pytest.raises(RuntimeError):
        ArticleStore(engine).upsert(article(1), NOW, on_stored=hook)
    assert ArticleStore(engine).get(article(1).key) is None
    assert outbox.incoming() == []


def test_due_returns_the_oldest_article_first(engine: Engine, outbox: Outbox) -> None:
    for n in (5, 2, 9):
        store_and_record(engine, outbox, article(n))
    outbox.promote([i.id for i in outbox.incoming()])
    assert [i.article_key[-1] for i in outbox.due(NOW)] == ["2", "5", "9"]
    assert outbox.pending_count() == 3
    assert outbox.oldest_pending_age(NOW + timedelta(minutes=5)) == timedelta(minutes=5)


def test_mark_sent_keeps_the_message_id(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    send_all(outbox)
    sent = outbox.sent_message(article(1).key, CHAT)
    assert sent is not None and sent.message_id == 100 and sent.sent_as == "text"
    assert outbox.due(NOW) == [] and outbox.pending_count() == 0


def test_a_failed_item_waits_for_its_retry_time(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    [item] = outbox.due(NOW)
    assert outbox.claim(item, "host:1:me", NOW)
    failed = outbox.mark_failed(item, "boom", NOW + timedelta(seconds=30))
    assert (failed.attempts, failed.last_error, failed.in_flight_since) == (1, "boom", None)
    assert outbox.due(NOW + timedelta(seconds=29)) == []
    assert [i.id for i in outbox.due(NOW + timedelta(seconds=30))] == [item.id]


def test_defer_chat_keeps_later_posts_behind_a_waiting_one(engine: Engine,
                                                           outbox: Outbox) -> None:
    for n in (1, 2):
        store_and_record(engine, outbox, article(n))
    outbox.promote([i.id for i in outbox.incoming()])
    first, second = outbox.due(NOW)
    later = NOW + timedelta(minutes=10)
    outbox.mark_failed(first, "502", later)
    outbox.defer_chat(CHAT, later, "502")
    assert outbox.due(NOW) == []
    assert [i.id for i in outbox.due(later)] == [first.id, second.id]


def test_held_rows_are_counted_and_can_be_released(engine: Engine, outbox: Outbox) -> None:
    for n in (1, 2, 3):
        store_and_record(engine, outbox, article(n))
    ids = [i.id for i in outbox.incoming()]
    outbox.promote(ids[:1], ids[1:], "flood")
    status = outbox.status()
    assert (status.pending, status.held) == (1, {"flood": 2})
    assert outbox.release(reason="flood") == 2
    assert outbox.pending_count() == 3


def test_an_interrupted_call_is_visible_as_in_doubt(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    [item] = outbox.due(NOW)
    assert outbox.claim(item, dead_owner(), NOW)
    # ... the process dies here ...
    reopened = Outbox(outbox.engine)
    assert [i.id for i in reopened.in_doubt(NOW)] == [item.id]
    assert reopened.status().in_doubt == 1
    assert [i.id for i in reopened.due(NOW)] == [item.id]  # still pending: it will be resent


def test_of_two_processes_that_read_a_row_as_due_only_one_claims_it(
        engine: Engine, outbox: Outbox, reopen: Callable[[], Outbox]) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    other = reopen()  # a second process's connection
    [mine], [theirs] = outbox.due(NOW), other.due(NOW)
    assert outbox.claim(mine, "host-a:1:a", NOW)
    assert not other.claim(theirs, "host-b:2:b", NOW)


def test_a_live_claim_of_another_host_hides_the_row_until_it_expires(
        engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    [item] = outbox.due(NOW)
    assert outbox.claim(item, "elsewhere.example:4242:x", NOW)
    assert outbox.due(NOW + timedelta(seconds=60)) == []
    assert outbox.in_doubt(NOW + timedelta(seconds=60)) == []  # being sent, not in doubt
    later = NOW + CLAIM_TTL + timedelta(seconds=1)
    [again] = outbox.due(later)
    assert again.claimed_by == "elsewhere.example:4242:x"
    assert outbox.claim(again, "here:1:y", later)


def test_a_claim_of_a_dead_process_on_this_host_is_taken_over_at_once(
        engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    [item] = outbox.due(NOW)
    assert outbox.claim(item, dead_owner(), NOW)
    [again] = outbox.due(NOW + timedelta(seconds=1))
    assert outbox.claim(again, "here:1:y", NOW + timedelta(seconds=1))


def test_a_chat_wait_holds_every_post_to_that_chat_even_new_ones(
        engine: Engine, outbox: Outbox, reopen: Callable[[], Outbox]) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    until = NOW + timedelta(seconds=40)
    outbox.wait_chat(CHAT, until, "429")
    store_and_record(engine, outbox, article(2), now=NOW + timedelta(seconds=5))
    outbox.promote([i.id for i in outbox.incoming()])
    reopened = reopen()  # after a restart
    assert reopened.due(NOW + timedelta(seconds=39)) == []
    assert reopened.next_due_at() == until
    [item, _] = reopened.due(until)
    assert not reopened.claim(item, "x:1:y", until - timedelta(seconds=1))
    assert len(reopened.due(until + timedelta(seconds=1))) == 2
    outbox.wait_chat(CHAT, NOW, "an older, shorter wait never shortens it")
    assert reopened.chat_wait(CHAT, NOW) == until


def test_correction_after_sending_arms_one_edit(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    send_all(outbox)
    later = NOW + timedelta(hours=1)
    assert store_and_record(engine, outbox, article(1, title="Corrected"), later) \
        is Change.UPDATED
    [edit] = outbox.due(later)
    assert (edit.action, edit.status) == (Action.EDIT, Status.PENDING)
    # A second correction before the edit went out needs no second row.
    store_and_record(engine, outbox, article(1, title="Corrected twice"), later)
    assert len(outbox.due(later)) == 1


def test_correction_after_an_edit_rearms_the_edit(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    send_all(outbox)
    store_and_record(engine, outbox, article(1, title="Corrected"))
    send_all(outbox)
    assert outbox.due(NOW) == []
    store_and_record(engine, outbox, article(1, title="Corrected again"))
    [edit] = outbox.due(NOW)
    assert edit.action is Action.EDIT and edit.attempts == 0


def test_correction_before_sending_arms_nothing(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    outbox.promote([i.id for i in outbox.incoming()])
    store_and_record(engine, outbox, article(1, title="Corrected"))
    [item] = outbox.due(NOW)
    assert item.action is Action.SEND
    assert outbox.article_for(item).title == "Corrected"  # type: ignore[union-attr]


def test_a_body_only_correction_arms_no_edit(engine: Engine, outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    send_all(outbox)
    assert store_and_record(engine, outbox, article(1, body_text="fixed typo")) \
        is Change.UPDATED
    assert outbox.due(NOW) == []


def test_the_same_article_is_never_queued_twice_for_a_chat(engine: Engine,
                                                           outbox: Outbox) -> None:
    store_and_record(engine, outbox, article(1))
    with engine.begin() as conn:
        assert outbox.record(conn, article(1), Change.NEW, chats=[CHAT], batch="alqst:en",
                             now=NOW) == (0, 0)
    assert len(outbox.items()) == 1
