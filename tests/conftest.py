"""Shared fixtures: a fresh replica site per test (tests publish on it and inject faults)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feeds.replica import ReplicaSite

# A token in Telegram's shape, for the fake Bot API; tests assert it never leaks.
TEST_TOKEN = "123456789:TEST-fake-token-not-real"


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica
