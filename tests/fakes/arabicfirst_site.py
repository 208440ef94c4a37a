"""An Arabic-first bilingual test site whose English version is partial: Arabic at `/`,
English under `/en/`, news at `/news/2024/12/12/123.html`, the news index a table
(`<table><tr><td><a>…</a></td><td>12/12/2024</td></tr>`) paged as `/news/index_2.html`, and
a full-content RSS feed per language (`/rss.xml`, `/en/rss.xml`) advertised on each page.

Unlike the other test sites: only the newer posts have an English version, and the English
index also lists the older, Arabic-only ones, linking to their Arabic pages ("(in Arabic)");
dates written day first as `12/12/2024` (the article page's label is a bare "التاريخ:" /
"Date:"), a reading counter beside it, and a cookie banner, share bar, related news and a
comments section whose comments carry dates of their own.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time
from email.utils import format_datetime

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import CorpusPost, body_html, newest_first

PAGE_SIZE = 4
ENGLISH_FROM = 3  # posts numbered from here on have an English version
CHROME = ("cookies", "Share", "Views", "Related news", "Comments", "Add a comment",
          "Najd Centre for Rights", "ملفات تعريف الارتباط", "شارك", "عدد القراءات",
          "أخبار ذات صلة", "التعليقات", "أضف تعليقاً", "مركز نجد للحقوق")
_WORDS = {
    "ar": {"site": "مركز نجد للحقوق", "home": "الرئيسية", "news": "الأخبار",
           "about": "من نحن", "date": "التاريخ:", "views": "عدد القراءات:",
           "cookie": "يستخدم هذا الموقع ملفات تعريف الارتباط.", "ok": "موافق",
           "share": "شارك:", "related": "أخبار ذات صلة", "comments": "التعليقات",
           "add": "أضف تعليقاً", "next": "التالي", "prev": "السابق", "switch": "English",
           "title": "العنوان", "when": "التاريخ", "comment": "نطالب بالإفراج الفوري.",
           "other": "اقرأ بالإنجليزية", "arabic": ""},
    "en": {"site": "Najd Centre for Rights", "home": "Home", "news": "News",
           "about": "About", "date": "Date:", "views": "Views:",
           "cookie": "This site uses cookies.", "ok": "OK", "share": "Share:",
           "related": "Related news", "comments": "Comments", "add": "Add a comment",
           "next": "Next", "prev": "Previous", "switch": "العربية", "title": "Title",
           "when": "Date", "comment": "We demand their immediate release.",
           "other": "اقرأ بالعربية", "arabic": " (in Arabic)"},
}


def has_english(post: CorpusPost) -> bool:
    return post.number >= ENGLISH_FROM


def dmy(post: CorpusPost) -> str:
    return f"{post.date:%d/%m/%Y}"


class ArabicFirstSite(HtmlSite):
    name = "arabicfirst-site"

    def news_id(self, post: CorpusPost) -> int:
        return 100 + post.number

    def _path(self, post: CorpusPost, lang: str) -> str:
        prefix = "/en" if lang == "en" else ""
        return f"{prefix}/news/{post.date:%Y/%m/%d}/{self.news_id(post)}.html"

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return self.base_url + self._path(post, lang)

    def languages(self, post: CorpusPost) -> tuple[str, ...]:
        """The languages this post is published in (tests/discover_sites.py asks)."""
        return ("ar", "en") if has_english(post) else ("ar",)

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def content_type(self, path: str) -> str:
        if path.endswith("rss.xml"):
            return "application/rss+xml; charset=UTF-8"
        return super().content_type(path)

    def _posts(self, lang: str) -> list[CorpusPost]:
        return [p for p in newest_first() if lang == "ar" or has_english(p)]

    def answer(self, path: str) -> tuple[int, str]:
        lang = "en" if path == "/en" or path.startswith("/en/") else "ar"
        rest = path.removeprefix("/en") if lang == "en" else path
        if rest in ("", "/", "/index.html"):
            return 200, self._home(lang)
        if rest == "/rss.xml":
            return 200, self._rss(lang)
        if rest in ("/news", "/news/", "/news/index.html"):
            return 200, self._index(lang, 1)
        page = re.fullmatch(r"/news/index_(\d+)\.html", rest)
        number = int(page.group(1)) if page else 0
        if number > 1 and (number - 1) * PAGE_SIZE < len(self._index_rows(lang)):
            return 200, self._index(lang, number)
        for post in self._posts(lang):
            if self._path(post, lang) == path:
                return 200, self._article(post, lang)
        return 404, self._document(lang, "404", "<p>404</p>")

    # ---- pages

    def _document(self, lang: str, title: str, content: str, switch: str | None = None) -> str:
        w = _WORDS[lang]
        prefix = "/en" if lang == "en" else ""
        switch = switch or ("/" if lang == "en" else "/en/")
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)} :: {w['site']}</title>
<link rel="alternate" type="application/rss+xml" title="{w['site']}" href="{prefix}/rss.xml">
</head>
<body><div class="cookies-bar">{w['cookie']} <a href="#" class="ok">{w['ok']}</a></div>
<div class="top"><div class="logo"><a href="{prefix}/">{w['site']}</a></div>
<ul class="mainmenu"><li><a href="{prefix}/">{w['home']}</a></li>
<li><a href="{prefix}/news/">{w['news']}</a></li>
<li><a href="{prefix}/about.html">{w['about']}</a></li>
<li class="lang"><a href="{switch}">{w['switch']}</a></li></ul></div>
<div class="page">{content}</div>
<div class="bottom">{w['site']} &copy; 2025</div></body></html>
"""

    def _home(self, lang: str) -> str:
        latest = "".join(f'<li><a href="{self._path(p, lang)}">{html.escape(p.version(lang).title)}'
                         f"</a></li>" for p in self._posts(lang)[:3])
        return self._document(lang, _WORDS[lang]["home"],
                              f'<div class="box"><ul class="latest">{latest}</ul></div>')

    def _index_rows(self, lang: str) -> list[tuple[CorpusPost, str]]:
        """Each row: the post and the page it links to; the English index lists the
        Arabic-only posts too, linking to their Arabic pages."""
        rows = []
        for post in newest_first():
            if lang == "en" and not has_english(post):
                rows.append((post, self._path(post, "ar")))
            else:
                rows.append((post, self._path(post, lang)))
        return rows

    def _index(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        rows = self._index_rows(lang)
        prefix = "/en" if lang == "en" else ""
        cells = []
        for post, href in rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]:
            arabic_only = lang == "en" and not has_english(post)
            title = post.version(lang).title + (w["arabic"] if arabic_only else "")
            cells.append(f'<tr><td class="t"><a href="{href}">{html.escape(title)}</a></td>'
                         f'<td class="d">{dmy(post)}</td></tr>')
        paging = []
        if number > 1:
            back = f"{prefix}/news/" if number == 2 else f"{prefix}/news/index_{number - 1}.html"
            paging.append(f'<a href="{back}">{w["prev"]}</a>')
        if number * PAGE_SIZE < len(rows):
            paging.append(f'<a href="{prefix}/news/index_{number + 1}.html">{w["next"]}</a>')
        content = (f'<table class="list" width="100%"><tr><th>{w["title"]}</th>'
                   f'<th>{w["when"]}</th></tr>{"".join(cells)}</table>'
                   f'<div class="pages">{" ".join(paging)}</div>')
        return self._document(lang, w["news"], content)

    def _article(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        related = "".join([f'<li><a href="{href}">{html.escape(p.version(lang).title)}</a></li>'
                           for p, href in self._index_rows(lang) if p is not post][:3])
        other = "en" if lang == "ar" else "ar"
        read_other = (f'<div class="other-lang"><a href="{self._path(post, other)}">'
                      f"{w['other']}</a></div>" if has_english(post) else "")
        comment_day = post.date.replace(day=min(post.date.day + 2, 28))
        content = f"""<div class="path"><a href="/">{w['home']}</a> &gt; {w['news']}</div>
<h1 class="news-title">{html.escape(version.title)}</h1>
<div class="news-info"><span class="lbl">{w['date']}</span> <span class="val">{dmy(post)}</span>
 | <span class="lbl">{w['views']}</span> <span class="val">{post.number * 211}</span></div>
{read_other}
<div class="news-body">
{body_html(version)}
</div>
<div class="share">{w['share']} <a href="https://www.facebook.com/sharer.php">Facebook</a>
<a href="https://twitter.com/intent/tweet">Twitter</a>
<a href="https://wa.me/?text=x">WhatsApp</a></div>
<div class="related"><h3>{w['related']}</h3><ul>{related}</ul></div>
<div class="comments"><h3>{w['comments']} (1)</h3>
<div class="comment"><span class="c-date">{comment_day:%d/%m/%Y}</span><p>{w['comment']}</p></div>
<form class="add"><h4>{w['add']}</h4><textarea></textarea></form></div>"""
        switch = self._path(post, other) if has_english(post) else None
        return self._document(lang, version.title, content, switch)

    def _rss(self, lang: str) -> str:
        w = _WORDS[lang]
        prefix = "/en" if lang == "en" else ""
        items = "".join(
            f"<item><title>{html.escape(p.version(lang).title)}</title>"
            f"<link>{self.post_url(p, lang)}</link><guid>{self.post_url(p, lang)}</guid>"
            f"<pubDate>{format_datetime(datetime.combine(p.date, time(7), UTC))}</pubDate>"
            f"<description>{html.escape(p.version(lang).paragraphs[0])}</description>"
            f"<content:encoded><![CDATA[{body_html(p.version(lang))}]]></content:encoded>"
            "</item>" for p in self._posts(lang))
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                f"<title>{w['site']}</title><link>{self.base_url}{prefix}/</link>"
                f"<description>{w['site']}</description><language>{lang}</language>"
                f"{items}</channel></rss>")


__all__ = ["ArabicFirstSite"]
