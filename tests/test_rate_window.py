"""The overall rate: a call counts from when it is let go until a window after its answer,
so no window as the server counts it ever holds more than the limit."""

from __future__ import annotations

import asyncio

from bot.rate_window import AnsweredWindow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def test_a_place_is_free_again_a_window_after_the_answer_not_after_the_start() -> None:
    clock = Clock()
    window = AnsweredWindow(2, 1.0, clock, clock.sleep)

    async def scenario() -> list[float]:
        let_go = []
        for chat in ("a", "b"):
            await window.acquire(chat)
            let_go.append(clock.now)
        clock.now = 0.5
        window.release("a")  # answered at 0.5: counts until 1.5
        await window.acquire("c")
        let_go.append(clock.now)
        return let_go

    assert asyncio.run(scenario()) == [0.0, 0.0, 1.5]


def test_calls_still_in_flight_hold_their_place() -> None:
    clock = Clock()
    window = AnsweredWindow(1, 1.0, clock, clock.sleep)

    async def scenario() -> float:
        await window.acquire("a")
        waiter = asyncio.create_task(window.acquire("b"))
        await asyncio.sleep(0)
        clock.now = 5.0  # a slow answer
        window.release("a")
        await waiter
        return clock.now

    assert asyncio.run(scenario()) == 6.0  # its answer at 5.0, plus the window
