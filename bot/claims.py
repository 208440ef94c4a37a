"""Who may send an outbox row: claim owners, and when a claim is dead.

A row is sent only by the process whose conditional UPDATE claimed it (see
`Outbox.claim`). The claim names its owner as `host:pid:nonce` and carries an expiry. It
is dead, and the row can be claimed again, once it has expired, or at once when its owner
ran on this host and that process no longer exists (a crash or SIGKILL: the restarted
service need not wait out the expiry). The nonce keeps two Delivery objects of one
process apart.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

# Longer than one Bot API call can take (20 s read + 10 s connect timeouts, plus the
# library's own handling), so a live sender never loses its claim mid-call.
CLAIM_SECONDS = 120.0
CLAIM_TTL = timedelta(seconds=CLAIM_SECONDS)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def local_prefix() -> str:
    """Owners on this host start with this: only their liveness can be checked here."""
    return f"{socket.gethostname()}:"


def claim_is_dead(owner: str | None, expires: datetime | None, now: datetime) -> bool:
    if owner is None or expires is None or expires < now:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's process: only the expiry tells
    return not _alive(int(pid_text))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True
