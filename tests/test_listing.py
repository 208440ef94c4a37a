"""Listing pages -> article links; URL normalisation that keeps one spelling per article."""

from __future__ import annotations

import pytest

from feeds.listing import page_url, parse_listing
from feeds.sources import DEFAULT_LINK_PATTERN
from feeds.urls import normalise_url

HOSTS = frozenset({"alqst.org", "www.alqst.org"})

LISTING = """
<html><body>
<nav><a href="/en/about">About</a><a href="/en/posts?page=1">News</a></nav>
<div class="cards">
  <a href="/en/post/first-article">First</a>
  <a href="https://www.alqst.org/en/post/second-article/?utm_source=x">Second</a>
  <a href="/posts/930">Numeric</a>
  <a href="/en/post/first-article#comments">First again</a>
  <a href="https://evil.example/en/post/phishing">Offsite</a>
  <a href="/ar/post/%D8%A7%D9%84%D9%82%D8%B3%D8%B7">Arabic slug</a>
</div>
<a rel="next" href="/en/posts?page=2">Next</a>
</body></html>
"""


def test_listing_yields_article_links_in_page_order_once_each() -> None:
    page = parse_listing(LISTING, "https://alqst.org/en/posts?page=1", link_selector="a[href]",
                         link_pattern=DEFAULT_LINK_PATTERN, allowed_hosts=HOSTS)
    assert page.links == (
        "https://alqst.org/en/post/first-article",
        "https://alqst.org/en/post/second-article",
        "https://alqst.org/posts/930",
        "https://alqst.org/ar/post/%D8%A7%D9%84%D9%82%D8%B3%D8%B7",
    )
    assert page.next_url == "https://alqst.org/en/posts?page=2"


def test_listing_never_yields_links_to_other_hosts() -> None:
    page = parse_listing(LISTING, "https://alqst.org/en/posts", link_selector="a[href]",
                         link_pattern=".*", allowed_hosts=HOSTS)
    assert not [u for u in page.links if "evil.example" in u]


def test_link_selector_narrows_the_anchors() -> None:
    page = parse_listing(LISTING, "https://alqst.org/en/posts", link_selector="a[href^='/posts']",
                         link_pattern=DEFAULT_LINK_PATTERN, allowed_hosts=HOSTS)
    assert page.links == ("https://alqst.org/posts/930",)


def test_one_article_spelled_many_ways_normalises_to_one_url() -> None:
    spellings = [
        "https://www.alqst.org/ar/post/القسط",
        "https://alqst.org/ar/post/%D8%A7%D9%84%D9%82%D8%B3%D8%B7/",
        "https://ALQST.org:443/ar/post/%d8%a7%d9%84%d9%82%d8%b3%d8%b7#top",
        "https://alqst.org/ar/post/%D8%A7%D9%84%D9%82%D8%B3%D8%B7?utm_campaign=x&fbclid=y",
    ]
    assert len({normalise_url(u) for u in spellings}) == 1


def test_page_url_fills_the_page_number() -> None:
    assert page_url("https://alqst.org/en/posts?page={page}", 3).endswith("page=3")
    assert page_url("https://alqst.org/en/posts", 3) == "https://alqst.org/en/posts"


CARDS = """
<html><body><main>
<article class="card"><a href="/en/post/first"><img src="/1.png" alt=""></a>
  <h2><a href="/en/post/first">First title</a></h2>
  <time>2 March 2026</time><p>The   first
  summary.</p></article>
<article class="card"><h2><a href="/en/post/second">Second title</a></h2>
  <p>The second summary.</p></article>
</main></body></html>
"""


def test_each_link_comes_with_its_teaser_as_the_listing_shows_it() -> None:
    page = parse_listing(CARDS, "https://alqst.org/en/posts", link_selector="a[href]",
                         link_pattern=DEFAULT_LINK_PATTERN, allowed_hosts=HOSTS)
    assert page.teasers == {
        "https://alqst.org/en/post/first": "First title 2 March 2026 The first summary.",
        "https://alqst.org/en/post/second": "Second title The second summary.",
    }


def test_links_side_by_side_have_their_own_anchor_text_as_teaser() -> None:
    page = parse_listing(LISTING, "https://alqst.org/en/posts", link_selector="a[href]",
                         link_pattern=DEFAULT_LINK_PATTERN, allowed_hosts=HOSTS)
    assert page.teasers["https://alqst.org/posts/930"] == "Numeric"
    assert page.teasers["https://alqst.org/en/post/first-article"] == "First"


@pytest.mark.parametrize("markup", [
    '<nav><a class="newer" href="/en/posts/">Newer posts</a>'
    '<a class="older-posts" href="/en/posts/page/3/">Older posts →</a></nav>',
    '<div class="pager"><a class="button" href="/en/posts/page/3/">تحميل المزيد</a></div>',
])
def test_the_walk_follows_a_next_link_known_only_by_its_words(markup: str) -> None:
    # A listing with no {page} (offsets, Hugo's /page/1/ alias) is walked by these links.
    page = parse_listing(markup, "https://ngo.example/en/posts/page/2/", link_selector="a[href]",
                         link_pattern=r"^/\d{4}/", allowed_hosts=frozenset({"ngo.example"}))
    assert page.next_url == "https://ngo.example/en/posts/page/3"
