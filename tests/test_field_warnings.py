"""Honest warnings: a site whose pages lack what the bot needs is told to the operator once per
source and language by `check`, `status` and the service's operator alert, with the count.

The site: 8 English posts of which only one shows its date, 8 Arabic posts all dated of which
one has no image while the other seven have one. No selectors are configured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import make_delivery
from bot.cli import main
from bot.config import load_config
from bot.sender import TelegramSender
from bot.service import Service
from feeds.models import Article
from feeds.quality import field_gaps
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.html_site import HtmlSite
from tests.fakes.telegram import FakeTelegram

POSTS = 8
NOW = datetime(2024, 3, 20, tzinfo=UTC)
EN_TEXT = ("Authorities detained a blogger after he criticised the housing policy online; "
           "his family has not been told where he is held or what he is charged with.")
AR_TEXT = ("اعتقلت السلطات مدوّنًا بعد أن انتقد سياسة الإسكان على الإنترنت، ولم تُبلَّغ "
           "عائلته بمكان احتجازه ولا بالتهم الموجهة إليه حتى الآن.")


class UndatedSite(HtmlSite):
    """/en/news/ and /ar/news/ list /{lang}/post/N; English posts 2..8 print no date."""

    name = "undated-site"

    def answer(self, path: str) -> tuple[int, str]:
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "news":
            lang = parts[0]
            items = "".join(f'<li><a href="/{lang}/post/{n}">Post {n}</a></li>'
                            for n in range(1, POSTS + 1))
            return 200, f'<html lang="{lang}"><body><ul>{items}</ul></body></html>'
        if len(parts) == 3 and parts[1] == "post" and parts[0] in ("en", "ar"):
            return 200, self._post(parts[0], int(parts[2]))
        return 404, "<html><body><h1>Not found</h1></body></html>"

    @staticmethod
    def _post(lang: str, n: int) -> str:
        if lang == "en":
            meta = '<div class="meta"><span>Published:</span> <span>3 March 2024</span></div>' \
                if n == 1 else '<div class="meta">By the newsroom</div>'
            return (f'<html lang="en"><body><article><h1>Blogger detained, case {n}</h1>'
                    f'{meta}<img src="/img/{n}.jpg"><p>In case number {n}, {EN_TEXT}</p>'
                    '</article></body></html>')
        image = f'<img src="/img/ar{n}.jpg">' if n != 5 else ""
        return (f'<html lang="ar"><body><article><h1>اعتقال مدوّن، القضية {n}</h1>'
                f'<div class="meta"><span>تاريخ النشر:</span>\n<span>{n}/03/2024</span></div>'
                f'{image}<p>في القضية رقم {n}، {AR_TEXT}</p></article></body></html>')


@pytest.fixture
def undated() -> Iterator[UndatedSite]:
    with UndatedSite() as site:
        yield site


def write_config(tmp_path: Path, site: UndatedSite, telegram_url: str = "") -> Path:
    path = tmp_path / "config.toml"
    telegram = f"""[telegram]
token_env = "TEST_FEEDBOT_TOKEN"
api_base_url = "{telegram_url}"
operator_chat = "@operator"
per_chat_per_minute = 6000
overall_per_second = 1000
""" if telegram_url else ""
    path.write_text(f"""
