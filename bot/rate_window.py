"""The overall rate limit on calls to Telegram, kept as Telegram counts it.

Telegram allows about 30 messages a second across all chats, counted when its server
receives each call. The sender knows only when it let a call go and when the answer came,
so a call holds a place from the moment it is let through until `window` seconds after
its answer: any two calls whose places do not overlap reached the server at least `window`
apart, and no more than `limit` calls ever fall within one window, whatever the network
did in between. (A token bucket refilled at the same rate lets 2 x limit through in the
first second.) The cost is one round trip per window: 29.9 a second, not 30, on a
5 ms network.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable

# A call that never reported its answer (a crash of its task) stops counting after this
# long: longer than any request timeout.
MAX_FLIGHT_SECONDS = 120.0


class AnsweredWindow:
    """At most `limit` calls per `window` seconds: `await acquire(chat)` before a call,
    `release(chat)` once its answer (or error) is in."""

    def __init__(self, limit: float, window: float, clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self.limit = max(1, int(limit))
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._flying: list[tuple[str, float]] = []  # (chat, let through at)
        self._ends: list[float] = []  # heap: when answered calls stop counting
        self._lock = asyncio.Lock()

    def _live(self, now: float) -> int:
        while self._ends and self._ends[0] <= now:
            heapq.heappop(self._ends)
        self._flying = [(c, t) for c, t in self._flying if t > now - MAX_FLIGHT_SECONDS]
        return len(self._ends) + len(self._flying)

    async def acquire(self, chat: str) -> None:
        async with self._lock:  # first come, first served
            while True:
                now = self._clock()
                if self._live(now) < self.limit:
                    break
                # Every place taken: wait for the first to end (or, when all are calls in
                # flight, for an answer).
                wait = self._ends[0] - now if self._ends else 0.02
                await self._sleep(max(wait, 0.001))
                if self._clock() - now < wait / 2:
                    # A clock that does not move with the sleep (an injected one), or a
                    # sleep cut short by a stop request: the sleep earned the place.
                    break
            self._flying.append((chat, self._clock()))

    def release(self, chat: str) -> None:
        for index, (flying, _) in enumerate(self._flying):
            if flying == chat:
                del self._flying[index]
                heapq.heappush(self._ends, self._clock() + self.window)
                return
