"""Load and validate `config.toml` into typed settings; every error names the key at fault.

Nothing is read at import time. The environment is passed in so tests (and the token
check) never depend on the process environment.
"""

from __future__ import annotations

import math
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from bot.digest_schedule import DigestSchedule, parse_digest_schedule
from feeds.campaigns import ClassifierRules
from feeds.database import DatabaseURLError, check_url, display_url, is_url, sqlite_file, sqlite_url
from feeds.sources import DEFAULT_REMOVE, DEFAULT_SELECTORS, FetchSettings, Listing, SourceSettings


class ConfigError(Exception):
    """The configuration is unusable; the message names the key (`sources[0].listings.en`)."""


@dataclass(frozen=True)
class FeedSettings:
    output_dir: Path
    base_url: str  # public URL the feeds are served at, ending in "/"
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    max_items: int = 50
    title: str = ""
    # WebSub: the hub each feed names and that is told after each publish that changed a
    # feed; "" for none.
    websub_hub: str = ""


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    mode: str  # "hold" (wait for the morning) or "silent" (send without notification)


@dataclass(frozen=True)
class PrivateChats:
    """`[telegram.private]`: the bot answering people in private chats (/start, /follow).
    Off unless enabled: it stores who follows what, which an operator must decide to do."""

    enabled: bool = False
    max_followed: int = 20  # phrases one chat may follow
    commands_per_minute: int = 10  # per chat; more get one polite answer, then silence
    per_chat_per_minute: int = 60  # alerts and answers to one private chat (Telegram: ~1/s)
    poll_timeout: int = 30  # seconds a getUpdates long poll is held open
    # "polling" (getUpdates, one instance at a time) or "webhook": Telegram POSTs updates
    # to a secret path of the feed server, reached at feeds.base_url (bot/webhook.py).
    mode: str = "polling"


@dataclass(frozen=True)
class TelegramSettings:
    token_env: str = "FEEDBOT_TELEGRAM_TOKEN"
    api_base_url: str = "https://api.telegram.org"
    channels: dict[str, str] = field(default_factory=dict)  # lang -> chat; "*" for all
    operator_chat: str = ""
    send_photos: bool = False
    pin_campaigns: bool = False
    first_run_post_latest: int = 0
    flood_limit: int = 10
    per_chat_per_minute: int = 20
    overall_per_second: int = 30
    quiet_hours: QuietHours | None = None
    private: PrivateChats = field(default_factory=PrivateChats)

    def channel_for(self, lang: str) -> str | None:
        return self.channels.get(lang) or self.channels.get("*")


@dataclass(frozen=True)
class DigestSettings:
    """`[digest]`: when each language's digest is made; no schedule means no digest."""

    schedule: DigestSchedule | None = None
    languages: dict[str, DigestSchedule | None] = field(default_factory=dict)  # "off": None

    def schedule_for(self, lang: str) -> DigestSchedule | None:
        return self.languages.get(lang, self.schedule)


@dataclass(frozen=True)
class Config:
    path: Path | None
    timezone: str
    database: str  # a SQLAlchemy URL; `sqlite:////abs/feedbot.sqlite` for a file
    fetch: FetchSettings
    sources: tuple[SourceSettings, ...]
    feeds: FeedSettings
    telegram: TelegramSettings
    organisation: str = ""
    # The organisation's name per language (`organisation = { ar = "…", en = "…" }`): Arabic
    # posts and feeds are signed in Arabic. Empty when `organisation` is a plain string.
    organisation_names: Mapping[str, str] = field(default_factory=dict)
    # How long an instance's hold on a source lasts without renewal (bot/leases.py): after
    # this, another instance on the same database takes the source over.
    lease_seconds: float = 60.0
    digest: DigestSettings = field(default_factory=DigestSettings)
    # Accepted but probably not meant: one line each, naming the key. `config check` prints
    # them, `run` and `check` log them once at start.
    warnings: tuple[str, ...] = ()

    def token(self, environ: Mapping[str, str]) -> str | None:
        """The bot token from the environment, or None for a dry run."""
        return environ.get(self.telegram.token_env) or None

    @property
    def database_file(self) -> Path | None:
        """The SQLite file; None for a server database (PostgreSQL)."""
        return sqlite_file(self.database)

    @property
    def database_display(self) -> str:
        """The database as messages show it: the SQLite file, or the URL without its
        password."""
        return display_url(self.database)


