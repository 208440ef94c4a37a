"""`feedbot demo`: the embedded default, runnable with nothing configured.

Starts the bundled replica of the ALQST site on 127.0.0.1, a fresh SQLite file and the
feed server; runs a first pass (baseline: nothing is posted); the replica then publishes
a new article and a campaign call in each language, and a second pass posts them
(printed, or sent with `--channel` and a token) and updates the feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.app import (
    Parts,
    build_parts,
    check_sources,
    make_delivery,
    make_sender,
    print_reports,
    publish,
)
from bot.config import Config, parse_config
from feeds.publish import PublishResult
from feeds.replica import ReplicaSite
from feeds.serve import FeedServer


def demo_config(site_url: str, workdir: Path, *, channel: str | None = None,
                api_base_url: str = "https://api.telegram.org",
                feed_url: str = "http://127.0.0.1:8080/") -> Config:
    """The configuration the demo runs with: config.toml's shape, pointed at the replica."""
    telegram: dict[str, object] = {"api_base_url": api_base_url}
    if channel:
        telegram["channel"] = channel
    else:  # printed posts need no pacing; a real channel keeps Telegram's 20 a minute
        telegram.update(channels={"ar": "@alqst_ar", "en": "@alqst_en"},
                        per_chat_per_minute=6000, overall_per_second=1000)
    data = {
        "organisation": {"en": "ALQST for Human Rights (replica)",
                         "ar": "القسط لحقوق الإنسان (نسخة تجريبية)"},
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
        "feeds": {"output_dir": "public", "base_url": feed_url, "listen": "127.0.0.1:0"},
        "telegram": telegram,
    }
    return parse_config(data, workdir)


def publish_demo_posts(site: ReplicaSite) -> None:
    """What the organisation publishes between the two passes."""
    news = site.publish(
        lang="en", title="Saudi Arabia: women's rights defender sentenced after secret trial",
        paragraphs=["A Saudi women's rights defender has been sentenced to 11 years in prison "
                    "after a secret trial before the Specialized Criminal Court. ALQST calls "
                    "for her immediate release.",
                    "Her family was not allowed to attend the hearing."], image=True)
    site.publish(
        lang="ar", title="السعودية: الحكم على مدافعة عن حقوق المرأة بعد محاكمة سرية",
        paragraphs=["صدر حكم بسجن مدافعة سعودية عن حقوق المرأة 11 عاماً بعد محاكمة سرية أمام "
                    "المحكمة الجزائية المتخصصة. وتطالب القسط بالإفراج الفوري عنها.",
                    "ولم يُسمح لعائلتها بحضور الجلسة."], translation_of=news.id)
    site.publish(
        lang="en", kind="campaign", title="Take action: free the detained Hajj pilgrims",
        paragraphs=["Four pilgrims have been held without charge since performing Hajj. "
                    "Sign the petition and tweet at the Saudi authorities to demand their "
                    "release."],
        actions=[("Sign the petition", "https://www.change.org/p/free-the-hajj-pilgrims"),
                 ("Tweet at the authorities",
                  "https://twitter.com/intent/tweet?text=Free%20the%20pilgrims")])
    site.publish(
        lang="ar", kind="campaign", title="تحرّكوا الآن: أطلقوا سراح الحجاج المعتقلين",
        paragraphs=["يُحتجز أربعة حجاج دون تهمة منذ أدائهم فريضة الحج. وقّعوا العريضة "
                    "وغرّدوا للمطالبة بالإفراج عنهم."],
        actions=[("وقّعوا العريضة", "https://www.change.org/p/free-the-hajj-pilgrims-ar")])


def run_demo(out: Callable[[str], None] = print, *, serve: bool = False,
             channel: str | None = None, api_base_url: str = "https://api.telegram.org",
             environ: Mapping[str, str] | None = None, workdir: Path | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="feedbot-demo-") as tmp:
        return _run(out, workdir or Path(tmp), serve=serve, channel=channel,
                    api_base_url=api_base_url, environ=dict(environ or {}))


def _run(out: Callable[[str], None], workdir: Path, *, serve: bool, channel: str | None,
         api_base_url: str, environ: dict[str, str]) -> int:
    with ReplicaSite() as site:
        (workdir / "public").mkdir(parents=True, exist_ok=True)
        server = FeedServer(workdir / "public", port=0)
        server.start()
        feeds_url = server.url.rstrip("/")
        try:
            config = demo_config(site.base_url, workdir, channel=channel,
                                 api_base_url=api_base_url, feed_url=feeds_url + "/")
            parts = build_parts(config)
            if channel and not config.token(environ):
                out(f"--channel needs the bot token in {config.telegram.token_env}; "
                    "printing the posts instead")
            environ = environ if channel else {}
            out(f"replica site:  {site.base_url}/en/posts?page=1  {site.base_url}/ar/posts?page=1")
            out(f"database:      {config.database_display}")
            out("")
            out("== pass 1: first run, everything on the site is recorded as seen, "
                "nothing is posted")
            failed = asyncio.run(_pass(config, parts, environ, out))
            out("")
            out("== the site publishes a news article and a campaign call in each language")
            publish_demo_posts(site)
            out("== pass 2: only the new articles are posted")
            failed |= asyncio.run(_pass(config, parts, environ, out))
            out("")
            out("feeds (served now by the built-in feed server):")
            out(f"  index:  {feeds_url}/")
            for lang in ("en", "ar"):
                for path in (f"{lang}/rss.xml", f"{lang}/atom.xml", f"{lang}/campaigns/atom.xml"):
                    out(f"  {feeds_url}/{path}")
            out(f"  OPML:   {feeds_url}/feeds.opml")
            out(f"pages to read: {feeds_url}/en/  {feeds_url}/ar/  {feeds_url}/ar/campaigns/")
            out(f"{parts.store.count()} articles stored; "
                f"{parts.outbox.status().sent} posts sent, "
                f"{parts.outbox.pending_count()} queued")
            if serve:
                out("serving until Ctrl-C ...")
                _wait_for_interrupt()
        finally:
            server.stop()
    return 1 if failed else 0


async def _pass(config: Config, parts: Parts, environ: dict[str, str],
                out: Callable[[str], None]) -> bool:
    reports = await check_sources(config, parts.store, observer=parts.intake)
    print_reports(reports, out)
    result: PublishResult = publish(config, parts.store)
    out(f"feeds: {len(result.written)} files written, {len(result.unchanged)} unchanged")
    async with make_sender(config, environ) as sender:
        summary = await make_delivery(parts, sender).drain()
    out(f"telegram: {summary.sent} sent, {summary.failed} failed, "
        f"{parts.outbox.pending_count()} still queued")
    return any(r.failures for r in reports) or bool(summary.failed)


def _wait_for_interrupt() -> None:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
