"""Tell a WebSub hub which feeds changed: one `hub.mode=publish` POST per feed URL.

The POSTs go out from a thread of their own, fed by a bounded queue: `notify` never waits,
so a slow or dead hub never holds up a pass or a publish. A refused or unanswered notice is
retried with exponential backoff, then given up with one log line and counted.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000  # feed URLs waiting; beyond this a notice is dropped (and counted)
_STOP = ""  # the queue item that ends the worker; never a feed URL


class HubRefused(Exception):
    """The hub answered, but not with 2xx; `retry` says whether asking again may help."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry = status >= 500 or status in (408, 429)


@dataclass
class HubCounts:
    """What happened to the notices since start: the figures an operator watches."""

    sent: int = 0  # acknowledged by the hub (2xx)
    retried: int = 0  # attempts that failed and were tried again
    failed: int = 0  # given up after the last attempt, or refused for good (4xx)
    dropped: int = 0  # the queue was full, or the notifier stopped before sending them


class HubNotifier:
    """`with HubNotifier(hub) as hub: hub.notify([feed_url, ...])`; or `start()`/`close()`.

    A URL already waiting is not queued twice: the hub fetches the feed as it is when the
    notice arrives, so one notice covers every change made before it went out.
    """

    def __init__(
        self,
        hub_url: str,
        *,
        attempts: int = 5,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 300.0,
        timeout_seconds: float = 10.0,
        queue_size: int = QUEUE_SIZE,
        user_agent: str = "feedbot (WebSub publisher)",
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        """`wait(seconds)` pauses between attempts and returns True when told to stop; by
        default it waits on the notifier's stop signal (tests pass one that records)."""
        self.hub_url = hub_url
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.user_agent = user_agent
        self.counts = HubCounts()
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._wait = wait or self._stopping.wait

    # ---- life ---------------------------------------------------------------------

    def start(self) -> HubNotifier:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._work, name="websub-notifier",
                                            daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop: a notice being retried is abandoned at its next wait; the ones still
        queued are dropped and counted (the next change notifies them again)."""
        thread = self._thread
        if thread is None:
            return
        with self._lock:
            unsent = len(self._waiting)
        self._stopping.set()
        # A full queue: the worker finds _stopping set at its next notice instead.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STOP)
        thread.join(timeout)
        self._thread = None
        if not thread.is_alive():  # else it drops the rest itself as it goes
            while True:
                try:
                    url = self._queue.get_nowait()
                except queue.Empty:
                    break
                if url != _STOP:
                    self._drop(url)
        if unsent:
            log.warning("websub: stopping with %d notice(s) unsent to %s", unsent,
                        self.hub_url)

    def __enter__(self) -> HubNotifier:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the caller's side --------------------------------------------------------

    def notify(self, feed_urls: Iterable[str]) -> int:
        """Queue a notice per feed URL without waiting; returns how many were queued."""
        queued = 0
        for url in dict.fromkeys(feed_urls):
            with self._lock:
                if url in self._waiting or not url:
                    continue
                try:
                    self._queue.put_nowait(url)
                except queue.Full:
                    self.counts.dropped += 1
                    log.warning("websub: queue full (%d waiting); notice for %s dropped",
                                self._queue.maxsize, url)
                    continue
                self._waiting.add(url)
                queued += 1
        return queued

    def idle(self) -> bool:
        """Nothing waiting and nothing being sent."""
        with self._lock:
            return not self._waiting

    # ---- the worker ---------------------------------------------------------------

    def _work(self) -> None:
        with httpx.Client(timeout=self.timeout_seconds, follow_redirects=False,
                          headers={"User-Agent": self.user_agent}) as client:
            while True:
                url = self._queue.get()
                if url == _STOP:
                    return
                if self._stopping.is_set():
                    self._drop(url)
                    continue
                try:
                    self._deliver(client, url)
                finally:
                    with self._lock:
                        self._waiting.discard(url)

    def _drop(self, url: str) -> None:
        with self._lock:
            self._waiting.discard(url)
            self.counts.dropped += 1

    def _deliver(self, client: httpx.Client, feed_url: str) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                self._post(client, feed_url)
            except (httpx.HTTPError, HubRefused) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                retry = not isinstance(exc, HubRefused) or exc.retry
                if not retry or attempt == self.attempts:
                    with self._lock:
                        self.counts.failed += 1
                    log.warning("websub: hub %s not told of %s: %s (%d attempt(s))",
                                self.hub_url, feed_url, reason, attempt)
                    return
                with self._lock:
                    self.counts.retried += 1
                delay = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
                if self._wait(delay) or self._stopping.is_set():
                    with self._lock:
                        self.counts.dropped += 1
                    return
            else:
                with self._lock:
                    self.counts.sent += 1
                log.debug("websub: hub %s told of %s", self.hub_url, feed_url)
                return

    def _post(self, client: httpx.Client, feed_url: str) -> None:
        response = client.post(self.hub_url, data={"hub.mode": "publish", "hub.url": feed_url})
        if not response.is_success:
            raise HubRefused(response.status_code)
