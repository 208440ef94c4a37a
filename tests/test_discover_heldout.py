"""`feedbot discover URL` on sites built after it, in shapes it was not built around: a
Ghost/Hugo-like blog (`/en/posts/slug/`, `/page/2/`, "12 Dec 2024"), a site with its
languages on two hosts (offset "Load more" paging, Arabic-Indic dates, cookie banner and
mega-menu), and a news portal of several sections (no <article>, JSON-LD dates only); then
a Wix-like site of generated class names, a Joomla/K2 site whose every page is
`/index.php?option=...&id=N&lang=xx`, and an Arabic-first site with a partial English version.

For each: the config discover writes, with no hand edits, passes `config check`, and a
real check pass with it gives every article, in both languages, its title, date, language,
kind and a body without chrome. A source reads one listing per language, so the portal
gets a source per section.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_parts, check_sources
from bot.cli import main
from bot.config import load_config
from bot.discover import run_discover
from feeds.listing import link_matches
from feeds.sources import FetchSettings
from tests.discover_sites import HELD_OUT_SITES, ROUND3_SITES, find_article, score, started

FAST = FetchSettings(per_host_delay_seconds=0)
EXISTING = 'database = "db.sqlite"\n[fetch]\nper_host_delay_seconds = 0\n'


@pytest.mark.parametrize("site_name", HELD_OUT_SITES + ROUND3_SITES)
def test_discovered_config_gives_every_article_all_its_fields(site_name: str,
                                                              tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(EXISTING, encoding="utf-8")
    with started(site_name) as site:
        lines: list[str] = []
        assert run_discover(site.start_url, FAST, name=site_name, write=config_path,
                            out=lines.append) == 0, lines
        assert main(["config", "check", "--config", str(config_path)]) == 0
        config = load_config(config_path)
        # A listing walked by its next links is marked so (paging = "next-link"): nothing
        # for `config check` to warn about in a config written with no hand edits.
        assert config.warnings == ()
        parts = build_parts(config)
        try:
            reports = asyncio.run(check_sources(config, parts.store))
            stored = parts.store.latest(limit=1000)
        finally:
            parts.engine.dispose()
        assert not [f for r in reports for f in r.failures]

        wrong = {}
        for item in site.expected:
            marks = score(find_article(stored, item), item)
            if not all(marks.values()):
                wrong[f"{item.url} ({item.lang})"] = [k for k, ok in marks.items() if not ok]
        assert wrong == {}
        assert len(stored) == len(site.expected)


def test_each_section_of_the_portal_is_a_source_of_its_own(tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(EXISTING, encoding="utf-8")
    with started("portal") as site:
        assert run_discover(site.start_url, FAST, name="portal", write=config_path,
                            out=lambda line: None) == 0
    sources = {s.name: s for s in load_config(config_path).sources}
    # The reports section lists PDF files, not articles: nothing to follow there.
    assert sorted(sources) == ["portal", "portal-campaigns", "portal-statements"]
    assert [listing.url.removeprefix(site.start_url.rstrip("/")) for listing in
            sources["portal-statements"].listings] == ["/statements", "/ar/statements"]


def test_joomla_articles_are_told_apart_by_their_query(tmp_path: Path) -> None:
    """Every Joomla page is /index.php: the pattern discover writes names the article view
    and its id, so the category pages, the menu and the pager are not taken for articles."""
    config_path = tmp_path / "config.toml"
    config_path.write_text(EXISTING, encoding="utf-8")
    with started("joomla") as site:
        assert run_discover(site.start_url, FAST, name="joomla", write=config_path,
                            out=lambda line: None) == 0
        source = load_config(config_path).sources[0]
        base = site.start_url.rstrip("/")
        # The switcher is two flag images: Arabic is found through their alt text.
        assert sorted(listing.lang for listing in source.listings) == ["ar", "en"]
    pattern = source.link_pattern
    assert link_matches(pattern, f"{base}/index.php?option=com_content&view=article&id=224"
                        "&Itemid=46&lang=ar")
    assert not link_matches(pattern, f"{base}/index.php?option=com_content&view=category"
                            "&layout=blog&id=8&Itemid=45&lang=en&start=3")
    assert not link_matches(pattern, f"{base}/index.php?lang=ar")


def test_the_arabic_first_sites_table_index_is_walked_to_its_older_pages(tmp_path: Path
                                                                         ) -> None:
    """The feed carries whole articles, so discover reads it; the block also offers the
    listing, for older articles. Taken as the operator would (the listing lines uncommented
    in place of the feeds), the table index is walked by its "التالي"/"Next" link from
    /news/ to /news/index_2.html, and the English index's rows for Arabic-only posts give
    their Arabic pages once, in Arabic."""
    config_path = tmp_path / "config.toml"
    config_path.write_text(EXISTING, encoding="utf-8")
    with started("arabicfirst") as site:
        assert run_discover(site.start_url, FAST, name="af", write=config_path,
                            out=lambda line: None) == 0
        lines = []
        for line in config_path.read_text(encoding="utf-8").splitlines():
            if line == "[sources.feeds]":
                line = "[sources.listings]"
            elif line.startswith(("ar = \"", "en = \"")):
                continue  # the feed's line
            elif line.startswith(("# ar = { url", "# en = { url")):
                assert 'paging = "next-link"' in line
                line = line.removeprefix("# ")
            lines.append(line)
        config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        config = load_config(config_path)
        assert [listing.lang for listing in config.sources[0].listings] == ["ar", "en"]
        parts = build_parts(config)
        try:
            asyncio.run(check_sources(config, parts.store))
            stored = parts.store.latest(limit=1000)
        finally:
            parts.engine.dispose()
    wrong = {f"{item.url} ({item.lang})": [k for k, ok in score(find_article(stored, item),
                                                                item).items() if not ok]
             for item in site.expected}
    assert {k: v for k, v in wrong.items() if v} == {}
    assert len(stored) == len(site.expected)
