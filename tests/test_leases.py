"""Source leases: which of several instances on one database checks which source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot.config import parse_config
from bot.leases import Leases
from bot.status import status_lines
from feeds.store import open_engine
from tests.fakes.dead_process import dead_owner

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)
SOURCES = ["alqst", "amnesty", "gchr", "hrw"]  # sorted


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t


def instance(engine: Engine, name: str, clock: Clock) -> Leases:
    # Other hosts: only the expiry can tell that they are gone.
    return Leases(engine, f"{name}.example:100:{name}", ttl=TTL, now=clock)


def holders(*instances: Leases) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for leases in instances:
        for source in leases.held:
            found.setdefault(source, []).append(leases.me)
    return found


def test_a_second_instance_gets_half_the_sources_and_none_is_held_twice(
        tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    assert a.beat(SOURCES).taken == SOURCES  # alone: everything
    for _ in range(3):
        clock.t += TTL / 4
        a.beat(SOURCES)
        b.beat(SOURCES)
        assert all(len(h) == 1 for h in holders(a, b).values())
    assert len(a.held) == len(b.held) == 2
    assert sorted(a.held + b.held) == sorted(SOURCES)


def test_a_busy_source_is_not_given_back(tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    a.beat(SOURCES)
    b.beat(SOURCES)
    clock.t += TTL / 4
    given = a.beat(SOURCES, busy=["gchr", "hrw"]).given_back
    assert given and not {"gchr", "hrw"} & set(given)


def test_the_sources_of_an_instance_that_stops_renewing_are_taken_over_after_the_ttl(
        tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    a.beat(SOURCES)
    b.beat(SOURCES)
    clock.t += TTL / 2  # a is killed now: it never beats again
    assert b.beat(SOURCES).taken == []
    clock.t += TTL
    beat = b.beat(SOURCES)
    assert sorted(beat.taken) == SOURCES and set(beat.taken_over.values()) == {a.me}
    assert b.held == SOURCES and a.held == []


def test_a_stalled_instance_learns_it_lost_its_sources(tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    a.beat(SOURCES)
    clock.t += TTL * 2  # a stalls; b comes up and finds every lease expired
    assert sorted(b.beat(SOURCES).taken) == SOURCES
    assert not a.holds("alqst")
    assert sorted(a.beat(SOURCES).lost) == SOURCES
    assert holders(a, b) == {s: [b.me] for s in SOURCES}


def test_a_dead_process_of_this_host_loses_its_leases_at_once(tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    killed = Leases(engine, dead_owner(), ttl=TTL, now=clock)
    killed.beat(SOURCES)
    restarted = instance(engine, "b", clock)
    assert sorted(restarted.beat(SOURCES).taken) == SOURCES  # no wait for the expiry


def test_a_clean_stop_gives_everything_back(tmp_path: Path) -> None:
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    a.beat(SOURCES)
    a.release_all()
    assert sorted(b.beat(SOURCES).taken) == SOURCES
    assert [i.id for i in b.instances()] == [b.me]


def test_status_shows_each_instance_and_which_checks_which_source(tmp_path: Path) -> None:
    config = parse_config({"database": "db.sqlite", "sources": [
        {"name": name, "listings": {"en": f"https://{name}.example/news?page={{page}}"}}
        for name in SOURCES]}, tmp_path)
    engine, clock = open_engine(tmp_path / "db.sqlite"), Clock()
    clock.t = datetime.now(UTC)
    a, b = instance(engine, "a", clock), instance(engine, "b", clock)
    a.beat(SOURCES)
    b.beat(SOURCES)
    clock.t += TTL / 4
    a.beat(SOURCES)
    b.beat(SOURCES)
    lines = status_lines(config, clock.t + TTL / 2)
    assert [line.split(":")[0] for line in lines if line.startswith("instance ")] == [
        "instance a.example", "instance b.example"]
    assert all("alive" in line for line in lines if line.startswith("instance "))
    checked = [line for line in lines if "checked by:" in line]
    assert len(checked) == 4 and {a.me, b.me} == {line.split()[2] for line in checked}
    later = status_lines(config, clock.t + TTL * 2)  # neither renewed since
    assert all("STOPPED RENEWING" in line for line in later if line.startswith("instance "))
    assert all("EXPIRED" in line for line in later if "checked by:" in line)
