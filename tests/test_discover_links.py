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
    mirrored,
    next_page,
    page_links,
    page_template,
    shape_of,
)
from feeds.listing import link_matches

SITE = "https://ngo.example"


@pytest.mark.parametrize(("listing", "next_url", "template", "first"), [
    ("/en/news", "/en/news?page=1", "/en/news?page={page}", 0),  # Drupal counts from 0
    ("/stories?lang=ar", "/stories?lang=ar&page=2", "/stories?lang=ar&page={page}", 1),
    ("/", "/page/2", "/page/{page}", 1),  # WordPress
    ("/ar", "/ar/page/2", "/ar/page/{page}", 1),
    ("/en/posts", "/en/posts/2", "/en/posts/{page}", 1),
    ("/news/", "/news/index_2.html", "/news/index_{page}.html", 1),  # a static site's files
    ("/blog", "/blog?paged=2", "/blog?paged={page}", 1),
])
def test_the_page_number_becomes_the_template(listing: str, next_url: str, template: str,
                                              first: int) -> None:
    found = page_template(SITE + listing, SITE + next_url)
    assert found is not None
    assert (found.url, found.first_page) == (SITE + template, first)


def test_a_next_link_without_a_number_gives_no_template() -> None:
    assert page_template(SITE + "/news", SITE + "/news/older") is None


def test_an_offset_gives_no_template() -> None:
    # ?start=10 counts articles: {page} cannot step by ten, the walk follows next links.
    assert page_template(SITE + "/news", SITE + "/news?start=10") is None
    assert page_template(SITE + "/news", SITE + "/news?limitstart=20") is None


@pytest.mark.parametrize(("url", "expected"), [
    ("/en/posts", "/ar/posts"),
    ("/stories?lang=en&page=2", "/stories?lang=ar&page=2"),
    ("/news", None),  # the URL does not name its language
])
def test_a_listing_url_in_another_language(url: str, expected: str | None) -> None:
    assert mirrored(SITE + url, "ar", "en") == (SITE + expected if expected else None)


def test_a_switcher_to_another_host_is_a_language_version_with_its_evidence() -> None:
    markup = '<html lang="en"><body><a href="http://127.0.0.2:8080/">عربي</a></body></html>'
    found = language_versions(LexborHTMLParser(markup), "http://127.0.0.1:8080/")
    url, how = found["ar"]
    assert url == "http://127.0.0.2:8080/"
    assert "another host" in how


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
    ('<a class="button" href="/news?start=3">عرض المزيد</a>', "/news?start=3"),  # load more
    # A numbered pager with no word: "›" alone, or the next number.
    ('<ul class="pager"><li><span>1</span></li><li><a href="?pg=2">2</a></li>'
     '<li><a href="?pg=2">›</a></li></ul>', "/news?pg=2"),
    ('<ul class="pager"><li><a href="?pg=7">7</a></li></ul>', None),
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


def test_behind_a_script_the_query_names_the_article() -> None:
    """Joomla without SEF URLs: every page is /index.php; the article view and its id tell
    the articles apart from the category pages, the pager and the menu."""
    langs = frozenset({"en", "ar"})
    article = "/index.php?option=com_content&view=article&id={}&Itemid=45&lang={}"
    markup = "".join(f'<a href="{article.format(n, lang)}">A title long enough to be one {n}</a>'
                     for n, lang in ((121, "en"), (122, "en"), (221, "ar")))
    markup += ('<a href="/index.php?option=com_content&view=category&id=8&Itemid=45&lang=en'
               '&start=3">Next</a><a href="/index.php?lang=ar">العربية</a>')
    groups = article_groups(_links(markup), langs)
    assert len(groups) == 1 and len(groups[0].urls) == 3
    pattern = link_pattern([groups[0].shape], ["ar", "en"])
    assert all(link_matches(pattern, url) for url in groups[0].urls)
    # The keys in any order, as normalise_url sorts them.
    assert link_matches(pattern, SITE + "/index.php?Itemid=46&id=9&lang=ar&option=com_content"
                        "&view=article")
    assert not link_matches(pattern, SITE + "/index.php?option=com_content&view=category"
                            "&id=8&Itemid=45&lang=en&start=3")
    # A path pattern never sees the query: a listing's ?page=2 is no slug.
    assert not link_matches(r"^/en/posts/[^/]+/?$", SITE + "/en/posts/?page=2")
    # ...and one escaping "?" in a class still takes the path it took.
    assert link_matches(r"^/posts/[^/\?]+/?$", SITE + "/posts/some-slug?utm_source=x")


def test_a_switcher_of_flag_images_names_its_languages_by_their_alt_text() -> None:
    markup = """<html lang="en"><body><ul class="lang-inline">
    <li><a href="/index.php?lang=en"><img src="en.gif" alt="English (UK)"></a></li>
    <li><a href="/index.php?lang=ar"><img src="ar.gif" alt="العربية (AR)"></a></li>
    </ul></body></html>"""
    found = language_versions(LexborHTMLParser(markup), SITE + "/")
    assert {lang: url for lang, (url, _) in found.items()} == {
        "en": SITE + "/", "ar": SITE + "/index.php?lang=ar"}
