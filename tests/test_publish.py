"""Publishing: every feed at its stable path, atomic byte-stable writes, index and OPML."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.models import Kind
from feeds.publish import (
    PublishResult,
    SiteInfo,
    publish_feeds,
    render_index,
    telegram_url,
    write_atomic,
)
from feeds.store import ArticleStore
from tests.feed_samples import SITE, T0, edited, fill_store, sample_site
from tests.w3c_rules import check_atom, check_json_feed, check_opml, check_rss

BASE = "https://feeds.alqst.example/"
FEED_FILES = ("rss.xml", "atom.xml", "feed.json")


@pytest.fixture
def store(tmp_path: Path) -> ArticleStore:
    return fill_store(tmp_path / "db.sqlite")


def publish(store: ArticleStore, out: Path, *, two_sources: bool = False,
            site: SiteInfo | None = None) -> PublishResult:
    return publish_feeds(store, site or sample_site(BASE, two_sources=two_sources), out)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_every_language_gets_all_and_campaign_feeds_in_three_formats(
    store: ArticleStore, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    result = publish(store, out)
    expected = {f"{lang}/{sub}{name}" for lang in ("ar", "en") for sub in ("", "campaigns/")
                for name in (*FEED_FILES, "index.html")} | {"index.html", "feeds.opml"}
    assert files_under(out) == expected
    assert {p.relative_to(out).as_posix() for p in result.written} == expected
    assert result.unchanged == []


def test_several_sources_also_get_one_set_each(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish(store, out, two_sources=True)
    names = files_under(out)
    for prefix in ("ar/", "en/", "alqst/ar/", "alqst/en/", "gccr/ar/"):
        for sub in ("", "campaigns/"):
            assert {prefix + sub + name for name in FEED_FILES} <= names
    assert not any(n.startswith("gccr/en/") for n in names)  # gccr declares Arabic only
    gccr = feedparser.parse((out / "gccr/ar/atom.xml").read_bytes())
    assert gccr.bozo == 0 and gccr.entries == []  # valid while the source has no articles


def test_published_feeds_are_valid_and_self_referencing(
    store: ArticleStore, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    result = publish(store, out, two_sources=True)
    for feed in result.feeds:
        data = (out / feed.path).read_bytes()
        checker = {"rss": check_rss, "atom": check_atom, "json": check_json_feed}[feed.format]
        assert checker(data) == [], feed.path
        if feed.format == "json":
            continue
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, feed.path
        assert parsed.feed.language == feed.lang
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links == [BASE + feed.path]
    assert check_opml((out / "feeds.opml").read_bytes()) == []


def test_feed_titles_and_item_cap_follow_the_site(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    site = sample_site(BASE)
    capped = SiteInfo(**{**site.__dict__, "max_items": 2})
    publish(store, out, site=capped)
    ar = feedparser.parse((out / "ar/rss.xml").read_bytes())
    assert ar.feed.title == "القسط — آخر الأخبار"
    assert len(ar.entries) == 2
    assert [e.id for e in ar.entries] == [a.key for a in store.latest(lang="ar", limit=2)]
    campaigns = feedparser.parse((out / "en/campaigns/atom.xml").read_bytes())
    assert campaigns.feed.title == "ALQST — campaign calls"
    assert {e.id for e in campaigns.entries} == {
        a.key for a in store.latest(lang="en", kind=Kind.CAMPAIGN)}
    assert ar.feed.ttl == "30"  # cache_seconds=1800 in the sample site


def test_second_pass_without_changes_rewrites_nothing(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = publish(store, out, two_sources=True)
    stamps = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in first.written}
    second = publish(store, out, two_sources=True)
    assert second.written == []
    assert sorted(second.unchanged) == sorted(first.written)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in first.written} == stamps


def test_an_edit_rewrites_only_the_feeds_that_show_it(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish(store, out)
    campaign = store.get(f"{SITE}/ar/post/act-now")
    assert campaign is not None
    store.upsert(edited(campaign), T0 + timedelta(days=5))
    result = publish(store, out)
    # The feeds and the pages of the two feeds it is in (the summary it shows changed).
    assert {p.relative_to(out).as_posix() for p in result.written} == {
        f"ar/{sub}{name}" for sub in ("", "campaigns/") for name in (*FEED_FILES, "index.html")}
    entry = next(e for e in feedparser.parse((out / "ar/atom.xml").read_bytes()).entries
                 if e.id == campaign.key)
    assert entry.updated == (T0 + timedelta(days=5)).isoformat()


def test_no_temporary_files_are_left_behind(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish(store, out, two_sources=True)
    assert not [p for p in out.rglob(".*")]
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in out.rglob("*") if p.is_file())


def test_a_failed_write_leaves_the_previous_file_in_place(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    write_atomic(target, b"<old/>")
    # A real failure, not a mock: a child process with a 4 KB file-size limit tries to write
    # 64 KB and gets EFBIG from the kernel halfway through.
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from feeds.publish import write_atomic\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    write_atomic(Path(sys.argv[1]), b'x' * 65536)\n"
        "except OSError as exc:\n"
        "    print('failed', exc.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).parent.parent, check=True)
    assert done.stdout.startswith("failed")
    assert target.read_bytes() == b"<old/>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml"]


def test_readers_never_see_half_a_feed(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    versions = [b"A" * 300_000, b"B" * 200_000]
    write_atomic(target, versions[0])
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            write_atomic(target, versions[(i + 1) % 2])
    finally:
        stop.set()
        reader.join()
    assert seen <= set(versions)


def test_write_atomic_reports_unchanged_bytes(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.xml"
    assert write_atomic(target, b"one") is True
    mtime = target.stat().st_mtime_ns
    assert write_atomic(target, b"one") is False
    assert target.stat().st_mtime_ns == mtime
    assert write_atomic(target, b"two") is True


def test_index_lists_every_feed_with_autodiscovery_and_telegram(
    store: ArticleStore, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    result = publish(store, out, two_sources=True)
    page = etree.HTML((out / "index.html").read_bytes())
    discovered = page.xpath("//head/link[@rel='alternate']")
    assert sorted(link.get("href") for link in discovered) == sorted(f.path for f in result.feeds)
    assert {link.get("type") for link in discovered} == {
        "application/rss+xml", "application/atom+xml", "application/feed+json"}
    body_links = {a.get("href") for a in page.xpath("//body//a")}
    assert {f.path for f in result.feeds} <= body_links
    assert {"https://t.me/alqst_ar", "https://t.me/alqst_en", "feeds.opml"} <= body_links
    arabic = page.xpath("//section[@lang='ar']")[0]
    assert arabic.get("dir") == "rtl"
    assert "كل الأخبار" in "".join(arabic.itertext())
    english = page.xpath("//section[@lang='en']")[0]
    assert english.get("dir") == "ltr"


def test_opml_lists_every_feed_once(store: ArticleStore, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = publish(store, out, two_sources=True)
    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    urls = [o.get("xmlUrl") for o in opml.iter("outline") if o.get("type") == "rss"]
    assert sorted(urls) == sorted(f.url for f in result.feeds if f.format == "rss")
    assert len(urls) == len(set(urls)) == 10


def test_index_for_a_language_without_page_texts_falls_back_to_english(tmp_path: Path) -> None:
    from feeds.publish import FeedFile

    feeds = [FeedFile(path="fr/rss.xml", url=BASE + "fr/rss.xml", format="rss",
                      media_type="application/rss+xml", lang="fr", campaigns=False, source=None,
                      title="Actualités", home_url=SITE)]
    page = etree.HTML(render_index(SiteInfo(base_url=BASE, organisation="ALQST"), feeds))
    section = page.xpath("//section")[0]
    assert section.get("lang") == "en" and section.get("dir") == "ltr"
    assert "All news" in "".join(section.itertext())


@pytest.mark.parametrize(("chat", "url"), [
    ("@alqst_ar", "https://t.me/alqst_ar"),
    ("https://t.me/alqst_en", "https://t.me/alqst_en"),
    ("http://t.me/x", "https://t.me/x"),
    ("-1001234567890", None),
    ("@", None),
])
def test_telegram_url(chat: str, url: str | None) -> None:
    assert telegram_url(chat) == url


def test_languages_come_from_sources_and_from_the_store(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    site = sample_site(BASE)
    only_ar = SiteInfo(**{**site.__dict__, "sources": (
        site.sources[0].__class__("alqst", "ALQST", SITE, ("ar",)),)})
    out = tmp_path / "public"
    publish(store, out, site=only_ar)
    # English is not declared, but the store holds English articles: it gets feeds too.
    assert (out / "en/rss.xml").exists() and (out / "ar/rss.xml").exists()


def test_a_language_no_source_lists_is_stored_but_gets_no_feed(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    en = store.get(f"{SITE}/en/post/release-salma")
    assert en is not None
    persian = replace(en, key=f"{SITE}/fa/post/release-salma", url=f"{SITE}/fa/post/release-salma",
                      lang="fa", title="نرگس محمدی را آزاد کنید")
    store.upsert(persian, T0 + timedelta(days=2))
    assert "fa" in store.languages(None)
    out = tmp_path / "public"
    publish(store, out)
    assert not (out / "fa").exists() and not (out / "alqst/fa").exists()
    # Once a source lists Persian, its feed is written.
    site = sample_site(BASE)
    with_fa = SiteInfo(**{**site.__dict__, "sources": (
        replace(site.sources[0], languages=("ar", "en", "fa")),)})
    publish(store, out, site=with_fa)
    assert (out / "fa/rss.xml").exists()


def test_a_sorani_feed_is_right_to_left_and_listed_in_kurdish(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    en = store.get(f"{SITE}/en/post/release-salma")
    assert en is not None
    sorani = replace(en, key=f"{SITE}/ckb/post/1", url=f"{SITE}/ckb/post/1", lang="ckb",
                     title="ڕۆژنامەنووسێک لە سلێمانی دەستگیرکرا",
                     body_html="<p>دەسەڵاتداران دەبێت دەستبەجێ ئازادی بکەن.</p>")
    store.upsert(sorani, T0 + timedelta(days=2))
    site = sample_site(BASE)
    with_ckb = SiteInfo(**{**site.__dict__, "sources": (
        replace(site.sources[0], languages=("ar", "en", "ckb")),)})
    out = tmp_path / "public"
    publish(store, out, site=with_ckb)
    atom = feedparser.parse((out / "ckb/atom.xml").read_bytes())
    [entry] = [e for e in atom.entries if e.link == sorani.url]
    assert atom.feed.language == "ku-Arab"  # see feeds.render.feed_language_tag
    assert '<div dir="rtl" lang="ckb">' in entry.content[0].value
    assert "کوردی" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("lang", "title", "name", "direction"), [
    ("ps", "د بشري حقونو فعالانو ته باید اجازه ورکړل شي", "پښتو", "rtl"),
    ("he", "ארגוני זכויות האדם דורשים לשחרר את העצירים", "עברית", "rtl"),
    ("es", "Exigen la liberación inmediata de los detenidos", "Español", "ltr"),
    ("de", "Sofortige Freilassung der inhaftierten Aktivisten", "Deutsch", "ltr"),
    ("tr", "Gazeteci gözaltına alındı ve tutuklandı", "Türkçe", "ltr"),
])
def test_a_feed_in_a_newly_detected_language_is_tagged_directed_and_named(
        tmp_path: Path, lang: str, title: str, name: str, direction: str) -> None:
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    en = store.get(f"{SITE}/en/post/release-salma")
    assert en is not None
    item = replace(en, key=f"{SITE}/{lang}/post/1", url=f"{SITE}/{lang}/post/1", lang=lang,
                   title=title, body_html=f"<p>{title}</p>")
    store.upsert(item, T0 + timedelta(days=2))
    site = sample_site(BASE)
    site = SiteInfo(**{**site.__dict__, "sources": (
        replace(site.sources[0], languages=("ar", "en", lang)),)})
    out = tmp_path / "public"
    publish(store, out, site=site)
    atom = feedparser.parse((out / f"{lang}/atom.xml").read_bytes())
    [entry] = [e for e in atom.entries if e.link == item.url]
    assert atom.feed.language == lang
    # Right-to-left bodies are wrapped so readers lay them out from the right; others are not.
    rtl_wrapper = f'<div dir="rtl" lang="{lang}">'
    assert (rtl_wrapper in entry.content[0].value) == (direction == "rtl")
    assert name in (out / "index.html").read_text(encoding="utf-8")
