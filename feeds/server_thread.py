"""Run a socketserver in a daemon thread: the feed server and the test fakes share this."""

from __future__ import annotations

import socketserver
import threading


class ServerThread:
    """Serves `server` in the background until `stop()`, which also closes its socket."""

    def __init__(self, server: socketserver.BaseServer, name: str,
                 poll_interval: float = 0.2) -> None:
        self.server = server
        self._thread = threading.Thread(target=server.serve_forever, name=name, daemon=True,
                                        kwargs={"poll_interval": poll_interval})

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=timeout)
