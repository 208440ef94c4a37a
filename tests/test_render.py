"""Feed rendering: validity (W3C rules, feedparser, strict XML), golden bytes, ids, dates,
translations, images, campaigns and hostile content, from articles in a real SQLite store."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.models import Kind
from feeds.render import (
    EMPTY_FEED_UPDATED,
    FeedSpec,
    render_all,
    render_atom,
    render_json,
    render_rss,
)
from feeds.store import ArticleStore
from tests.feed_samples import SITE, SURROGATES, T0, fill_store, sample_articles, sample_spec
from tests.w3c_rules import check_atom, check_json_feed, check_rss

GOLDEN = Path(__file__).parent / "data" / "feeds"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def store(tmp_path: Path) -> ArticleStore:
    return fill_store(tmp_path / "db.sqlite")


def translations_of(store: ArticleStore, lang: str) -> dict[str, str]:
    urls = {}
    for article in store.latest(lang=lang, limit=100):
        for key in article.translations.values():
            other = store.get(key)
            if other is not None:
                urls[key] = other.url
    return urls


def rendered(store: ArticleStore, lang: str, kind: Kind | None = None):
    articles = store.latest(lang=lang, kind=kind, limit=50)
    return render_all(sample_spec(lang), articles, translations_of(store, lang))


def parse_entries(data: bytes) -> list[feedparser.FeedParserDict]:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return list(parsed.entries)


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("campaigns", [False, True])
def test_every_feed_passes_validator_rules_and_parses_cleanly(
    store: ArticleStore, lang: str, campaigns: bool
) -> None:
    feeds = rendered(store, lang, Kind.CAMPAIGN if campaigns else None)
    assert check_rss(feeds.rss) == []
    assert check_atom(feeds.atom) == []
    assert check_json_feed(feeds.json) == []
    for data in (feeds.rss, feeds.atom):
        etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
        entries = parse_entries(data)
        assert len(entries) == len(store.latest(lang=lang, limit=50,
                                                kind=Kind.CAMPAIGN if campaigns else None))


def test_rule_checker_is_not_vacuous() -> None:
    # Each broken feed must be caught, or a green validity test would mean nothing.
    good_rss = render_rss(sample_spec("en"), sample_articles()[1:2])
    assert check_rss(good_rss) == []
    broken = {
        "MissingAtomSelfLink": good_rss.replace(b'rel="self"', b'rel="related"'),
        "ContainsRelRef": good_rss.replace(b'href="https://alqst.org/en/post/background',
                                           b'href="/en/post/background'),
        "SecurityRisk": good_rss.replace(b"&lt;/p&gt;</content",
                                         b"&lt;script&gt;x&lt;/script&gt;&lt;/p&gt;</content"),
        "DangerousStyleAttr": good_rss.replace(b"&lt;p&gt;ALQST", b'&lt;p style="x"&gt;ALQST'),
        "NotHtml": good_rss.replace(b"&lt;p&gt;ALQST", b"&lt;p&gt;Q&amp;A ALQST"),
        "InvalidRFC2822Date": good_rss.replace(b"+0000</pubDate>", b"UTC+1</pubDate>"),
        "ImplausibleDate": good_rss.replace(b"Fri, 01 Mar 2024 09:05", b"Sat, 01 Mar 1980 09:05"),
        "IncorrectDOW": good_rss.replace(b"Fri, 01 Mar 2024 09:05", b"Mon, 01 Mar 2024 09:05"),
        "MissingGuid": good_rss.replace(b"<guid", b"<foo:guid xmlns:foo='urn:x'").replace(
            b"</guid>", b"</foo:guid>"),
        "CharacterData": good_rss.replace(b"<title>ALQST calls", b"<title>&lt;b&gt;ALQST calls"),
        "InvalidFullLink": good_rss.replace(b"<link>https://alqst.org/en/post/release-salma",
                                            b"<link>https://alqst.org/en/post/release salma"),
    }
    for rule, data in broken.items():
        assert any(p.startswith(rule) for p in check_rss(data)), rule
    good_atom = render_atom(sample_spec("en"), sample_articles()[1:2])
    assert check_atom(good_atom) == []
    assert any(p.startswith("NonCanonicalURI") for p in check_atom(
        good_atom.replace(b"<id>https://alqst.org/", b"<id>HTTPS://alqst.org:443/")))
    pair = f"{SITE}/ar/post/release-salma"
    with_translation = render_atom(sample_spec("en"), sample_articles()[1:2], {pair: pair})
    assert check_atom(with_translation) == []
    assert any(p.startswith("DuplicateAtomLink") for p in check_atom(
        with_translation.replace(b'hreflang="ar"', b'hreflang="en"')))


def test_golden_rss_and_atom_bytes(store: ArticleStore) -> None:
    """Fixed articles and dates give these exact bytes; UPDATE_GOLDEN=1 rewrites them."""
    for lang in ("ar", "en"):
        feeds = rendered(store, lang)
        for name, data in ((f"{lang}.rss.xml", feeds.rss), (f"{lang}.atom.xml", feeds.atom)):
            path = GOLDEN / name
            if os.environ.get("UPDATE_GOLDEN") == "1":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            assert data == path.read_bytes(), f"{name} differs; UPDATE_GOLDEN=1 to accept"


def test_same_articles_give_the_same_bytes_in_any_order(store: ArticleStore) -> None:
    articles = store.latest(lang="en", limit=50)
    spec = sample_spec("en")
    first = render_all(spec, articles)
    again = render_all(spec, list(reversed(articles)))
    assert (first.rss, first.atom, first.json) == (again.rss, again.atom, again.json)
    assert b"feedbot" in first.rss and b"python-feedgen" not in first.rss + first.atom


def test_entries_are_newest_first_and_feed_date_is_newest_update(store: ArticleStore) -> None:
    entries = parse_entries(rendered(store, "en").atom)
    published = [e.published_parsed for e in entries]
    assert published == sorted(published, reverse=True)
    feed = feedparser.parse(rendered(store, "en").atom).feed
    # The edited English article was updated at T0 + 3 days: the newest update of all.
    assert feed.updated == (T0 + timedelta(days=3)).isoformat()


def test_empty_feed_is_valid_with_a_fixed_date() -> None:
    feeds = render_all(sample_spec("ar"), [])
    assert check_rss(feeds.rss) == [] and check_atom(feeds.atom) == []
    assert EMPTY_FEED_UPDATED.isoformat().encode() in feeds.atom
    assert feeds == render_all(sample_spec("ar"), [])


def test_entry_id_comes_from_the_key_never_the_title(store: ArticleStore) -> None:
    article = store.latest(lang="en", limit=50)[0]
    renamed = article.with_(title="A completely different title")
    ids = [parse_entries(render_atom(sample_spec("en"), [a]))[0].id for a in (article, renamed)]
    assert ids[0] == ids[1] == article.key
    guid = parse_entries(render_rss(sample_spec("en"), [renamed]))[0].id
    assert guid == article.key


def test_split_page_keeps_its_language_fragment_in_the_id(store: ArticleStore) -> None:
    entries = parse_entries(rendered(store, "ar").rss)
    split = next(e for e in entries if e.id.endswith("#ar"))
    assert split.id == f"{SITE}/posts/930#ar"
    assert split.link == f"{SITE}/posts/930"
    assert split.guidislink is False


def test_edited_article_shows_a_new_update_date_not_a_new_entry(store: ArticleStore) -> None:
    entries = parse_entries(rendered(store, "en").atom)
    pair = [e for e in entries if e.id == f"{SITE}/en/post/release-salma"]
    assert len(pair) == 1
    assert pair[0].published == (T0 + timedelta(minutes=5)).isoformat()
    assert pair[0].updated == (T0 + timedelta(days=3)).isoformat()
    assert "postponed the hearing" in pair[0].content[0].value


def test_translation_links_survive_and_the_entry_link_stays_the_article(
    store: ArticleStore,
) -> None:
    feeds = rendered(store, "en")
    root = etree.fromstring(feeds.atom)
    entry = next(e for e in root.iter(f"{ATOM}entry")
                 if e.findtext(f"{ATOM}id") == f"{SITE}/en/post/release-salma")
    links = {(link.get("rel"), link.get("hreflang"), link.get("type")): link.get("href")
             for link in entry.iter(f"{ATOM}link")}
    assert links[("alternate", "ar", "text/html")] == f"{SITE}/ar/post/release-salma"
    assert links[("alternate", "en", "text/html")] == f"{SITE}/en/post/release-salma"
    for data in (feeds.atom, feeds.rss):
        parsed = next(e for e in parse_entries(data) if e.id.endswith("/en/post/release-salma"))
        assert parsed.link == f"{SITE}/en/post/release-salma"
        assert any(link.get("hreflang") == "ar" for link in parsed.links)


def test_lead_image_is_an_enclosure_with_a_type(store: ArticleStore) -> None:
    feeds = rendered(store, "en")
    campaign = next(e for e in parse_entries(feeds.rss) if e.id.endswith("/en/post/act-now"))
    assert campaign.enclosures == [{"href": f"{SITE}/media/campaign.png", "length": "0",
                                    "type": "image/png"}]
    atom = next(e for e in parse_entries(feeds.atom) if e.id.endswith("/en/post/act-now"))
    assert atom.enclosures[0]["type"] == "image/png"
    assert atom.media_content[0]["url"] == f"{SITE}/media/campaign.png"


def test_campaign_content_lists_its_action_links(store: ArticleStore) -> None:
    ar = next(e for e in parse_entries(rendered(store, "ar", Kind.CAMPAIGN).atom))
    content = ar.content[0].value
    assert "تحرّك الآن" in content
    assert f'href="{SITE}/ar/petition"' in content  # utm_source stripped
    assert "وقّع العريضة" in content
    en = next(e for e in parse_entries(rendered(store, "en", Kind.CAMPAIGN).rss))
    assert "Take action" in en.content[0].value
    assert f"{SITE}/en/petition?lang=en" in en.content[0].value
    assert "mailto:embassy@example.org" in en.content[0].value
    tags = {t.term for t in en.tags}
    assert {"Campaign", "Saudi Arabia", "Human rights"} <= tags
    assert en.author == "ALQST for Human Rights"


def test_arabic_bodies_render_right_to_left(store: ArticleStore) -> None:
    for entry in parse_entries(rendered(store, "ar").atom):
        assert entry.content[0].value.startswith('<div dir="rtl" lang="ar">')
    for entry in parse_entries(rendered(store, "en").atom):
        assert 'dir="rtl"' not in entry.content[0].value


def test_hostile_content_is_neutralised(store: ArticleStore) -> None:
    feeds = rendered(store, "en")
    hostile = next(e for e in parse_entries(feeds.rss) if e.id.endswith("/en/post/hostile"))
    body = hostile.content[0].value
    for bad in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "JaVaScRiPt",
                "data:", "<style", "style=", "<iframe", "<form", "<input", "<button",
                "tracker.example", "utm_", "document.cookie", "frame text"):
        assert bad not in body, bad
    assert f'href="{SITE}/en/post/context?id=7"' in body
    assert f'src="{SITE}/media/photo.jpg"' in body
    assert "control chars" in body and "\x01" not in body
    assert hostile.title == "Hostile title"
    assert "<" not in hostile.summary and "\x1b" not in hostile.summary
    everything = feeds.rss + feeds.atom + feeds.json
    assert all(byte not in everything for byte in (b"\x00", b"\x01", b"\x07", b"\x1b"))


def test_lone_surrogates_are_dropped_before_xml() -> None:
    article = sample_articles()[1].with_(title="Title " + SURROGATES,
                                         body_html=f"<p>{SURROGATES}</p>",
                                         summary=SURROGATES)
    feeds = render_all(sample_spec("en"), [article])
    assert check_rss(feeds.rss) == [] and check_atom(feeds.atom) == []
    entry = parse_entries(feeds.atom)[0]
    assert entry.title == "Title broken pair end"
    assert "broken  pair  end" in entry.content[0].value


def test_json_feed_carries_the_same_entries(store: ArticleStore) -> None:
    feeds = rendered(store, "ar")
    document = json.loads(feeds.json)
    assert document["language"] == "ar"
    assert document["feed_url"] == "https://feeds.example.org/ar/feed.json"
    ids = [item["id"] for item in document["items"]]
    assert ids == [e.id for e in parse_entries(feeds.atom)]
    campaign = next(i for i in document["items"] if i["_feedbot"]["kind"] == "campaign")
    assert campaign["_feedbot"]["actions"][0]["label"] == "وقّع العريضة"
    pair = next(i for i in document["items"] if i["id"].endswith("/ar/post/release-salma"))
    assert pair["_feedbot"]["translations"] == {"en": f"{SITE}/en/post/release-salma"}


def test_naive_datetimes_are_read_as_utc_never_passed_on() -> None:
    article = sample_articles()[1].with_(published=datetime(2024, 3, 1, 9, 5),
                                         updated=datetime(2024, 3, 2, 9, 5))
    data = render_atom(sample_spec("en"), [article])
    assert b"<published>2024-03-01T09:05:00+00:00</published>" in data
    assert b"<updated>2024-03-02T09:05:00+00:00</updated>" in data


def test_urls_with_arabic_slugs_are_percent_encoded_ascii(store: ArticleStore) -> None:
    feeds = rendered(store, "ar")
    statement = next(e for e in parse_entries(feeds.rss) if "%D8%A8" in e.id)
    assert statement.link.isascii() and statement.id.isascii()
    assert statement.title == "بيان مشترك & نداء عاجل"
    assert "fbclid" not in statement.content[0].value


def test_spec_without_sources_uses_the_feed_author() -> None:
    spec = FeedSpec(title="T", description="D", lang="en", home_url="https://a.example/",
                    rss_url="https://f.example/rss.xml", atom_url="https://f.example/atom.xml",
                    json_url="https://f.example/feed.json", author="Org")
    entry = parse_entries(render_json(spec, sample_articles()[1:2]) and
                          render_atom(spec, sample_articles()[1:2]))[0]
    assert entry.author == "Org"
    assert check_atom(render_atom(spec, [])) == []
    assert datetime.fromisoformat(feedparser.parse(render_atom(spec, [])).feed.updated) == \
        EMPTY_FEED_UPDATED.astimezone(UTC)


def test_action_links_already_in_the_body_are_not_listed_twice() -> None:
    campaign = next(a for a in sample_articles() if a.kind is Kind.CAMPAIGN)
    petition = campaign.actions[0]
    body = (f'<p>Act now.</p><h2>Take action</h2><ul><li><a href="{petition.url}">'
            f"{petition.label}</a></li></ul>")
    own_list = campaign.with_(body_html=body, actions=(petition,))
    [entry] = parse_entries(render_atom(sample_spec(campaign.lang), [own_list]))
    assert entry.content[0].value.count(petition.url.split("?")[0]) == 1
    without = campaign.with_(body_html="<p>Act now.</p>", actions=(petition,))
    [entry] = parse_entries(render_atom(sample_spec(campaign.lang), [without]))
    assert entry.content[0].value.count(petition.url.split("?")[0]) == 1


def test_articles_of_one_day_get_distinct_update_times_in_atom() -> None:
    # Sites give dates without a time: three articles of one day share midnight.
    day = datetime(2026, 12, 4, tzinfo=UTC)
    articles = [a.with_(published=day, updated=day) for a in sample_articles()
                if a.lang == "en"][:3]
    assert len(articles) == 3
    feeds = render_all(sample_spec("en"), articles)
    assert check_atom(feeds.atom) == []
    root = etree.fromstring(feeds.atom)
    updated = [e.findtext(ATOM + "updated") for e in root.iter(ATOM + "entry")]
    assert len(set(updated)) == 3
    assert all(datetime.fromisoformat(u) >= day for u in updated)  # never before publication
    assert render_all(sample_spec("en"), list(reversed(articles))).atom == feeds.atom
