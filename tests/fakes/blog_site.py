"""A small WordPress-shaped news blog on 127.0.0.1, unlike the replica in every way the walk
cares about: `/news/` then `/news/page/2/` pagination reached only through an "Older posts"
link (no `{page}` in the URL), posts at `/YYYY/MM/DD/slug/`, other markup throughout.

    with BlogSite(page_size=3) as blog:
        blog.publish("A statement", "Its text.")
        blog.kill(slug, 410)  # the post's link stays listed, its page answers 410 for ever

`listing_etags=True`: listing pages carry an ETag (a hash of the page) and answer 304 to a
matching If-None-Match; posts never carry validators, as on many WordPress hosts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from html import escape

from tests.fakes.html_site import HtmlSite

LINK_PATTERN = r"^/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/?$"  # the blog's post permalinks
START = dt.date(2026, 1, 5)


@dataclass
class BlogPost:
    slug: str
    title: str
    text: str
    day: dt.date
    status: int = 200  # 404/410: deleted, though the listing still links it

    @property
    def path(self) -> str:
        return f"/{self.day:%Y/%m/%d}/{self.slug}/"


class BlogSite(HtmlSite):
    """Publish posts (newest first on the listing), kill some, read `hits` afterwards."""

    name = "blog-site"

    def __init__(self, page_size: int = 3, *, listing_etags: bool = False) -> None:
        self.page_size = page_size
        self.listing_etags = listing_etags
        self.posts: list[BlogPost] = []  # oldest first
        self.hits: list[str] = []
        self.answers: list[tuple[str, int]] = []  # (path as requested, status sent)
        self._lock = threading.Lock()

    @property
    def listing_url(self) -> str:
        return self.base_url + "/news/"

    def url(self, post: BlogPost) -> str:
        """The post's URL as the bot spells it (no trailing slash)."""
        return self.base_url + post.path.rstrip("/")

    def publish(self, title: str, text: str) -> BlogPost:
        with self._lock:
            number = len(self.posts) + 1
            post = BlogPost(f"post-{number}", title, text, START + dt.timedelta(days=number))
            self.posts.append(post)
        return post

    def kill(self, post: BlogPost, status: int) -> None:
        post.status = status

    def edit(self, post: BlogPost, *, title: str | None = None, text: str | None = None) -> None:
        """A correction at the same URL (the listing shows the title and 80 characters)."""
        with self._lock:
            post.title = title if title is not None else post.title
            post.text = text if text is not None else post.text

    def etag(self, path: str, status: int, body: bytes) -> str | None:
        if not (self.listing_etags and status == 200 and path.startswith("/news")):
            return None
        return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def sent(self, path: str, status: int) -> None:
        with self._lock:
            self.answers.append((path, status))

    def hits_on(self, path: str, since: int = 0) -> int:
        """Requests for `path` (with or without its trailing slash) from hit `since` on."""
        with self._lock:
            return sum(1 for hit in self.hits[since:] if hit == path.rstrip("/"))

    # ---- pages

    def answer(self, path: str) -> tuple[int, str]:
        # WordPress answers with and without the trailing slash (it redirects; we serve).
        path = path.rstrip("/") or "/"
        with self._lock:
            self.hits.append(path)
            posts = list(reversed(self.posts))
        if path == "/news":
            return 200, self._listing(posts, 1)
        if path.startswith("/news/page/"):
            number = path.removeprefix("/news/page/")
            if number.isdigit() and int(number) >= 1:
                return 200, self._listing(posts, int(number))
        for post in posts:
            if post.path.rstrip("/") == path:
                if post.status != 200:
                    return post.status, _document("Nothing here", "<p>Not found.</p>")
                return 200, self._single(post)
        return 404, _document("Nothing here", "<p>Not found.</p>")

    def _listing(self, posts: list[BlogPost], number: int) -> str:
        shown = posts[(number - 1) * self.page_size:number * self.page_size]
        entries = "\n".join(
            f'<article class="post type-post"><header class="entry-header">'
            f'<h2 class="entry-title"><a href="{post.path}" rel="bookmark">'
            f"{escape(post.title)}</a></h2></header>"
            f'<div class="entry-summary"><p>{escape(post.text[:80])}</p></div></article>'
            for post in shown)
        older = ""
        if number * self.page_size < len(posts):
            older = (f'<div class="nav-links"><a class="next page-numbers" '
                     f'href="/news/page/{number + 1}/">Older posts</a></div>')
        return _document("News", f'<main id="main" class="site-main">{entries}'
                         f'<nav class="navigation pagination">{older}</nav></main>')

    @staticmethod
    def _single(post: BlogPost) -> str:
        return _document(post.title, (
            f'<main id="main"><article class="post"><header class="entry-header">'
            f'<h1 class="entry-title">{escape(post.title)}</h1>'
            f'<time class="entry-date published" datetime="{post.day.isoformat()}T09:00:00'
            f'+00:00">{post.day:%B %d, %Y}</time></header>'
            f'<div class="entry-content"><p>{escape(post.text)}</p>'
            f"<p>{escape(post.text)}</p></div></article></main>"))


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">'
            f"<title>{escape(title)} – Rights Watch Blog</title></head>"
            f'<body class="wordpress"><div id="page">{body}</div></body></html>')
