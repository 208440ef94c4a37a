"""Reading in one's own language: the "Read more" link, translation buttons, summaries that
read as text, and the organisation's name in each language (posts, feeds, index page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from bot.app import site_info, source_names
from bot.compose import compose_post
from bot.config import ConfigError, parse_config
from feeds.extract import extract_articles
from feeds.publish import publish_feeds
from feeds.sources import Listing, SourceSettings
from feeds.store import ArticleStore, Change, open_engine
from tests.feed_samples import fill_store

NOW = datetime(2024, 3, 1, tzinfo=UTC)
SITE = "https://alqst.org"
SOURCE = SourceSettings(name="alqst", title="ALQST for Human Rights", url=SITE + "/",
                        listings=(Listing("en", SITE + "/en/posts?page={page}"),
                                  Listing("ar", SITE + "/ar/posts?page={page}")))

EN_BODY = (
    "<p>Saudi Arabia's fourth Universal Periodic Review took place on 22 January 2024 at the "
    "United Nations</p>"
    "<p>We, the undersigned organisations, urge the authorities to release everyone held for "
    "their peaceful activism and to end travel bans on their families.</p>"
)
AR_BODY = (
    "<p>انعقد الاستعراض الدوري الشامل الرابع للسعودية في 22 يناير 2024 في الأمم المتحدة</p>"
    "<p>نحن، المنظمات الموقعة أدناه، نحث السلطات على الإفراج عن جميع المعتقلين بسبب نشاطهم "
    "السلمي ورفع حظر السفر عن عائلاتهم.</p>"
)


def page(lang: str, body: str, *, canonical: str, alternates: dict[str, str] | None = None,
         tail: str = "") -> str:
    links = "".join(f'<link rel="alternate" hreflang="{k}" href="{v}">'
                    for k, v in (alternates or {}).items())
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>t</title>'
            f'<link rel="canonical" href="{canonical}">{links}</head><body><article>'
            f"<h1>UPR</h1><p>Publication date: 15/02/2024</p>{body}{tail}</article></body></html>")


# ---- the page in the reader's language --------------------------------------------------


def test_english_follower_gets_the_english_page_when_the_canonical_is_arabic() -> None:
    html = page("en", EN_BODY, canonical=SITE + "/ar/post/upr")
    [article] = extract_articles(html, SITE + "/en/post/upr", SOURCE, now=NOW)
    assert article.lang == "en"
    assert article.url == SITE + "/en/post/upr"  # what the English listing linked
    post = compose_post(article)
    assert f'<a href="{SITE}/en/post/upr">Read more</a>' in post.text
    assert post.link_preview_url == SITE + "/en/post/upr"


def test_two_languages_sharing_one_canonical_stay_two_articles(tmp_path: Path) -> None:
    # Keyed on the shared canonical, the English article and the Arabic one would overwrite
    # each other in the store: one channel would never get its post.
    alternates = {"ar": SITE + "/ar/post/upr", "en": SITE + "/en/post/upr"}
    [en] = extract_articles(page("en", EN_BODY, canonical=SITE + "/ar/post/upr",
                                 alternates=alternates), SITE + "/en/post/upr", SOURCE, now=NOW)
    [ar] = extract_articles(page("ar", AR_BODY, canonical=SITE + "/ar/post/upr",
                                 alternates=alternates), SITE + "/ar/post/upr", SOURCE, now=NOW)
    assert en.key != ar.key
    assert (en.translations, ar.translations) == ({"ar": ar.key}, {"en": en.key})
    store = ArticleStore(open_engine(tmp_path / "db.sqlite"))
    assert [store.upsert(a, NOW) for a in (en, ar, en)] == [Change.NEW, Change.NEW,
                                                            Change.UNCHANGED]
    assert {a.lang for a in store.latest(limit=10)} == {"ar", "en"}
    assert compose_post(en, translations={"ar": ar}).buttons == (
        ("Read in Arabic · اقرأ بالعربية", SITE + "/ar/post/upr"),)


def test_a_body_under_another_languages_interface_keeps_its_canonical() -> None:
    # /ar/ is the interface here, not a page in Arabic: the English body has no other page.
    html = page("ar", EN_BODY, canonical=SITE + "/ar/posts/930")
    [article] = extract_articles(html, SITE + "/ar/posts/930", SOURCE, now=NOW)
    assert article.lang == "en"
    assert article.url == article.key == SITE + "/ar/posts/930"


def test_the_pages_own_hreflang_names_the_readers_page() -> None:
    html = page("en", EN_BODY, canonical=SITE + "/ar/posts/930",
                alternates={"ar": SITE + "/ar/posts/930", "en": SITE + "/en/post/upr-2024"})
    [article] = extract_articles(html, SITE + "/posts/930", SOURCE, now=NOW)
    assert article.url == SITE + "/en/post/upr-2024"


def test_a_canonical_naming_no_language_gives_way_to_the_listings_page() -> None:
    # /posts/930 is the Arabic interface on alqst.org; the English listing linked /en/post/….
    html = page("en", EN_BODY, canonical=SITE + "/posts/930")
    [article] = extract_articles(html, SITE + "/en/post/upr", SOURCE, now=NOW)
    assert article.url == SITE + "/en/post/upr"
    assert article.key == SITE + "/posts/930"  # the identity stays: nothing is posted twice


def test_a_canonical_in_the_readers_language_is_kept() -> None:
    html = page("ar", AR_BODY, canonical=SITE + "/ar/post/upr")
    [article] = extract_articles(html, SITE + "/posts/930", SOURCE, now=NOW)
    assert article.url == SITE + "/ar/post/upr"


def test_bilingual_post_read_in_arabic_differs_from_read_more_or_is_left_out() -> None:
    # One page holding both languages, with the Arabic page named by hreflang.
    html = page("en", EN_BODY * 2 + AR_BODY * 2, canonical=SITE + "/en/post/upr",
                alternates={"ar": SITE + "/ar/post/upr"})
    by_lang = {a.lang: a for a in extract_articles(html, SITE + "/en/post/upr", SOURCE, now=NOW)}
    en, ar = by_lang["en"], by_lang["ar"]
    assert (en.url, ar.url) == (SITE + "/en/post/upr", SITE + "/ar/post/upr")
    buttons = dict(compose_post(en, translations={"ar": ar}).buttons)
    assert buttons == {"Read in Arabic · اقرأ بالعربية": SITE + "/ar/post/upr"}
    # Without a separate Arabic page, a button to the same page would only repeat "Read more".
    alone = page("en", EN_BODY * 2 + AR_BODY * 2, canonical=SITE + "/en/post/upr")
    by_lang = {a.lang: a for a in extract_articles(alone, SITE + "/en/post/upr", SOURCE, now=NOW)}
    post = compose_post(by_lang["en"], translations={"ar": by_lang["ar"]})
    assert post.buttons == ()
    assert f'href="{SITE}/en/post/upr"' in post.text


# ---- summaries ------------------------------------------------------------------------


def test_summary_paragraphs_are_separated() -> None:
    [ar] = extract_articles(page("ar", AR_BODY, canonical=SITE + "/ar/post/upr"),
                            SITE + "/ar/post/upr", SOURCE, now=NOW)
    assert "في الأمم المتحدة. نحن، المنظمات" in ar.summary
    [en] = extract_articles(page("en", EN_BODY, canonical=SITE + "/en/post/upr"),
                            SITE + "/en/post/upr", SOURCE, now=NOW)
    assert "at the United Nations. We, the undersigned" in en.summary


@pytest.mark.parametrize(("lang", "body", "button"), [
    ("ar", AR_BODY, '<p><a href="https://www.change.org/p/upr">وقّعوا العريضة</a></p>'),
    ("en", EN_BODY, '<div><a class="btn" href="https://www.change.org/p/upr">Sign the petition'
                    "</a></div>"),
    ("en", EN_BODY, '<p><strong><a href="https://www.change.org/p/upr">Sign the petition</a>'
                    "</strong></p>"),
])
def test_summary_never_ends_with_a_button_label(lang: str, body: str, button: str) -> None:
    html = page(lang, body, canonical=f"{SITE}/{lang}/post/upr",
                tail="<h2>Take action</h2>" + button)
    [article] = extract_articles(html, f"{SITE}/{lang}/post/upr", SOURCE, now=NOW)
    assert article.actions, "the button is still an action link"
    summary = article.summary.rstrip(".")
    assert not summary.endswith(("وقّعوا العريضة", "Sign the petition")), summary
    assert summary.endswith(("عائلاتهم", "their families"))


# ---- the organisation's name per language ----------------------------------------------


def config(tmp_path: Path, organisation: object) -> dict[str, object]:
    return {
        "organisation": organisation,
        "sources": [
            {"name": "alqst", "title": "ALQST for Human Rights", "url": SITE + "/",
             "listings": {"ar": SITE + "/ar/posts?page={page}",
                          "en": SITE + "/en/posts?page={page}"}},
            {"name": "gccr", "title": "Gulf Centre for Rights", "url": "https://gccr.example/",
             "listings": {"ar": "https://gccr.example/ar/news?page={page}"}},
        ],
        "feeds": {"base_url": "https://feeds.alqst.example/", "output_dir": str(tmp_path / "o")},
    }


NAMES = {"ar": "القسط لحقوق الإنسان", "en": "ALQST for Human Rights"}


def test_arabic_posts_feeds_and_index_carry_the_arabic_name(tmp_path: Path) -> None:
    parsed = parse_config(config(tmp_path, NAMES), tmp_path)
    assert parsed.organisation == "ALQST for Human Rights"
    names = source_names(parsed)
    # The organisation's own source is signed per language; a partner's keeps its title.
    assert names[("alqst", "ar")] == "القسط لحقوق الإنسان"
    assert ("gccr", "ar") not in names

    store = fill_store(tmp_path / "db.sqlite")
    ar = next(a for a in store.latest(lang="ar", limit=10) if a.source == "alqst")
    post = compose_post(ar, source_title=names[(ar.source, ar.lang)])
    assert "القسط لحقوق الإنسان" in post.text and "ALQST" not in post.text

    out = tmp_path / "public"
    publish_feeds(store, site_info(parsed), out)
    ar_feed = feedparser.parse((out / "ar/atom.xml").read_bytes())
    en_feed = feedparser.parse((out / "en/atom.xml").read_bytes())
    assert "القسط لحقوق الإنسان" in ar_feed.feed.title
    assert ar_feed.feed.author == "القسط لحقوق الإنسان"
    assert {e.author for e in ar_feed.entries} == {"القسط لحقوق الإنسان"}
    assert {e.author for e in en_feed.entries} == {"ALQST for Human Rights"}
    assert "ALQST for Human Rights" in en_feed.feed.title
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "القسط لحقوق الإنسان" in index and "ALQST for Human Rights" in index


def test_a_plain_organisation_string_is_still_accepted(tmp_path: Path) -> None:
    parsed = parse_config(config(tmp_path, "ALQST"), tmp_path)
    assert (parsed.organisation, dict(parsed.organisation_names)) == ("ALQST", {})
    assert source_names(parsed) == {}


@pytest.mark.parametrize(("value", "message"), [
    ({"arabic": "القسط"}, r"^organisation\.arabic: expected a language code"),
    ({"ar": ""}, r"^organisation\.ar: expected a non-empty string$"),
    ({"ar": 3}, r"^organisation\.ar: expected a non-empty string$"),
    ({}, r"^organisation: the table names no language"),
    (["ALQST"], r"^organisation: expected a string or a table, got list$"),
])
def test_a_bad_organisation_table_is_a_one_line_error(tmp_path: Path, value: object,
                                                      message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_config(config(tmp_path, value), tmp_path)
    assert "\n" not in str(caught.value)


def test_the_arabic_digest_and_its_feed_carry_the_arabic_name(tmp_path: Path) -> None:
    from bot.app import publish
    from tests.test_digest import MOMENT, WEEK_START, Clock, Install, article

    data = config(tmp_path, NAMES)
    data.update(database="db.sqlite", timezone="Europe/London",
                digest={"schedule": "fri 17:00"})
    data["feeds"] = {"base_url": "https://feeds.alqst.example/", "output_dir": "public"}
    install = Install(parse_config(data, tmp_path), Clock(MOMENT + timedelta(minutes=1)))
    install.seen(article(1, "ar", day=1), article(2, "en", day=2))
    install.maker.make_due()
    ar = install.digests.get("ar", WEEK_START)
    assert ar is not None and "<b>القسط لحقوق الإنسان — " in ar.messages[0].text
    en = install.digests.get("en", WEEK_START)
    assert en is not None and "ALQST for Human Rights — " in en.messages[0].text
    publish(install.config, install.store)
    feed = feedparser.parse((tmp_path / "public/ar/digest/atom.xml").read_bytes())
    assert "القسط لحقوق الإنسان" in feed.feed.title
    assert feed.feed.author == "القسط لحقوق الإنسان"
