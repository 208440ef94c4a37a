"""A bilingual hand-built test site whose language is a query parameter (`?lang=ar`):
stories at `/story/N?lang=xx`, listings `/stories?lang=xx&page=N`, an RSS feed per
language advertised with `<link rel="alternate" type="application/rss+xml">`.

Unlike the other test sites: no <article>, no h1 title (the only h1 is the site's name on
every page), pagination by "Next"/"التالي" words alone, the date as a label and a value in two
spans with a line break between them, and a tools row and "see also" box inside the text.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import LANGS, CorpusPost, body_html, long_date, newest_first

PAGE_SIZE = 3
CHROME = ("Print", "Email a friend", "See also", "Newsletter", "Bahrain Justice Lab",
          "طباعة", "أرسل لصديق", "انظر أيضاً", "النشرة البريدية", "مختبر العدالة")
_WORDS = {
    "en": {"site": "Bahrain Justice Lab", "home": "Home", "stories": "Latest",
           "next": "Next", "prev": "Previous", "published": "Published:", "print": "Print",
           "email": "Email a friend", "see": "See also", "news": "Newsletter: sign up",
           "switch": "عربي", "other": "ar"},
    "ar": {"site": "مختبر العدالة البحريني", "home": "الرئيسية", "stories": "آخر الأخبار",
           "next": "التالي", "prev": "السابق", "published": "تاريخ النشر:", "print": "طباعة",
           "email": "أرسل لصديق", "see": "انظر أيضاً", "news": "النشرة البريدية: اشترك",
           "switch": "English", "other": "en"},
}


class LangQuerySite(HtmlSite):
    """`full_feed`: the feed's entries carry the whole article (content:encoded), not only
    its first paragraph."""

    name = "langquery-site"

    def __init__(self, *, full_feed: bool = False) -> None:
        self.full_feed = full_feed

    def story_id(self, post: CorpusPost) -> int:
        return 4000 + post.number

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return f"{self.base_url}/story/{self.story_id(post)}?lang={lang}"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def content_type(self, path: str) -> str:
        if path == "/rss":
            return "application/rss+xml; charset=UTF-8"
        return super().content_type(path)

    def answer_target(self, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        lang = query.get("lang", ["en"])[0]
        if lang not in LANGS:
            lang = "en"
        path = parts.path
        if path in ("/", "/index.php"):
            return 200, self._home(lang)
        if path == "/stories":
            raw = query.get("page", ["1"])[0]
            number = int(raw) if raw.isdigit() else 1
            if number >= 1 and (number - 1) * PAGE_SIZE < len(newest_first()):
                return 200, self._listing(lang, number)
        if path == "/rss":
            return 200, self._rss(lang)
        if match := re.fullmatch(r"/story/(\d+)", path):
            for post in newest_first():
                if self.story_id(post) == int(match.group(1)):
                    return 200, self._story(post, lang)
        return 404, self._document(lang, "Not found", "<p>Not found.</p>", path)

    def answer(self, path: str) -> tuple[int, str]:
        return self.answer_target(path)

    # ---- pages

    def _document(self, lang: str, title: str, content: str, here: str) -> str:
        w = _WORDS[lang]
        other = w["other"]
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)} - {w['site']}</title>
<link rel="alternate" type="application/rss+xml" title="{w['site']}" href="/rss?lang={lang}">
<link rel="stylesheet" href="/css/lab.css"></head>
<body>
<div id="top"><h1 class="brand"><a href="/?lang={lang}">{w['site']}</a></h1>
<div class="langs"><a href="{here}?lang={other}">{w['switch']}</a></div>
<ul class="menu"><li><a href="/?lang={lang}">{w['home']}</a></li>
<li><a href="/stories?lang={lang}">{w['stories']}</a></li></ul></div>
<div id="wrap"><div id="col-main">{content}</div>
<div id="col-side"><div class="box"><b>{w['news']}</b>
<form action="/subscribe"><input name="email"></form></div></div></div>
<div id="bottom">&copy; {w['site']} 2025</div>
</body></html>
"""

    def _home(self, lang: str) -> str:
        post = newest_first()[0]
        content = (f'<div class="lead"><a href="/story/{self.story_id(post)}?lang={lang}">'
                   f"{html.escape(post.version(lang).title)}</a></div>")
        return self._document(lang, _WORDS[lang]["home"], content, "/")

    def _listing(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        rows = "".join(
            f'<div class="item"><a class="item-link" href="/story/{self.story_id(p)}?lang={lang}">'
            f"{html.escape(p.version(lang).title)}</a><div class=\"item-date\">"
            f"{long_date(p.date, lang)}</div></div>" for p in posts)
        paging = []
        if number > 1:
            paging.append(f'<a href="/stories?lang={lang}&amp;page={number - 1}">{w["prev"]}</a>')
        if number * PAGE_SIZE < len(newest_first()):
            paging.append(f'<a href="/stories?lang={lang}&amp;page={number + 1}">{w["next"]}</a>')
        content = (f'<div class="items">{rows}</div><div class="paging">'
                   f'{" | ".join(paging)}</div>')
        return self._document(lang, w["stories"], content, "/stories")

    def _story(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        see = [p for p in newest_first() if p is not post][:2]
        see_links = "".join(f'<li><a href="/story/{self.story_id(p)}?lang={lang}">'
                            f"{html.escape(p.version(lang).title)}</a></li>" for p in see)
        content = f"""<div class="story">
<div class="story-title">{html.escape(version.title)}</div>
<div class="story-meta"><span class="lbl">{w['published']}</span>
<span class="val">{long_date(post.date, lang)}</span></div>
<div class="story-text">
{body_html(version)}
<div class="tools"><a href="javascript:print()">{w['print']}</a>
<a href="/mail?story={self.story_id(post)}">{w['email']}</a></div>
<div class="see"><b>{w['see']}</b><ul>{see_links}</ul></div>
</div></div>"""
        return self._document(lang, version.title, content, f"/story/{self.story_id(post)}")

    def _rss(self, lang: str) -> str:
        w = _WORDS[lang]
        items = "".join(
            f"<item><title>{html.escape(p.version(lang).title)}</title>"
            f"<link>{self.post_url(p, lang)}</link>"
            f"<pubDate>{format_datetime(datetime.combine(p.date, time(9), UTC))}</pubDate>"
            f"<description>{html.escape(p.version(lang).paragraphs[0])}</description>"
            + (f"<content:encoded><![CDATA[{body_html(p.version(lang))}]]></content:encoded>"
               if self.full_feed else "") + "</item>"
            for p in newest_first()[:5])
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                f"<title>{w['site']}</title><link>{self.base_url}/?lang={lang}</link>"
                f"<description>{w['site']}</description><language>{lang}</language>"
                f"{items}</channel></rss>")
