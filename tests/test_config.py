"""config.toml validation: every mistake names its key; the shipped file is valid."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def minimal(**overrides: object) -> dict:
    data: dict = {"sources": [{"name": "alqst", "listings": {"en": "https://alqst.org/en/posts"}}]}
    data.update(overrides)
    return data


def test_shipped_config_is_valid_and_covers_both_languages() -> None:
    config = load_config(ROOT / "config.toml")
    source = config.sources[0]
    assert source.name == "alqst"
    assert set(source.languages) == {"ar", "en"}
    assert "alqst.org" in source.hosts and "www.alqst.org" in source.hosts
    assert config.telegram.channel_for("ar") != config.telegram.channel_for("en")


def test_shipped_config_holds_no_token() -> None:
    text = (ROOT / "config.toml").read_text()
    assert "token =" not in text.replace("token_env =", "")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (minimal(databse="x.sqlite"), "databse: unknown key"),
        (minimal(timezone="Mars/Olympus"), "timezone:"),
        (minimal(fetch={"timeout_seconds": "fast"}), "fetch.timeout_seconds: expected"),
        (minimal(fetch={"retries": True}), "fetch.retries: expected an integer, got a boolean"),
        ({"sources": [{"name": "alqst"}]}, "sources[0].listings:"),
        ({"sources": [{"name": "alqst", "listings": {"en": "alqst.org/en"}}]},
         "sources[0].listings.en: expected an http(s) URL"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "schedule": "*/30 * * * 1"}]}, "sources[0].schedule: use weekday names"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "schedule": "every now and then"}]}, "sources[0].schedule:"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "selectors": {"titel": "h1"}}]}, "sources[0].selectors.titel: unknown key"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "link_pattern": "(unclosed"}]}, "sources[0].link_pattern:"),
        (minimal(sources=[]), "sources: at least one"),
        (minimal(telegram={"token_env": "123456:ABC-secret"}), "telegram.token_env:"),
        (minimal(telegram={"quiet_hours": {"start": "25:00"}}), "telegram.quiet_hours.start:"),
        (minimal(feeds={"listen": "localhost"}), "feeds.listen:"),
    ],
)
def test_a_broken_config_names_the_key_at_fault(data: dict, key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp_path)
    assert key in str(info.value)


def test_two_sources_cannot_share_a_name(tmp_path: Path) -> None:
    source = {"name": "alqst", "listings": {"en": "https://a.org/"}}
    with pytest.raises(ConfigError, match=r"sources\[1\].name"):
        parse_config({"sources": [source, source]}, tmp_path)


def test_config_check_command_exits_2_and_names_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "config.toml"
    data = tomllib.loads((ROOT / "config.toml").read_text())
    text = (ROOT / "config.toml").read_text().replace("max_pages = 5", "max_pages = \"five\"")
    assert data["sources"][0]["max_pages"] == 5
    broken.write_text(text)
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "sources[0].max_pages" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_config_check_command_accepts_the_shipped_file() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(ROOT / "config.toml")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


# ---- accepted once, misbehaving later: refused or warned by `config check` ----------------


def two_languages(**telegram: object) -> dict:
    return {"sources": [{"name": "alqst", "listings": {
        "en": "https://alqst.org/en/posts?page={page}",
        "ar": "https://alqst.org/ar/posts?page={page}"}}],
        "telegram": telegram or {"channels": {"en": "@alqst_en", "ar": "@alqst_ar"}}}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"}, "max_pages": -1}]},
         "sources[0].max_pages: must be greater than 0, got -1"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"}, "max_pages": 0}]},
         "sources[0].max_pages: must be greater than 0"),
        ({"sources": [{"name": "alqst", "listings": {"en": {"url": "https://a.org/?p={page}",
                                                            "first_page": -1}}}]},
         "sources[0].listings.en.first_page: must be 0 or more"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "recheck_every": "0m"}]}, "sources[0].recheck_every: expected a duration"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "recheck_every": "an hour"}]}, "sources[0].recheck_every:"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/"},
                       "recheck_every": 3600}]}, "sources[0].recheck_every:"),
        (two_languages(channels={"en": "@alqst_en", "ar": "hold ar channel"}),
         "telegram.channels.ar: expected a chat like '@alqst_en' or a numeric id"),
        (two_languages(channels={"en": "@alqst_en", "ar": ""}), "telegram.channels.ar:"),
        (two_languages(channels={"en": "@al"}), "telegram.channels.en:"),
        (two_languages(channels={"en": "@9alqst"}), "telegram.channels.en:"),
        (two_languages(channel="alqst channel"), "telegram.channel: expected a chat"),
        (two_languages(channel="@alqst", channels={"*": "@alqst_all"}), "telegram.channel:"),
        (two_languages(channel="@alqst", operator_chat="ops team"),
         "telegram.operator_chat: expected a chat"),
        (two_languages(channel="@alqst", first_run_post_latest=-1),
         "telegram.first_run_post_latest: must be 0 or more"),
        ({"sources": [{"name": "alqst", "listings": {"en": "https://a.org/p={page}",
                                                     "ar": "https://a.org/p={page}"}}]},
         "sources[0].listings.ar: the same URL as sources[0].listings.en"),
        ({"sources": [{"name": "a", "listings": {"en": "https://a.org/p={page}"}},
                      {"name": "b", "listings": {"en": "https://a.org/p={page}"}}]},
         "sources[1].listings.en: the same URL as sources[0].listings.en"),
        ({"sources": [{"name": "alqst", "listings": {"en": "http://127.0.0.1:8080/?p={page}"}}],
          "feeds": {"listen": "0.0.0.0:8080"}},
         "feeds.listen: 0.0.0.0:8080 is where sources[0].listings.en is read from"),
        ({"sources": [{"name": "alqst", "listings": {"en": "http://localhost/?p={page}"}}],
          "feeds": {"listen": "127.0.0.1:80"}}, "feeds.listen:"),
    ],
)
def test_a_config_that_would_misbehave_is_refused_naming_the_key(
        data: dict, key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp_path)
    assert key in str(info.value)
    assert "\n" not in str(info.value)


def test_valid_chats_and_a_feed_server_elsewhere_are_accepted(tmp_path: Path) -> None:
    config = parse_config(
        {**two_languages(channels={"en": "@alqst_en", "ar": -1001234567890},
                         operator_chat=123456789),
         "feeds": {"listen": "127.0.0.1:8081"}}, tmp_path)
    assert config.telegram.channel_for("ar") == "-1001234567890"
    assert config.telegram.operator_chat == "123456789"
    assert config.warnings == ()
    listing = {"en": {"url": "http://127.0.0.1:8080/?p={page}", "first_page": 0}}
    assert parse_config({"sources": [{"name": "a", "listings": listing}],
                         "feeds": {"listen": "127.0.0.1:8081"}}, tmp_path).warnings == ()


def test_database_pointing_at_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with pytest.raises(ConfigError, match=r"^database: .*data is a directory"):
        parse_config(minimal(database="data"), tmp_path)
    assert parse_config(minimal(database="data/feedbot.sqlite"), tmp_path).database_file == \
        tmp_path / "data" / "feedbot.sqlite"
    # A database URL is not a path: it is not looked for on disk.
    parse_config(minimal(database="postgresql+psycopg://feedbot@db/feedbot"), tmp_path)


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (two_languages(channels={"ar": "@alqst_ar", "fr": "@alqst_fr"}),
         "telegram.channels: no channel for 'en', a language of sources[0] (alqst): its "
         "articles reach the feeds but are never posted"),
        (two_languages(channels={"ar": "@alqst_ar", "fr": "@alqst_fr"}),
         "telegram.channels.fr: no source has 'fr' listings or feeds, so nothing is posted "
         "to @alqst_fr"),
        ({"sources": [{"name": "alqst", "max_pages": 3,
                       "listings": {"en": "https://alqst.org/en/posts"}}]},
         "sources[0].listings.en: the URL has no {page}, so pages after the first "
         "(max_pages = 3) are found by following the page's own next link; if the site has "
         "none, only page 1 is read"),
        ({"sources": [{"name": "alqst",
                       "listings": {"en": {"url": "https://alqst.org/en", "max_pages": 2}}}]},
         "sources[0].listings.en: the URL has no {page}, so pages after the first "
         "(max_pages = 2)"),
        (two_languages(channel="@alqst", quiet_hours={"start": "22:00", "end": "22:00"}),
         "telegram.quiet_hours: start and end are both 22:00, so there are no quiet hours"),
    ],
)
def test_a_config_that_is_probably_not_meant_is_accepted_with_a_warning(
        data: dict, warning: str, tmp_path: Path) -> None:
    warnings = parse_config(data, tmp_path).warnings
    assert any(w.startswith(warning) for w in warnings), warnings
    assert all("\n" not in w for w in warnings)


def test_one_channel_for_everything_or_one_page_or_no_telegram_warns_nothing(
        tmp_path: Path) -> None:
    assert parse_config(two_languages(channel="@alqst"), tmp_path).warnings == ()
    assert parse_config(two_languages(channels={"en": "@alqst", "ar": "@alqst"}),
                        tmp_path).warnings == ()
    one_page = {"en": {"url": "https://alqst.org/en/posts", "max_pages": 1}}
    assert parse_config({"sources": [{"name": "alqst", "listings": one_page}]},
                        tmp_path).warnings == ()
    assert load_config(ROOT / "config.toml").warnings == ()


def test_a_listing_marked_as_walked_by_next_links_is_not_warned_about(tmp_path: Path) -> None:
    # What discover writes for a listing whose pages have no number: the walk follows the
    # next link it saw, on purpose, and `config check` has nothing to warn about.
    walked = {"en": {"url": "https://alqst.org/en/posts", "max_pages": 5, "paging": "next-link"}}
    config = parse_config({"sources": [{"name": "alqst", "listings": walked}]}, tmp_path)
    assert config.warnings == ()
    assert config.sources[0].listings[0].paging == "next-link"


@pytest.mark.parametrize(
    ("listing", "error"),
    [
        ({"url": "https://alqst.org/en/posts", "paging": "numbers"},
         "sources[0].listings.en.paging: 'numbers' is not known; the one value is "
         '"next-link"'),
        ({"url": "https://alqst.org/en/posts?page={page}", "paging": "next-link"},
         'sources[0].listings.en.paging: "next-link" is for a URL without {page}'),
    ],
)
def test_a_paging_value_that_cannot_be_meant_is_refused(listing: dict, error: str,
                                                       tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"sources": [{"name": "alqst", "listings": {"en": listing}}]}, tmp_path)
    assert str(caught.value).startswith(error)


def test_config_check_command_prints_warnings_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text().replace('en = "@alqst_en"\n', ""))
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("warning: telegram.channels: no channel for 'en'")
    assert lines[-1].endswith("ok (1 source(s): alqst)")


def test_config_check_command_refuses_a_channel_that_is_not_a_chat(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text().replace('"@alqst_ar"',
                                                                 '"hold ar channel"'))
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "config error: telegram.channels.ar: expected a chat like '@alqst_en' or a numeric id "
        "like -1001234567890, got 'hold ar channel'"]


# ---- the database: a SQLite file or a server URL; per-host overrides from the environment ---

PG_URL = "postgresql+psycopg://feedbot:s3cret-pw@db.example:5432/feedbot"


def test_a_path_is_a_sqlite_file_beside_the_config_and_a_url_is_kept_as_given(
        tmp_path: Path) -> None:
    config = parse_config(minimal(database="data/feedbot.sqlite"), tmp_path)
    assert config.database == f"sqlite:///{tmp_path}/data/feedbot.sqlite"
    assert config.database_display == str(tmp_path / "data" / "feedbot.sqlite")
    server = parse_config(minimal(database=PG_URL), tmp_path)
    assert server.database == PG_URL
    assert server.database_file is None
    assert server.database_display == "postgresql+psycopg://feedbot:***@db.example:5432/feedbot"
    assert not (tmp_path / "postgresql+psycopg:").exists()


def test_the_environment_overrides_database_listen_and_base_url(tmp_path: Path) -> None:
    data = minimal(database="data/feedbot.sqlite",
                   feeds={"listen": "127.0.0.1:8080", "base_url": "https://feeds.example/"})
    environ = {"FEEDBOT_DATABASE_URL": PG_URL, "FEEDBOT_LISTEN": "0.0.0.0:9090",
               "FEEDBOT_BASE_URL": "https://news.example/feeds"}
    config = parse_config(data, tmp_path, environ=environ)
    assert config.database == PG_URL
    assert (config.feeds.listen_host, config.feeds.listen_port) == ("0.0.0.0", 9090)
    assert config.feeds.base_url == "https://news.example/feeds/"
    # Without the environment (or with empty values) the file decides.
    for unset in ({}, dict.fromkeys(environ, "")):
        plain = parse_config(data, tmp_path, environ=unset)
        assert plain.database_file == tmp_path / "data" / "feedbot.sqlite"
        assert plain.feeds.listen_port == 8080
        assert plain.feeds.base_url == "https://feeds.example/"


def test_the_default_base_url_follows_an_overridden_listen(tmp_path: Path) -> None:
    config = parse_config(minimal(), tmp_path, environ={"FEEDBOT_LISTEN": "127.0.0.1:9191"})
    assert config.feeds.base_url == "http://127.0.0.1:9191/"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FEEDBOT_LISTEN": "9090"}, "FEEDBOT_LISTEN: expected host:port"),
        ({"FEEDBOT_BASE_URL": "ftp://feeds.example/"}, "FEEDBOT_BASE_URL: expected an http(s) URL"),
        ({"FEEDBOT_DATABASE_URL": "mysql://feedbot:s3cret-pw@db/feedbot"},
         "FEEDBOT_DATABASE_URL: mysql://feedbot:***@db/feedbot: mysql is not supported"),
        ({"FEEDBOT_LISTEN": "127.0.0.1:8443"}, "FEEDBOT_LISTEN: 127.0.0.1:8443 is where"),
    ],
)
def test_a_bad_override_is_refused_naming_the_variable(
        environ: dict[str, str], message: str, tmp_path: Path) -> None:
    data = minimal(sources=[{"name": "a", "listings": {"en": "http://127.0.0.1:8443/en"}}])
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp_path, environ=environ)
    assert str(info.value).startswith(message)
    assert "s3cret-pw" not in str(info.value)


def test_a_url_whose_driver_is_not_installed_exits_2_saying_what_to_install(
        tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('database = "postgresql+pg8000://feedbot:s3cret-pw@db/feedbot"\n'
                      '[[sources]]\nname = "a"\nlistings = { en = "https://a.example/en" }\n')
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("config error: database: postgresql+pg8000://feedbot:***@db/"
                                    "feedbot: the postgresql driver 'pg8000' is not installed; ")
    assert "pip install 'feedbot[postgres]'" in result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    # The same through the environment names the variable.
    env = {**os.environ, "FEEDBOT_DATABASE_URL": "postgresql+pg8000://feedbot@db/feedbot"}
    config.write_text('[[sources]]\nname = "a"\nlistings = { en = "https://a.example/en" }\n')
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(config)], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("config error: FEEDBOT_DATABASE_URL: postgresql+pg8000://")


def test_recheck_every_reads_a_duration_and_defaults_to_an_hour(tmp_path: Path) -> None:
    listing = {"en": "https://a.org/?p={page}"}
    default, set_ = (parse_config({"sources": [{"name": "a", "listings": listing, **extra}]},
                                  tmp_path).sources[0]
                     for extra in ({}, {"recheck_every": "90m"}))
    assert default.recheck_every == timedelta(hours=1)
    assert set_.recheck_every == timedelta(minutes=90)
