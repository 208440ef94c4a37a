"""Article -> Telegram post: layout, escaping, cutting, buttons and Telegram's limits.

Validity is judged by the fake Bot API's HTML parser, which follows Telegram's rules.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.compose import (
    BUTTON_TEXT_LIMIT,
    CAPTION_LIMIT,
    MAX_ACTION_BUTTONS,
    MESSAGE_LIMIT,
    compose_post,
    cut_summary,
    hashtag,
    telegram_length,
)
from feeds.models import ActionLink, Article, Kind
from tests.fakes.telegram import EntityError, parse_html, utf16_len

PUBLISHED = datetime(2024, 2, 15, 9, 30, tzinfo=UTC)


def article(**changes: object) -> Article:
    base = Article(
        key="https://alqst.org/en/post/salma",
        url="https://alqst.org/en/post/salma",
        source="alqst",
        lang="en",
        title="Salma al-Shehab's sentence reduced",
        body_html="<p>Body</p>",
        body_text="Body",
        summary="The court reduced the sentence. ALQST welcomes the step.",
        published=PUBLISHED,
    )
    return base.with_(**changes)


def arabic(**changes: object) -> Article:
    return article(
        key="https://alqst.org/ar/post/salma", url="https://alqst.org/ar/post/salma",
        lang="ar", title="تخفيف الحكم على سلمى الشهاب",
        summary="خففت المحكمة الحكم. هل يكفي ذلك؟ تطالب القسط بالإفراج عنها.",
    ).with_(**changes)


def shown(html_text: str) -> str:
    return parse_html(html_text)


def test_post_has_bold_title_date_source_summary_and_link() -> None:
    post = compose_post(article(), source_title="ALQST for Human Rights")
    assert post.parse_mode == "HTML"
    assert post.text.startswith("<b>Salma al-Shehab's sentence reduced</b>\n")
    assert "<i>15 February 2024 · ALQST for Human Rights</i>" in post.text
    assert "The court reduced the sentence. ALQST welcomes the step." in post.text
    assert post.text.endswith('<a href="https://alqst.org/en/post/salma">Read more</a>')
    assert post.link_preview_url == "https://alqst.org/en/post/salma"
    assert post.buttons == ()


def test_arabic_date_uses_gulf_month_names_and_western_digits() -> None:
    post = compose_post(arabic(), source_title="القسط")
    assert "15 فبراير 2024 · القسط" in shown(post.text)
    assert "اقرأ المزيد" in post.text


def test_date_is_written_in_the_configured_zone() -> None:
    late = article(published=datetime(2024, 2, 15, 22, 30, tzinfo=UTC))
    from zoneinfo import ZoneInfo

    assert "16 February 2024" in compose_post(late, tz=ZoneInfo("Asia/Riyadh")).text


def test_guessed_date_is_not_shown() -> None:
    post = compose_post(article(date_is_guess=True), source_title="ALQST")
    assert "2024" not in post.text
    assert "<i>ALQST</i>" in post.text


def test_text_from_the_site_is_escaped() -> None:
    post = compose_post(article(title="<b>Bold</b> & <script>", summary="a < b > c & d"),
                        source_title="A&B <x>")
    text = shown(post.text)
    assert "<b>Bold</b> & <script>" in text
    assert "a < b > c & d" in text
    assert "A&B <x>" in text


def test_control_characters_are_removed() -> None:
    post = compose_post(article(title="Ti\x00tle\x1b with\ttabs\n", summary="line\x07one"))
    text = shown(post.text)
    assert "Ti tle with tabs" in text
    assert "\x00" not in post.text and "\x07" not in post.text


def test_summary_is_cut_at_the_arabic_question_mark() -> None:
    text = "خففت المحكمة الحكم بعد سنوات، وهل يكفي ذلك؟ تطالب القسط بالإفراج الفوري عنها"
    cut = cut_summary(text, 50)
    assert cut.endswith("؟")
    assert cut == "خففت المحكمة الحكم بعد سنوات، وهل يكفي ذلك؟"


def test_summary_falls_back_to_the_arabic_comma_with_an_ellipsis() -> None:
    text = "خففت المحكمة الحكم الصادر بحق الناشطة بعد سنوات من الاعتقال، وتطالب القسط بالإفراج"
    cut = cut_summary(text, 70)
    assert cut == "خففت المحكمة الحكم الصادر بحق الناشطة بعد سنوات من الاعتقال…"


def test_summary_is_not_cut_inside_an_abbreviation_or_number() -> None:
    text = "The U.N. experts said 3.5 million people were affected by the decision today"
    cut = cut_summary(text, 40)
    assert cut.endswith("…")
    assert "U.N." in cut and not cut.endswith(".")


def test_summary_without_any_boundary_is_cut_hard_with_an_ellipsis() -> None:
    cut = cut_summary("x" * 100, 10)
    assert cut == "x" * 9 + "…"


def test_summary_is_cut_at_a_sentence_end_in_the_post() -> None:
    long = " ".join(f"Sentence number {i} is here." for i in range(200))
    post = compose_post(article(summary=long))
    summary = shown(post.text).split("\n\n")[1]
    assert summary.endswith("is here.")
    assert utf16_len(summary) <= 700


def test_campaign_is_marked_and_carries_its_action_links_as_buttons() -> None:
    post = compose_post(article(kind=Kind.CAMPAIGN, actions=(
        ActionLink("https://act.example/petition", "Sign the petition"),
        ActionLink("https://twitter.com/intent/tweet?text=Free%20Salma", "Tweet"),
    )))
    assert post.text.startswith("📣 <b>Take action</b>\n")
    assert post.campaign
    assert post.buttons == (("Sign the petition", "https://act.example/petition"),
                            ("Tweet", "https://twitter.com/intent/tweet?text=Free%20Salma"))
    assert "#Campaign" in post.text


def test_arabic_campaign_is_marked_in_arabic() -> None:
    post = compose_post(arabic(kind=Kind.CAMPAIGN,
                               actions=(ActionLink("https://act.example/p", ""),)))
    assert post.text.startswith("📣 <b>تحرّك الآن</b>\n")
    assert "#حملة" in post.text
    assert post.buttons == (("تحرّك", "https://act.example/p"),)


def test_action_buttons_are_capped_and_labels_shortened() -> None:
    actions = tuple(ActionLink(f"https://act.example/{i}", "Write to the authorities " * 5)
                    for i in range(10))
    post = compose_post(article(kind=Kind.CAMPAIGN, actions=actions))
    assert len(post.buttons) == MAX_ACTION_BUTTONS
    assert all(len(label) <= BUTTON_TEXT_LIMIT and label.endswith("…")
               for label, _ in post.buttons)


def test_links_that_are_not_web_urls_are_not_buttons() -> None:
    post = compose_post(article(actions=(ActionLink("mailto:king@example.sa", "Write"),
                                         ActionLink("javascript:alert(1)", "Click"))))
    assert post.buttons == ()


def test_translation_adds_a_read_in_the_other_language_button() -> None:
    en, ar = article(), arabic()
    assert compose_post(en, translations={"ar": ar}).buttons == (
        ("Read in Arabic · اقرأ بالعربية", ar.url),)
    assert compose_post(ar, translations={"en": en}).buttons == (
        ("اقرأ بالإنجليزية · Read in English", en.url),)


def test_hashtags_are_made_valid() -> None:
    assert hashtag("Saudi Arabia") == "#SaudiArabia"
    assert hashtag("human-rights defenders") == "#HumanRightsDefenders"
    assert hashtag("حقوق الإنسان") == "#حقوق_الإنسان"
    assert hashtag("2024") is None
    assert hashtag("<>&") is None
    post = compose_post(article(kind=Kind.REPORT, categories=("Saudi Arabia", "Death penalty")))
    assert "#Report #SaudiArabia #DeathPenalty" in post.text


def test_caption_stays_within_1024_units_and_carries_the_photo() -> None:
    post = compose_post(article(image="https://alqst.org/img/salma.jpg", summary="word " * 2000),
                        as_caption=True)
    assert post.photo == "https://alqst.org/img/salma.jpg"
    assert post.caption and post.link_preview_url is None
    assert utf16_len(shown(post.text)) <= CAPTION_LIMIT


def test_a_local_path_is_never_sent_as_a_photo() -> None:
    post = compose_post(article(image="/etc/passwd"), as_caption=True)
    assert post.photo is None


def test_plain_form_has_no_markup_and_a_shorter_summary() -> None:
    long = " ".join(f"Sentence {i} of the summary." for i in range(100))
    html_post = compose_post(article(summary=long, kind=Kind.CAMPAIGN))
    plain = compose_post(article(summary=long, kind=Kind.CAMPAIGN), plain=True)
    assert plain.parse_mode is None
    assert "<" not in plain.text
    assert plain.text.startswith("📣 Take action\nSalma")
    assert plain.text.endswith("https://alqst.org/en/post/salma")
    assert len(plain.text) < len(html_post.text)


def test_telegram_length_counts_utf16_units_after_parsing() -> None:
    assert telegram_length("<b>a</b>&amp;") == 2
    assert telegram_length("📣") == 2  # outside the BMP: a surrogate pair
    assert telegram_length("&#128227;") == 2
    assert telegram_length("سلام") == 4


def test_arabic_post_lines_start_right_to_left() -> None:
    post = compose_post(arabic(categories=("Saudi Arabia",)))
    lines = shown(post.text).split("\n")
    assert "\u200f#SaudiArabia" in lines


# ---- properties ---------------------------------------------------------------------

_awkward = st.sampled_from([*"<>&\"';/\x00\x01\x1f\x7f\u200f\u202e\n\t ؟،؛.!?…۔📣😀",
                            "&amp;", "</b>", "<b>", "&#0;", "&lt;", "\ud800"])
# Fragments, not single characters: entities and tags must arrive whole to be tested.
_pieces = st.one_of(st.characters(codec=None),
                    st.characters(min_codepoint=0x600, max_codepoint=0x6FF), _awkward)
_text = st.lists(_pieces, max_size=60).map("".join)
_big = st.builds(lambda s, n: s * n, st.lists(_pieces, min_size=1, max_size=20).map("".join),
                 st.integers(1, 600))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(_text, _big), summary=st.one_of(_text, _big),
       labels=st.lists(st.one_of(_text, _big), max_size=8),
       categories=st.lists(_text, max_size=8),
       lang=st.sampled_from(["ar", "en", "fr"]),
       kind=st.sampled_from(list(Kind)),
       as_caption=st.booleans(), plain=st.booleans())
def test_any_site_text_makes_a_valid_post_within_limits(
        title: str, summary: str, labels: list[str], categories: list[str], lang: str,
        kind: Kind, as_caption: bool, plain: bool) -> None:
    item = article(title=title, summary=summary, lang=lang, kind=kind,
                   categories=tuple(categories), image="https://alqst.org/i.jpg",
                   actions=tuple(ActionLink(f"https://act.example/{i}", label)
                                 for i, label in enumerate(labels)))
    post = compose_post(item, as_caption=as_caption, plain=plain, source_title=title[:30],
                        translations={"ar": arabic()})
    limit = CAPTION_LIMIT if as_caption else MESSAGE_LIMIT
    post.text.encode("utf-8")  # no lone surrogates: it must be sendable
    if post.parse_mode == "HTML":
        try:
            text = parse_html(post.text)
        except EntityError as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"invalid Telegram HTML ({exc}): {post.text!r}")
        assert telegram_length(post.text) == utf16_len(text)
    else:
        text = post.text
    assert 0 < utf16_len(text) <= limit
    assert text.strip()
    for label, url in post.buttons:
        assert label.strip() and len(label) <= BUTTON_TEXT_LIMIT
        label.encode("utf-8")
        assert url.startswith("https://")


def test_a_sorani_post_reads_right_to_left_with_english_words() -> None:
    # Sorani Kurdish ("ckb") has no words of its own here: labels fall back to English, but
    # the lines still start right-to-left so the Kurdish title and summary read in order.
    post = compose_post(article(lang="ckb", title="مافی مرۆڤ لە هەرێمی کوردستان",
                                summary="ڕۆژنامەنووسێک لە سلێمانی دەستگیرکرا."),
                        source_title="ALQST")
    assert "\u200f<i>15 February 2024 · ALQST</i>" in post.text
    assert post.text.endswith('\u200f<a href="https://alqst.org/en/post/salma">Read more</a>')
