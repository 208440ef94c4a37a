"""The `feedbot` command line: parse arguments, call the app, turn errors into exit codes.

Exit codes: 0 ok, 1 the job ran but something failed, 2 the configuration is unusable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.app import check_sources, configure_logging, open_store, print_reports, utc_now
from bot.config import Config, ConfigError, load_config

DEFAULT_CONFIG = Path("config.toml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbot", description="News bot: site -> RSS/Atom feeds and Telegram posts.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("demo", help="run against the bundled replica site (no configuration needed)")

    check = sub.add_parser("check", help="one pass over every source; prints a summary")
    check.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    check.add_argument("--source", action="append", help="only this source (repeatable)")

    preview = sub.add_parser("preview", help="print one article as the bot understands it")
    preview.add_argument("url")
    preview.add_argument("--config", type=Path, default=None)
    preview.add_argument("--source", help="use this source's selectors (default: by host)")

    cfg = sub.add_parser("config", help="configuration commands")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    cfg_check = cfg_sub.add_parser("check", help="validate the configuration file")
    cfg_check.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo()
        if args.command == "config":
            config = load_config(args.config)
            print(f"{args.config}: ok ({len(config.sources)} source(s): "
                  f"{', '.join(s.name for s in config.sources)})")
            return 0
        if args.command == "check":
            return _check(load_config(args.config), args.source)
        if args.command == "preview":
            from bot.preview import run_preview

            return run_preview(args.url, load_config(args.config) if args.config else None,
                               args.source)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


def _check(config: Config, names: list[str] | None) -> int:
    unknown = [n for n in names or [] if n not in {s.name for s in config.sources}]
    if unknown:
        raise ConfigError(f"--source: no source named {unknown[0]!r} in {config.path}")
    store = open_store(config)
    started = utc_now()
    reports = asyncio.run(check_sources(config, store, names=names))
    print_reports(reports)
    seconds = (utc_now() - started).total_seconds()
    print(f"done in {seconds:.1f} s; {store.count()} articles in {config.database}")
    return 1 if any(r.failures or r.warnings for r in reports) else 0
