"""The `feedbot` command line: parse arguments, call the app, turn errors into exit codes.

Exit codes: 0 ok, 1 the job ran but something failed, 2 the configuration is unusable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from bot.app import build_parts, check_sources, configure_logging, print_reports, utc_now
from bot.config import Config, ConfigError, check_runtime, load_config
from bot.writer_lock import DatabaseBusy, hold_database
from feeds.schema import SchemaError
from feeds.store import open_engine

DEFAULT_CONFIG = Path("config.toml")

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbot", description="News bot: site -> RSS/Atom feeds and Telegram posts.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run against the bundled replica site (no configuration)")
    demo.add_argument("--serve", action="store_true",
                      help="keep the replica and the feed server running until Ctrl-C")
    demo.add_argument("--channel", help="send the posts to this chat (needs the token in "
                      "FEEDBOT_TELEGRAM_TOKEN); default: print them")
    demo.add_argument("--api-base-url", default="https://api.telegram.org",
                      help="Bot API server for --channel")

    run = sub.add_parser("run", help="the service: scheduler, Telegram delivery, feed server")
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    run.add_argument("--dry-run", action="store_true",
                     help="print posts instead of sending them (no token needed)")
    run.add_argument("--upgrade", action="store_true",
                     help="upgrade the database's schema first if it needs it")

    status = sub.add_parser("status", help="last and next runs, queued posts, problems")
    status.add_argument("--config", type=Path, default=DEFAULT_CONFIG)

    check = sub.add_parser("check", help="one pass over every source; prints a summary")
    check.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    check.add_argument("--source", action="append", help="only this source (repeatable)")

    health = sub.add_parser("healthcheck", help="ask the running service's /healthz; exit 0 "
                            "when ok or degraded, 1 when unhealthy or unreachable")
    health.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="the service's config: /healthz is asked at its feeds.listen")
    health.add_argument("--url", help="ask this URL instead (the config is then not read)")
    health.add_argument("--timeout", type=float, default=5.0, metavar="S",
                        help="seconds to wait for the answer (default 5)")

    preview = sub.add_parser("preview", help="print one article as the bot understands it")
    preview.add_argument("url")
    preview.add_argument("--config", type=Path, default=None)
    preview.add_argument("--source", help="use this source's selectors (default: by host)")
    preview.add_argument("--listing", action="store_true",
                         help="URL is a listing page: print the article links it yields (with "
                         "their teasers' dates), the links left out and why, and the next page")

    disc = sub.add_parser("discover", help="find a site's listings, pagination and selectors; "
                          "print a [[sources]] block")
    disc.add_argument("url", help="the site's home page, or any page of it")
    disc.add_argument("--name", help="the source's name (default: from the host)")
    disc.add_argument("--write", type=Path, metavar="FILE",
                      help="append the block to FILE (created if missing; refused if FILE "
                      "already has a source of that name)")
    disc.add_argument("--max-fetches", type=int, default=40, metavar="N",
                      help="fetch at most N pages (default 40)")

    db = sub.add_parser("db", help="the database's schema: current revision, upgrade")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_current = db_sub.add_parser(
        "current", help="print the schema revision and head (exit 1: upgrade needed)")
    db_current.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    db_upgrade = db_sub.add_parser("upgrade", help="bring the schema to head (stop `run` first)")
    db_upgrade.add_argument("--config", type=Path, default=DEFAULT_CONFIG)

    followers = sub.add_parser("followers", help="people following names in private chats")
    followers_sub = followers.add_subparsers(dest="followers_command", required=True)
    followers_export = followers_sub.add_parser(
        "export", help="print every follower (chat id, language, names) as JSON")
    followers_export.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    followers_purge = followers_sub.add_parser(
        "purge", help="delete a follower (or all) with their queued alerts")
    followers_purge.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    which = followers_purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--chat", type=int, metavar="ID", help="the follower's chat id")
    which.add_argument("--all", action="store_true", help="every follower")

    cfg = sub.add_parser("config", help="configuration commands")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    cfg_check = cfg_sub.add_parser("check", help="validate the configuration file")
    cfg_check.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Set once, here: the service logs a line per run at INFO, the one-shot commands print
    # their results and log only problems; -v is DEBUG for all (the HTTP libraries excepted).
    quiet = logging.INFO if args.command == "run" else logging.WARNING
    configure_logging(logging.DEBUG if args.verbose else quiet)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(serve=args.serve, channel=args.channel,
                            api_base_url=args.api_base_url, environ=os.environ)
        if args.command == "run":
            return _run(_load_and_warn(args.config), args.dry_run, args.upgrade)
        if args.command == "status":
            from bot.status import print_status

            return print_status(load_config(args.config, os.environ))
        if args.command == "config":
            config = load_config(args.config, os.environ)
            for warning in config.warnings:
                print(f"warning: {warning}")
            print(f"{args.config}: ok ({len(config.sources)} source(s): "
                  f"{', '.join(s.name for s in config.sources)})")
            return 0
        if args.command == "db":
            from bot.db import db_current, db_upgrade

            config = load_config(args.config)
            return db_current(config) if args.db_command == "current" else db_upgrade(config)
        if args.command == "followers":
            from bot.follower_admin import export_followers, purge_followers

            config = load_config(args.config, os.environ)
            if args.followers_command == "export":
                return export_followers(config)
            return purge_followers(config, chat=args.chat, everyone=args.all)
        if args.command == "check":
            return _check(_load_and_warn(args.config), args.source)
        if args.command == "healthcheck":
            return _healthcheck(args.config, args.url, args.timeout)
        if args.command == "discover":
            from bot.discover import run_discover
            from feeds.sources import FetchSettings

            return run_discover(args.url, FetchSettings(), name=args.name, write=args.write,
                                page_budget=args.max_fetches)
        if args.command == "preview":
            from bot.preview import run_preview

            return run_preview(args.url,
                               load_config(args.config, os.environ) if args.config else None,
                               args.source, listing=args.listing)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except (DatabaseBusy, SchemaError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _load_and_warn(path: Path) -> Config:
    """The config for a command that works with it: its warnings logged once, at start."""
    config = load_config(path, os.environ)
    for warning in config.warnings:
        log.warning("config: %s", warning)
    return config


def _healthcheck(config_path: Path, url: str | None, timeout: float) -> int:
    from bot.healthcheck import ask_health, healthz_url

    health = ask_health(url or healthz_url(load_config(config_path)), timeout)
    print(health.line)
    return 0 if health.healthy else 1


def _run(config: Config, dry_run: bool, upgrade: bool) -> int:
    from bot.service import Service

    check_runtime(config, os.environ, dry_run=dry_run)
    environ = {} if dry_run else dict(os.environ)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await Service(config, environ).run(stop)

    # Taken before the database is opened: a second instance touches nothing.
    with hold_database(config.database_file, "feedbot run"):
        # Before anything starts: a database below head is refused (or upgraded) here.
        open_engine(config.database, allow_upgrade=upgrade).dispose()
        return asyncio.run(main())


def _check(config: Config, names: list[str] | None) -> int:
    unknown = [n for n in names or [] if n not in {s.name for s in config.sources}]
    if unknown:
        raise ConfigError(f"--source: no source named {unknown[0]!r} in {config.path}")
    with hold_database(config.database_file, "feedbot check"):
        parts = build_parts(config)
        started = utc_now()
        # Posts for what this pass finds are queued (and sent by `feedbot run`): an article
        # a manual check stored without its post would never be posted.
        reports = asyncio.run(check_sources(config, parts.store, names=names,
                                            observer=parts.intake))
        print_reports(reports)
        seconds = (utc_now() - started).total_seconds()
        queued = parts.outbox.pending_count()
        print(f"done in {seconds:.1f} s; {parts.store.count()} articles in "
              f"{config.database_display}"
              + (f"; {queued} post(s) queued for Telegram (sent by feedbot run)"
                 if queued else ""))
    return 1 if any(r.failures or r.warnings for r in reports) else 0
