"""config.toml validation: every mistake names its key; the shipped file is valid."""

from __future__ import annotations

import subprocess
import sys
import tomllib
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
