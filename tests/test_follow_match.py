"""Followed names against article text: normalised in both scripts, whole words only."""

from __future__ import annotations

import pytest

from bot.follow_match import ArticleText, normalise, phrase_key


def mentions(text: str, phrase: str) -> bool:
    return ArticleText([text]).mentions(phrase_key(phrase))


@pytest.mark.parametrize(("phrase", "text"), [
    ("لجين الهذلول", "أفرج عن لُجين الهذلول بعد ألف يوم"),  # diacritics
    ("لجين الهذلول", "أفرج عن لجـــين الهذلـول"),  # tatweel
    ("أحمد", "قضية احمد"),  # alef with hamza / bare alef
    ("إسراء الغمغام", "الناشطة اسراء الغمغام"),
    ("آمنة", "قضية امنه"),  # alef madda, ta marbuta / ha
    ("سلمى الشهاب", "وسلمى الشهاب ولجين"),  # "and" written onto the name
    ("مادة 2017", "المادة ٢٠١٧ مادة ٢٠١٧"),  # Arabic-Indic digits
    ("قرار 1402", "قرار ۱۴۰۲"),  # Persian digits
    ("Salma al-Shehab", "SALMA AL-SHEHAB was sentenced"),  # case, hyphen
    ("Salma al-Shehab", "Salma al Shehab's sentence"),
    ("José", "Jose was arrested"),  # accents
])
def test_a_followed_name_matches_its_spellings(phrase: str, text: str) -> None:
    assert mentions(text, phrase)


@pytest.mark.parametrize(("phrase", "text"), [
    ("جين", "لجين الهذلول"),  # a name inside another name
    ("مي", "لمى الهذلول"),  # "ل" is not a prefix: Lama is not "for Mai"
    ("هذلول", "الهذلول"),  # nor the article: part of the name
    ("Ali", "Khalil and Alia"),
    ("Salma al-Shehab", "Salma spoke; al-Shehab listened"),  # not consecutive
    ("Salma al-Shehab", "Salma al-Shehabi"),
])
def test_a_name_inside_another_word_or_apart_does_not_match(phrase: str, text: str) -> None:
    assert not mentions(text, phrase)


def test_a_phrase_does_not_run_from_the_title_into_the_body() -> None:
    article = ArticleText(["News about Salma", "al-Shehab is another person"])
    assert not article.mentions(phrase_key("Salma al-Shehab"))


def test_two_spellings_of_one_name_are_one_phrase() -> None:
    assert phrase_key("لُجَين  الهذلول") == phrase_key("لجين الهذلول")
    assert phrase_key("SALMA Al-Shehab") == phrase_key("salma al shehab")
    assert phrase_key(" ,.; ") == ""
    assert normalise("أإآٱؤئىة٣۳") == "ااااوييه33"


def test_an_alert_names_what_is_followed_above_the_channel_post_within_the_limit() -> None:
    from dataclasses import replace

    from bot.compose import MESSAGE_LIMIT, Post, telegram_length
    from bot.follow_alert import with_alert_line

    post = Post(key="k", lang="en", text="<b>Title</b>\nSummary", buttons=(), photo=None,
                parse_mode="HTML", link_preview_url=None)
    alert = with_alert_line(post, ["Salma al-Shehab", "A<B"])
    assert alert.text == "🔔 <b>Salma al-Shehab, A&lt;B</b>\n\n<b>Title</b>\nSummary"
    full = replace(post, text="x" * (MESSAGE_LIMIT - 5))
    assert with_alert_line(full, ["Salma al-Shehab"]) == full  # the post comes first
    assert telegram_length(with_alert_line(post, ["n " * 200]).text) < 200
    assert with_alert_line(post, []) == post
