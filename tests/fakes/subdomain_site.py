"""A bilingual test site whose languages live on two hosts, as `en.` and `ar.` subdomains
do: English on 127.0.0.1 and Arabic on 127.0.0.2, one port, the same paths on both.

Unlike the other test sites: the news index pages by offset (`/news?start=3`) through a
"Load more" button, Arabic article URLs carry percent-encoded Arabic slugs, the Arabic date
is written in Arabic-Indic digits (`<span class="date">١٢ ديسمبر ٢٠٢٤</span>`), a cookie
banner and a mega-menu (with a "featured" article link) come before the content, and the
article text is a Drupal-style `<div class="field--body">` followed by share and related
blocks. No hreflang, no feed: the switcher links to the other host's home page.
"""

from __future__ import annotations

import html
import re
from typing import Self
from urllib.parse import parse_qs, quote, unquote, urlsplit

from feeds.server_thread import ServerThread
from tests.fakes.html_site import HtmlSite, _Handler, _Server
from tests.fakes.ngo_corpus import AR_MONTHS, LANGS, CorpusPost, body_html, newest_first

PAGE_SIZE = 3
HOSTS = {"en": "127.0.0.1", "ar": "127.0.0.2"}
CHROME = ("cookies", "Accept all", "Our work", "Share this", "Related news", "Donate",
          "Levant Detention Monitor", "ملفات تعريف الارتباط", "قبول الكل", "عملنا", "شارك الخبر",
          "أخبار ذات صلة", "تبرّع", "مرصد الاحتجاز في المشرق")
_WORDS = {
    "en": {"site": "Levant Detention Monitor", "home": "Home", "news": "News",
           "work": "Our work", "featured": "Featured", "involved": "Get involved",
           "donate": "Donate", "topics": ("Detention", "Free speech", "Migrant rights"),
           "cookie": "We use cookies to understand how our site is used.",
           "accept": "Accept all", "more": "Load more", "share": "Share this",
           "related": "Related news", "latest": "Latest news", "all": "All news",
           "switch": "عربي", "other": "ar"},
    "ar": {"site": "مرصد الاحتجاز في المشرق", "home": "الرئيسية", "news": "الأخبار",
           "work": "عملنا", "featured": "مختارات", "involved": "شارك معنا",
           "donate": "تبرّع", "topics": ("الاحتجاز", "حرية التعبير", "حقوق المهاجرين"),
           "cookie": "نستخدم ملفات تعريف الارتباط لفهم كيفية استخدام موقعنا.",
           "accept": "قبول الكل", "more": "عرض المزيد", "share": "شارك الخبر",
           "related": "أخبار ذات صلة", "latest": "آخر الأخبار", "all": "كل الأخبار",
           "switch": "English", "other": "en"},
}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def item_id(post: CorpusPost) -> int:
    return 7100 + post.number


def item_path(post: CorpusPost, lang: str) -> str:
    """`/news/7105-new-law-widens-the-definition` or the Arabic slug, percent-encoded."""
    words = re.findall(r"\w+", post.version(lang).title.lower())[:4]
    return f"/news/{item_id(post)}-{quote('-'.join(words))}"


def shown_date(post: CorpusPost, lang: str) -> str:
    if lang == "ar":
        return (f"{post.date.day} {AR_MONTHS[post.date.month - 1]} "
                f"{post.date.year}").translate(_INDIC)
    return f"{post.date:%B} {post.date.day}, {post.date.year}"


class _LanguageHost(HtmlSite):
    """What one host serves: the site in one language."""

    def __init__(self, site: SubdomainSite, lang: str) -> None:
        self.site, self.lang = site, lang

    def answer_target(self, target: str) -> tuple[int, str]:
        return self.site.answer_lang(self.lang, target)


