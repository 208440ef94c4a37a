"""The genre a title names (heads of title segments, not the word anywhere), letters'
salutations, and quoted text taken out as someone else's voice."""

from __future__ import annotations

import pytest

from feeds.campaigns import DEFAULT_PHRASES
from feeds.genre import is_salutation, title_genre, unquoted
from feeds.models import Kind

GENRE_PHRASES = {kind: DEFAULT_PHRASES[kind] for kind in (Kind.STATEMENT, Kind.REPORT)}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Joint statement: Saudi Arabia must free Salma al-Shehab", Kind.STATEMENT),
        ("HRC56: Joint oral statement under Item 4", Kind.STATEMENT),
        ("Joint urgent appeal from 15 organisations", Kind.STATEMENT),
        ("نداء عاجل مشترك من 15 منظمة", Kind.STATEMENT),
        ("رسالة من 13 منظمة إلى المفوض السامي", Kind.STATEMENT),
        ("Letter to the Foreign Secretary on arms sales", Kind.STATEMENT),
        ("Civil society letter to Meta", Kind.STATEMENT),
        ("Report: The human cost of NEOM", Kind.REPORT),
        ("التقرير السنوي 2024: ما وراء البريق", Kind.REPORT),
        ("Briefing: counter-terrorism laws", Kind.REPORT),
        ("Position paper on the kafala system", Kind.REPORT),
        ("Submission to the UN Committee against Torture", Kind.REPORT),
        ("Urgent Action: Woman activist sentenced", Kind.CAMPAIGN),
        ("عريضة: أنقذوا حياة عبد الله الحويطي", Kind.CAMPAIGN),
        # The word is there but does not head a segment: no genre.
        ("Families report new travel bans", None),
        ("Saudi Arabia executes seven men, state media report", None),
        ("بحسب تقرير صحفي، السلطات تعتقل العشرات", None),
        ("تقرير أممي: السعودية مسؤولة عن مقتل مهاجرين", None),
        ("UN report finds Saudi Arabia responsible", None),
        ("Appeal court upholds sentences", None),
        ("Petition for jailed blogger passes 100,000 signatures", None),
        ("تقرير لهيومن رايتس ووتش: عمال مهاجرون يموتون بسبب الحرارة", None),
        ("التقرير السنوي للقسط 2024", Kind.REPORT),
        ("Joint press release: Saudi Arabia must release al-Qahtani", Kind.STATEMENT),
        ("Press release: ALQST welcomes the verdict", None),
        ("بيان وزارة الخارجية البريطانية بشأن المعتقلين", None),
        ("Statement by the Foreign Office on detainees", None),
        ("Statement by 11 NGOs ahead of the EU–GCC summit", Kind.STATEMENT),
        # A paper named by a modifier and "analysis"; "Analysis:" alone is a news genre.
        ("Jordan: Legal analysis of the 2023 Cybercrime Law", Kind.REPORT),
        ("Analysis: Why Riyadh is courting Washington again", None),
        ("ملخص سياسات: قانون مكافحة الإرهاب وتجريم المعارضة", Kind.REPORT),
        # A spokesperson's comment is the office's statement; a ministry's is news.
        ("Comment by UN Human Rights Office spokesperson Jeremy Laurence on Saudi Arabia",
         Kind.STATEMENT),
        ("تعليق المتحدث باسم المفوضية السامية لحقوق الإنسان بشأن الإعدامات", Kind.STATEMENT),
        ("Comment by Foreign Office spokesperson on the verdict", None),
        ("Comment: Why the verdict matters", None),
        # A review of a period; a harvest of wheat is news.
        ("حصاد 2024: 73 حالة اعتقال رصدناها خلال العام", Kind.REPORT),
        ("حصاد العام: أبرز الانتهاكات", Kind.REPORT),
        ("حصاد القمح يتراجع في الشمال السوري", None),
        # A series' name and year, then the genre; without a year it may be a story.
        ("Saudi Arabia: Freedom on the Net 2024 Country Report", Kind.REPORT),
        ("Police dismiss annual report", None),
    ],
)
def test_a_genre_counts_only_where_it_heads_a_title_segment(
    title: str, expected: Kind | None
) -> None:
    genre = title_genre(title, GENRE_PHRASES)
    assert (genre.kind if genre else None) is expected


def test_a_bare_letter_and_an_appeal_are_marked_for_the_body_to_confirm() -> None:
    story = title_genre("Letter from prison: an activist describes his cell", GENRE_PHRASES)
    assert story is not None and story.bare_letter
    addressed = title_genre("Letter to the Foreign Secretary", GENRE_PHRASES)
    assert addressed is not None and not addressed.bare_letter
    appeal = title_genre("نداء للتوقيع على عريضة", GENRE_PHRASES)
    assert appeal is not None and appeal.appeal


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("Dear Foreign Secretary,", "dear"),
        ("Excellencies,", "excellencies"),
        ("معالي الوزير،", "معالي"),
        ("السيد الرئيس،", "السيد الرئيس"),
        ("Thank you, Mr President.", "thank you mr president"),  # a speech to a council
        ("شكراً سيدي الرئيس.", "شكرا سيدي الرئيس"),
        ("Dear friends, we have news: the court postponed the hearing again today.", None),
        ("The minister said the licences are under review.", None),
    ],
)
def test_a_salutation_is_a_short_opening_block(block: str, expected: str | None) -> None:
    assert is_salutation(block) == expected


def test_quoted_words_are_taken_out_and_apostrophes_are_not_quotes() -> None:
    text = 'The organisers wrote: "Sign the petition." Saudi Arabia’s reply: «وقّعوا»'
    assert "Sign" not in unquoted(text)
    assert "وقّعوا" not in unquoted(text)
    assert "Saudi Arabia’s reply" in unquoted(text)
