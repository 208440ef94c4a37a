"""A bilingual Wix/Squarespace-like test site: div soup under generated class names
(`class="_2Hij5 font_8"`), English at `/` and Arabic under `/ar/`, the blog at `/blog` paged
as `/blog/page/2`, posts at `/post/slug` (`/ar/post/slug`).

Unlike the other test sites: no semantic tags at all in the content (no <article>, <h1>,
<p>, <time> or <main>; the title is a span in a `data-hook="post-title"` div, paragraphs are
divs of spans), the date as "Dec 12, 2024" in a span beside "2 min read", a cookie banner, a
share bar, a views/comments counter, a "Recent Posts" strip and a comments section after the
text, and hreflang alternates in the head.
"""

from __future__ import annotations

import html
import re

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import AR_MONTHS, LANGS, PETITION, CorpusPost, Version, newest_first

PAGE_SIZE = 3
CHROME = ("cookies", "Accept", "min read", "Share", "views", "Recent Posts", "Comments",
          "Write a comment", "Tide Rights Initiative",
          "ملفات تعريف الارتباط", "دقائق", "مشاركة", "مشاهدات", "أحدث المنشورات", "التعليقات",
          "اكتب تعليقاً", "مبادرة المدّ الحقوقية")
_WORDS = {
    "en": {"site": "Tide Rights Initiative", "home": "Home", "blog": "Blog", "about": "About",
           "cookie": "This website uses cookies. By continuing you accept their use.",
           "accept": "Accept", "read": "min read", "share": "Share this post", "views": "views",
           "comments": "Comments", "recent": "Recent Posts", "all": "See All",
           "write": "Write a comment...", "switch": "العربية", "next": "Next page",
           "prev": "Previous page", "admin": "Tide Team"},
    "ar": {"site": "مبادرة المدّ الحقوقية", "home": "الرئيسية", "blog": "المدونة",
           "about": "من نحن",
           "cookie": "يستخدم هذا الموقع ملفات تعريف الارتباط. باستمرارك فإنك توافق على ذلك.",
           "accept": "موافق", "read": "دقائق قراءة", "share": "مشاركة المنشور",
           "views": "مشاهدات", "comments": "التعليقات", "recent": "أحدث المنشورات",
           "all": "عرض الكل", "write": "اكتب تعليقاً...", "switch": "English",
           "next": "الصفحة التالية", "prev": "الصفحة السابقة", "admin": "فريق المدّ"},
}


def slug(post: CorpusPost) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", post.en.title.lower())[:5])


def span_date(post: CorpusPost, lang: str) -> str:
    """"Dec 12, 2024" or "12 ديسمبر 2024"."""
    if lang == "ar":
        return f"{post.date.day} {AR_MONTHS[post.date.month - 1]} {post.date.year}"
    return f"{post.date:%b} {post.date.day}, {post.date.year}"


def soup_body(version: Version) -> str:
    """The post's text as a rich-text widget writes it: divs of spans, no <p>."""
    parts = [f'<div class="_1Ub8R font_8"><span class="wixui-rich-text__text">'
             f"{html.escape(p)}</span></div>" for p in version.paragraphs]
    if version.action:
        heading, label = version.action
        parts.append(f'<div class="_3Fg0K font_5"><span>{html.escape(heading)}</span></div>'
                     f'<div class="_1Ub8R font_8"><a class="_2CBmq" href="{PETITION}">'
                     f"{html.escape(label)}</a></div>")
    return "\n".join(parts)


