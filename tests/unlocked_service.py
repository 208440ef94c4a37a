"""`feedbot run` without the single-writer lock, for tests only: what an operator gets when
the lock cannot help (two hosts on a network share, or PostgreSQL later). The claims in
the outbox must still stop every duplicate. Run: python -m tests.unlocked_service CONFIG
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from bot.app import configure_logging
from bot.config import load_config
from bot.service import Service


async def _main(config_path: Path) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return await Service(load_config(config_path), dict(os.environ)).run(stop)


if __name__ == "__main__":
    configure_logging(logging.INFO)
    sys.exit(asyncio.run(_main(Path(sys.argv[1]))))
