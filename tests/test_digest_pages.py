"""The digest feeds where a visitor finds feeds: on the index page and in feeds.opml,
each under its language in a group of its own (not inside "All news"), and a readable
`/{lang}/digest/` page like every other feed's, parsed as a browser would."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bot.app import publish
from feeds.models import Kind
from tests.test_digest import Install, article
from tests.test_digest import weekly as weekly
from tests.test_pages import NS, parse, texts

BASE = "https://feeds.example/"


def test_the_index_page_lists_each_digest_feed_under_its_language(
        weekly: Install, tmp_path: Path) -> None:
    weekly.seen(article(1, day=1), article(2, "ar", day=2))
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    index = parse(tmp_path / "public" / "index.html")
    for lang, heading in (("en", "Digest"), ("ar", "الموجز")):
        [section] = index.xpath(f"//h:section[@id='{lang}']", namespaces=NS)
        groups = section.xpath("h:div[@class='feed']", namespaces=NS)
        [digest] = [g for g in groups if texts(g, "h:h3") == [heading]]
        assert digest.xpath("h:h3/h:a/@href", namespaces=NS) == [f"{lang}/digest/"]
        assert texts(digest, "h:code[@class='url']") == [f"{BASE}{lang}/digest/rss.xml"]
        # "All news" keeps its own feeds only.
        [news] = [g for g in groups if g is not digest and g is groups[0]]
        assert not [h for h in news.xpath(".//h:a/@href", namespaces=NS) if "digest" in h]
    found = {link.get("href") for link in index.xpath(
        "//h:head/h:link[@rel='alternate']", namespaces=NS)}
    assert {"en/digest/atom.xml", "ar/digest/rss.xml"} <= found


def test_feeds_opml_lists_each_digest_feed_in_its_language_s_outline(
        weekly: Install, tmp_path: Path) -> None:
    weekly.seen(article(1, day=1))
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    opml = etree.parse(str(tmp_path / "public" / "feeds.opml"))
    for lang, name in (("en", "English"), ("ar", "العربية")):
        [outline] = opml.xpath("/opml/body/outline[@text=$name]", name=name)
        urls = outline.xpath("outline/@xmlUrl")
        assert f"{BASE}{lang}/digest/rss.xml" in urls
        assert all(u.startswith(f"{BASE}{lang}/") or f"/{lang}/" in u for u in urls)


def test_each_language_has_a_digest_page_listing_its_digests(
        weekly: Install, tmp_path: Path) -> None:
    weekly.seen(article(1, day=1), article(2, day=2, kind=Kind.CAMPAIGN))
    weekly.maker.make_due()
    publish(weekly.config, weekly.store)
    page = parse(tmp_path / "public" / "en" / "digest" / "index.html")
    assert page.get("lang") == "en"
    assert texts(page, "//h:h1") == ["ALQST — digest"]
    assert texts(page, "//h:ol[@class='items']/h:li//h:a") == [
        "ALQST — digest: 28 November – 5 December 2025"]
    assert texts(page, "//h:p[@class='summary']") == ["28 November – 5 December 2025 · 2 articles"]
    found = {(link.get("type"), link.get("href"))
             for link in page.xpath("//h:head/h:link[@rel='alternate']", namespaces=NS)}
    assert ("application/atom+xml", "atom.xml") in found
    # The other pages of the language link to it, and it to them.
    assert texts(page, "//h:nav[@class='pages']/h:a") == [
        "All feeds", "English", "English: Campaign calls", "العربية", "العربية: نداءات التحرك",
        "العربية: الموجز"]
    news = parse(tmp_path / "public" / "en" / "index.html")
    assert "digest/" in news.xpath("//h:nav[@class='pages']//h:a/@href", namespaces=NS)
    ar = parse(tmp_path / "public" / "ar" / "digest" / "index.html")
    assert (ar.get("lang"), ar.get("dir")) == ("ar", "rtl")
    assert texts(ar, "//h:h1") == ["ALQST — الموجز"]