organisation = "Undated NGO"
database = "data/feedbot.sqlite"
[fetch]
per_host_delay_seconds = 0
retries = 0
[[sources]]
name = "undated"
title = "Undated NGO"
url = "{site.base_url}/"
[sources.listings]
en = {{ url = "{site.base_url}/en/news/", max_pages = 1 }}
ar = {{ url = "{site.base_url}/ar/news/", max_pages = 1 }}
[feeds]
output_dir = "public"
{telegram}""", encoding="utf-8")
    return path


DATE_WARNING = ("7 of 8 articles on en have no date on the page (dated by first-seen time): "
                "set selectors.date — see `feedbot discover`")
IMAGE_WARNING = ("1 of 8 articles on ar have no image while the others have one: "
                 "set selectors.image — see `feedbot discover`")


def test_check_warns_once_per_source_and_language_with_the_counts(
        tmp_path: Path, undated: UndatedSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, undated)
    for _ in range(2):  # the first pass (baseline) and a pass that fetches nothing new
        assert main(["check", "--config", str(config)]) == 1  # warnings: not a clean pass
        output = capsys.readouterr().out
        assert output.count("have no date") == 1, output
        assert f"  warning: {DATE_WARNING}" in output
        assert output.count("have no image") == 1 and f"  warning: {IMAGE_WARNING}" in output
        assert "same title" not in output and "no body" not in output


def test_status_shows_what_the_articles_lack(
        tmp_path: Path, undated: UndatedSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, undated)
    main(["check", "--config", str(config)])
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    output = capsys.readouterr().out
    assert f"  warning: {DATE_WARNING}" in output and f"  warning: {IMAGE_WARNING}" in output
    assert output.count("have no date") == 1


def test_the_service_alerts_the_operator_once_while_the_dates_stay_missing(
        tmp_path: Path, undated: UndatedSite) -> None:
    with FakeTelegram(TOKEN, chats=["@operator"]) as telegram:
        config = load_config(write_config(tmp_path, undated, telegram.url),
                             {"TEST_FEEDBOT_TOKEN": TOKEN})
        service = Service(config, {"TEST_FEEDBOT_TOKEN": TOKEN})

        async def runs(count: int) -> None:
            for _ in range(count):
                await service.run_source(config.sources[0])
            async with TelegramSender(TOKEN, config.telegram.api_base_url) as sender:
                await make_delivery(service.parts, sender).drain()

        asyncio.run(runs(3))
        messages = [m.text for m in telegram.sent("@operator")]
    assert len(messages) == 2, messages  # en's dates, ar's image: one each, not one a run
    assert any(DATE_WARNING in m and "Undated NGO" in m for m in messages)
    assert any(IMAGE_WARNING in m for m in messages)


def _article(n: int, *, title: str = "", guess: bool = False, image: bool = True,
             body: str = EN_TEXT) -> Article:
    return Article(key=f"https://ngo.example/en/post/{n}", url=f"https://ngo.example/en/post/{n}",
                   source="ngo", lang="en", title=title or f"Post {n}", body_html="",
                   body_text=body, summary="", published=NOW, date_is_guess=guess,
                   image=f"https://ngo.example/{n}.jpg" if image else None)


def test_a_title_caught_from_the_site_chrome_is_told() -> None:
    articles = [_article(n, title="Latest news" if n < 3 else "") for n in range(6)]
    assert field_gaps(articles, "en") == [
        "3 of 6 articles on en have the same title 'Latest news': set selectors.title — see "
        "`feedbot discover`"]


def test_a_missing_body_is_told_but_a_short_call_to_action_is_not() -> None:
    short_call = "Sign the petition and tweet at the authorities to demand their release."
    articles = [_article(n, body="Read more" if n == 0 else short_call if n == 1 else EN_TEXT)
                for n in range(6)]
    assert field_gaps(articles, "en") == [
        "1 of 6 articles on en have no body (under 40 characters) while the others have one: "
        "set selectors.body — see `feedbot discover`"]


def test_what_the_site_itself_lacks_is_no_warning() -> None:
    # Images on two posts of six: the site does not illustrate its posts; one undated post
    # of five is under a quarter: a page of its own, not a missing selector.
    articles = [_article(n, image=n < 2, guess=n == 0) for n in range(5)]
    assert field_gaps(articles, "en") == []


def test_a_feed_without_dates_is_told_without_a_selector_to_set() -> None:
    articles = [_article(n, guess=True, title="Same") for n in range(3)]
    assert field_gaps(articles, "ar", feed=True) == [
        "3 of 3 articles on ar have no date in the feed (dated by first-seen time): the feed "
        "gives none"]
