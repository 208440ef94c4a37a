"""A claim owner naming a process of this host that has ended, as a SIGKILLed one has."""

from __future__ import annotations

import socket
import subprocess


def dead_owner() -> str:
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:gone"