class WixSite(HtmlSite):
    name = "wix-site"

    def _prefix(self, lang: str) -> str:
        return "/ar" if lang == "ar" else ""

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return f"{self.base_url}{self._prefix(lang)}/post/{slug(post)}"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def answer(self, path: str) -> tuple[int, str]:
        lang = "ar" if path == "/ar" or path.startswith("/ar/") else "en"
        rest = path.removeprefix("/ar") if lang == "ar" else path
        rest = rest.rstrip("/") or "/"
        if rest == "/":
            return 200, self._home(lang)
        if rest == "/blog":
            return 200, self._blog(lang, 1)
        if (page := re.fullmatch(r"/blog/page/(\d+)", rest)) and int(page.group(1)) >= 1:
            number = int(page.group(1))
            if (number - 1) * PAGE_SIZE < len(newest_first()):
                return 200, self._blog(lang, number)
        if post_slug := re.fullmatch(r"/post/([a-z0-9-]+)", rest):
            for post in newest_first():
                if slug(post) == post_slug.group(1):
                    return 200, self._post(post, lang)
        return 404, self._document(lang, "Page not found", "<div>Page not found</div>", rest)

    # ---- pages

    def _document(self, lang: str, title: str, content: str, rest: str,
                  head: str = "") -> str:
        w = _WORDS[lang]
        other = "en" if lang == "ar" else "ar"
        rest_q = "" if rest == "/" else rest
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:site_name" content="{w['site']}">
<link rel="alternate" hreflang="en" href="{self.base_url}{rest_q or '/'}">
<link rel="alternate" hreflang="ar" href="{self.base_url}/ar{rest_q}">
<meta name="generator" content="Wix.com Website Builder">{head}</head>
<body><div id="SITE_CONTAINER"><div class="_2aXhA cookie-banner" data-hook="consent-banner">
<span class="font_9">{w['cookie']}</span><div class="_1vNJf"><span>{w['accept']}</span></div></div>
<div id="SITE_HEADER" class="_3Zp8q"><div class="_2Hij5 font_2"><a href="{self._prefix(lang)}/">
{w['site']}</a></div><div class="_1Ww9R" data-testid="linkBar">
<a class="_2Gh8x" href="{self._prefix(lang)}/">{w['home']}</a>
<a class="_2Gh8x" href="{self._prefix(lang)}/blog">{w['blog']}</a>
<a class="_2Gh8x" href="{self._prefix(lang)}/about">{w['about']}</a></div>
<div class="LanguageSelector _3kF0u"><a href="{self._prefix(other)}{rest_q or '/'}">
{w['switch']}</a></div></div>
<div id="PAGES_CONTAINER"><div class="_1mQaL">{content}</div></div>
<div id="SITE_FOOTER" class="_2Jk0p"><div class="_2Hij5 font_9"><span>&copy; 2025 {w['site']}
</span></div></div></div></body></html>
"""

    def _card(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        return (f'<div class="_3Pdr8 gallery-item" data-hook="post-list-item">'
                f'<div class="_3OuQl"><span class="_1Hxbl">{w["admin"]}</span>'
                f'<span class="post-metadata__date time-ago">{span_date(post, lang)}</span>'
                f'<span class="_3QRqd">{1 + len(version.paragraphs)} {w["read"]}</span></div>'
                f'<a class="O16KGI" href="{self._prefix(lang)}/post/{slug(post)}">'
                f'<div class="_1Hxbl font_6"><span>{html.escape(version.title)}</span></div></a>'
                f'<div class="_2HSh5 font_8"><span>{html.escape(version.paragraphs[0][:90])}'
                f"</span></div></div>")

    def _home(self, lang: str) -> str:
        w = _WORDS[lang]
        cards = "".join(self._card(p, lang) for p in newest_first()[:PAGE_SIZE])
        content = (f'<div class="_2Hij5 font_0"><span>{w["site"]}</span></div>'
                   f'<div class="_3Wj2k" data-hook="blog-widget">{cards}</div>'
                   f'<a class="_1r8pK" href="{self._prefix(lang)}/blog">{w["all"]}</a>')
        return self._document(lang, w["site"], content, "/")

    def _blog(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        pages = -(-len(newest_first()) // PAGE_SIZE)
        base = f"{self._prefix(lang)}/blog"

        def href(n: int) -> str:
            return base if n == 1 else f"{base}/page/{n}"

        nav = []
        if number > 1:
            nav.append(f'<a data-hook="pagination__previous" aria-label="{w["prev"]}" '
                       f'href="{href(number - 1)}"><span>&lsaquo;</span></a>')
        nav += [f'<a data-hook="pagination__page" href="{href(n)}"><span>{n}</span></a>'
                for n in range(1, pages + 1)]
        if number < pages:
            nav.append(f'<a data-hook="pagination__next" aria-label="{w["next"]}" '
                       f'href="{href(number + 1)}"><span>&rsaquo;</span></a>')
        head = (f'<link rel="next" href="{self.base_url}{href(number + 1)}">'
                if number < pages else "")
        content = (f'<div class="_3Wj2k" data-hook="post-list">'
                   f'{"".join(self._card(p, lang) for p in posts)}</div>'
                   f'<div class="_2m7Xq" data-hook="blog-pagination">{"".join(nav)}</div>')
        rest = "/blog" if number == 1 else f"/blog/page/{number}"
        return self._document(lang, f"{w['blog']} | {w['site']}", content, rest, head)

    def _post(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        recent = [p for p in newest_first() if p is not post][:3]
        content = f"""<div class="_3Sv2n" data-hook="post-page">
<div class="_3fgG1" data-hook="post-header"><span class="_1Hxbl">{w['admin']}</span>
<span class="post-metadata__date">{span_date(post, lang)}</span>
<span class="_3QRqd">{1 + len(version.paragraphs)} {w['read']}</span></div>
<div class="_3a2Nf font_0" data-hook="post-title"><span class="blog-post-title-font">
{html.escape(version.title)}</span></div>
<div class="_2Ol4T" data-hook="post-description">
{soup_body(version)}
</div>
<div class="_1ShBr" data-hook="share-buttons"><span>{w['share']}</span>
<a href="https://www.facebook.com/sharer/sharer.php"><span>Facebook</span></a>
<a href="https://twitter.com/intent/tweet"><span>X</span></a>
<a href="https://www.linkedin.com/shareArticle"><span>LinkedIn</span></a></div>
<div class="_2kd8a" data-hook="post-footer"><span>{(post.number * 37) % 400} {w['views']}</span>
<span>0 {w['comments']}</span></div></div>
<div class="_7hjX1" data-hook="recent-posts"><div class="font_6"><span>{w['recent']}</span>
<a href="{self._prefix(lang)}/blog">{w['all']}</a></div>
{''.join(self._card(p, lang) for p in recent)}</div>
<div class="_2vLk0" data-hook="comments"><div class="font_6"><span>{w['comments']}</span></div>
<div class="_1yBq7"><span>{w['write']}</span></div></div>"""
        head = (f'<meta property="og:title" content="{html.escape(version.title)}">'
                '<meta property="og:type" content="article">')
        return self._document(lang, f"{version.title} | {w['site']}", content,
                              f"/post/{slug(post)}", head)


__all__ = ["LANGS", "WixSite"]
