"""Benchmark: proof under faults. Posts lost and duplicated, feeds left invalid, operator told.

1. Every fault scenario of tests/fault_scenarios.py (the source, Telegram), on a simulated
   clock: the replica site and the fake Bot API in this process, the real wiring.
2. SIGKILL during a check: a child process runs passes (check + feeds) against the replica
   in this process, killed at random moments (--kills times) while the site publishes;
   then one clean pass and a drain. Counted: articles on the site missing from the store,
   posts never sent, posts sent twice, archive posts sent (a baseline lost), feed files
   that fail to parse at any moment.
3. SIGKILL during delivery: a child drains a queue of posts into the fake Bot API here,
   killed at random moments (--kills times), then drains to the end.
4. A full disk while writing feeds: a small tmpfs on the output directory (as root), or
   else RLIMIT_FSIZE in a child process; the previous feeds must stay intact and valid.

Prints a table and writes it to docs/faults.md.

Run: .venv/bin/python bench/faults.py [--kills 50] [--seed 20240215]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py is named like the library: keep this directory off the path, or
# python-telegram-bot's `import telegram` would import that script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.app import build_parts, check_sources, make_delivery, publish  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.outbox import Status  # noqa: E402
from bot.sender import TelegramSender  # noqa: E402
from feeds.models import Article  # noqa: E402
from feeds.replica import ReplicaSite  # noqa: E402
from feeds.replica.server import ReplicaPost  # noqa: E402
from feeds.store import listing_state, open_engine  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.fault_scenarios import (  # noqa: E402
    AR,
    DISK_FULL,
    EN,
    OPS,
    SCENARIOS,
    TOKEN,
    Scenario,
    can_limit_file_size,
    can_mount_tmpfs,
    fault_config,
    feed_problems,
    file_size_limit_trial,
    posted_urls,
    publish_statement,
    run_scenario,
    told_text,
)

DELIVERY_RATE_PER_MINUTE = 1200  # per chat in the delivery kill trial: 20 a second
WINDOW_CRASH = "1 (killed between Telegram's acceptance and the commit)"
DOCS = ROOT / "docs" / "faults.md"


@dataclass
class Row:
    fault: str
    lost: int
    duplicated: int
    feeds_invalid: int | None  # None: the trial writes no feeds
    told: str
    window: str
    seen: str
    seconds: float
    stray: int = 0  # posts nobody should have seen (archive posted): a failure too
    leftovers: int = 0  # temporary files of killed writes still there at the end
    allowed: int = 0  # duplicates the documented window accounts for


# ---- 1. the scenarios ---------------------------------------------------------------------


def scenario_row(scenario: Scenario) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        outcome = asyncio.run(run_scenario(scenario, Path(tmp)))
    if scenario.hits == "send":
        seen = f"{outcome.telegram_errors} error answers, {outcome.failed_sends} failed sends"
    else:
        seen = f"{outcome.failed_fetches} failed fetches, {outcome.failed_runs} failed runs"
    if outcome.simulated > timedelta(hours=2):
        seen += f"; {outcome.simulated.total_seconds() / 3600:.0f} h simulated"
    if "error" in outcome.details:
        seen += f'; the run\'s error: "{outcome.details["error"]}"'
    if outcome.details.get("intact") == "False":
        outcome.feed_problems.append("a previous feed file changed")
    problems = len(outcome.feed_problems)
    row = Row(scenario.fault, outcome.lost, outcome.duplicated, problems,
              told_text(scenario, outcome), scenario.window, seen, outcome.seconds,
              stray=len(outcome.stray), allowed=scenario.duplicates)
    print(f"  {scenario.fault}: lost {row.lost}, duplicated {row.duplicated}, feeds invalid "
          f"{problems}, told: {row.told} ({outcome.seconds:.1f} s)", flush=True)
    if not scenario.fault_seen(outcome):
        raise SystemExit(f"{scenario.id}: the fault never happened")
    return row


# ---- 2. SIGKILL during a check ----------------------------------------------------------------


def check_child(workdir: str, site_url: str, telegram_url: str, once: bool) -> None:
    """Run in a child process: passes (check, then feeds) until killed, or one with --once."""
    logging.basicConfig(level=logging.ERROR)
    config = fault_config(site_url, Path(workdir), telegram_url)
    parts = build_parts(config)
    parts.intake.recover()  # what `feedbot run` does at start
    print("ready", flush=True)
    while True:
        asyncio.run(check_sources(config, parts.store, observer=parts.intake))
        publish(config, parts.store)
        print("pass", flush=True)
        if once:
            return


def baseline_done(db: Path | str) -> bool:
    engine = open_engine(db)
    try:
        with engine.connect() as conn:
            done = {row.lang for row in conn.execute(select(listing_state))
                    if row.last_run is not None}
    finally:
        engine.dispose()
    return {"en", "ar"} <= done


def spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    """A child process of this script, once it has said its first line (returned)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith(("ready", "in_doubt")):
        raise SystemExit(f"the child did not start: {line!r}")
    return proc, line


