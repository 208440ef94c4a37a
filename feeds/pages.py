"""HTML pages a visitor can read: one per feed (`ar/`, `en/campaigns/` ...) and the latest
items shown on the index page. Plain HTML with autodiscovery links, never an XSL stylesheet.

Everything from the site (titles, summaries, URLs) is escaped here; titles sit in <bdi> so
an English title in an Arabic list (or the reverse) keeps its own direction.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from feeds.models import RTL_LANGUAGES, Kind
from feeds.month_names import MONTHS
from feeds.render import KIND_LABELS, Entry

LATEST_ON_INDEX = 5  # items per language on the index page

# Words of the feed pages, per language; a language without its own falls back to English.
WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "latest": "الأحدث",
        "see_all": "كل المواد",
        "subscribe": "للاشتراك: انسخ رابط الخلاصة والصقه في قارئ الخلاصات الذي تستخدمه "
                     "(مثل Feedly أو Inoreader أو Thunderbird)، فتصلك المواد الجديدة تلقائياً.",
        "telegram": "أو تابعها على تيليغرام:",
        "empty": "لم يُنشر شيء هنا بعد.",
        "home": "كل الخلاصات",
        "formats": "صيغ الخلاصة",
        "campaigns": "نداءات التحرك",
        "digest": "الموجز",
    },
    "en": {
        "latest": "Latest",
        "see_all": "See all items",
        "subscribe": "How to subscribe: copy a feed link and paste it into your feed reader "
                     "(such as Feedly, Inoreader or Thunderbird); new items then come to you.",
        "telegram": "Or follow on Telegram:",
        "empty": "Nothing has been published here yet.",
        "home": "All feeds",
        "formats": "Feed formats",
        "campaigns": "Campaign calls",
        "digest": "Digest",
    },
}


@dataclass(frozen=True)
class FeedLink:
    """One format of a feed, as a page links to it."""

    label: str  # "RSS", "Atom", "JSON Feed"
    media_type: str
    path: str  # relative to the output directory: "ar/campaigns/rss.xml"
    url: str  # the absolute public URL, shown for copying


@dataclass(frozen=True)
class FeedPage:
    """The page of one feed: written as `index.html` in the feed's directory."""

    directory: str  # "ar/", "ar/campaigns/", "alqst/ar/"
    lang: str
    title: str
    description: str
    campaigns: bool
    source: str | None  # None: all sources together
    links: tuple[FeedLink, ...]
    entries: tuple[Entry, ...]
    telegram: str | None = None  # the language's channel link
    digest: bool = False  # the `{lang}/digest/` feed: one entry per digest period
    timezone: str = "UTC"  # the organisation's (config.timezone): dates are its days

    @property
    def path(self) -> str:
        return self.directory + "index.html"


def format_date(value: datetime, lang: str, tz: tzinfo = UTC) -> str:
    """A date in the language's own words ("1 مارس 2024", "1 March 2024"); ISO elsewhere.
    The day is the one in `tz`: an article published at 23:30 UTC is already the next
    day in Riyadh, and the organisation's readers go by its clock."""
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    months = MONTHS.get(lang)
    if months is None:
        return value.date().isoformat()
    return f"{value.day} {months[value.month - 1]} {value.year}"


