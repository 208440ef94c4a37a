"""Extraction beyond the seed pages: trafilatura when selectors find nothing; dates from meta."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.extract import ExtractError, extract_articles
from feeds.models import Kind
from feeds.sources import Listing, SourceSettings

NOW = datetime(2026, 11, 21, tzinfo=UTC)
SOURCE = SourceSettings(name="other", title="Other NGO", url="https://ngo.example/",
                        listings=(Listing("en", "https://ngo.example/news?page={page}"),))

PARAGRAPHS = [
    "The Gulf Centre for Human Rights today condemned the sentencing of a blogger to ten "
    "years in prison for his posts on social media.",
    "The court in Riyadh handed down the sentence after a trial that lasted less than an "
    "hour, according to people familiar with the case.",
    "The blogger's family said they were not informed of the hearing and learned of the "
    "verdict from a local newspaper two days later.",
]

WORDPRESS_LIKE = f"""<!DOCTYPE html><html lang="en"><head><title>Blogger sentenced | NGO</title>
<meta property="article:published_time" content="2024-05-02T08:30:00+00:00">
<link rel="canonical" href="https://www.ngo.example/2024/05/blogger-sentenced/">
</head><body>
<div id="menu"><a href="/">Home</a> <a href="/about">About us</a> <a href="/donate">Donate</a></div>
<div id="content"><div class="entry-wrap"><h2 class="headline">Blogger sentenced</h2>
<div class="entry-text">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div></div></div>
<div id="sidebar"><h3>Most read</h3><ul><li><a href="/x">Another story</a></li></ul></div>
<div id="colophon">Copyright NGO. Subscribe to our newsletter.</div>
</body></html>"""


def test_a_page_the_selectors_miss_is_read_with_trafilatura() -> None:
    [article] = extract_articles(WORDPRESS_LIKE, "https://ngo.example/2024/05/blogger-sentenced",
                                 SOURCE, now=NOW)
    assert article.url == "https://ngo.example/2024/05/blogger-sentenced"
    assert article.title == "Blogger sentenced | NGO"
    assert article.lang == "en"
    assert article.kind is Kind.NEWS
    assert article.published == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert "ten years in prison" in article.body_text
    assert "learned of the verdict" in article.body_text
    for chrome in ("About us", "Most read", "newsletter"):
        assert chrome not in article.body_text


def test_a_short_note_under_the_operators_body_selector_keeps_to_that_note() -> None:
    teasers = "".join(f"<article class='card'><h3><a href='/n/{n}'>Related: Loujain al-Hathloul "
                      f"case, hearing number {n} postponed again by the court</a></h3>"
                      f"<p>{PARAGRAPHS[n % 3]}</p></article>" for n in range(4))
    page = (f"<html lang='en'><head><title>Statement</title></head><body><h1>Statement</h1>"
            f"<div class='note'><p>We welcome today's release of Salma al-Shehab.</p></div>"
            f"<aside><h2>Related</h2>{teasers}</aside></body></html>")
    source = SourceSettings(name="other", title="Other NGO", url="https://ngo.example/",
                            listings=SOURCE.listings, selectors={"body": "div.note"})
    [article] = extract_articles(page, "https://ngo.example/n/9", source, now=NOW)
    # Someone following "Loujain al-Hathloul" must not be alerted by the sidebar.
    assert article.body_text == "We welcome today's release of Salma al-Shehab."


def test_a_page_without_any_text_is_an_extract_error_with_a_reason() -> None:
    with pytest.raises(ExtractError, match="body"):
        extract_articles("<html><head><title>Empty</title></head><body></body></html>",
                         "https://ngo.example/empty", SOURCE, now=NOW)


def test_classifier_rules_from_config_file_a_site_category_as_a_campaign(tmp_path: Path) -> None:
    from bot.config import parse_config

    config = parse_config({"sources": [{
        "name": "other", "url": "https://ngo.example/",
        "listings": {"en": "https://ngo.example/news?page={page}"},
        "classifier": {"categories": {"Urgent appeals": "campaign"}}}]}, tmp_path)
    page = WORDPRESS_LIKE.replace(
        "</head>", '<meta property="article:section" content="Urgent appeals"></head>')
    [article] = extract_articles(page, "https://ngo.example/2024/05/blogger-sentenced",
                                 config.sources[0], now=NOW)
    assert article.kind is Kind.CAMPAIGN
    [plain] = extract_articles(page, "https://ngo.example/2024/05/blogger-sentenced", SOURCE,
                               now=NOW)
    assert plain.kind is Kind.NEWS


def test_an_unknown_kind_in_the_classifier_config_names_the_key(tmp_path: Path) -> None:
    from bot.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"sources\[0\]\.classifier: .*unknown kind"):
        parse_config({"sources": [{
            "name": "other", "listings": {"en": "https://ngo.example/"},
            "classifier": {"categories": {"Appeals": "petitionz"}}}]}, tmp_path)
