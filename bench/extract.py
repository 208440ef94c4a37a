"""Extraction throughput: our extractor vs `trafilatura.extract` alone, same pages, same run.

Fetches every article page of a replica with a 200-article archive once, then times both.
Run: .venv/bin/python bench/extract.py [--archive 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

import httpx
import trafilatura
from _common import ReplicaProcess

from feeds.extract import extract_articles
from feeds.listing import parse_listing
from feeds.sources import DEFAULT_LINK_PATTERN, Listing, SourceSettings


async def collect_pages(base_url: str) -> list[tuple[str, str]]:
    urls: list[str] = []
    async with httpx.AsyncClient() as client:
        for lang in ("en", "ar"):
            for page in range(1, 1000):
                response = await client.get(f"{base_url}/{lang}/posts?page={page}")
                links = parse_listing(response.text, str(response.url), link_selector="a[href]",
                                      link_pattern=DEFAULT_LINK_PATTERN,
                                      allowed_hosts=frozenset({"127.0.0.1"})).links
                if not links:
                    break
                urls.extend(links)
        pages = []
        for url in dict.fromkeys(urls):
            response = await client.get(url)
            pages.append((url, response.text))
    return pages


def rate(fn, pages, rounds: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for url, html in pages:
            fn(url, html)
        best = min(best, time.perf_counter() - started)
    return len(pages) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with ReplicaProcess(args.archive) as base_url:
        pages = asyncio.run(collect_pages(base_url))
        source = SourceSettings(name="alqst", title="ALQST", url=base_url + "/",
                                listings=(Listing("en", base_url + "/en/posts?page={page}"),))
    now = datetime.now(UTC)
    ours = rate(lambda url, html: extract_articles(html, url, source, now=now), pages,
                args.rounds)
    theirs = rate(lambda url, html: trafilatura.extract(html, url=url), pages, args.rounds)
    print(f"pages: {len(pages)} (best of {args.rounds} rounds)")
    print(f"feeds.extract.extract_articles: {ours:8.1f} pages/s")
    print(f"trafilatura.extract:            {theirs:8.1f} pages/s")
    print(f"ratio: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