def kill(proc: subprocess.Popen[str]) -> bool:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode == -signal.SIGKILL


@dataclass
class KillCounts:
    kills: int = 0
    in_first_pass: int = 0  # kills before the baseline was complete
    published: int = 0  # articles the site published during the kills
    missing: int = 0  # articles on the site missing from the store
    never_sent: int = 0  # posts of published articles never sent
    duplicated: int = 0  # messages beyond one per article per chat
    archive_posted: int = 0  # posts of baseline articles (a first run that flooded)
    invalid: int = 0  # feed files that failed to parse at any check
    temporaries: int = 0  # temporary files left at the end
    alerts: int = 0  # operator messages


def check_kill_round(kills: int, rng: random.Random, counts: KillCounts) -> None:
    """A fresh installation: its child killed `kills` times at random moments (the first
    pass included), the site publishing meanwhile; then a clean pass and a drain."""
    with tempfile.TemporaryDirectory() as tmp, ReplicaSite() as site, \
            FakeTelegram(TOKEN, chats=[EN, AR, OPS]) as fake:
        workdir = Path(tmp)
        config = fault_config(site.base_url, workdir, fake.url)
        args = (str(workdir), site.base_url, fake.url)
        published: list[ReplicaPost] = []
        done = 0
        while done < kills:
            proc, _ = spawn("--check-child", *args)
            baseline = baseline_done(config.database)
            time.sleep(rng.uniform(0.0, 0.6))
            if baseline and rng.random() < 0.6:  # the site publishes while the bot runs
                published.append(publish_statement(site, rng.choice(["en", "ar"]),
                                                   len(published) + 1))
                time.sleep(rng.uniform(0.0, 0.3))
            if kill(proc):
                done += 1
                counts.in_first_pass += not baseline
            counts.invalid += sum("temporary" not in p
                                  for p in feed_problems(config.feeds.output_dir))
        final = subprocess.run([sys.executable, __file__, "--check-child", *args, "--once"],
                               capture_output=True, text=True, cwd=ROOT, timeout=300)
        if final.returncode != 0:
            raise SystemExit(f"the final pass failed: {final.stderr[-2000:]}")
        problems = feed_problems(config.feeds.output_dir)
        counts.invalid += sum("temporary" not in p for p in problems)
        counts.temporaries += sum("temporary" in p for p in problems)
        parts = build_parts(config)

        async def drain() -> None:
            async with TelegramSender(TOKEN, fake.url) as sender:
                await make_delivery(parts, sender).drain()

        asyncio.run(drain())
        store = parts.store
        on_site = site.posts("en") + site.posts("ar")
        chats = {"en": EN, "ar": AR}
        sent = {chat: posted_urls(fake, chat) for chat in chats.values()}
        expected = {(chats[p.lang], p.url) for p in published}
        counts.kills += done
        counts.published += len(published)
        counts.missing += sum(1 for p in on_site if not store.known_urls([p.url]))
        counts.never_sent += sum(1 for chat, url in expected if sent[chat][url] == 0)
        counts.duplicated += sum(n - 1 for c in sent.values() for n in c.values() if n > 1)
        counts.archive_posted += sum(1 for chat, c in sent.items() for url in c
                                     if (chat, url) not in expected)
        counts.alerts += len(fake.sent(OPS))
        parts.engine.dispose()


