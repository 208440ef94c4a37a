"""`feedbot healthcheck`: ask a running service's `/healthz` and say in one line what it said.

Made for container and supervisor health probes: exit 0 when the service answers "ok" or
"degraded" (feeds work, Telegram may be down), 1 when it answers "unhealthy" or cannot be
asked at all. Standard library only, so a probe costs no more than loading the config.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot.config import Config

# Accepted by `feedbot healthcheck`: the service's feeds still work in both.
HEALTHY = ("ok", "degraded")

# A server bound to every interface is asked on the loopback of the same family.
_ANY_TO_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}


@dataclass(frozen=True)
class Health:
    healthy: bool
    line: str  # "ok: <url>", "degraded: <problems>", "unhealthy: ...", "unreachable: ..."


def healthz_url(config: Config) -> str:
    """Where the service started with this config answers `/healthz` on this host."""
    host = _ANY_TO_LOOPBACK.get(config.feeds.listen_host, config.feeds.listen_host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{config.feeds.listen_port}/healthz"


def ask_health(url: str, timeout: float) -> Health:
    """One GET of `url`; never raises for what the network or the server does."""
    # A health probe asks this host: a proxy from the environment must not answer for it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        code, body = _get(opener, url, timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Health(False, f"unreachable: {url} ({_reason(exc)})")
    try:
        answer = json.loads(body)
        status, problems = answer["status"], answer.get("problems", [])
    except (ValueError, TypeError, KeyError):
        return Health(False, f"unhealthy: {url} answered {code} without a feedbot health "
                             "status")
    if status in HEALTHY and code == 200:
        detail = "; ".join(map(str, problems)) if problems else url
        return Health(True, f"{status}: {detail}")
    detail = "; ".join(map(str, problems)) if problems else f"{url} answered {code}"
    return Health(False, f"unhealthy: {detail}")


def _get(opener: urllib.request.OpenerDirector, url: str, timeout: float) -> tuple[int, bytes]:
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as exc:  # 503 is how the service says "unhealthy"
        with exc:
            return exc.code, exc.read(64 * 1024)


def _reason(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__
