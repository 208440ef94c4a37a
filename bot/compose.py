"""Article -> Telegram post: text, buttons and limits. Pure: no I/O, no python-telegram-bot.

Everything from the site is escaped, and every post fits Telegram's limits as Telegram
counts them: UTF-16 code units of the text *after* HTML entity parsing (4096 for a
message, 1024 for a photo caption).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, tzinfo

from feeds.models import Article, Kind
from feeds.month_names import MONTHS

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# Telegram documents no limit for a URL button's text; phones clip long labels to one
# line, so anything past ~40 characters is never seen. 64 keeps room for Arabic labels.
BUTTON_TEXT_LIMIT = 64
MAX_ACTION_BUTTONS = 6
MAX_HASHTAGS = 5

# A post is a teaser with a link, not the article: long summaries bury the link and the
# buttons. The caption budget is whatever 1024 leaves.
SUMMARY_LIMIT = 700
PLAIN_SUMMARY_LIMIT = 300
TITLE_LIMIT = 400
CAPTION_TITLE_LIMIT = 200

HTML = "HTML"

# Sentence ends (Latin, Arabic question mark, Urdu full stop) and, as a second choice,
# clause ends (Arabic comma and semicolon). A boundary must be followed by a space or the
# end, so "U.N." or "3.5" never cut a sentence.
_SENTENCE_END = re.compile(r"[.!?…؟۔][\"'”’»)\]]*(?=\s|$)")
_CLAUSE_END = re.compile(r"[،؛;][\"'”’»)\]]*(?=\s|$)")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);")
_TAG = re.compile(r"<[^>]*>")
RLM = "\u200f"  # starts a line right-to-left even when it opens with a digit or Latin text

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "take_action": "Take action",
        "read_more": "Read more",
        "action": "Take action",
        "read_in": "Read in {lang}",
        "lang_name_ar": "Arabic",
        "lang_name_en": "English",
        "kind_campaign": "Campaign",
        "kind_statement": "Statement",
        "kind_report": "Report",
        "kind_news": "News",
    },
    "ar": {
        "take_action": "تحرّك الآن",
        "read_more": "اقرأ المزيد",
        "action": "تحرّك",
        "read_in": "اقرأ {lang}",
        "lang_name_ar": "بالعربية",
        "lang_name_en": "بالإنجليزية",
        "kind_campaign": "حملة",
        "kind_statement": "بيان",
        "kind_report": "تقرير",
        "kind_news": "أخبار",
    },
}


@dataclass(frozen=True)
class Post:
    """One Telegram post, ready for the sender.

    `buttons` are (label, url) pairs, one per keyboard row. `link_preview_url` asks
    Telegram for the article's preview card (ignored for photo captions).
    """

    key: str
    lang: str
    text: str
    buttons: tuple[tuple[str, str], ...]
    photo: str | None
    parse_mode: str | None
    link_preview_url: str | None
    campaign: bool = False
    caption: bool = False  # composed as a photo caption (1024 units; edited as a caption)

    @property
    def limit(self) -> int:
        return CAPTION_LIMIT if self.caption else MESSAGE_LIMIT


# ---- counting as Telegram counts -------------------------------------------------------


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP (most emoji) count 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _decode_entity(match: re.Match[str]) -> str:
    body = match.group(1)
    if body[0] == "#":
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        return chr(code) if 0 < code <= 0x10FFFF else ""
    return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[body]


def telegram_text(html_text: str) -> str:
    """The text Telegram shows for `html_text`: tags removed, its four named entities
    and numeric entities decoded (any other `&` stays literal, as Telegram does)."""
    return _ENTITY.sub(_decode_entity, _TAG.sub("", html_text))


def telegram_length(html_text: str) -> int:
    """UTF-16 code units of `html_text` after HTML entity parsing (Telegram's count)."""
    return utf16_units(telegram_text(html_text))


# ---- cleaning and cutting ----------------------------------------------------------------


def clean_text(text: str) -> str:
    """One line of site text: control characters and lone surrogates out, whitespace
    collapsed. Lone surrogates cannot be sent as UTF-8 at all."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            continue
        kept.append(" " if category == "Cc" else ch)
    return " ".join("".join(kept).split())


def _take_units(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 units (never half a pair)."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            return text[:index]
    return text


def shorten(text: str, units: int) -> str:
    """`text` within `units`, cut at a word boundary with "…" when it had to be cut."""
    if utf16_units(text) <= units:
        return text
    if units <= 1:
        return "…" if units == 1 else ""
    prefix = _take_units(text, units - 1)
    space = prefix.rfind(" ")
    if space >= len(prefix) // 2:
        prefix = prefix[:space]
    return prefix.rstrip() + "…"


def cut_summary(text: str, units: int) -> str:
    """`text` within `units`, cut after the last full sentence that fits.

    Sentence ends include the Arabic question mark; when no sentence end falls in the
    second half of the budget, an Arabic or Latin clause end (`،` `؛` `;`) is used, then
    a word boundary, each followed by "…".
    """
    if utf16_units(text) <= units:
        return text
    if units <= 1:
        return shorten(text, units)
    prefix = _take_units(text, units - 1)
    # Look-ahead needs the character after the prefix, so search the prefix plus one.
    window = text[: len(prefix) + 1]
    floor = len(prefix) // 2
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= len(prefix)]
    if ends and ends[-1] >= floor:
        return prefix[: ends[-1]]
    clauses = [m.start() for m in _CLAUSE_END.finditer(window) if m.end() <= len(prefix)]
    if clauses and clauses[-1] >= floor:
        return prefix[: clauses[-1]].rstrip() + "…"
    return shorten(text, units)


def hashtag(text: str) -> str | None:
    """`text` as a hashtag Telegram will link: letters, digits, marks and `_` only.

    Latin words are joined in CamelCase (#HumanRights); other scripts, which have no
    case, with `_` (#حقوق_الإنسان). A tag of digits only is not linked, so it is dropped.
    """
    words = re.split(r"[^\w\u064b-\u065f\u0670\u200c]+", clean_text(text))
    words = [w for w in words if w]
    if not words:
        return None
    if all(w.isascii() for w in words):
        tag = "".join(w[:1].upper() + w[1:] for w in words)
    else:
        tag = "_".join(words)
    tag = tag[:40]
    if tag.replace("_", "").isdigit():
        return None
    return "#" + tag


# ---- the post -------------------------------------------------------------------------


def format_date(article: Article, tz: tzinfo = UTC) -> str | None:
    """The publication date the way the post's language writes it.

    Arabic keeps Western digits ("15 فبراير 2024"): alqst.org itself writes its dates
    with Western digits, and they survive copy-paste into search. A guessed date (the
    day the bot first saw the page) is not shown as a publication date.
    """
    if article.published is None or article.date_is_guess:
        return None
    try:
        day = article.published.astimezone(tz)
    except (OverflowError, ValueError):  # year 1 or 9999 pushed past the calendar's edge
        day = article.published
    months = MONTHS.get(article.lang, MONTHS["en"])
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


def _is_web_url(url: str) -> bool:
    # Telegram refuses a whole message for one button URL it cannot read: no spaces or
    # control characters anywhere, not just in the host.
    return (re.match(r"^https?://[^\s/]+", url) is not None and url.isprintable()
            and " " not in url)


def _buttons(article: Article, translations: dict[str, Article]) -> tuple[tuple[str, str], ...]:
    words = _words(article.lang)
    seen: set[str] = set()
    buttons: list[tuple[str, str]] = []
    for action in article.actions:
        # Telegram refuses the whole message for one button that is not http(s) or tg://.
        if not _is_web_url(action.url) or action.url in seen:
            continue
        seen.add(action.url)
        label = shorten(clean_text(action.label), BUTTON_TEXT_LIMIT) or words["action"]
        buttons.append((label, action.url))
        if len(buttons) == MAX_ACTION_BUTTONS:
            break
    for lang, other in sorted(translations.items()):
        if lang == article.lang or not _is_web_url(other.url) or other.url == article.url:
            continue  # a page holding both languages: "Read in Arabic" would be "Read more"
        # Named in the post's language, then in the target language, so both readers
        # recognise it.
        here = _words(article.lang)["read_in"].format(
            lang=_words(article.lang).get(f"lang_name_{lang}", lang))
        there = _words(lang)["read_in"].format(lang=_words(lang).get(f"lang_name_{lang}", lang))
        label = here if here == there else f"{here} · {there}"
        buttons.append((shorten(label, BUTTON_TEXT_LIMIT), other.url))
    return tuple(buttons)


def _hashtags(article: Article) -> list[str]:
    words = _words(article.lang)
    tags: list[str] = []
    if article.kind is not Kind.NEWS:
        tags.append("#" + words[f"kind_{article.kind.value}"].replace(" ", "_"))
    for category in article.categories:
        tag = hashtag(category)
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def compose_post(
    article: Article,
    *,
    translations: dict[str, Article] | None = None,
    as_caption: bool = False,
    plain: bool = False,
    source_title: str | None = None,
    tz: tzinfo = UTC,
) -> Post:
    """The post for `article`: HTML by default, a shorter plain-text form with `plain`.

    `translations` maps a language to the same article in that language (a button
    links to it). `as_caption` composes a photo caption within 1024 units, with the
    article's lead image as `photo` when it is an http(s) URL (None otherwise).
    `source_title` names the source ("ALQST for Human Rights"); `tz` is the zone the
    date is written in.
    """
    translations = translations or {}
    words = _words(article.lang)
    limit = CAPTION_LIMIT if as_caption else MESSAGE_LIMIT
    # Only an http(s) URL: python-telegram-bot would upload a local path it was given.
    photo = article.image if as_caption and article.image and _is_web_url(article.image) else None
    rtl = article.is_rtl
    mark = RLM if rtl else ""
    campaign = article.kind is Kind.CAMPAIGN

    title = shorten(clean_text(article.title), CAPTION_TITLE_LIMIT if as_caption else TITLE_LIMIT)
    source = clean_text(source_title or article.source)
    date = format_date(article, tz)
    byline = " · ".join(part for part in (date, source) if part)
    tags = " ".join(_hashtags(article))
    summary_text = clean_text(article.summary)
    escape = (lambda s: s) if plain else (lambda s: html.escape(s, quote=False))

    def render(summary: str) -> str:
        lines: list[str] = []
        if campaign:
            lines.append(f"📣 {words['take_action']}" if plain
                         else f"📣 <b>{escape(words['take_action'])}</b>")
        if title:
            lines.append(title if plain else f"<b>{escape(title)}</b>")
        if byline:
            lines.append(mark + (escape(byline) if plain else f"<i>{escape(byline)}</i>"))
        blocks = ["\n".join(lines)] if lines else []
        if summary:
            blocks.append(escape(summary))
        if tags and not plain:
            blocks.append(mark + escape(tags))
        if not _is_web_url(article.url):
            pass  # only http(s) is ever shown or linked: a source's feed can say javascript:
        elif plain:
            blocks.append(article.url)
        else:
            href = html.escape(article.url, quote=True)
            blocks.append(f'{mark}<a href="{href}">{escape(words["read_more"])}</a>')
        return "\n\n".join(blocks)

    def length(text: str) -> int:
        return utf16_units(text) if plain else telegram_length(text)

    cap = PLAIN_SUMMARY_LIMIT if plain else SUMMARY_LIMIT
    # "\n\n" joins the summary block: 2 units.
    room = min(cap, limit - length(render("")) - 2)
    summary = cut_summary(summary_text, room) if room >= 20 else ""
    text = render(summary)
    if not (text if plain else telegram_text(text)).strip():
        # Nothing showable (no title, no web URL): Telegram refuses an empty message.
        text = "…"
    if length(text) > limit:
        # Only a URL longer than the limit can get here; Telegram would refuse the link.
        text = shorten(text if plain else telegram_text(text), limit)
        return Post(key=article.key, lang=article.lang, text=text, buttons=_buttons(
            article, translations), photo=photo, parse_mode=None, link_preview_url=None,
            campaign=campaign, caption=as_caption)
    return Post(
        key=article.key,
        lang=article.lang,
        text=text,
        buttons=_buttons(article, translations),
        photo=photo,
        parse_mode=None if plain else HTML,
        link_preview_url=None if as_caption or not _is_web_url(article.url) else article.url,
        campaign=campaign,
        caption=as_caption,
    )


def compose_notice(text: str) -> Post:
    """An operator alert: plain text, no buttons, no preview."""
    return Post(key="", lang="en", text=shorten(text, MESSAGE_LIMIT) or "(empty alert)",
                buttons=(), photo=None, parse_mode=None, link_preview_url=None)