# Settings that differ per host, read from the environment passed to `load_config`
# (never from os.environ here). An empty value counts as not set.
ENV_DATABASE = "FEEDBOT_DATABASE_URL"  # overrides database
ENV_LISTEN = "FEEDBOT_LISTEN"  # overrides feeds.listen
ENV_BASE_URL = "FEEDBOT_BASE_URL"  # overrides feeds.base_url


# ---- small typed readers -------------------------------------------------------------


def _take(table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any):
    if key not in table:
        return default
    value = table[key]
    # bool is an int in Python; never accept it where a number is wanted.
    if isinstance(value, bool) and kind is not bool and not (
        isinstance(kind, tuple) and bool in kind
    ):
        raise ConfigError(f"{where}{key}: expected {_kind_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}{key}: expected {_kind_name(kind)}, got {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _name(key: object) -> str:
    """A table key as an error message shows it: quoted when it is not a plain word, so the
    message stays one line whatever the file holds."""
    text = str(key)
    return text if re.fullmatch(r"[\w.@*-]+", text) else repr(text)


def _no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}{_name(key)}: unknown key (allowed here: {hint})")


def _positive(value: float, key: str) -> float:
    if not value > 0 or not math.isfinite(value):  # "not >": nan is refused too
        raise ConfigError(f"{key}: must be greater than 0, got {value}")
    return value


def _not_negative(value: float, key: str) -> float:
    if not value >= 0 or not math.isfinite(value):
        raise ConfigError(f"{key}: must be 0 or more, got {value}")
    return value


# A public @username (letters, digits, underscores; starting with a letter; 5-32 characters,
# 4 for the collectible ones sold on Fragment) or a numeric id (channels are -100...).
_CHAT = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,20}")


def _chat(value: object, key: str) -> str:
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, str | int) \
            or not _CHAT.fullmatch(text):
        got = repr(value) if isinstance(value, str | int) else type(value).__name__
        raise ConfigError(f"{key}: expected a chat like '@alqst_en' or a numeric id like "
                          f"-1001234567890, got {got}")
    return text


def _url(value: str, key: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value) or not value.isprintable() or " " in value:
        raise ConfigError(f"{key}: expected an http(s) URL, got {value!r}")
    try:
        urlsplit(value).port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise ConfigError(f"{key}: not a valid URL ({exc}): {value!r}") from None
    return value


def _selector(value: str, key: str, *, each: bool = False) -> str:
    """A CSS selector the parser accepts: a typo is named by `config check`, not found by
    the first pass. With `each`, a comma list whose parts are tried one by one (as
    extraction does; an empty list selects nothing)."""
    probe = LexborHTMLParser("<p></p>")
    parts = [p.strip() for p in value.split(",") if p.strip()] if each else [value]
    for part in parts:
        try:
            probe.css(part)
        except SelectolaxError:
            raise ConfigError(f"{key}: not a valid CSS selector: {part!r}") from None
    return value


