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

Run: .venv/bin/python bench/exactly_once.py [--only NAME] [--restarts 10] [--before DIR]
Writes the table to docs/exactly-once.md. With `--before DIR` (a checkout of an earlier
commit, e.g. `git worktree add /tmp/before 6557361`) every scenario runs a second time with
that code in the service processes, for a side-by-side table.
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


CODE = ROOT  # where the service processes import feedbot from (--before changes it)


def _start(config: Path, module: str = "bot") -> subprocess.Popen[str]:
    if module != "bot" and not (CODE / (module.replace(".", "/") + ".py")).exists():
        module = "bot"  # code from before the lock: a plain run is already unlocked
    args = ["run", "--config", str(config)] if module == "bot" else [str(config)]
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=CODE,
                            env=dict(ENV, PYTHONPATH=str(CODE)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(condition: Callable[[], object], timeout: float = 30.0) -> bool:
    """wait_for that reports a timeout instead of raising: the figures still count."""
    try:
        wait_for(condition, timeout=timeout)
    except AssertionError:
        return False
    return True


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

        # Started at the same moment on a new database (the lock bypassed): both must live.
        db = tmp / "together" / "feedbot.sqlite"
        configs = [_config(tmp / f"together-{h}", site, fake.url, database=db) for h in "ab"]
        together = [_start(c, "tests.unlocked_service") for c in configs]
        _wait(lambda: runs_finished(db) >= 4 or any(p.poll() is not None for p in together))
        crashed = sum(p.poll() is not None for p in together)
        _stop(*together)

        # A second host left running next to the first (the lock bypassed): the claims
        # alone must stop every duplicate.
        db = tmp / "shared" / "feedbot.sqlite"
        configs = [_config(tmp / host, site, fake.url, database=db) for host in ("a", "b")]
        services = [_start(configs[0], "tests.unlocked_service")]
        wait_for(lambda: runs_finished(db) >= 1, what="the first service's baseline")
        services.append(_start(configs[1], "tests.unlocked_service"))
        wait_for(lambda: runs_finished(db) >= 3, what="runs of both services")
        titles = _publish(site, 40, "Two instances")
        _wait(lambda: sum(_titles(fake, EN, AR).values()) >= 40, timeout=60)
        time.sleep(3)  # room for a duplicate to show up
        running = sum(p.poll() is None for p in services)
        _stop(*services)
        figures = _loss_and_doubles(fake, titles)
    figures["second run refused"] = "yes" if refused else "no"
    figures["crashed when started together"] = crashed
    figures["instances running"] = running
    return Result("two-instances", figures, refused and crashed == 0 and running == 2
                  and figures["lost"] == 0 and figures["sent twice"] == 0,
                  time.monotonic() - started)


def telegram_down(tmp: Path) -> Result:
    started = time.monotonic()
    telegram_port = free_port()
    with ReplicaSite() as site:
        config = _config(tmp, site, f"http://127.0.0.1:{telegram_port}")
        db = tmp / "data" / "feedbot.sqlite"
        service = _start(config)
        fake = FakeTelegram(TOKEN, chats=[EN, AR, OPS])
        try:
            _wait(lambda: runs_finished(db) >= 1 or service.poll() is not None)
            titles = _publish(site, 10, "Telegram down")
            done = runs_finished(db)
            _wait(lambda: runs_finished(db) >= done + 2 or service.poll() is not None)
            fake.start(telegram_port)
            _wait(lambda: sum(_titles(fake, EN, AR).values()) >= 10, timeout=40)
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
            if not _wait(lambda c=cycle: len([c_ for c_ in fake.calls_to("sendMessage")
                                              if c_.status == 429]) > c):
                break
            refused_at = [c for c in fake.calls_to("sendMessage") if c.status == 429][-1].at
            time.sleep(rng.uniform(0.1, 1.5))
            service.kill()  # SIGKILL during the wait
            service.communicate()
            second = f"Queued during the restart {cycle}"
            site.publish(lang="en", title=second, paragraphs=[f"{second}: a trial began."])
            service = _start(config)
            titles += [first, second]
            _wait(lambda t=(first, second): all(_titles(fake, EN)[x] for x in t), timeout=40)
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


def malformed(tmp: Path) -> Result:
    started = time.monotonic()
    with ReplicaSite() as site, FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as fake:
        config = _config(tmp, site, fake.url)
        db = tmp / "data" / "feedbot.sqlite"
        service = _start(config)
        try:
            wait_for(lambda: runs_finished(db) >= 1, what="the baseline run")
            posted_before = _publish(site, 2, "Posted before the outage")
            wait_for(lambda: sum(_titles(fake, EN, AR).values()) >= 2, what="two posts")
            # The listings hide the new posts until their pages are broken: no pass can
            # see a good page first.
            for lang in ("en", "ar"):
                site.set_fault(site.listing_url(lang), "empty-listing")
            titles = _publish(site, 6, "Published during the outage")
            struck = [p for p in site.posts("en") + site.posts("ar")
                      if p.title in titles + posted_before]
            for post in struck:
                site.set_post_fault(post.id, "malformed")
            for lang in ("en", "ar"):
                site.set_fault(site.listing_url(lang), None)
            done = runs_finished(db)
            wait_for(lambda: runs_finished(db) >= done + 4, what="passes during the outage")
            during = sum(_titles(fake, EN, AR).values()) - 2
            for post in struck:
                site.set_post_fault(post.id, None)
            _wait(lambda: sum(_titles(fake, EN, AR).values()) >= 8, timeout=30)
            time.sleep(3)
        finally:
            _stop(service)
        figures = _loss_and_doubles(fake, titles + posted_before)
    figures["posted while broken"] = during
    figures["und feed"] = "yes" if (tmp / "public" / "und").exists() else "no"
    figures["edits sent"] = len([c for c in fake.calls if c.method.startswith("edit")])
    return Result("malformed", figures, figures["lost"] == 0 and figures["sent twice"] == 0
                  and during == 0 and figures["und feed"] == "no", time.monotonic() - started)


def burst(tmp: Path) -> Result:
    started = time.monotonic()
    with ReplicaSite(page_size=4) as site, FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as fake:
        config = _config(tmp, site, fake.url, extra_source="max_pages = 5")
        db = tmp / "data" / "feedbot.sqlite"
        service = _start(config)
        try:
            wait_for(lambda: runs_finished(db) >= 1, what="the baseline run")
            titles = [f"Burst {n}" for n in range(50)]
            for title in titles:
                site.publish(lang="en", title=title, paragraphs=[f"{title}: a trial began."])
            _wait(lambda: sum(_titles(fake, EN).values()) >= 50, timeout=60)
            time.sleep(2)
        finally:
            _stop(service)
        figures = _loss_and_doubles(fake, titles)
    return Result("burst", figures, figures["lost"] == 0 and figures["sent twice"] == 0,
                  time.monotonic() - started)


SCENARIOS: dict[str, Callable[[Path, argparse.Namespace, random.Random], Result]] = {
    "two-instances": lambda tmp, args, rng: two_instances(tmp),
    "telegram-down": lambda tmp, args, rng: telegram_down(tmp),
    "restarts-429": lambda tmp, args, rng: restarts_429(tmp, args.restarts, rng),
    "malformed": lambda tmp, args, rng: malformed(tmp),
    "burst": lambda tmp, args, rng: burst(tmp),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SCENARIOS))
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--before", type=Path, help="a checkout of earlier code to compare")
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "exactly-once.md")
    args = parser.parse_args()
    global CODE
    runs: list[tuple[str, Path]] = [("this code", ROOT)]
    if args.before:
        runs.append((f"before ({_commit(args.before)})", args.before.resolve()))
    results: list[tuple[str, Result]] = []
    for label, code in runs:
        CODE = code
        rng = random.Random(args.seed)
        for name, scenario in SCENARIOS.items():
            if args.only and name != args.only:
                continue
            with tempfile.TemporaryDirectory(prefix=f"exactly-once-{name}-") as tmp:
                result = scenario(Path(tmp), args, rng)
            results.append((label, result))
            print(f"{label:18} {result.scenario:14} {'ok  ' if result.ok else 'FAIL'} "
                  f"{result.seconds:5.1f} s  "
                  + "  ".join(f"{k}={v}" for k, v in result.figures.items()), flush=True)
    if not args.only:
        lines = ["# Exactly once: figures", "",
                 "Written by `bench/exactly_once.py` (real `feedbot run` processes, the replica "
                 "site, the fake Bot API). Re-run: `.venv/bin/python bench/exactly_once.py "
                 "--before DIR`.", "",
                 "| code | scenario | result | seconds | figures |", "|---|---|---|---|---|"]
        lines += [f"| {label} | {r.scenario} | {'ok' if r.ok else 'FAIL'} | {r.seconds:.0f} | "
                  + ", ".join(f"{k}: {v}" for k, v in r.figures.items()) + " |"
                  for label, r in results]
        args.write.write_text("\n".join(lines) + "\n")
    return 0 if all(r.ok for label, r in results if label == "this code") else 1


def _commit(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
