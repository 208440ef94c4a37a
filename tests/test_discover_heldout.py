"""`feedbot discover URL` on sites built after it, in shapes it was not built around: a
Ghost/Hugo-like blog (`/en/posts/slug/`, `/page/2/`, "12 Dec 2024"), a site with its
languages on two hosts (offset "Load more" paging, Arabic-Indic dates, cookie banner and
mega-menu), and a news portal of several sections (no <article>, JSON-LD dates only).

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
from feeds.sources import FetchSettings
from tests.discover_sites import HELD_OUT_SITES, find_article, score, started

FAST = FetchSettings(per_host_delay_seconds=0)
EXISTING = 'database = "db.sqlite"\n[fetch]\nper_host_delay_seconds = 0\n'


@pytest.mark.parametrize("site_name", HELD_OUT_SITES)
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