def _clock(value: str, key: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{key}: expected a time like 22:00, got {value!r}") from None


def _check_schedule(value: str, key: str, tz: str) -> str:
    from bot.schedule import parse_schedule

    try:
        parse_schedule(value, tz)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None
    return value


# ---- sections ---------------------------------------------------------------------


def _fetch(table: dict[str, Any]) -> FetchSettings:
    w = "fetch."
    d = FetchSettings()
    _no_unknown(table, set(FetchSettings.__dataclass_fields__), w)
    return FetchSettings(
        timeout_seconds=_positive(
            float(_take(table, "timeout_seconds", w, (int, float), d.timeout_seconds)),
            w + "timeout_seconds"),
        max_bytes=int(_positive(_take(table, "max_bytes", w, int, d.max_bytes), w + "max_bytes")),
        per_host_concurrency=int(_positive(
            _take(table, "per_host_concurrency", w, int, d.per_host_concurrency),
            w + "per_host_concurrency")),
        per_host_delay_seconds=_not_negative(float(
            _take(table, "per_host_delay_seconds", w, (int, float), d.per_host_delay_seconds)),
            w + "per_host_delay_seconds"),
        retries=int(_not_negative(_take(table, "retries", w, int, d.retries), w + "retries")),
        backoff_seconds=_not_negative(float(
            _take(table, "backoff_seconds", w, (int, float), d.backoff_seconds)),
            w + "backoff_seconds"),
        max_retry_after_seconds=_not_negative(float(
            _take(table, "max_retry_after_seconds", w, (int, float), d.max_retry_after_seconds)),
            w + "max_retry_after_seconds"),
        max_redirects=int(_not_negative(_take(table, "max_redirects", w, int, d.max_redirects),
                                        w + "max_redirects")),
        contact_url=_url(_take(table, "contact_url", w, str, d.contact_url), w + "contact_url"),
        max_concurrent_sources=int(_positive(
            _take(table, "max_concurrent_sources", w, int, d.max_concurrent_sources),
            w + "max_concurrent_sources")),
    )


_SOURCE_KEYS = {
    "name", "title", "url", "listings", "feeds", "link_selector", "link_pattern", "selectors",
    "remove", "extra_hosts", "categories", "schedule", "max_pages", "max_new_per_pass",
    "classifier", "retire_dead_links_after", "recheck_every",
}
_LISTING_KEYS = {"url", "first_page", "max_pages", "paging"}
_NEXT_LINK = "next-link"  # `paging`'s one value: the walk follows next links on purpose


def _listing(lang: str, value: Any, where: str, default_pages: int) -> Listing:
    if isinstance(value, str):
        return Listing(lang=lang, url=_url(value, where), max_pages=default_pages)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a URL or a table with url, first_page, max_pages")
    _no_unknown(value, _LISTING_KEYS, where + ".")
    if "url" not in value:
        raise ConfigError(f"{where}.url: missing")
    paging = _take(value, "paging", where + ".", str, "")
    if paging not in ("", _NEXT_LINK):
        raise ConfigError(f'{where}.paging: {paging!r} is not known; the one value is '
                          f'"{_NEXT_LINK}" (pages found by following next links)')
    if paging and "{page}" in str(value["url"]):
        raise ConfigError(f'{where}.paging: "{_NEXT_LINK}" is for a URL without {{page}}; '
                          "this one pages by its template")
    return Listing(
        paging=paging,
        lang=lang,
        url=_url(_take(value, "url", where + ".", str, ""), where + ".url"),
        first_page=int(_not_negative(_take(value, "first_page", where + ".", int, 1),
                                     where + ".first_page")),
        max_pages=int(_positive(_take(value, "max_pages", where + ".", int, default_pages),
                                where + ".max_pages")),
    )


def _source(table: Any, index: int, tz: str) -> SourceSettings:
    w = f"sources[{index}]."
    if not isinstance(table, dict):
        raise ConfigError(f"sources[{index}]: expected a table")
    _no_unknown(table, _SOURCE_KEYS, w)
    name = _take(table, "name", w, str, "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ConfigError(f"{w}name: expected a short lowercase name like 'alqst', got {name!r}")
    max_pages = int(_positive(_take(table, "max_pages", w, int, 5), w + "max_pages"))
    listings_table = _take(table, "listings", w, dict, {})
    feeds_table = _take(table, "feeds", w, dict, {})
    for lang in [*listings_table, *feeds_table]:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise ConfigError(f"{w}listings.{_name(lang)}: expected a language code like 'ar' "
                              "or 'en'")
    listings = tuple(
        _listing(lang, value, f"{w}listings.{lang}", max_pages)
        for lang, value in listings_table.items()
    )
    feed_urls = {lang: _url(str(u), f"{w}feeds.{lang}") for lang, u in feeds_table.items()}
    if not listings and not feed_urls:
        raise ConfigError(f"{w}listings: a source needs listing pages or feeds")
    selectors = dict(DEFAULT_SELECTORS)
    sel_table = _take(table, "selectors", w, dict, {})
    _no_unknown(sel_table, set(DEFAULT_SELECTORS), w + "selectors.")
    for key, value in sel_table.items():
        if not isinstance(value, str):
            raise ConfigError(f"{w}selectors.{key}: expected a CSS selector string")
        selectors[key] = _selector(value, f"{w}selectors.{key}", each=True)
    pattern = _take(table, "link_pattern", w, str, SourceSettings.link_pattern)
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:  # "a{99999999999}", "((((...))))"
        raise ConfigError(f"{w}link_pattern: not a valid regular expression ({exc})") from None
    remove = _str_list(table, "remove", w, list(DEFAULT_REMOVE))
    for i, selector in enumerate(remove):
        _selector(selector, f"{w}remove[{i}]")
    schedule = _check_schedule(_take(table, "schedule", w, str, "*/30 * * * *"), w + "schedule", tz)
    classifier = None
    if "classifier" in table:
        try:
            classifier = ClassifierRules.from_config(_take(table, "classifier", w, dict, {}))
        except ValueError as exc:
            raise ConfigError(f"{w}classifier: {exc}") from None
    return SourceSettings(
        name=name,
        title=_take(table, "title", w, str, name),
        url=_take(table, "url", w, str, ""),
        listings=listings,
        feed_urls=feed_urls,
        link_selector=_selector(_take(table, "link_selector", w, str, "a[href]"),
                                w + "link_selector"),
        link_pattern=pattern,
        selectors=selectors,
        remove=tuple(remove),
        extra_hosts=tuple(_str_list(table, "extra_hosts", w, [])),
        categories=tuple(_str_list(table, "categories", w, [])),
        schedule=schedule,
        max_new_per_pass=int(_positive(_take(table, "max_new_per_pass", w, int, 30),
                                       w + "max_new_per_pass")),
        retire_dead_links_after=int(_positive(
            _take(table, "retire_dead_links_after", w, int, 3), w + "retire_dead_links_after")),
        recheck_every=_duration(_take(table, "recheck_every", w, str, "1h"),
                                w + "recheck_every"),
        classifier=classifier,
    )


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: str, key: str) -> timedelta:
    """A span written like the schedule's intervals: "90s", "30m", "1h", "2d"."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", value)
    if match is None or int(match[1]) == 0:
        raise ConfigError(f"{key}: expected a duration greater than 0 like '30m', '1h' or "
                          f"'1d', got {value!r}")
    return timedelta(seconds=int(match[1]) * _DURATION_UNITS[match[2]])


def _str_list(table: dict[str, Any], key: str, where: str, default: list[str]) -> list[str]:
    value = _take(table, key, where, list, default)
    if not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}{key}: expected a list of strings")
    return list(value)


def _feeds(table: dict[str, Any], base_dir: Path, environ: Mapping[str, str]) -> FeedSettings:
    w = "feeds."
    _no_unknown(table, {"output_dir", "base_url", "listen", "max_items", "title",
                        "websub_hub"}, w)
    listen, listen_key = _take(table, "listen", w, str, "127.0.0.1:8080"), w + "listen"
    if environ.get(ENV_LISTEN):
        listen, listen_key = environ[ENV_LISTEN], ENV_LISTEN
    host, _, port = listen.rpartition(":")
    # isascii: "²" and "٨" are digits to str.isdigit but not to int().
    if not host or not (port.isascii() and port.isdigit()) or not 0 <= int(port) < 65536:
        raise ConfigError(f"{listen_key}: expected host:port like 127.0.0.1:8080, "
                          f"got {listen!r}")
    base_url, base_url_key = _take(table, "base_url", w, str, f"http://{listen}/"), w + "base_url"
    if environ.get(ENV_BASE_URL):
        base_url, base_url_key = environ[ENV_BASE_URL], ENV_BASE_URL
    _url(base_url, base_url_key)
    return FeedSettings(
        output_dir=base_dir / _take(table, "output_dir", w, str, "public"),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        listen_host=host,
        listen_port=int(port),
        max_items=int(_positive(_take(table, "max_items", w, int, 50), w + "max_items")),
        title=_take(table, "title", w, str, ""),
        websub_hub=_url(hub, w + "websub_hub") if (hub := _take(table, "websub_hub", w, str, ""))
        else "",
    )


_TELEGRAM_KEYS = {
    "token_env", "api_base_url", "channels", "channel", "operator_chat", "send_photos",
    "pin_campaigns", "first_run_post_latest", "flood_limit", "per_chat_per_minute",
    "overall_per_second", "quiet_hours", "private",
}


def _private(table: dict[str, Any]) -> PrivateChats:
    w = "telegram.private."
    _no_unknown(table, {"enabled", "max_followed", "commands_per_minute",
                        "per_chat_per_minute", "poll_timeout", "mode"}, w)

    def count(key: str, default: int) -> int:
        return int(_positive(_take(table, key, w, int, default), w + key))

    return PrivateChats(
        enabled=_take(table, "enabled", w, bool, False),
        max_followed=count("max_followed", 20),
        commands_per_minute=count("commands_per_minute", 10),
        per_chat_per_minute=count("per_chat_per_minute", 60),
        poll_timeout=count("poll_timeout", 30),
        mode=_private_mode(_take(table, "mode", w, str, "polling"), w + "mode"),
    )


def _private_mode(mode: str, where: str) -> str:
    if mode not in ("polling", "webhook"):
        raise ConfigError(f'{where}: expected "polling" or "webhook", got {mode!r}')
    return mode


def _telegram(table: dict[str, Any]) -> TelegramSettings:
    w = "telegram."
    _no_unknown(table, _TELEGRAM_KEYS, w)
    channels: dict[str, str] = {}
    for lang, chat in _take(table, "channels", w, dict, {}).items():
        channels[str(lang)] = _chat(chat, f"{w}channels.{_name(lang)}")
    if "channel" in table:
        if "*" in channels:  # one would silently win over the other
            raise ConfigError(f"{w}channel: the catch-all is also set as "
                              f"{w}channels.'*'; keep one of them")
        channels["*"] = _chat(_take(table, "channel", w, str, ""), w + "channel")
    operator_chat = _take(table, "operator_chat", w, (str, int), "")
    if operator_chat != "":  # empty: alerts are logged only
        operator_chat = _chat(operator_chat, w + "operator_chat")
    token_env = _take(table, "token_env", w, str, "FEEDBOT_TELEGRAM_TOKEN")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_env):
        raise ConfigError(f"{w}token_env: expected the NAME of an environment variable "
                          "(the token itself never goes in this file)")
    quiet = None
    if "quiet_hours" in table:
        q = _take(table, "quiet_hours", w, dict, {})
        qw = w + "quiet_hours."
        _no_unknown(q, {"start", "end", "mode"}, qw)
        mode = _take(q, "mode", qw, str, "hold")
        if mode not in ("hold", "silent"):
            raise ConfigError(f"{qw}mode: expected 'hold' or 'silent', got {mode!r}")
        quiet = QuietHours(
            start=_clock(_take(q, "start", qw, str, "22:00"), qw + "start"),
            end=_clock(_take(q, "end", qw, str, "07:00"), qw + "end"),
            mode=mode,
        )
    return TelegramSettings(
        token_env=token_env,
        api_base_url=_url(_take(table, "api_base_url", w, str, "https://api.telegram.org"),
                          w + "api_base_url").rstrip("/"),
        channels=channels,
        operator_chat=operator_chat,
        send_photos=_take(table, "send_photos", w, bool, False),
        pin_campaigns=_take(table, "pin_campaigns", w, bool, False),
        first_run_post_latest=int(_not_negative(
            _take(table, "first_run_post_latest", w, int, 0), w + "first_run_post_latest")),
        flood_limit=int(_positive(_take(table, "flood_limit", w, int, 10), w + "flood_limit")),
        per_chat_per_minute=int(_positive(
            _take(table, "per_chat_per_minute", w, int, 20), w + "per_chat_per_minute")),
        overall_per_second=int(_positive(
            _take(table, "overall_per_second", w, int, 30), w + "overall_per_second")),
        quiet_hours=quiet,
        private=_private(_take(table, "private", w, dict, {})),
    )


_TOP_KEYS = {"organisation", "timezone", "database", "lease_seconds", "fetch", "sources",
             "feeds", "telegram", "digest"}


def _organisation(data: dict[str, Any]) -> dict[str, Any]:
    """`organisation` as a plain name, or a table of names per language (`{ ar = …, en = … }`);
    the plain name is then the English one (else the first given)."""
    value = _take(data, "organisation", "", (str, dict), "")
    if isinstance(value, str):
        return {"organisation": value, "organisation_names": {}}
    names: dict[str, str] = {}
    for lang, name in value.items():
        if not re.fullmatch(r"[a-z]{2,3}", str(lang)):
            raise ConfigError(f"organisation.{_name(lang)}: expected a language code such as "
                              "'ar' or 'en'")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"organisation.{lang}: expected a non-empty string")
        names[lang] = name.strip()
    if not names:
        raise ConfigError("organisation: the table names no language (try { en = \"…\" })")
    return {"organisation": names.get("en") or next(iter(names.values())),
            "organisation_names": names}


def parse_config(data: dict[str, Any], base_dir: Path, path: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> Config:
    """Validate a parsed TOML document; relative paths are resolved against `base_dir`.
    `environ` holds the per-host overrides (FEEDBOT_DATABASE_URL, FEEDBOT_LISTEN,
    FEEDBOT_BASE_URL); none are read without it."""
    environ = environ or {}
    _no_unknown(data, _TOP_KEYS, "")
    tz = _take(data, "timezone", "", str, "UTC")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
        raise ConfigError(f"timezone: unknown time zone {tz!r} (try 'Europe/London')") from None
    sources_list = _take(data, "sources", "", list, [])
    if not sources_list:
        raise ConfigError("sources: at least one [[sources]] table is required")
    sources = tuple(_source(s, i, tz) for i, s in enumerate(sources_list))
    names = [s.name for s in sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(f"sources[{i}].name: {name!r} is used twice")
    database = _database(data, base_dir, environ)
    _check_listings(sources)
    feeds = _feeds(_take(data, "feeds", "", dict, {}), base_dir, environ)
    _check_listen(feeds, sources, ENV_LISTEN if environ.get(ENV_LISTEN) else "feeds.listen")
    telegram = _telegram(_take(data, "telegram", "", dict, {}))
    digest = _digest(_take(data, "digest", "", dict, {}))
    return Config(
        path=path,
        **_organisation(data),
        lease_seconds=_lease_seconds(data),
        timezone=tz,
        database=database,
        fetch=_fetch(_take(data, "fetch", "", dict, {})),
        sources=sources,
        feeds=feeds,
        telegram=telegram,
        digest=digest,
        warnings=(*_listing_warnings(sources), *_channel_warnings(sources, telegram),
                  *_quiet_warnings(telegram), *_digest_warnings(sources, digest)),
    )


# ---- [digest] ------------------------------------------------------------------------


def _digest_schedule(value: Any, key: str) -> DigestSchedule | None:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string like 'fri 17:00', got "
                          f"{type(value).__name__}")
    if value.strip().lower() == "off":
        return None
    try:
        return parse_digest_schedule(value)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _digest(table: dict[str, Any]) -> DigestSettings:
    w = "digest."
    _no_unknown(table, {"schedule", "languages"}, w)
    schedule = _digest_schedule(table["schedule"], w + "schedule") if "schedule" in table \
        else None
    languages: dict[str, DigestSchedule | None] = {}
    for lang, value in _take(table, "languages", w, dict, {}).items():
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise ConfigError(f"{w}languages.{_name(lang)}: expected a language code like 'ar'")
        languages[lang] = _digest_schedule(value, f"{w}languages.{lang}")
    return DigestSettings(schedule=schedule, languages=languages)


def _digest_warnings(sources: tuple[SourceSettings, ...],
                     digest: DigestSettings) -> list[str]:
    languages = {lang for source in sources for lang in source.languages}
    return [f"digest.languages.{lang}: no source has {lang!r} listings or feeds, so this "
            "schedule makes no digest" for lang in digest.languages if lang not in languages]


def _lease_seconds(data: dict[str, Any]) -> float:
    seconds = float(_take(data, "lease_seconds", "", (int, float), 60))
    # Renewed every quarter of it: below 2 s a busy event loop could miss a renewal.
    if not seconds >= 2 or not math.isfinite(seconds):
        raise ConfigError(f"lease_seconds: must be 2 or more, got {seconds:g}")
    return seconds


def _database(data: dict[str, Any], base_dir: Path, environ: Mapping[str, str]) -> str:
    """The database as a SQLAlchemy URL. A value with "://" is a URL, taken as given (its
    driver must be installed); anything else is a SQLite file relative to `base_dir`."""
    value, key = _take(data, "database", "", str, "feedbot.sqlite"), "database"
    if environ.get(ENV_DATABASE):
        value, key = environ[ENV_DATABASE], ENV_DATABASE
    if is_url(value):
        try:
            check_url(value)
        except DatabaseURLError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        return value
    if (base_dir / value).is_dir():
        raise ConfigError(f"{key}: {base_dir / value} is a directory; name the database "
                          "file, like 'data/feedbot.sqlite'")
    return sqlite_url(base_dir / value)


# ---- across sections: what each part accepts but the whole gets wrong -----------------


def _listing_keys(sources: tuple[SourceSettings, ...]) -> list[tuple[str, Listing]]:
    return [(f"sources[{i}].listings.{listing.lang}", listing)
            for i, source in enumerate(sources) for listing in source.listings]


def _check_listings(sources: tuple[SourceSettings, ...]) -> None:
    seen: dict[str, str] = {}
    for key, listing in _listing_keys(sources):
        if listing.url in seen:
            # Read twice per pass, every article is fetched for the first language and
            # "known" for the second, whose report and alerts then describe nothing real.
            raise ConfigError(f"{key}: the same URL as {seen[listing.url]}; give each "
                              "language its own listing page")
        seen[listing.url] = key


def _check_listen(feeds: FeedSettings, sources: tuple[SourceSettings, ...],
                  listen_key: str) -> None:
    loopback, anywhere = {"127.0.0.1", "localhost", "::1"}, {"0.0.0.0", "::", ""}
    listen = feeds.listen_host.lower().strip("[]")
    for key, listing in _listing_keys(sources):
        parts = urlsplit(listing.url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        same_host = host == listen or (host in loopback and listen in loopback | anywhere)
        if same_host and port == feeds.listen_port:
            raise ConfigError(f"{listen_key}: {feeds.listen_host}:{feeds.listen_port} is where "
                              f"{key} is read from; the bot would scrape its own feed server")


def _listing_warnings(sources: tuple[SourceSettings, ...]) -> list[str]:
    # Without {page}, the walk (feeds.check) follows the page's own "next" link
    # (feeds.listing: rel=next, .next, "Next"/"التالي"); without one it reads one page.
    # `paging = "next-link"` (discover writes it after seeing the link) says this is meant:
    # config check reads no pages, so it cannot see the link for itself.
    return [f"{key}: the URL has no {{page}}, so pages after the first (max_pages = "
            f"{listing.max_pages}) are found by following the page's own next link; if the "
            "site has none, only page 1 is read. Put {page} in the URL, or add "
            f'paging = "{_NEXT_LINK}" to say this is meant'
            for key, listing in _listing_keys(sources)
            if "{page}" not in listing.url and listing.max_pages > 1 and not listing.paging]


def _channel_warnings(sources: tuple[SourceSettings, ...],
                      telegram: TelegramSettings) -> list[str]:
    if not telegram.channels:  # feeds only: nothing is meant to be posted
        return []
    found = []
    for i, source in enumerate(sources):
        for lang in source.languages:
            if telegram.channel_for(lang) is None:
                found.append(f"telegram.channels: no channel for {lang!r}, a language of "
                             f"sources[{i}] ({source.name}): its articles reach the feeds "
                             f"but are never posted (add {lang} = \"@...\" or \"*\" = \"@...\")")
    languages = {lang for source in sources for lang in source.languages}
    for lang, chat in telegram.channels.items():
        if lang != "*" and lang not in languages:
            found.append(f"telegram.channels.{_name(lang)}: no source has {lang!r} listings or "
                         f"feeds, so nothing is posted to {chat}")
    return found


def _quiet_warnings(telegram: TelegramSettings) -> list[str]:
    quiet = telegram.quiet_hours
    if quiet is not None and quiet.start == quiet.end:
        return [f"telegram.quiet_hours: start and end are both {quiet.start:%H:%M}, so there "
                "are no quiet hours at all"]
    return []


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file, with the overrides `environ` holds (see
    `parse_config`); raises ConfigError with a one-line reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_config(data, path.parent.resolve(), path, environ)


def check_runtime(config: Config, environ: Mapping[str, str], *, dry_run: bool) -> None:
    """What must hold before a long run starts: a token (unless a dry run) and writable
    output and database directories. Raises ConfigError naming the key."""
    if not dry_run and not config.token(environ):
        raise ConfigError(f"telegram.token_env: the environment variable "
                          f"{config.telegram.token_env} is not set (use --dry-run to print "
                          "posts instead of sending them)")
    directories = [("feeds.output_dir", config.feeds.output_dir)]
    if config.database_file is not None:
        directories.append(("database", config.database_file.parent))
    for key, directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            probe = directory / ".feedbot-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"{key}: {directory} is not writable ({exc.strerror})") from None