class SubdomainSite:
    name = "subdomain-site"

    def __init__(self) -> None:
        self._threads: list[ServerThread] = []
        self.port = 0

    def start(self) -> Self:
        for lang in LANGS:
            server = _Server((HOSTS[lang], self.port), _Handler)
            server.site = _LanguageHost(self, lang)
            self.port = server.server_address[1]
            self._threads.append(ServerThread(server, f"{self.name}-{lang}",
                                              poll_interval=0.05).start())
        return self

    def stop(self) -> None:
        for thread in self._threads:
            thread.stop()
        self._threads = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def origin(self, lang: str) -> str:
        return f"http://{HOSTS[lang]}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin("en")

    @property
    def home_url(self) -> str:
        return self.origin("en") + "/"

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return self.origin(lang) + item_path(post, lang)

    def answer_lang(self, lang: str, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        path = unquote(parts.path)
        if path == "/":
            return 200, self._home(lang)
        if path == "/news":
            raw = parse_qs(parts.query).get("start", ["0"])[0]
            start = int(raw) if raw.isdigit() else 0
            if start < len(newest_first()):
                return 200, self._listing(lang, start)
        for post in newest_first():
            if path == unquote(item_path(post, lang)):
                return 200, self._article(post, lang)
        return 404, self._document(lang, "404", "<p>Page not found.</p>")

    # ---- pages

    def _document(self, lang: str, title: str, content: str) -> str:
        w = _WORDS[lang]
        featured = newest_first()[2]
        topics = "".join(f'<li><a href="/topics/{i}">{t}</a></li>'
                         for i, t in enumerate(w["topics"]))
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)} | {w['site']}</title></head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>{w['cookie']}</p>
<button>{w['accept']}</button></div>
<header class="site-header"><a class="logo" href="/">{w['site']}</a>
<a class="switch" href="{self.origin(w['other'])}/">{w['switch']}</a>
<nav class="mega-menu"><ul>
<li class="mega"><span>{w['work']}</span><ul>{topics}</ul></li>
<li class="mega"><span>{w['featured']}</span><ul><li><a href="{item_path(featured, lang)}">
{html.escape(featured.version(lang).title)}</a></li></ul></li>
<li class="mega"><span>{w['involved']}</span><ul><li><a href="/news">{w['news']}</a></li>
<li><a href="/donate">{w['donate']}</a></li></ul></li></ul></nav></header>
<main id="main-content">{content}</main>
<footer class="site-footer"><a href="/donate">{w['donate']}</a> &copy; {w['site']}</footer>
</body></html>
"""

    def _teaser(self, post: CorpusPost, lang: str) -> str:
        return (f'<div class="views-row"><span class="date">{shown_date(post, lang)}</span>'
                f'<h3><a href="{item_path(post, lang)}">'
                f'{html.escape(post.version(lang).title)}</a></h3></div>')

    def _home(self, lang: str) -> str:
        w = _WORDS[lang]
        rows = "".join(self._teaser(p, lang) for p in newest_first()[:2])
        content = (f'<section class="latest"><h2>{w["latest"]}</h2>{rows}'
                   f'<a href="/news">{w["all"]}</a></section>')
        return self._document(lang, w["home"], content)

    def _listing(self, lang: str, start: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[start:start + PAGE_SIZE]
        rows = "".join(self._teaser(p, lang) for p in posts)
        more = ""
        if start + PAGE_SIZE < len(newest_first()):
            more = (f'<div class="pager"><a class="button load-more" rel="next" '
                    f'href="/news?start={start + PAGE_SIZE}">{w["more"]}</a></div>')
        content = f'<h1>{w["news"]}</h1><div class="view-content">{rows}</div>{more}'
        return self._document(lang, w["news"], content)

    def _article(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        others = [p for p in newest_first() if p is not post][:3]
        related = "".join(f'<li><a href="{item_path(p, lang)}">'
                          f"{html.escape(p.version(lang).title)}</a></li>" for p in others)
        content = f"""<div class="node node--type-news">
<h1 class="page-title"><span class="field--title">{html.escape(version.title)}</span></h1>
<span class="date">{shown_date(post, lang)}</span>
<div class="field--body">
{body_html(version)}
</div>
<div class="share-links">{w['share']}: <a href="https://x.com/share">X</a>
<a href="https://facebook.com/sharer">Facebook</a></div>
<div class="related"><h2>{w['related']}</h2><ul>{related}</ul></div>
</div>"""
        return self._document(lang, version.title, content)
