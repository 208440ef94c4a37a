"""`feedbot demo`: the embedded default, runnable with nothing configured.

Starts the bundled replica of the ALQST site on 127.0.0.1, uses a fresh SQLite file and
runs the bot against it, printing what happened.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.app import check_sources, open_store, print_reports
from bot.config import Config, parse_config
from feeds.replica import ReplicaSite


def demo_config(site_url: str, workdir: Path) -> Config:
    """The configuration the demo runs with: config.toml's shape, pointed at the replica."""
    data = {
        "organisation": "ALQST for Human Rights (replica)",
        "timezone": "Europe/London",
        "database": "demo.sqlite",
        "fetch": {"per_host_delay_seconds": 0, "per_host_concurrency": 4, "retries": 1,
                  "backoff_seconds": 0.2, "timeout_seconds": 5},
        "sources": [{
            "name": "alqst",
            "title": "ALQST for Human Rights",
            "url": site_url + "/",
            "listings": {
                "en": site_url + "/en/posts?page={page}",
                "ar": site_url + "/ar/posts?page={page}",
            },
            "categories": ["Saudi Arabia"],
            "schedule": "every 30m",
        }],
        "feeds": {"output_dir": "public", "listen": "127.0.0.1:0"},
        "telegram": {"channels": {"ar": "@alqst_ar", "en": "@alqst_en"}},
    }
    return parse_config(data, workdir)


def run_demo(out: Callable[[str], None] = print, workdir: Path | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="feedbot-demo-") as tmp:
        return _run(out, workdir or Path(tmp))


def _run(out: Callable[[str], None], workdir: Path) -> int:
    with ReplicaSite() as site:
        out(f"replica site: {site.base_url}/en/posts?page=1  and  {site.base_url}/ar/posts?page=1")
        config = demo_config(site.base_url, workdir)
        store = open_store(config)
        out(f"database: {config.database}")
        out("pass 1 (first run: everything on the site is recorded as seen)")
        reports = asyncio.run(check_sources(config, store))
        print_reports(reports, out)
        failed = any(r.failures for r in reports)
        out(f"{store.count()} articles stored")
    return 1 if failed else 0
