"""Which instance fetches the bot's private-chat updates: one lease in the shared database.

Telegram lets one `getUpdates` consumer poll a token at a time (a second gets 409
Conflict), so of several `feedbot run` instances on one PostgreSQL database exactly one
polls: the holder of the pseudo-source lease `POLL_LEASE` in `source_leases` (the table of
bot/leases.py, so `release_all` on a clean stop gives it back too). The holder renews it
while it polls; a lease not renewed for the lease time, or held by a process of this host
that no longer exists (bot.claims.claim_is_dead: a SIGKILLed instance), is taken over by
the next instance that asks. Takes are conditional writes, so two instances never both
hold it. It stays out of bot/leases.py's fair share: it is not a source to check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from bot.claims import claim_is_dead
from bot.leases import DEFAULT_TTL, source_leases

log = logging.getLogger(__name__)

# Not a valid source name (config names are identifiers), so it never meets a real one.
POLL_LEASE = "~telegram-updates"


class PollLease:
    """This instance's claim on polling Telegram for updates; `keep()` on every tick."""

    def __init__(self, engine: Engine, instance_id: str, *, ttl: timedelta = DEFAULT_TTL,
                 now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.me = instance_id
        self.ttl = ttl
        self._now = now
        self._expires: datetime | None = None

    def keep(self) -> bool:
        """Renew the lease if held here, else take it if free or abandoned; True while
        this instance may poll."""
        now = self._now()
        expires = now + self.ttl
        if self._expires is not None:
            with self.engine.begin() as conn:
                renewed = conn.execute(source_leases.update().where(
                    source_leases.c.source == POLL_LEASE, source_leases.c.holder == self.me,
                ).values(expires=expires)).rowcount
            if renewed:
                self._expires = expires
                return True
            self._expires = None  # it lapsed while this instance stalled; another has it
            log.warning("private chats: %s lost the polling lease to another instance",
                        self.me)
        if self._take(now, expires):
            self._expires = expires
            log.info("private chats: %s now fetches the updates (polling lease)", self.me)
            return True
        return False

    def holds(self) -> bool:
        return self._expires is not None and self._expires > self._now()

    def release(self) -> None:
        """Give it back at once (a clean stop): another instance need not wait it out."""
        with self.engine.begin() as conn:
            conn.execute(source_leases.delete().where(source_leases.c.source == POLL_LEASE,
                                                      source_leases.c.holder == self.me))
        self._expires = None

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(source_leases.c.holder).where(
                source_leases.c.source == POLL_LEASE)).scalar_one_or_none()

    def _take(self, now: datetime, expires: datetime) -> bool:
        values = dict(holder=self.me, expires=expires, taken_at=now)
        with self.engine.connect() as conn:
            row = conn.execute(select(source_leases).where(
                source_leases.c.source == POLL_LEASE)).first()
        try:
            with self.engine.begin() as conn:
                if row is None:
                    conn.execute(source_leases.insert().values(source=POLL_LEASE, **values))
                    return True
                if row.holder != self.me and not claim_is_dead(row.holder, row.expires, now):
                    return False
                # Still the lease that was read: a holder that renewed meanwhile keeps it.
                return conn.execute(source_leases.update().where(
                    source_leases.c.source == POLL_LEASE,
                    source_leases.c.holder == row.holder,
                    source_leases.c.expires == row.expires,
                ).values(**values)).rowcount == 1
        except IntegrityError:  # another instance inserted it first
            return False
