"""`feedbot followers export|purge`: what the bot stores about people, for operators.

Export prints everything stored (chat id, language, followed names) as JSON on stdout,
e.g. to answer a person's request for their data; purge deletes a follower, or all, with
their queued alerts, as /stop does. Neither needs the service stopped: each is one short
transaction, and a send in progress to a purged chat finds its row gone.
"""

from __future__ import annotations

import json
import sys

from bot.config import Config
from bot.followers import FollowerStore
from feeds.store import open_engine


def export_followers(config: Config) -> int:
    engine = open_engine(config.database)
    try:
        found = FollowerStore(engine).export()
    finally:
        engine.dispose()
    json.dump([{"chat_id": f.chat_id, "lang": f.lang, "following": list(f.phrases)}
               for f in found], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def purge_followers(config: Config, *, chat: int | None, everyone: bool) -> int:
    """0 when done, 1 when `chat` was not a follower (nothing to delete)."""
    engine = open_engine(config.database)
    try:
        store = FollowerStore(engine)
        if everyone:
            count = store.forget_all()
            print(f"purged {count} follower(s) and their queued alerts")
            return 0
        assert chat is not None
        if not store.forget(chat):
            print(f"no follower with chat id {chat}", file=sys.stderr)
            return 1
        print(f"purged follower {chat} and their queued alerts")
        return 0
    finally:
        engine.dispose()
