"""The readable pages: a page per feed (`ar/`, `en/campaigns/`, `alqst/ar/` ...) and the
latest items on the index page, as written by the real publisher from a real SQLite store.

The pages are parsed as a browser would (html5lib, strict: a parse error fails the test);
the browser test (tests/test_pages_browser.py) checks how they lay out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import html5lib
import pytest
from lxml import etree

from bot.demo import run_demo
from feeds.models import Article, Kind
from feeds.pages import FeedLink, FeedPage, format_date, render_feed_page
from feeds.publish import publish_feeds
from feeds.store import ArticleStore
from tests.feed_samples import SITE, T0, fill_store, sample_site

BASE = "https://feeds.example/"
NS = {"h": "http://www.w3.org/1999/xhtml"}


def parse(path: Path) -> etree._Element:
    """The page as a browser builds it; any HTML parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, tree=html5lib.getTreeBuilder("lxml"))
    return parser.parse(path.read_bytes()).getroot()


def texts(root: etree._Element, xpath: str) -> list[str]:
    return ["".join(node.itertext()) for node in root.xpath(xpath, namespaces=NS)]


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pages")
    store = fill_store(root / "db.sqlite")
    publish_feeds(store, sample_site(BASE, two_sources=True), root / "public")
    return root / "public"


@pytest.mark.parametrize("directory", [
    "ar/", "ar/campaigns/", "en/", "en/campaigns/", "alqst/ar/", "alqst/en/campaigns/",
    "gccr/ar/", "gccr/ar/campaigns/"])
def test_every_feed_has_a_page_that_parses_and_discovers_its_feed(
        public: Path, directory: str) -> None:
    page = parse(public / directory / "index.html")
    lang = directory.removesuffix("campaigns/").split("/")[-2]
    assert page.get("lang") == lang
    assert page.get("dir") == ("rtl" if lang == "ar" else "ltr")
    found = {(link.get("type"), link.get("href"))
             for link in page.xpath("//h:head/h:link[@rel='alternate']", namespaces=NS)}
    assert found == {("application/rss+xml", "rss.xml"), ("application/atom+xml", "atom.xml"),
                     ("application/feed+json", "feed.json")}
    for _, href in found:
        assert (public / directory / href).is_file()
    [copy] = texts(page, "//h:code[@class='url']")
    assert copy == BASE + directory + "rss.xml"


def test_the_arabic_page_lists_its_items_in_arabic_words(public: Path) -> None:
    page = parse(public / "ar" / "index.html")
    assert texts(page, "//h:h1") == ["القسط — آخر الأخبار"]
    titles = texts(page, "//h:ol[@class='items']/h:li//h:a")
    assert titles == ["تحرّك الآن: أوقفوا تنفيذ أحكام الإعدام",
                      "القسط تطالب بالإفراج عن سلمى الشهاب", "بيان مشترك & نداء عاجل",
                      "تقرير: أوضاع السجون في عام 2023"]
    assert texts(page, "//h:ol[@class='items']//h:time") == [
        "2 مارس 2024", "1 مارس 2024", "29 فبراير 2024", "27 فبراير 2024"]
    # The campaign call, and only it, wears the badge.
    assert texts(page, "//h:li[.//h:span[@class='badge']]//h:a") == [titles[0]]
    assert texts(page, "//h:span[@class='badge']") == ["نداء تحرك"]
    [subscribe] = texts(page, "//h:p[@class='subscribe']")
    assert subscribe.startswith("للاشتراك: انسخ رابط الخلاصة")
    # Titles are isolated in their language's direction: one opening with a Latin name
    # still reads right to left, and none reorders the text around it.
    assert page.xpath("//h:ol[@class='items']//h:a/h:bdi/@dir", namespaces=NS) == ["rtl"] * 4


def test_the_english_campaign_page_shows_only_campaigns_with_english_dates(
        public: Path) -> None:
    page = parse(public / "en" / "campaigns" / "index.html")
    assert texts(page, "//h:ol[@class='items']/h:li//h:a") == [
        "Take action: stop the executions"]
    assert texts(page, "//h:ol[@class='items']//h:time") == ["2 March 2024"]
    [subscribe] = texts(page, "//h:p[@class='subscribe']")
    assert subscribe.startswith("How to subscribe: copy a feed link")
    nav = {a.get("href"): "".join(a.itertext())
           for a in page.xpath("//h:nav[@class='pages']/h:a", namespaces=NS)}
    assert nav == {"../../": "All feeds", "../../ar/": "العربية",
                   "../../ar/campaigns/": "العربية: نداءات التحرك", "../": "English"}


