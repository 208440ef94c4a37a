"""A bilingual Ghost/Hugo-like static test site: `/en/` and `/ar/` homes, posts at
`/{lang}/posts/slug/`, the post index `/{lang}/posts/` paginated as `/{lang}/posts/page/2/`,
hreflang alternates on every page and an Atom feed of summaries advertised per language.

Unlike the other test sites: `/posts/page/1/` is Hugo's alias page (a meta refresh to
`/posts/`), the date as "12 Dec 2024" (abbreviated month) in a
`<p class="meta">` beside the reading time, a tag pill and an author card inside the post's
<article>, and a "read more" strip of other posts' cards after it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import AR_MONTHS, LANGS, CorpusPost, body_html, newest_first

PAGE_SIZE = 3
CHROME = ("min read", "Written by", "Read more", "Subscribe", "Gulf Voices Collective",
          "دقائق قراءة", "بقلم", "اقرأ المزيد", "اشترك في نشرتنا", "تجمّع أصوات الخليج")
_WORDS = {
    "en": {"site": "Gulf Voices Collective", "posts": "Posts", "about": "About",
           "newer": "Newer posts", "older": "Older posts", "read": "min read",
           "by": "Written by", "more": "Read more", "sub": "Subscribe to our updates",
           "tag": "Human rights", "other": "ar", "switch": "العربية"},
    "ar": {"site": "تجمّع أصوات الخليج", "posts": "المقالات", "about": "عن التجمّع",
           "newer": "مقالات أحدث", "older": "مقالات أقدم", "read": "دقائق قراءة",
           "by": "بقلم", "more": "اقرأ المزيد", "sub": "اشترك في نشرتنا",
           "tag": "حقوق الإنسان", "other": "en", "switch": "English"},
}


def slug(post: CorpusPost) -> str:
    words = re.findall(r"[a-z0-9]+", post.en.title.lower())
    return "-".join(words[:6])


def meta_date(post: CorpusPost, lang: str) -> str:
    """"12 Dec 2024" or "12 ديسمبر 2024"."""
    if lang == "ar":
        return f"{post.date.day} {AR_MONTHS[post.date.month - 1]} {post.date.year}"
    return f"{post.date.day} {post.date:%b %Y}"


class GhostSite(HtmlSite):
    name = "ghost-site"

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return f"{self.base_url}/{lang}/posts/{slug(post)}/"

    @property
    def home_url(self) -> str:
        return self.base_url + "/en/"

    def content_type(self, path: str) -> str:
        if path.endswith("/atom.xml"):
            return "application/atom+xml; charset=UTF-8"
        return super().content_type(path)

    def answer(self, path: str) -> tuple[int, str]:
        # Served with or without the trailing slash, as a static host's try_files does.
        path = path if path.endswith("/") or "." in path.rsplit("/", 1)[-1] else path + "/"
        if path == "/":
            return 200, self._home("en", "/")
        match = re.fullmatch(r"/(en|ar)(/.*)", path)
        if not match:
            return 404, self._document("en", "Not found", "<p>Not found.</p>", path)
        lang, rest = match.groups()
        if rest == "/":
            return 200, self._home(lang, rest)
        if rest == "/atom.xml":
            return 200, self._atom(lang)
        if rest == "/posts/":
            return 200, self._index(lang, 1)
        if rest == "/posts/page/1/":
            # Hugo's alias page: page 1 lives at /posts/, and this only points there.
            return 200, (f'<!DOCTYPE html><html lang="{lang}"><head><title>/{lang}/posts/'
                         f'</title><link rel="canonical" href="/{lang}/posts/"><meta '
                         f'http-equiv="refresh" content="0; url=/{lang}/posts/"></head></html>')
        if (page := re.fullmatch(r"/posts/page/(\d+)/", rest)) and int(page.group(1)) >= 2:
            number = int(page.group(1))
            if (number - 1) * PAGE_SIZE < len(newest_first()):
                return 200, self._index(lang, number)
        if post_slug := re.fullmatch(r"/posts/([a-z0-9-]+)/", rest):
            for post in newest_first():
                if slug(post) == post_slug.group(1):
                    return 200, self._post(post, lang)
        return 404, self._document(lang, "Not found", "<p>Not found.</p>", rest)

    # ---- pages

    def _document(self, lang: str, title: str, content: str, rest: str) -> str:
        w = _WORDS[lang]
        other = w["other"]
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)} | {w['site']}</title>
<link rel="alternate" hreflang="en" href="{self.base_url}/en{rest}">
<link rel="alternate" hreflang="ar" href="{self.base_url}/ar{rest}">
<link rel="alternate" type="application/atom+xml" title="{w['site']}"
 href="{self.base_url}/{lang}/atom.xml">
<meta name="generator" content="Hugo 0.121.1"></head>
<body class="site">
<header class="gh-head"><a class="gh-head-logo" href="/{lang}/">{w['site']}</a>
<nav class="gh-head-menu"><a href="/{lang}/posts/">{w['posts']}</a>
<a href="/{lang}/about/">{w['about']}</a>
<a class="lang" href="/{other}/">{w['switch']}</a></nav></header>
<main class="gh-main">{content}</main>
<footer class="gh-foot"><section class="gh-subscribe"><h3>{w['sub']}</h3>
<form><input type="email"></form></section>
<p>{w['site']} &middot; 2025</p></footer>
</body></html>
"""

    def _card(self, post: CorpusPost, lang: str) -> str:
        version = post.version(lang)
        return (f'<div class="post-card"><a class="post-card-link" href="/{lang}/posts/'
                f'{slug(post)}/"><h2 class="post-card-title">{html.escape(version.title)}</h2>'
                f'</a><p class="meta">{meta_date(post, lang)}</p></div>')

    def _home(self, lang: str, rest: str) -> str:
        cards = "".join(self._card(p, lang) for p in newest_first()[:PAGE_SIZE])
        content = (f'<section class="post-feed">{cards}</section>'
                   f'<a class="more" href="/{lang}/posts/">{_WORDS[lang]["posts"]} &rarr;</a>')
        return self._document(lang, _WORDS[lang]["site"], content, rest)

    def _index(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        cards = "".join(self._card(p, lang) for p in posts)
        nav = []
        if number > 1:
            newer = f"/{lang}/posts/" if number == 2 else f"/{lang}/posts/page/{number - 1}/"
            nav.append(f'<a class="newer-posts" href="{newer}">{w["newer"]}</a>')
        if number * PAGE_SIZE < len(newest_first()):
            nav.append(f'<a class="older-posts" href="/{lang}/posts/page/{number + 1}/">'
                       f'{w["older"]}</a>')
        rest = "/posts/" if number == 1 else f"/posts/page/{number}/"
        content = (f'<section class="post-feed">{cards}</section>'
                   f'<nav class="pagination">{"".join(nav)}</nav>')
        return self._document(lang, w["posts"], content, rest)

    def _post(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        minutes = 2 + len(version.paragraphs)
        others = [p for p in newest_first() if p is not post][:3]
        content = f"""<article class="gh-article post">
<header class="gh-article-header">
<a class="gh-article-tag" href="/{lang}/tags/rights/">{w['tag']}</a>
<h1 class="gh-article-title">{html.escape(version.title)}</h1>
<p class="meta">{meta_date(post, lang)} &middot; {minutes} {w['read']}</p></header>
<section class="gh-content">
{body_html(version)}
</section>
<footer class="gh-article-footer"><div class="author-card">{w['by']} <a href="/{lang}/author/team/">
{w['site']}</a></div></footer>
</article>
<aside class="gh-read-next"><h3>{w['more']}</h3>{''.join(self._card(p, lang) for p in others)}
</aside>"""
        return self._document(lang, version.title, content, f"/posts/{slug(post)}/")

    def _atom(self, lang: str) -> str:
        w = _WORDS[lang]
        entries = "".join(
            f"<entry><title>{html.escape(p.version(lang).title)}</title>"
            f'<link href="{self.post_url(p, lang)}"/><id>{self.post_url(p, lang)}</id>'
            f"<updated>{datetime.combine(p.date, time(8), UTC).isoformat()}</updated>"
            f"<summary>{html.escape(p.version(lang).paragraphs[0])}</summary></entry>"
            for p in newest_first()[:5])
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{w['site']}</title><id>{self.base_url}/{lang}/</id>"
                f'<link href="{self.base_url}/{lang}/"/>'
                f"<updated>{datetime.combine(newest_first()[0].date, time(8), UTC).isoformat()}"
                f"</updated>{entries}</feed>")


__all__ = ["LANGS", "GhostSite"]