def check_kills(kills: int, rng: random.Random, rounds: int = 5) -> Row:
    """`kills` SIGKILLs over `rounds` fresh installations (so that several first passes,
    where a kill could turn the archive into new posts, are interrupted too)."""
    started = time.monotonic()
    counts = KillCounts()
    for n in range(rounds):
        check_kill_round(kills // rounds + (n < kills % rounds), rng, counts)
    c = counts
    print(f"  {c.kills} SIGKILLs during passes ({c.in_first_pass} before the baseline was "
          f"complete), {c.published} articles published meanwhile")
    print(f"  articles missing from the store: {c.missing}   posts never sent: "
          f"{c.never_sent}   duplicated: {c.duplicated}   archive posts sent: "
          f"{c.archive_posted}   feed files invalid: {c.invalid}   temporary files left: "
          f"{c.temporaries}")
    told = f"yes: {c.alerts}×" if c.alerts else "no (nothing for the operator to do)"
    return Row(f"process: SIGKILL at random moments during a check ({c.kills} kills over "
               f"{rounds} installations, {c.in_first_pass} in a first pass)",
               c.missing + c.never_sent, c.duplicated, c.invalid, told,
               "none (a post is queued in its article's own transaction)",
               f"{c.published} articles published during the kills; archive posts sent: "
               f"{c.archive_posted}; temporary files left: {c.temporaries}",
               time.monotonic() - started, stray=c.archive_posted, leftovers=c.temporaries)


# ---- 3. SIGKILL during delivery ---------------------------------------------------------------


def article(n: int, lang: str) -> Article:
    return Article(
        key=f"https://alqst.org/{lang}/post/{n}", url=f"https://alqst.org/{lang}/post/{n}",
        source="alqst", lang=lang, title=f"Post {n}", body_html="<p>b</p>", body_text="b",
        summary=f"Summary of post {n}. It has two sentences.",
        published=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n))


def delivery_config(workdir: Path, site_url: str, telegram_url: str) -> Config:
    config = fault_config(site_url, workdir, telegram_url)
    return replace(config, telegram=replace(
        config.telegram, flood_limit=100_000, per_chat_per_minute=DELIVERY_RATE_PER_MINUTE,
        overall_per_second=30))


def deliver_child(workdir: str, site_url: str, telegram_url: str) -> None:
    """Run in a child process: drain the outbox until killed (or done)."""
    logging.basicConfig(level=logging.ERROR)
    parts = build_parts(delivery_config(Path(workdir), site_url, telegram_url))
    print(f"in_doubt {len(parts.outbox.in_doubt())}", flush=True)

    async def run() -> None:
        async with TelegramSender(TOKEN, telegram_url) as sender:
            await make_delivery(parts, sender).drain()

    asyncio.run(run())
    print("done", flush=True)


