"""Shared set-up for bench scripts: import path and a replica site in its own process."""

from __future__ import annotations

import multiprocessing as mp
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _serve_replica(archive_size: int, conn) -> None:  # type: ignore[no-untyped-def]
    from feeds.replica import ReplicaSite

    with ReplicaSite(archive_size=archive_size) as site:
        conn.send(site.base_url)
        conn.recv()  # wait until the parent says stop


class ReplicaProcess:
    """A replica site in a child process, so its CPU time is not counted as the bot's."""

    def __init__(self, archive_size: int) -> None:
        self.archive_size = archive_size

    def __enter__(self) -> str:
        parent, child = mp.Pipe()
        self._conn = parent
        self._proc = mp.get_context("spawn").Process(
            target=_serve_replica, args=(self.archive_size, child), daemon=True)
        self._proc.start()
        return str(parent.recv())

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._proc.join(5)
