"""`feedbot discover URL` on sites of four different makes (WordPress-like, Drupal-like,
languages under `?lang=`, and the replica): the configuration it writes, with no hand edits,
passes `config check`, and a real check pass with it gives every article its title, date,
language, kind and a body without chrome."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.app import build_parts, check_sources
from bot.cli import main
from bot.config import load_config
from bot.discover import discover, run_discover
from feeds.extract import extract_articles
from feeds.fetcher import Fetcher
from feeds.listing import page_url, parse_listing
from feeds.sources import FetchSettings, SourceSettings
from tests.discover_sites import (
    SITE_NAMES,
    Expected,
    corpus_expected,
    find_article,
    score,
    started,
)
from tests.fakes.langquery_site import LangQuerySite

FAST = FetchSettings(per_host_delay_seconds=0)
# What the operator already had in the file: discover must keep it.
EXISTING = '# my settings\ndatabase = "db.sqlite"\n[fetch]\nper_host_delay_seconds = 0\n'


def _discover_into(path: Path, url: str, name: str) -> list[str]:
    lines: list[str] = []
    assert run_discover(url, FAST, name=name, write=path, out=lines.append) == 0, lines
    return lines


async def _default_kinds(expected: tuple[Expected, ...], start_url: str) -> dict[str, str]:
    """The kinds the replica's articles get with the hand-written (default) selectors."""
    source = SourceSettings(name="hand", title="hand", url=start_url)
    kinds: dict[str, str] = {}
    async with Fetcher(FAST) as fetcher:
        for item in expected:
            page = await fetcher.fetch(item.url, allowed_hosts=source.hosts)
            for article in extract_articles(page.text, page.url, source, now=datetime.now(UTC)):
                kinds[f"{item.url} {article.lang}"] = article.kind.value
    return kinds


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_discovered_config_gives_every_article_all_its_fields(site_name: str,
                                                              tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(EXISTING, encoding="utf-8")
    with started(site_name) as site:
        _discover_into(config_path, site.start_url, site_name)

        assert config_path.read_text(encoding="utf-8").startswith(EXISTING)
        assert main(["config", "check", "--config", str(config_path)]) == 0
        config = load_config(config_path)
        parts = build_parts(config)
        try:
            reports = asyncio.run(check_sources(config, parts.store))
            stored = parts.store.latest(limit=1000)
        finally:
            parts.engine.dispose()
        assert not [f for r in reports for f in r.failures]
        kinds = (asyncio.run(_default_kinds(site.expected, site.start_url))
                 if site_name == "replica" else {})

        wrong = {}
        for item in site.expected:
            article = find_article(stored, item)
            marks = score(article, item)
            if site_name == "replica" and article is not None:
                # The replica's own labels and the classifier disagree on a few posts
                # (an annual report filed as news): discover must do as well as the
                # hand-written selectors, which is what the demo runs with.
                marks["kind"] = article.kind.value == kinds[f"{item.url} {item.lang}"]
            if not all(marks.values()):
                wrong[f"{item.url} ({item.lang})"] = [k for k, ok in marks.items() if not ok]
        assert wrong == {}
        assert len(stored) == len(site.expected)


def test_listing_shapes_are_the_sites_own(tmp_path: Path) -> None:
    """WordPress pages /page/N/, Drupal counts ?page= from 0, the ?lang= site keeps its
    language parameter beside the page number."""
    found = {}
    for name in ("press", "drupal", "langquery"):
        with started(name) as site:
            path = tmp_path / f"{name}.toml"
            _discover_into(path, site.start_url, name)
            listings = tomllib.loads(path.read_text(encoding="utf-8"))["sources"][0]["listings"]
            base = site.start_url.split("/", 3)[:3]
            found[name] = {lang: (v["url"].replace("/".join(base), ""), v["first_page"])
                           for lang, v in listings.items()}
    assert found["press"] == {"en": ("/page/{page}", 1), "ar": ("/ar/page/{page}", 1)}
    assert found["drupal"] == {"en": ("/en/news?page={page}", 0),
                               "ar": ("/ar/news?page={page}", 0)}
    assert found["langquery"] == {"en": ("/stories?lang=en&page={page}", 1),
                                  "ar": ("/stories?lang=ar&page={page}", 1)}


def test_cli_prints_evidence_previews_and_the_advertised_feed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    shipped = (Path(__file__).parent.parent / "config.toml").read_text(encoding="utf-8")
    path.write_text(shipped, encoding="utf-8")  # the project's own config: kept whole
    with LangQuerySite() as site:
        assert main(["discover", site.home_url, "--name", "lab", "--write", str(path)]) == 0
        base = site.base_url
    out = capsys.readouterr().out
    assert "feed: " + base + "/rss?lang=ar (advertised" in out
    assert 'a language switcher link "عربي"' in out
    assert "selectors.title: div.story-title   [sure]" in out
    assert out.count("    title: ") == 6  # three previews per language
    written = path.read_text(encoding="utf-8")
    assert written.startswith(shipped)
    assert f"# The site's ar feed, {base}/rss?lang=ar, is not used" in written
    assert main(["config", "check", "--config", str(path)]) == 0
    assert [s.name for s in load_config(path).sources] == ["alqst", "lab"]


def test_write_refuses_a_source_name_already_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    before = '[[sources]]\nname = "lab"\n[sources.listings]\nen = "https://x.org/?p={page}"\n'
    path.write_text(before, encoding="utf-8")
    lines: list[str] = []
    with LangQuerySite() as site:
        assert run_discover(site.home_url, FAST, name="lab", write=path, out=lines.append) == 1
    assert lines[-1] == (f"error: {path} already has a source named 'lab'; nothing written "
                         "(choose another with --name, or remove that source first)")
    assert path.read_text(encoding="utf-8") == before


def test_discovery_stops_at_its_page_budget() -> None:
    with LangQuerySite() as site:
        found = asyncio.run(discover(site.home_url, FAST, name="lab", page_budget=4))
    assert found.pages_fetched == 4
    assert any("page budget (4 pages)" in note for note in found.notes)


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_an_article_page_leads_to_the_same_configuration_as_the_home_page(
        site_name: str, tmp_path: Path) -> None:
    with started(site_name) as site:
        article = next(e.url for e in site.expected if e.lang == "ar")
        written = {}
        for label, url in (("home", site.start_url), ("article", article)):
            path = tmp_path / f"{label}.toml"
            _discover_into(path, url, site_name)
            written[label] = tomllib.loads(path.read_text(encoding="utf-8"))["sources"][0]
    for source in written.values():
        del source["title"]  # the site's name in the start page's language
    assert written["article"] == written["home"]


def test_a_site_that_cannot_be_reached_is_one_line_and_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LangQuerySite() as site:
        dead = site.base_url + "/"
    path = tmp_path / "config.toml"
    assert main(["discover", dead, "--write", str(path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"error: discover: {dead}: ")
    assert not path.exists()


def test_a_feed_with_whole_articles_is_read_instead_of_the_listing(tmp_path: Path) -> None:
    """The feed is used when its entries hold the whole text of their pages; the written
    config reads it, and the check pass gets every entry's fields from it."""
    path = tmp_path / "config.toml"
    path.write_text(EXISTING, encoding="utf-8")
    with LangQuerySite(full_feed=True) as site:
        _discover_into(path, site.home_url, "lab")
        source = tomllib.loads(path.read_text(encoding="utf-8"))["sources"][0]
        assert source["feeds"] == {"en": f"{site.base_url}/rss?lang=en",
                                   "ar": f"{site.base_url}/rss?lang=ar"}
        assert "listings" not in source
        assert main(["config", "check", "--config", str(path)]) == 0
        config = load_config(path)
        parts = build_parts(config)
        try:
            asyncio.run(check_sources(config, parts.store))
            stored = parts.store.latest(limit=100)
        finally:
            parts.engine.dispose()
        expected = [e for e in corpus_expected(site, ()) if e.url in {a.url for a in stored}]
    assert len(stored) == len(expected) == 10  # the feed's five newest, in each language
    assert {e.url: [k for k, ok in score(find_article(stored, e), e).items() if not ok]
            for e in expected} == {e.url: [] for e in expected}


def test_a_feed_of_summaries_is_named_but_the_listing_is_scraped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with LangQuerySite() as site:
        _discover_into(path, site.home_url, "lab")
    text = path.read_text(encoding="utf-8")
    assert "feeds" not in tomllib.loads(text)["sources"][0]
    assert ("is not used: 0 of the 4 articles compared have their whole text in the feed "
            "(the feed carries summaries)") in text


@pytest.mark.parametrize("site_name", ["press", "drupal"])
def test_the_link_selector_leaves_out_a_sidebar_of_articles(site_name: str,
                                                            tmp_path: Path) -> None:
    """Both sites show recent or most-read posts beside every listing page: the listing's
    first page yields its own three posts, newest first, not the sidebar's."""
    path = tmp_path / "config.toml"
    with started(site_name) as site:
        _discover_into(path, site.start_url, site_name)
        source = load_config(path).sources[0]
        listing = next(item for item in source.listings if item.lang == "en")
        first = page_url(listing.url, listing.first_page)
        parsed = parse_listing(httpx.get(first).text, first, link_selector=source.link_selector,
                               link_pattern=source.link_pattern, allowed_hosts=source.hosts)
        newest = [e.url for e in sorted((e for e in site.expected if e.lang == "en"),
                                        key=lambda e: e.date, reverse=True)]
    assert list(parsed.links) == newest[:3]