def delivery_kills(kills: int, posts: int, rng: random.Random) -> Row:
    started = time.monotonic()
    site_url = "https://alqst.org"
    with tempfile.TemporaryDirectory() as tmp, \
            FakeTelegram(TOKEN, chats=[EN, AR, OPS], rate=(20, 1.0)) as fake:
        workdir = Path(tmp)
        config = delivery_config(workdir, site_url, fake.url)
        parts = build_parts(config)
        for lang in ("en", "ar"):
            hook = parts.intake.begin("alqst", lang, first_run=False)
            for n in range(1, posts // 2 + 1):
                parts.store.upsert(article(n, lang), datetime.now(UTC), on_stored=hook)
            parts.intake.end("alqst", lang)
        parts.engine.dispose()
        args = (str(workdir), site_url, fake.url)
        done = in_doubt = 0
        while done < kills:
            proc, first = spawn("--deliver-child", *args)
            in_doubt += int(first.split()[1])
            time.sleep(rng.uniform(0.0, 0.4))
            if kill(proc):
                done += 1
            else:
                break  # the queue ran dry before the kill: no more to interrupt
        time.sleep(0.2)  # a request the last victim left in flight lands on the server
        final = subprocess.run([sys.executable, __file__, "--deliver-child", *args],
                               capture_output=True, text=True, cwd=ROOT, timeout=600)
        doubts = [int(line.split()[1]) for line in final.stdout.splitlines()
                  if line.startswith("in_doubt")]
        in_doubt += sum(doubts)
        per_post = Counter((m.chat, m.text.split("\n")[0]) for m in fake.sent()
                           if m.chat in (EN, AR))
        parts = build_parts(config)
        unsent = [i for i in parts.outbox.items() if i.status is not Status.SENT]
        parts.engine.dispose()
        alerts = len(fake.sent(OPS))
    expected = {(chat, f"Post {n}") for chat in (EN, AR) for n in range(1, posts // 2 + 1)}
    lost = len(expected - set(per_post))
    duplicated = sum(count - 1 for count in per_post.values() if count > 1)
    print(f"  {done} SIGKILLs during delivery of {posts} posts; lost: {lost}   duplicated: "
          f"{duplicated}   posts found in doubt at a restart: {in_doubt}   rows left unsent: "
          f"{len(unsent)}   429s: {fake.rate_limited}")
    told = f"yes: {alerts}×" if alerts else "no (in-doubt posts are logged at restart)"
    return Row(f"process: SIGKILL at random moments during delivery ({done} kills, "
               f"{posts} posts)", lost + len(unsent), duplicated, None, told, WINDOW_CRASH,
               f"{in_doubt} posts in doubt at restarts (each resent), "
               f"{fake.rate_limited} 429s", time.monotonic() - started, allowed=in_doubt)


# ---- 4. a full disk -----------------------------------------------------------------------------


def full_disk() -> Row:
    """The service with its output directory on a full tmpfs (as root), else publishing
    under RLIMIT_FSIZE in a child process (no service: the operator column says so)."""
    if can_mount_tmpfs():
        print("  method: a tmpfs mounted on the output directory, filled", flush=True)
        return scenario_row(DISK_FULL)
    if not can_limit_file_size():
        return Row("disk: full while writing the feeds (not run: no tmpfs, no RLIMIT_FSIZE)",
                   0, 0, 0, "-", "-", "-", 0.0)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        result = file_size_limit_trial(Path(tmp))
    print(f"  method: RLIMIT_FSIZE of 2 KB in a child process (no tmpfs here); error: "
          f"{result.error}; previous feeds intact: {result.intact}; problems: "
          f"{result.problems}; publishing works again: {result.recovered}")
    return Row("disk: a file size limit while writing the feeds (RLIMIT_FSIZE fallback, "
               "publishing only)", 0, 0, len(result.problems) + (not result.intact),
               "not measured (no service in this fallback)", "none", f'"{result.error}"',
               time.monotonic() - started)


# ---- the report -----------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = ["| fault | lost | duplicated | feeds invalid | operator told | duplicate window "
             "| fault seen | s |", "|---|---:|---:|---:|---|---|---|---:|"]
    lines += [f"| {r.fault} | {r.lost} | {r.duplicated} | "
              f"{'n/a' if r.feeds_invalid is None else r.feeds_invalid} | {r.told} | "
              f"{r.window} | {r.seen} | {r.seconds:.1f} |" for r in rows]
    return "\n".join(lines)


def write_docs(rows: list[Row], command: str, seconds: float) -> None:
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(f"""# Faults: what is lost, what is duplicated, who is told

Produced by `{command}` ({seconds:.0f} s, {datetime.now(UTC):%Y-%m-%d}). The source and
Telegram rows and the full disk are also `tests/test_faults.py`, which asserts them.

- **lost**: articles on the site missing from the store or (for the scenarios) from
  their language's RSS feed at the end, plus posts never sent.
- **duplicated**: Telegram messages beyond one per article per channel.
- **feeds invalid**: feed files that failed strict XML parsing (lxml), feedparser
  (`bozo`) or JSON Feed parsing, each new version checked after every run (after every
  kill in the check trial; the delivery trial writes no feeds).
- **operator told**: messages in the operator chat (`telegram.operator_chat`); "1×,
  all-clear 1×" means one alert and one all-clear however long the fault lasted.
- **duplicate window**: which window documented in `bot/delivery.py` allows a duplicate:
  1. a crash between Telegram's acceptance and the commit of `mark_sent`; 2. a timeout
  on a request Telegram did carry out (the answer was lost); 3. power loss after the
  commit (not simulated here). The bench fails if a duplicate falls outside them: in the
  delivery trial every duplicate must be a post found "in doubt" (flagged in flight) at
  a restart.
- **fault seen**: evidence that the fault happened (failed fetches and runs, error
  answers of the fake Bot API, failed sends).

How: the replica site (`feeds.replica`) and the fake Bot API (`tests/fakes/telegram.py`)
run in the bench process; the bot is the real wiring (`Service.run_source` for runs and
feeds, `make_delivery(...).drain()`). Time is simulated: "down for a whole day" is 48
runs at 30-minute intervals on a clock that skips ahead; "unreachable for an hour" is a
relay in front of the fake Bot API that refuses connections for an hour of that clock.
The kill trials run the bot in a child process and SIGKILL it at random moments; the
check trial uses five fresh installations so that first passes (baseline) are
interrupted too, and counts archive posts sent (a baseline turned into posts) and
temporary files left by interrupted writes: both must be 0. The full disk is a tmpfs
mounted on the output directory and filled (as root); where mounting is impossible the
bench falls back to RLIMIT_FSIZE in a child process and says so in the row.

{table(rows)}
""", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs per kill trial")
    parser.add_argument("--posts", type=int, default=600, help="posts in the delivery trial")
    parser.add_argument("--seed", type=int, default=20240215)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/faults.md")
    parser.add_argument("--check-child", nargs=3, metavar=("DIR", "SITE", "API"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--deliver-child", nargs=3, metavar=("DIR", "SITE", "API"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check_child:
        workdir, site_url, api_url = args.check_child
        check_child(workdir, site_url, api_url, once=args.once)
        return
    if args.deliver_child:
        deliver_child(*args.deliver_child)
        return
    os.environ["PTB_TIMEDELTA"] = "true"
    # The faults make the bot log (tracebacks included, for the full disk); the table
    # is the report.
    logging.basicConfig(level=logging.CRITICAL)
    started = time.monotonic()
    rng = random.Random(args.seed)
    print("1. faults of the source and of Telegram (simulated time)", flush=True)
    rows = [scenario_row(scenario) for scenario in SCENARIOS]
    print(f"2. {args.kills} SIGKILLs at random moments during a check", flush=True)
    rows.append(check_kills(args.kills, rng))
    print(f"3. {args.kills} SIGKILLs at random moments during delivery", flush=True)
    rows.append(delivery_kills(args.kills, args.posts, rng))
    print("4. a full disk while writing feeds", flush=True)
    rows.append(full_disk())
    seconds = time.monotonic() - started
    print()
    print(table(rows))
    command = ".venv/bin/python bench/faults.py" + (
        f" --kills {args.kills}" if args.kills != 50 else "") + (
        f" --seed {args.seed}" if args.seed != 20240215 else "")
    if not args.no_docs:
        write_docs(rows, command, seconds)
        print(f"\nwritten to {DOCS.relative_to(ROOT)} ({seconds:.0f} s)")
    if any(r.lost or r.feeds_invalid or r.stray or r.leftovers for r in rows):
        raise SystemExit("posts lost, archive posted, feeds invalid or temporaries left")
    if any(r.duplicated > r.allowed for r in rows):
        raise SystemExit("duplicates outside the documented window")


if __name__ == "__main__":
    main()
