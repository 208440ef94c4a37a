"""Which instance checks which source: leases in the shared database.

Several `feedbot run` processes may share one PostgreSQL database. Each source is checked
by the one instance holding its lease. An instance renews its leases on a heartbeat
(every `ttl / 4`); a lease not renewed for `ttl` (the instance was killed, or lost the
database) is free, and a live instance takes it over on its next heartbeat; a lease of a
process of this host that no longer exists is free at once (bot.claims.claim_is_dead), so
a service restarted after SIGKILL does not wait out the expiry. Every take is
a conditional INSERT/UPDATE whose row count is checked, so two instances never both
believe they hold a source. Work is spread: an instance takes free sources up to its fair
share (sources / live instances, rounded up) and gives back what it holds above that, so
a second instance started later gets half the sources within a heartbeat or two.

On SQLite the single-writer lock means one instance, which takes every lease at once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError

from bot.claims import claim_is_dead
from feeds.store import UTCDateTime

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=60)

# Made by migration 0003 (feeds/migrations).
metadata = MetaData()

instances = Table(
    "instances",
    metadata,
    Column("id", String(200), primary_key=True),  # host:pid:nonce (bot.claims.new_owner)
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

source_leases = Table(
    "source_leases",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class Lease:
    source: str
    holder: str
    expires: datetime
    taken_at: datetime


@dataclass(frozen=True)
class Instance:
    id: str
    host: str
    pid: int
    started: datetime
    last_seen: datetime


@dataclass
class Beat:
    """What one heartbeat changed for this instance."""

    taken: list[str] = field(default_factory=list)
    # source -> the instance that held it and stopped renewing (taken over from it)
    taken_over: dict[str, str] = field(default_factory=dict)
    given_back: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # held here, found taken by another


class Leases:
    """One instance's view of the source leases; `beat()` keeps them."""

    def __init__(self, engine: Engine, instance_id: str, *, ttl: timedelta = DEFAULT_TTL,
                 now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.me = instance_id
        self.ttl = ttl
        self._now = now
        self._held: dict[str, datetime] = {}  # source -> expiry as last written
        self._started = now()

    # ---- the heartbeat ----------------------------------------------------------------

    def beat(self, sources: Iterable[str], busy: Iterable[str] = ()) -> Beat:
        """Renew, take free leases up to the fair share, give back extras not `busy`."""
        now = self._now()
        wanted = sorted(set(sources))
        beat = Beat()
        self._seen(now)
        self._renew(now, beat)
        live = max(1, len(self.live_instances(now)))
        share = math.ceil(len(wanted) / live)
        for lease in self.leases():
            if lease.source in wanted and lease.holder != self.me and len(self._held) < share \
                    and claim_is_dead(lease.holder, lease.expires, now) \
                    and self._take(lease.source, now, lease):
                beat.taken.append(lease.source)
                beat.taken_over[lease.source] = lease.holder
        unleased = [s for s in wanted if s not in {lease.source for lease in self.leases()}]
        for source in unleased:
            if len(self._held) >= share:
                break
            if self._take(source, now, None):
                beat.taken.append(source)
        idle = [s for s in sorted(self._held) if s not in set(busy)]
        while len(self._held) > share and idle:
            source = idle.pop()
            self._give_back(source)
            beat.given_back.append(source)
        for source in beat.taken:
            log.info("lease: %s now checks source %s%s", self.me, source,
                     f" (taken over from {beat.taken_over[source]}, which stopped renewing)"
                     if source in beat.taken_over else "")
        return beat

    def announce(self) -> None:
        """Say this instance is alive without taking anything yet: instances started
        together then count each other before sharing the sources out."""
        self._seen(self._now())

    def holds(self, source: str) -> bool:
        """True while this instance's lease on `source` is unexpired as last renewed."""
        expires = self._held.get(source)
        return expires is not None and expires > self._now()

    @property
    def held(self) -> list[str]:
        return sorted(s for s in self._held if self.holds(s))

    def release_all(self) -> None:
        """A clean stop: give everything back at once instead of letting it expire."""
        with self.engine.begin() as conn:
            conn.execute(source_leases.delete().where(source_leases.c.holder == self.me))
            conn.execute(instances.delete().where(instances.c.id == self.me))
        self._held.clear()

    # ---- reading (status, metrics) ------------------------------------------------------

    def leases(self) -> list[Lease]:
        with self.engine.connect() as conn:
            return [Lease(r.source, r.holder, r.expires, r.taken_at) for r in conn.execute(
                select(source_leases).order_by(source_leases.c.source))]

    def instances(self) -> list[Instance]:
        with self.engine.connect() as conn:
            return [Instance(r.id, r.host, r.pid, r.started, r.last_seen) for r in
                    conn.execute(select(instances).order_by(instances.c.started))]

    def live_instances(self, now: datetime) -> list[Instance]:
        """Instances that renewed within the lease time and, on this host, still exist."""
        return [i for i in self.instances()
                if i.id == self.me or not claim_is_dead(i.id, i.last_seen + self.ttl, now)]

    # ---- steps ----------------------------------------------------------------------------

    def _seen(self, now: datetime) -> None:
        host, _, rest = self.me.partition(":")
        pid = rest.partition(":")[0]
        with self.engine.begin() as conn:
            if conn.execute(instances.update().where(instances.c.id == self.me).values(
                    last_seen=now)).rowcount == 0:
                conn.execute(instances.insert().values(
                    id=self.me, host=host, pid=int(pid) if pid.isdigit() else 0,
                    started=self._started, last_seen=now))
            # Instances gone for a day are history, not news.
            conn.execute(instances.delete().where(instances.c.last_seen < now - timedelta(
                days=1)))

    def _renew(self, now: datetime, beat: Beat) -> None:
        expires = now + self.ttl
        for source in sorted(self._held):
            with self.engine.begin() as conn:
                renewed = conn.execute(source_leases.update().where(
                    source_leases.c.source == source, source_leases.c.holder == self.me,
                ).values(expires=expires)).rowcount
            if renewed:
                self._held[source] = expires
            else:  # it expired while this instance stalled, and another took it
                del self._held[source]
                beat.lost.append(source)
                log.warning("lease: %s lost source %s to another instance (it was not "
                            "renewed in time)", self.me, source)

    def _take(self, source: str, now: datetime, old: Lease | None) -> bool:
        expires = now + self.ttl
        values = dict(holder=self.me, expires=expires, taken_at=now)
        try:
            with self.engine.begin() as conn:
                if old is None:
                    conn.execute(source_leases.insert().values(source=source, **values))
                    taken = True
                else:
                    # Still the lease that was read: a holder that renewed in the
                    # meantime (it was not dead after all) keeps it.
                    taken = conn.execute(source_leases.update().where(
                        source_leases.c.source == source,
                        source_leases.c.holder == old.holder,
                        source_leases.c.expires == old.expires,
                    ).values(**values)).rowcount == 1
        except IntegrityError:  # another instance inserted it first
            return False
        if taken:
            self._held[source] = expires
        return taken

    def _give_back(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(source_leases.delete().where(source_leases.c.source == source,
                                                      source_leases.c.holder == self.me))
        self._held.pop(source, None)
        log.info("lease: %s gives source %s back (more instances share the work)",
                 self.me, source)
