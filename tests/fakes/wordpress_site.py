"""A second, differently built news site on 127.0.0.1: WordPress-style markup, not the replica's.

The validity gate was written against the replica; this site proves it on markup the code
was not written for (`.entry-content`, `h1.entry-title`, `/2025/03/slug/` links, pages of
`/news/page/N/`), and answers article pages with the interstitials real sites send with a
200 when `interstitial` is set:

    with WordPressSite() as site:
        site.publish("Travel bans on families continue", ["...", "..."])
        site.interstitial = "challenge"   # every article page: a firewall's check page
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.fakes.html_site import HtmlSite

PAGE_SIZE = 6
# "challenge": a firewall check page of its own wording (no phrase of feeds.validity's lists),
#   a request number that differs per URL: only its repetition across URLs gives it away.
# "maintenance": a maintenance plugin's page. "shell": the theme renders, the post template
#   does not (a half-finished deploy). Today's extraction takes each of them for a post.
INTERSTITIALS = frozenset({"challenge", "maintenance", "shell"})


@dataclass(frozen=True)
class WordPressPost:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    date: dt.date

    @property
    def path(self) -> str:
        return f"/{self.date:%Y/%m}/{self.slug}/"


class WordPressSite(HtmlSite):
    """Posts newest first on /news/page/N/; `interstitial` (None or one of INTERSTITIALS)
    replaces every article page, or only those in `struck` when that set is not empty."""

    name = "wordpress-site"

    def __init__(self) -> None:
        self.posts: list[WordPressPost] = []
        self.interstitial: str | None = None
        self.struck: set[str] = set()  # paths; empty: every article page
        self.lock = threading.Lock()

    def url(self, post: WordPressPost) -> str:
        """The post's URL as the bot stores it (normalised: no trailing slash)."""
        return self.base_url + post.path.rstrip("/")

    def publish(self, title: str, paragraphs: list[str],
                date: dt.date = dt.date(2025, 3, 12)) -> WordPressPost:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        post = WordPressPost(slug, title, tuple(paragraphs), date)
        with self.lock:
            self.posts.insert(0, post)
        return post

    # ---- pages

    def answer(self, path: str) -> tuple[int, str]:
        with self.lock:
            posts = list(self.posts)
            interstitial, struck = self.interstitial, {p.rstrip("/") for p in self.struck}
        if match := re.fullmatch(r"/news/page/(\d+)/", path):
            number = int(match.group(1))
            return 200, _listing(posts[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], number,
                                 more=len(posts) > number * PAGE_SIZE)
        # WordPress answers its permalinks with or without the trailing slash.
        post = next((p for p in posts if p.path.rstrip("/") == path.rstrip("/")), None)
        if post is None:
            return 404, _document("Page not found", "<p>Nothing was found at this location.</p>")
        if interstitial and (not struck or path.rstrip("/") in struck):
            return 200, _INTERSTITIAL_PAGES[interstitial](self.base_url, path)
        return 200, _post_page(post, self.base_url)


def _document(title: str, main: str, *, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{html.escape(canonical)}" />' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="UTF-8" /><title>{html.escape(title)} &#8211; Gulf Rights Monitor</title>
{link}<link rel='stylesheet' id='twentyone-style-css' href='/wp-content/themes/gulf/style.css' />
</head>
<body class="wp-singular single single-post">
<div id="page" class="site">
<header id="masthead" class="site-header"><p class="site-title"><a href="/">Gulf Rights
Monitor</a></p><nav class="primary-navigation"><ul><li><a href="/news/page/1/">News</a></li>
<li><a href="/about/">About us</a></li><li><a href="/donate/">Donate</a></li></ul></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">{main}</main></div></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2025 Gulf Rights
Monitor &middot; Proudly powered by WordPress</div></footer>
</div>
</body>
</html>
"""


def _listing(posts: list[WordPressPost], number: int, *, more: bool) -> str:
    items = "\n".join(
        f'<article class="post type-post"><h2 class="entry-title"><a href="{p.path}" '
        f'rel="bookmark">{html.escape(p.title)}</a></h2><div class="entry-summary"><p>'
        f"{html.escape(p.paragraphs[0][:120])}</p></div></article>" for p in posts)
    older = (f'<div class="nav-previous"><a href="/news/page/{number + 1}/">Older posts</a>'
             "</div>" if more else "")
    return _document("News", f"{items}\n<nav class=\"navigation posts-navigation\">{older}</nav>")


def _post_page(post: WordPressPost, base_url: str) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in post.paragraphs)
    main = (f'<article class="post type-post status-publish"><header class="entry-header">'
            f'<h1 class="entry-title">{html.escape(post.title)}</h1><div class="entry-meta">'
            f'<time class="entry-date published" datetime="{post.date.isoformat()}T09:00:00+00:00">'
            f"{post.date:%-d %B %Y}</time></div></header>\n"
            f'<div class="entry-content">\n{body}\n</div>\n'
            '<footer class="entry-footer"><span class="cat-links">Posted in News</span>'
            "</footer></article>")
    return _document(post.title, main, canonical=base_url + post.path)


def _challenge(base_url: str, path: str) -> str:
    request = zlib.crc32(path.encode("utf-8"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Security check</title></head>
<body><div class="guard"><h1>Security check</h1>
<p>Please wait while your request to {html.escape(urlsplit(base_url).netloc)} is verified by
our protection service. You will be taken to the page automatically.</p>
<p class="small">Request number {request} &middot; Guard v3</p></div></body></html>
"""


def _maintenance(base_url: str, path: str) -> str:
    """A maintenance plugin's "coming back soon" page (WordPress core's own maintenance
    answer has no body at all; that one is among tests/data/validity's pages)."""
    return """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="UTF-8"><title>Gulf Rights Monitor</title>
<meta name="robots" content="noindex, nofollow"></head>
<body class="maintenance"><div class="main-container"><div id="wrapper">
<div class="center logotype"><img src="/wp-content/uploads/logo.png" alt=""></div>
<div id="content" class="site-content"><div class="center">
<h2 class="heading font-center">We are improving our website</h2>
<div class="description"><p>The site is undergoing scheduled maintenance and will be back
online shortly. Thank you for your patience.</p></div></div></div></div></div></body></html>
"""


def _shell(base_url: str, path: str) -> str:
    """A half-finished deploy: the theme renders, its post template does not."""
    main = ('<article class="post type-post"><header class="entry-header">'
            '<h1 class="entry-title">{{ post.title }}</h1></header>'
            '<div class="entry-content">{{ post.content | raw }}</div></article>')
    return _document("{{ post.title }}", main)


_INTERSTITIAL_PAGES = {"challenge": _challenge, "maintenance": _maintenance, "shell": _shell}


