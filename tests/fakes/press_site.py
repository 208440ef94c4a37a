"""A bilingual WordPress-like test site (Polylang's shape): English at `/`, Arabic under
`/ar/`, posts at `/YYYY/MM/slug/`, pages of `/page/N/`, `<time class="entry-date">`.

Unlike the replica and tests/fakes/wordpress_site.py: the home page is the listing, the
sidebar lists recent posts on every page, and each post carries a share bar and a "you may
also like" box inside `.entry-content` under class names the default `remove` list misses.

    with PressSite() as site:
        site.post_url(post, "ar")
"""

from __future__ import annotations

import html
import re

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import LANGS, CorpusPost, body_html, long_date, newest_first

PAGE_SIZE = 3
CHROME = ("Spread the word", "You may also like", "Recent Posts", "Gulf Rights Watch is a",
          "انشر الخبر", "قد يعجبك أيضاً", "أحدث المقالات", "مرصد الخليج منظمة")
_WORDS = {
    "en": {"site": "Gulf Rights Watch", "home": "Home", "about": "About", "contact": "Contact",
           "next": "Next &raquo;", "prev": "&laquo; Previous", "recent": "Recent Posts",
           "posted": "Posted on", "by": "by", "share": "Spread the word",
           "like": "You may also like", "about_text": "Gulf Rights Watch is a small team "
           "documenting abuses in the Gulf since 2012.", "switch": "العربية"},
    "ar": {"site": "مرصد الخليج للحقوق", "home": "الرئيسية", "about": "من نحن",
           "contact": "اتصل بنا", "next": "التالي &laquo;", "prev": "&raquo; السابق",
           "recent": "أحدث المقالات", "posted": "نُشر في", "by": "بقلم",
           "share": "انشر الخبر", "like": "قد يعجبك أيضاً",
           "about_text": "مرصد الخليج منظمة صغيرة توثّق الانتهاكات في الخليج منذ 2012.",
           "switch": "English"},
}


def _slug(post: CorpusPost, lang: str) -> str:
    title = post.version(lang).title.lower()
    return re.sub(r"[^\w]+", "-", title).strip("-")


class PressSite(HtmlSite):
    name = "press-site"

    def path(self, post: CorpusPost, lang: str) -> str:
        prefix = "/ar" if lang == "ar" else ""
        return f"{prefix}/{post.date:%Y/%m}/{_slug(post, lang)}/"

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return self.base_url + self.path(post, lang)

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def answer(self, path: str) -> tuple[int, str]:
        from urllib.parse import unquote

        path = unquote(path)
        lang = "ar" if path == "/ar" or path.startswith("/ar/") else "en"
        rest = path[3:] if lang == "ar" else path
        if rest in ("", "/"):
            return 200, self._listing(lang, 1)
        if match := re.fullmatch(r"/page/(\d+)/?", rest):
            number = int(match.group(1))
            if number >= 1 and (number - 1) * PAGE_SIZE < len(newest_first()):
                return 200, self._listing(lang, number)
        for post in newest_first():
            if self.path(post, lang).rstrip("/") == path.rstrip("/"):
                return 200, self._post(post, lang)
        return 404, self._document(lang, "Not found", "<p>Nothing here.</p>", {})

    # ---- pages

    def _document(self, lang: str, title: str, main: str, alternates: dict[str, str]) -> str:
        w = _WORDS[lang]
        other = "en" if lang == "ar" else "ar"
        links = "".join(f'<link rel="alternate" hreflang="{code}" href="{self.base_url}{href}" />'
                        for code, href in alternates.items())
        home = "/ar/" if lang == "ar" else "/"
        recent = "".join(f'<li><a href="{self.path(p, lang)}">{html.escape(p.version(lang).title)}'
                         "</a></li>" for p in newest_first()[:4])
        switch = alternates.get(other, "/" if other == "en" else "/ar/")
        return f"""<!DOCTYPE html>
<html lang="{'ar' if lang == 'ar' else 'en-US'}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="UTF-8" /><title>{html.escape(title)} &#8211; {w['site']}</title>
{links}</head>
<body class="home blog">
<div id="page" class="hfeed site">
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title">
<a href="{home}" rel="home">{w['site']}</a></p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li><a href="{home}">{w['home']}</a></li><li><a href="{home}about/">{w['about']}</a></li>
<li><a href="{home}contact/">{w['contact']}</a></li>
<li class="pll-parent-menu-item"><a href="{switch}" lang="{other}">{w['switch']}</a></li>
</ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">
{main}
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">
<h2 class="widget-title">{w['recent']}</h2><ul>{recent}</ul></section>
<section class="widget widget_text"><div class="textwidget"><p>{w['about_text']}</p></div>
</section></aside></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2025 {w['site']}
</div></footer></div></body></html>
"""

    def _listing(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        prefix = "/ar" if lang == "ar" else ""
        items = "\n".join(
            f'<article class="post type-post hentry"><header class="entry-header">'
            f'<h2 class="entry-title"><a href="{self.path(p, lang)}" rel="bookmark">'
            f"{html.escape(p.version(lang).title)}</a></h2><div class=\"entry-meta\">"
            f'<time class="entry-date published" datetime="{p.date.isoformat()}T08:30:00+00:00">'
            f"{long_date(p.date, lang)}</time></div></header><div class=\"entry-summary\"><p>"
            f"{html.escape(p.version(lang).paragraphs[0][:90])} [&hellip;]</p></div></article>"
            for p in posts)
        nav = []
        if number > 1:
            nav.append(f'<a class="prev page-numbers" href="{prefix}/page/{number - 1}/">'
                       f"{w['prev']}</a>")
        if number * PAGE_SIZE < len(newest_first()):
            nav.append(f'<a class="next page-numbers" href="{prefix}/page/{number + 1}/">'
                       f"{w['next']}</a>")
        alternates = {"en": "/" if number == 1 else f"/page/{number}/",
                      "ar": "/ar/" if number == 1 else f"/ar/page/{number}/"}
        main = (f"{items}\n<nav class=\"navigation pagination\"><div class=\"nav-links\">"
                f"{''.join(nav)}</div></nav>")
        return self._document(lang, w["site"], main, alternates)

    def _post(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        permalink = self.post_url(post, lang)
        others = [p for p in newest_first() if p is not post][:2]
        like = "".join(f'<li><a href="{self.path(p, lang)}">{html.escape(p.version(lang).title)}'
                       "</a></li>" for p in others)
        main = f"""<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{html.escape(version.title)}</h1>
<div class="entry-meta"><span class="posted-on">{w['posted']} <a href="{permalink}" rel="bookmark">
<time class="entry-date published" datetime="{post.date.isoformat()}T08:30:00+00:00">
{long_date(post.date, lang)}</time></a></span>
<span class="byline"> {w['by']} <span class="author vcard">Staff</span></span></div></header>
<div class="entry-content">
{body_html(version)}
<div class="sd-block sd-social"><h3 class="sd-title">{w['share']}</h3><ul>
<li><a href="https://twitter.com/intent/tweet?url={permalink}">X</a></li>
<li><a href="https://www.facebook.com/sharer.php?u={permalink}">Facebook</a></li></ul></div>
<div class="you-may-like"><h3>{w['like']}</h3><ul>{like}</ul></div>
</div>
<footer class="entry-footer"><span class="cat-links">News</span></footer></article>"""
        alternates = {code: self.path(post, code) for code in LANGS}
        return self._document(lang, version.title, main, alternates)