def test_the_index_shows_the_latest_items_of_each_language_under_its_feeds(
        public: Path) -> None:
    index = parse(public / "index.html")
    for lang, first, date, see_all in (
            ("ar", "تحرّك الآن: أوقفوا تنفيذ أحكام الإعدام", "2 مارس 2024", "كل المواد"),
            ("en", "Take action: stop the executions", "2 March 2024", "See all items")):
        [section] = index.xpath(f"//h:section[@id='{lang}']", namespaces=NS)
        latest = section.xpath(".//h:div[@class='latest']", namespaces=NS)[0]
        # Right under the language's main feed and its subscribe links.
        previous = latest.getprevious()
        assert previous.get("class") == "feed"
        assert previous.xpath(".//h:a/@href", namespaces=NS)[:2] == [f"{lang}/",
                                                                     f"{lang}/rss.xml"]
        assert texts(latest, ".//h:li//h:a")[0] == first
        assert texts(latest, ".//h:time")[0] == date
        assert len(texts(latest, ".//h:li")) <= 5
        assert texts(latest, ".//h:li[1]//h:span[@class='badge']") == [
            "نداء تحرك" if lang == "ar" else "Campaign"]
        assert texts(latest, "./h:p/h:a") == [see_all]
        assert latest.xpath("./h:p/h:a/@href", namespaces=NS) == [f"{lang}/"]


def test_a_hostile_title_is_shown_as_text_on_every_page(tmp_path: Path) -> None:
    store: ArticleStore = fill_store(tmp_path / "db.sqlite")
    # What survives the title cleaning (feeds.sanitize.plain_text) can still break out of
    # an attribute or open an element if it were not escaped.
    title = '5 < 6 & "q" \'"><b onmouseover=alert(1)>x</b> <bdi>'
    url = f"{SITE}/en/post/hostile-title"
    store.upsert(Article(key=url, url=url, source="alqst", lang="en", title=title,
                         body_html="<p>Body.</p>", body_text="Body.",
                         summary='<i>Summary</i> "><svg onload=alert(2)>',
                         published=T0 + timedelta(days=9), kind=Kind.CAMPAIGN),
                 T0 + timedelta(days=9))
    public = tmp_path / "public"
    publish_feeds(store, sample_site(BASE), public)
    cleaned = '5 < 6 & "q" \'">x'  # the tags go; the characters stay and must be text
    for page in ("en/index.html", "en/campaigns/index.html", "index.html"):
        root = parse(public / page)
        assert cleaned in texts(root, "//h:li//h:a"), page
        assert "Summary \">" in texts(root, "//h:p[@class='summary']") or page == "index.html"
        assert not root.xpath("//h:b | //h:svg | //h:script | //h:i | //*[@onmouseover]"
                              " | //*[@onload]", namespaces=NS), page


def test_an_empty_feed_page_says_nothing_is_there_yet(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    publish_feeds(store, sample_site(BASE, two_sources=True), tmp_path / "public")
    page = parse(tmp_path / "public" / "gccr" / "ar" / "index.html")
    assert not page.xpath("//h:ol[@class='items']", namespaces=NS)
    assert texts(page, "//h:section[@class='feed-items']/h:p") == ["لم يُنشر شيء هنا بعد."]


def test_dates_are_written_in_the_language_s_own_words() -> None:
    when = datetime(2023, 12, 8, 23, 30, tzinfo=UTC)
    assert format_date(when, "ar") == "8 ديسمبر 2023"
    assert format_date(when, "en") == "8 December 2023"
    assert format_date(when, "fr") == "2023-12-08"


def test_the_demo_writes_pages_that_parse_and_show_its_new_articles(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_demo(lines.append, environ={}, workdir=tmp_path) == 0
    public = tmp_path / "public"
    pages = sorted(public.rglob("index.html"))
    assert {p.parent.relative_to(public).as_posix() for p in pages} == {
        ".", "ar", "ar/campaigns", "en", "en/campaigns"}
    for path in pages:
        page = parse(path)  # strict: a parse error fails here
        for href in page.xpath("//h:head/h:link[@rel='alternate']/@href", namespaces=NS):
            assert (path.parent / href).is_file(), (path, href)
    ar = parse(public / "ar" / "campaigns" / "index.html")
    assert (ar.get("lang"), ar.get("dir")) == ("ar", "rtl")
    assert texts(ar, "//h:span[@class='badge']")  # the demo's new campaign call
    assert any("/ar/campaigns/" in line for line in lines if line.startswith("pages"))


def test_a_language_without_its_own_words_is_told_in_english_and_marked_so() -> None:
    page = FeedPage(directory="fa/", lang="fa", title="خبرها", description="آخرین خبرها",
                    campaigns=False, source=None, entries=(),
                    links=(FeedLink("RSS", "application/rss+xml", "fa/rss.xml",
                                    BASE + "fa/rss.xml"),))
    root = html5lib.HTMLParser(strict=True, tree=html5lib.getTreeBuilder("lxml")).parse(
        render_feed_page(page, [page], {"fa": "فارسی"})).getroot()
    assert (root.get("lang"), root.get("dir")) == ("fa", "rtl")
    [section] = root.xpath("//h:section[@class='subscribe']", namespaces=NS)
    assert (section.get("lang"), section.get("dir")) == ("en", "ltr")
    assert texts(section, "./h:p[@class='subscribe']")[0].startswith("How to subscribe")
