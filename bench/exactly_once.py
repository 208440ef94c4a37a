"""Benchmark: exactly once, with real `feedbot run` processes, the replica site and the fake
Bot API. Each scenario counts what a follower of the channel would notice.

1. two-instances: a second `feedbot run` on the same database (must be refused), then two
   services that bypass the lock (tests/unlocked_service.py) while the site publishes
   40 articles: posts sent twice must be 0, posts missing must be 0.
2. telegram-down: `run` starts while the Bot API is unreachable, the site publishes 10
   articles, then the Bot API comes up: posts lost must be 0.
3. restarts-429: 10 times: a post is answered 429 (retry_after 4 s), the service is
   SIGKILLed during the wait, another post is queued, the service restarts. Sends to that
   chat before the retry_after ended must be 0; both posts must go out once.
4. malformed: articles published while their pages answer 200 with a maintenance page,
   then the pages recover: posts lost must be 0, sent twice 0.
5. burst: 50 articles at once on a site with 4 teasers a page and max_pages = 5:
   posts lost must be 0.

Run: .venv/bin/python bench/exactly_once.py [--only NAME] [--restarts 10]
Writes the table to docs/exactly-once.md.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py is named like the library: keep this directory off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from feeds.replica import ReplicaSite  # noqa: E402
from tests.conftest import TEST_TOKEN as TOKEN  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.test_service import free_port, runs_finished, wait_for, write_config  # noqa: E402

EN, AR, OPS = "@alqst_en", "@alqst_ar", "@operator"
ENV = dict(os.environ, TEST_FEEDBOT_TOKEN=TOKEN)


@dataclass
class Result:
    scenario: str
    figures: dict[str, int | float | str]
    ok: bool
    seconds: float


def _config(workdir: Path, site: ReplicaSite, telegram_url: str, *, database: Path | None = None,
            extra_telegram: str = "", extra_source: str = "") -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = write_config(workdir, site, telegram_url, free_port(), schedule="every 1s")
    text = path.read_text().replace(
        "per_chat_per_minute = 600", "per_chat_per_minute = 6000\nflood_limit = 100"
        + extra_telegram)
    if database is not None:
        text = text.replace('database = "data/feedbot.sqlite"', f'database = "{database}"')
    if extra_source:
        text = text.replace('schedule = "every 1s"', 'schedule = "every 1s"\n' + extra_source)
    path.write_text(text)
    return path


def _start(config: Path, module: str = "bot") -> subprocess.Popen[str]:
    args = ["run", "--config", str(config)] if module == "bot" else [str(config)]
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(*processes: subprocess.Popen[str]) -> list[str]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return [p.communicate(timeout=30)[0] for p in processes]


def _titles(fake: FakeTelegram, *chats: str) -> Counter[str]:
    return Counter(m.text.split("\n")[0] for chat in chats for m in fake.sent(chat))


def _publish(site: ReplicaSite, count: int, prefix: str) -> list[str]:
    titles = []
    for n in range(count):
        lang = "en" if n % 2 == 0 else "ar"
        title = f"{prefix} {n}" + (" (ar)" if lang == "ar" else "")
        body = (f"{prefix} {n}: a detainee was released after years in prison." if lang == "en"
                else "أفرجت السلطات عن معتقل بعد سنوات من السجن التعسفي، ورحبت القسط بذلك.")
        site.publish(lang=lang, title=title, paragraphs=[body])
        titles.append(title)
    return titles


def _loss_and_doubles(fake: FakeTelegram, titles: list[str]) -> dict[str, int | float | str]:
    sent = _titles(fake, EN, AR)
    return {"published": len(titles), "posted": sum(1 for t in titles if sent[t]),
            "lost": sum(1 for t in titles if not sent[t]),
            "sent twice": sum(1 for t in titles if sent[t] > 1)}


# ---- scenarios --------------------------------------------------------------------------


def two_instances(tmp: Path) -> Result:
    started = time.monotonic()
    with ReplicaSite() as site, FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as fake:
        config = _config(tmp / "locked", site, fake.url)
        first = _start(config)
        wait_for(lambda: runs_finished(tmp / "locked/data/feedbot.sqlite") >= 1, what="a run")
        second = _start(config)
        refused_output = second.communicate(timeout=30)[0].strip()
        refused = second.returncode == 2 and "is in use by pid" in refused_output
        _stop(first)

        db = tmp / "shared" / "feedbot.sqlite"
        configs = [_config(tmp / host, site, fake.url, database=db) for host in ("a", "b")]
        services = [_start(c, "tests.unlocked_service") for c in configs]
        wait_for(lambda: runs_finished(db) >= 4, what="baseline runs of both services")
        titles = _publish(site, 40, "Two instances")
        wait_for(lambda: sum(_titles(fake, EN, AR).values()) >= 40, timeout=120,
                 what="forty posts")
        time.sleep(3)  # room for a duplicate to show up
        _stop(*services)
        figures = _loss_and_doubles(fake, titles)
    figures["second run refused"] = "yes" if refused else f"NO: {refused_output[:200]}"
    return Result("two-instances", figures, refused and figures["lost"] == 0
                  and figures["sent twice"] == 0, time.monotonic() - started)


def telegram_down(tmp: Path) -> Result:
    started = time.monotonic()
    telegram_port = free_port()
    with ReplicaSite() as site:
        config = _config(tmp, site, f"http://127.0.0.1:{telegram_port}")
        db = tmp / "data" / "feedbot.sqlite"
        service = _start(config)
        fake = FakeTelegram(TOKEN, chats=[EN, AR, OPS])
        try:
            wait_for(lambda: runs_finished(db) >= 1, what="a run without Telegram")
            titles = _publish(site, 10, "Telegram down")
            done = runs_finished(db)
            wait_for(lambda: runs_finished(db) >= done + 2, what="passes storing them")
            fake.start(telegram_port)
            wait_for(lambda: sum(_titles(fake, EN, AR).values()) >= 10, timeout=60,
                     what="ten posts")
            time.sleep(2)
        finally:
            output = _stop(service)[0]
            fake.stop()
    figures = _loss_and_doubles(fake, titles)
    figures["service exit code"] = service.returncode
    figures["tracebacks"] = output.count("Traceback")
    return Result("telegram-down", figures, figures["lost"] == 0 and figures["sent twice"] == 0
                  and service.returncode == 0, time.monotonic() - started)


def restarts_429(tmp: Path, restarts: int, rng: random.Random) -> Result:
    started = time.monotonic()
    retry_after = 4
    early = 0
    with ReplicaSite() as site, FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as fake:
        config = _config(tmp, site, fake.url)
        db = tmp / "data" / "feedbot.sqlite"
        service = _start(config)
        wait_for(lambda: runs_finished(db) >= 1, what="the baseline run")
        titles: list[str] = []
        for cycle in range(restarts):
            fake.fail_next("sendMessage", status=429, retry_after=retry_after)
            first = f"Rate limited {cycle}"
            site.publish(lang="en", title=first, paragraphs=[f"{first}: a detainee was freed."])
            wait_for(lambda c=cycle: len([c_ for c_ in fake.calls_to("sendMessage")
                                          if c_.status == 429]) > c, timeout=30, what="a 429")
            refused_at = [c for c in fake.calls_to("sendMessage") if c.status == 429][-1].at
            time.sleep(rng.uniform(0.1, 1.5))
            service.kill()  # SIGKILL during the wait
            service.communicate()
            second = f"Queued during the restart {cycle}"
            site.publish(lang="en", title=second, paragraphs=[f"{second}: a trial began."])
            service = _start(config)
            titles += [first, second]
            wait_for(lambda t=(first, second): all(_titles(fake, EN)[x] for x in t),
                     timeout=60, what="both posts")
            early += len([c for c in fake.calls_to("sendMessage") if c.chat == EN
                          and refused_at < c.at < refused_at + retry_after])
        _stop(service)
        sent = _titles(fake, EN)
    figures: dict[str, int | float | str] = {
        "restarts": restarts, "sends before retry_after": early,
        "lost": sum(1 for t in titles if not sent[t]),
        "sent twice": sum(1 for t in titles if sent[t] > 1)}
    return Result("restarts-429", figures, early == 0 and figures["lost"] == 0
                  and figures["sent twice"] == 0, time.monotonic() - started)


SCENARIOS: dict[str, Callable[[Path, argparse.Namespace, random.Random], Result]] = {
    "two-instances": lambda tmp, args, rng: two_instances(tmp),
    "telegram-down": lambda tmp, args, rng: telegram_down(tmp),
    "restarts-429": lambda tmp, args, rng: restarts_429(tmp, args.restarts, rng),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SCENARIOS))
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "exactly-once.md")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    for name, scenario in SCENARIOS.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix=f"exactly-once-{name}-") as tmp:
            result = scenario(Path(tmp), args, rng)
        results.append(result)
        print(f"{result.scenario:15} {'ok  ' if result.ok else 'FAIL'} {result.seconds:5.1f} s  "
              + "  ".join(f"{k}={v}" for k, v in result.figures.items()), flush=True)
    if not args.only:
        lines = ["# Exactly once: figures", "",
                 "Written by `bench/exactly_once.py` (real `feedbot run` processes, the replica "
                 "site, the fake Bot API). Re-run: `.venv/bin/python bench/exactly_once.py`.", "",
                 "| scenario | result | seconds | figures |", "|---|---|---|---|"]
        lines += [f"| {r.scenario} | {'ok' if r.ok else 'FAIL'} | {r.seconds:.0f} | "
                  + ", ".join(f"{k}: {v}" for k, v in r.figures.items()) + " |" for r in results]
        args.write.write_text("\n".join(lines) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
