"""What discovery reads from links alone: the page-number template of a listing, the
article URL pattern from the links' shapes, the language versions a page names."""

from __future__ import annotations

import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from feeds.discover.links import (
    article_groups,
    language_versions,
    link_pattern,
    next_page,
    page_links,
    page_template,
    shape_of,
)

SITE = "https://ngo.example"


@pytest.mark.parametrize(("listing", "next_url", "template", "first"), [
    ("/en/news", "/en/news?page=1", "/en/news?page={page}", 0),  # Drupal counts from 0
    ("/stories?lang=ar", "/stories?lang=ar&page=2", "/stories?lang=ar&page={page}", 1),
    ("/", "/page/2", "/page/{page}", 1),  # WordPress
    ("/ar", "/ar/page/2", "/ar/page/{page}", 1),
    ("/en/posts", "/en/posts/2", "/en/posts/{page}", 1),
    ("/blog", "/blog?paged=2", "/blog?paged={page}", 1),
])
def test_the_page_number_becomes_the_template(listing: str, next_url: str, template: str,
                                              first: int) -> None:
    found = page_template(SITE + listing, SITE + next_url)
    assert found is not None
    assert (found.url, found.first_page) == (SITE + template, first)


def test_a_next_link_without_a_number_gives_no_template() -> None:
    assert page_template(SITE + "/news", SITE + "/news/older") is None


def _links(markup: str, url: str = SITE + "/en/news"):  # type: ignore[no-untyped-def]
    return page_links(LexborHTMLParser(markup), url)


def test_article_links_are_the_shape_shared_by_title_like_anchors() -> None:
    markup = """
    <nav><a href="/en/about-us">About us</a><a href="/en/get-involved">Get involved</a>
    <a href="/en/news">News</a></nav>
    <a href="/en/news/2025/03/12/court-upholds-sentence">Court upholds sentence against blogger</a>
    <a href="/en/news/2025/03/02/new-law">New law widens the definition of terrorism</a>
    <a href="/en/news/2025/02/20/families-barred">Activist's family barred from travelling</a>
    <a href="/en/tag/detention">Detention</a><a href="/en/tag/courts">Courts</a>
    <a href="/en/news/page/2">2</a><a href="/en/news/page/3">3</a>"""
    groups = article_groups(_links(markup), frozenset({"en", "ar"}))
    assert [g.label for g in groups] == ["/@lang/news/@year/@nn/@nn/@slug"]
    assert len(groups[0].urls) == 3


def test_the_pattern_takes_every_shape_and_makes_a_missing_language_optional() -> None:
    langs = frozenset({"en", "ar"})
    urls = ["/ar/post/some-slug", "/posts/1222", "/ar/posts/1214", "/en/post/other-slug"]
    pattern = re.compile(link_pattern([shape_of(SITE + u, langs) for u in urls], ["ar", "en"]))
    assert all(pattern.search(u) for u in urls)
    assert not any(pattern.search(u) for u in ("/ar/posts", "/en/about", "/ar", "/en/get-involved"))


def test_language_versions_from_hreflang_and_a_switcher() -> None:
    markup = """<html lang="en"><head>
    <link rel="alternate" hreflang="fr" href="/fr/actualites"></head><body>
    <a href="/?lang=ar">عربي</a><a href="/en/about">About</a></body></html>"""
    found = language_versions(LexborHTMLParser(markup), SITE + "/en/news")
    assert {lang: url for lang, (url, _) in found.items()} == {
        "en": SITE + "/en/news", "fr": SITE + "/fr/actualites", "ar": SITE + "/?lang=ar"}


@pytest.mark.parametrize(("markup", "expected"), [
    ('<a href="/news?page=2" rel="next">›</a>', "/news?page=2"),
    ('<div class="paging"><a href="/s?page=2">التالي</a></div>', "/s?page=2"),
    ('<a href="/page/2/">Older posts &raquo;</a>', "/page/2"),
    ('<a href="/news?page=0">« Previous</a>', None),
    ('<a href="/news?page=2">السابق ›</a>', "/news?page=2"),  # the older page, by its number
])
def test_the_next_page_by_rel_or_by_its_words(markup: str, expected: str | None) -> None:
    found = next_page(LexborHTMLParser(markup), SITE + "/news")
    assert (found.url if found else None) == (SITE + expected if expected else None)


def test_languages_on_subdomains_are_one_site_and_other_hosts_are_not() -> None:
    markup = """<html lang="en"><head>
    <link rel="alternate" hreflang="ar" href="https://ar.ngo.example/">
    <link rel="alternate" hreflang="fr" href="https://elsewhere.example/fr/"></head><body>
    <a href="https://ar.ngo.example/news">الأخبار</a>
    <a href="https://tracker.example/x">Partner</a></body></html>"""
    tree = LexborHTMLParser(markup)
    found = language_versions(tree, "https://en.ngo.example/")
    assert {lang: url for lang, (url, _) in found.items()} == {
        "en": "https://en.ngo.example/", "ar": "https://ar.ngo.example/"}
    assert [link.url for link in page_links(tree, "https://en.ngo.example/")] == [
        "https://ar.ngo.example/news"]
