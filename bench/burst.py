"""Benchmark: a burst deeper than max_pages and a dead link, through the real wiring.

A burst of 50 articles published at once on a replica with 4 teasers a page and
max_pages = 5 (20 links), under three settings of the flood guard and max_new_per_pass;
counted after the passes and a full drain: articles missing from the store, posts missing
from the outbox, posts sent, posts held, operator alerts about the burst. Then a link
answering 404 for ever: on which pass it retired, fetches per pass, exit code of a pass.

Run: .venv/bin/python bench/burst.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

# bench/telegram.py must not shadow python-telegram-bot: the root, not this folder, on the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Config  # noqa: E402
from bot.outbox import Status  # noqa: E402
from tests.fault_scenarios import EN, OPS, Installation  # noqa: E402

BURST, PAGE_SIZE, MAX_PAGES = 50, 4, 5


def tuned(max_new_per_pass: int, flood_limit: int) -> Callable[[Config], Config]:
    def tune(config: Config) -> Config:
        source = config.sources[0]
        source = dataclasses.replace(source, max_new_per_pass=max_new_per_pass, listings=tuple(
            dataclasses.replace(listing, max_pages=MAX_PAGES) for listing in source.listings))
        return dataclasses.replace(config, sources=(source,), telegram=dataclasses.replace(
            config.telegram, flood_limit=flood_limit))
    return tune


async def burst(workdir: Path, max_new_per_pass: int, flood_limit: int) -> str:
    async with Installation(workdir, page_size=PAGE_SIZE,
                            tune=tuned(max_new_per_pass, flood_limit)) as bot:
        await bot.run_pass()
        await bot.drain()
        posts = [bot.publish("en") for _ in range(BURST)]
        for _ in range(3):
            await bot.next_run()
        await bot.settle()
        rows = {r.article_key: r for r in bot.parts.outbox.items() if r.chat == EN}
        missing_store = sum(1 for p in posts if bot.parts.store.get(p.url) is None)
        missing_outbox = sum(1 for p in posts if p.url not in rows)
        sent = sum(1 for p in posts if p.url in rows and rows[p.url].status is Status.SENT)
        held = sum(1 for p in posts if p.url in rows and rows[p.url].status is Status.HELD)
        told = sum(1 for m in bot.fake.sent(OPS) if "burst" in m.text)
        return (f"| {max_new_per_pass} | {flood_limit} | {missing_store} | {missing_outbox} | "
                f"{sent} | {held} | {told} |")


async def dead_link(workdir: Path) -> list[str]:
    async with Installation(workdir, tune=tuned(30, 10)) as bot:
        await bot.run_pass()
        dead = bot.publish("ar")
        bot.published.remove(dead)
        bot.site.set_post_fault(dead.id, "404")
        lines = []
        for n in range(1, 6):
            bot.site.reset_requests()
            await bot.next_run()
            fetches = sum(1 for _, path, _ in bot.site.requests
                          if dead.url.endswith(path.split("?")[0]))
            page2 = sum(1 for _, path, _ in bot.site.requests if path == "/ar/posts?page=2")
            last = bot.parts.runs.last("alqst")
            lines.append(f"| {n} | {fetches} | {page2} | {last.outcome if last else '?'} | "
                         f"{len(bot.parts.store.gone_links('alqst'))} |")
        told = sum(1 for m in bot.fake.sent(OPS) if dead.url in m.text)
        lines.append(f"operator messages about the dead link: {told}")
        return lines


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"burst of {BURST}, {PAGE_SIZE} a page, max_pages = {MAX_PAGES}")
        print("| max_new_per_pass | flood_limit | not stored | not in outbox | sent | held "
              "| burst alerts |")
        for n, (max_new, flood) in enumerate([(30, 100), (50, 10), (30, 10)]):
            print(asyncio.run(burst(Path(tmp) / f"b{n}", max_new, flood)))
        print("\ndead link (404 for ever) on the ar listing, retire_dead_links_after = 3")
        print("| pass | fetches of it | ar page 2 read | run outcome | links gone |")
        for line in asyncio.run(dead_link(Path(tmp) / "dead")):
            print(line)


if __name__ == "__main__":
    main()