def words_in(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def items_html(entries: Sequence[Entry], lang: str, *, summaries: bool,
               tz: tzinfo = UTC) -> str:
    """An ordered list of entries: title (linked, isolated), date, campaign badge."""
    esc = html.escape
    badge = KIND_LABELS.get(lang, KIND_LABELS["en"])[Kind.CAMPAIGN]
    rows = []
    for e in entries:
        # The title isolated in its own language's direction: an Arabic title that opens
        # with a Latin name ("ALQST تطالب ...") still reads right to left, and a title of
        # another language in this list does not reorder the text around it.
        title_dir = direction(e.lang)
        parts = [f'<li lang="{esc(e.lang)}">',
                 f'<p class="item-title"><a href="{esc(e.url)}"><bdi dir="{title_dir}">'
                 f"{esc(e.title)}</bdi></a></p>",
                 f'<p class="meta"><time datetime="{e.published.isoformat()}">'
                 f"{esc(format_date(e.published, lang, tz))}</time>"]
        if e.kind == Kind.CAMPAIGN:
            parts.append(f'<span class="badge">{esc(badge)}</span>')
        parts.append("</p>")
        if summaries and e.summary:
            parts.append(f'<p class="summary"><bdi dir="{title_dir}">{esc(e.summary)}</bdi></p>')
        parts.append("</li>")
        rows.append("".join(parts))
    return '<ol class="items">\n' + "\n".join(rows) + "\n</ol>"


def latest_html(entries: Sequence[Entry], lang: str, page_href: str,
                tz: tzinfo = UTC) -> str:
    """The index page's block of a language: its newest items and a link to its page."""
    esc = html.escape
    words = words_in(lang)
    shown = entries[:LATEST_ON_INDEX]
    body = items_html(shown, lang, summaries=False, tz=tz) if shown else \
        f"<p>{esc(words['empty'])}</p>"
    return (f'<div class="latest">\n<h3>{esc(words["latest"])}</h3>\n{body}\n'
            f'<p><a href="{esc(page_href)}">{esc(words["see_all"])}</a></p>\n</div>')


def render_feed_page(page: FeedPage, siblings: Sequence[FeedPage],
                     language_names: dict[str, str]) -> bytes:
    """The page of one feed; `siblings` are the pages of the same source, linked in a nav."""
    esc = html.escape
    words = words_in(page.lang)
    # A language without words of its own is told in English, and marked so.
    words_lang = "" if page.lang in WORDS else ' lang="en" dir="ltr"'

    def href(path: str) -> str:
        return esc(_relative(page.directory, path))

    autodiscovery = "\n".join(
        f'<link rel="alternate" type="{esc(link.media_type)}" '
        f'title="{esc(page.title)} ({esc(link.label)})" href="{href(link.path)}">'
        for link in page.links)
    nav = [f'<a href="{href("")}">{esc(words["home"])}</a>']
    nav += [f'<a href="{href(other.directory)}" hreflang="{esc(other.lang)}" '
            f'lang="{esc(other.lang)}" dir="{direction(other.lang)}">'
            f"{esc(_short_label(other, language_names))}</a>"
            for other in siblings if other.directory != page.directory]
    # The feed's own title and description are in the page's language: they take its
    # direction, whatever script the organisation's name inside them is written in.
    header = [f"<h1>{esc(page.title)}</h1>",
              f"<p>{esc(page.description)}</p>",
              f'<nav class="pages"{words_lang}>' + "".join(nav) + "</nav>"]
    formats = "".join(f'<li><a href="{href(link.path)}" type="{esc(link.media_type)}">'
                      f"{esc(link.label)}</a></li>" for link in page.links)
    subscribe = [f'<p class="subscribe">{esc(words["subscribe"])}</p>',
                 f'<ul class="formats" aria-label="{esc(words["formats"])}">{formats}</ul>']
    if page.links:
        subscribe.append(f'<code class="url" dir="ltr">{esc(page.links[0].url)}</code>')
    if page.telegram:
        subscribe.append(f'<p class="telegram">{esc(words["telegram"])} '
                         f'<a href="{esc(page.telegram)}"><bdi dir="ltr">'
                         f'{esc(page.telegram.split("://", 1)[-1])}</bdi></a></p>')
    items = items_html(page.entries, page.lang, summaries=True,
                       tz=ZoneInfo(page.timezone)) if page.entries else \
        f"<p{words_lang}>{esc(words['empty'])}</p>"
    document = _template("feed.html").substitute(
        lang=esc(page.lang), dir=direction(page.lang), title=esc(page.title),
        autodiscovery=autodiscovery, style=stylesheet(), header="\n".join(header),
        subscribe="\n".join(subscribe), items=items, words_lang=words_lang)
    return document.encode("utf-8")


def _relative(directory: str, path: str) -> str:
    """`path` (from the output directory; a directory ends in "/") as a link from a page in
    `directory`."""
    link = posixpath.relpath(path or ".", directory or ".")
    if path.endswith("/") or not path:
        link = "./" if link == "." else link + "/"
    return link


def _short_label(page: FeedPage, language_names: dict[str, str]) -> str:
    name = language_names.get(page.lang, page.lang)
    if page.digest:
        return f"{name}: {words_in(page.lang)['digest']}"
    if not page.campaigns:
        return name
    return f"{name}: {words_in(page.lang)['campaigns']}"


@cache
def _template(name: str) -> Template:
    return Template((Path(__file__).parent / "templates" / name).read_text("utf-8"))


@cache
def stylesheet() -> str:
    """The CSS every page carries inline (one file fewer to serve and cache)."""
    return (Path(__file__).parent / "templates" / "style.css").read_text("utf-8")
