"""What is stored about followers, on SQLite and PostgreSQL: chat id, language and names
only; matching inside the article's transaction; forgetting a chat deletes its queued
and sent alerts too; `feedbot followers export|purge` and the `[telegram.private]` keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import Alerts
from bot.cli import main
from bot.config import ConfigError, PrivateChats, TelegramSettings, load_config
from bot.followers import FollowerStore, TooMany
from bot.intake import Intake
from bot.outbox import Outbox
from feeds.models import Article
from feeds.store import ArticleStore, open_engine

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def article(n: int, lang: str, text: str) -> Article:
    url = f"https://alqst.org/{lang}/post/{n}"
    return Article(key=url, url=url, source="alqst", lang=lang, title=f"Post {n}",
                   body_html=f"<p>{text}</p>", body_text=text, summary=text, published=NOW)


def test_followers_are_stored_matched_and_forgotten(backend: str) -> None:
    engine = open_engine(backend)
    people = FollowerStore(engine, max_phrases=3)
    people.set_language(11, "ar")
    assert people.follow(11, ["لُجين الهذلول", "لجين الهذلول", "سلمى الشهاب"]) == [
        "لُجين الهذلول", "سلمى الشهاب"]  # two spellings of one name: one entry
    with pytest.raises(TooMany):
        people.follow(11, ["محمد الغامدي", "عيسى النخيفي"])
    assert sorted(people.following(11)) == ["سلمى الشهاب", "لُجين الهذلول"]  # none added
    people.set_language(12, "en")
    people.follow(12, ["لجين الهذلول"])  # an Arabic name, followed in English
    people.set_language(13, "ar")
    people.follow(13, ["سلمى الشهاب"])

    settings = TelegramSettings(channels={"ar": "@alqst_ar"}, private=PrivateChats(True))
    outbox = Outbox(engine)
    intake = Intake(outbox, settings, followers=FollowerStore.chats_mentioned_in, now=lambda: NOW)
    hook = intake.begin("alqst", "ar", first_run=False)
    ArticleStore(engine).upsert(article(1, "ar", "أفرج عن لجين الهذلول"), NOW, on_stored=hook)
    intake.end("alqst", "ar")
    assert sorted(i.chat for i in outbox.items()) == ["11", "@alqst_ar"]

    assert people.unfollow(11, ["سلمى  الشِّهاب"]) == ["سلمى الشهاب"]
    assert [(f.chat_id, f.lang, f.phrases) for f in people.export()] == [
        (11, "ar", ("لُجين الهذلول",)), (12, "en", ("لجين الهذلول",)),
        (13, "ar", ("سلمى الشهاب",))]
    assert people.forget(11)
    assert [i.chat for i in outbox.items()] == ["@alqst_ar"]  # the channel's post stays
    assert people.language(11) is None and people.following(11) == []
    assert not people.forget(11)
    outbox.wait_chat("12", NOW, "retry after 5")  # what delivery notes about a chat
    alerts = Alerts(engine, now=lambda: NOW)
    alerts.raise_("post:13:https://alqst.org/ar/post/1", "refused")
    alerts.raise_("source:alqst:failing", "not about a follower")
    assert people.forget_all() == 2 and people.count() == 0
    assert outbox.chat_wait("12", NOW - timedelta(seconds=1)) is None
    assert [p.key for p in alerts.open_problems("")] == ["source:alqst:failing"]
    engine.dispose()


def test_a_first_run_alerts_nobody(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "feedbot.sqlite")
    FollowerStore(engine).set_language(11, "en")
    FollowerStore(engine).follow(11, ["Salma al-Shehab"])
    outbox = Outbox(engine)
    intake = Intake(outbox, TelegramSettings(), followers=FollowerStore.chats_mentioned_in)
    hook = intake.begin("alqst", "en", first_run=True)
    ArticleStore(engine).upsert(article(1, "en", "Salma al-Shehab"), NOW, on_stored=hook)
    intake.end("alqst", "en")
    assert outbox.items() == []  # the site as it was before the bot: old news
    engine.dispose()


CONFIG = """
database = "feedbot.sqlite"
[[sources]]
name = "alqst"
title = "ALQST"
url = "https://alqst.org/"
[sources.listings]
en = "https://alqst.org/en/posts?page={page}"
[feeds]
output_dir = "public"
[telegram]
channel = "@alqst"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + "[telegram.private]\nenabled = true\nmax_followed = 5\n")
    people = FollowerStore(open_engine(tmp_path / "feedbot.sqlite"))
    people.set_language(21, "ar")
    people.follow(21, ["لجين الهذلول"])
    people.set_language(22, "en")
    people.engine.dispose()
    return path


def test_followers_export_prints_everything_stored_as_json(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["followers", "export", "--config", str(config_file)]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"chat_id": 21, "lang": "ar", "following": ["لجين الهذلول"]},
        {"chat_id": 22, "lang": "en", "following": []}]


def test_followers_purge_deletes_one_or_all(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = ["--config", str(config_file)]
    assert main(["followers", "purge", "--chat", "21", *config]) == 0
    assert main(["followers", "purge", "--chat", "21", *config]) == 1
    assert "no follower with chat id 21" in capsys.readouterr().err
    assert main(["followers", "purge", "--all", *config]) == 0
    assert "purged 1 follower(s)" in capsys.readouterr().out
    main(["followers", "export", *config])
    assert json.loads(capsys.readouterr().out) == []


def test_status_counts_the_followers(config_file: Path) -> None:
    from bot.status import status_lines

    assert "private chats: enabled, 2 follower(s)" in status_lines(load_config(config_file))


def test_the_private_block_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    assert load_config(path).telegram.private == PrivateChats(enabled=False)
    path.write_text(CONFIG + "[telegram.private]\nenabled = true\ncommands_per_minute = 4\n")
    private = load_config(path).telegram.private
    assert private.enabled and private.commands_per_minute == 4 and private.max_followed == 20
    path.write_text(CONFIG + "[telegram.private]\nmax_followed = 0\n")
    with pytest.raises(ConfigError, match=r"telegram\.private\.max_followed: must be greater"):
        load_config(path)
    path.write_text(CONFIG + "[telegram.private]\nwebhook = true\n")
    with pytest.raises(ConfigError, match=r"telegram\.private\.webhook: unknown key"):
        load_config(path)
