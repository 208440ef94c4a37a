"""Each seed page, served by the replica, extracts to its expected result (tests/data/seeds/).

Every URL a seed page answers at (numeric, slug, prefix-less) must give the same result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from feeds.extract import extract_articles
from feeds.listing import parse_listing
from feeds.models import Article
from feeds.replica import SEED_PAGES, ReplicaSite
from feeds.sources import Listing, SourceSettings

EXPECTED = Path(__file__).parent / "data" / "seeds"
NOW = datetime(2026, 11, 21, tzinfo=UTC)
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(scope="module")
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica


def source_for(site: ReplicaSite) -> SourceSettings:
    return SourceSettings(name="alqst", title="ALQST", url=site.base_url + "/",
                          listings=(Listing("en", site.listing_url("en")),))


def extract(site: ReplicaSite, path: str) -> list[Article]:
    response = httpx.get(site.base_url + path)
    response.raise_for_status()
    return extract_articles(response.text, str(response.url), source_for(site), now=NOW)


def _path_lang(path: str) -> str | None:
    match = re.match(r"/([a-z]{2})/", path)
    return match.group(1) if match else None


CASES = [(p.stem, path) for p in sorted(EXPECTED.glob("*.json"))
         for path in SEED_PAGES[p.stem].paths]


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}:{p}" for n, p in CASES])
def test_seed_page_extracts_to_its_expected_result(site: ReplicaSite, name: str,
                                                   path: str) -> None:
    expected = json.loads((EXPECTED / f"{name}.json").read_text())
    articles = extract(site, path)
    assert [a.lang for a in articles] == [e["lang"] for e in expected["articles"]]
    canonical = site.base_url + SEED_PAGES[name].canonical_path
    for article, want in zip(articles, expected["articles"], strict=True):
        # The canonical, unless it is another language's page and the page fetched is this
        # language's (the Arabic half of a bilingual post fetched at /ar/…): readers of a
        # language get the page in their language.
        assert article.url == (
            site.base_url + path
            if _path_lang(path) == article.lang != _path_lang(SEED_PAGES[name].canonical_path)
            else canonical)
        assert article.key.split("#")[0] == canonical
        assert article.title == want["title"]
        assert article.published is not None
        assert article.published.date().isoformat() == want["published"]
        assert not article.date_is_guess
        assert article.kind.value == want["kind"]
        assert article.body_text.startswith(want["first_sentence"]), article.body_text[:200]
        assert article.body_text.rstrip().endswith(want["last_sentence"]), \
            article.body_text[-200:]
        if "summary_starts" in want:
            assert article.summary.startswith(want["summary_starts"])
        for text in want.get("contains", []):
            assert text in article.body_text
        assert sorted({urlsplit(a.url).hostname for a in article.actions}) == \
            sorted(want["action_hosts"])
        assert (article.image is not None) == want["image"]
        if "translation" in want:
            other = next(a for a in articles if a.lang == want["translation"])
            assert article.translations == {other.lang: other.key}
        if article.lang == "en":
            assert not ARABIC.search(article.body_text + article.title)
        for leaked in expected["absent"]:
            assert leaked not in article.body_text, f"chrome leaked into the body: {leaked}"
            assert leaked not in article.body_html
            assert leaked not in article.summary


def test_bilingual_page_yields_two_articles_with_distinct_stable_keys(site: ReplicaSite) -> None:
    first = extract(site, SEED_PAGES["mena-coalition"].seed_path)
    again = extract(site, SEED_PAGES["mena-coalition"].seed_path)
    assert len({a.key for a in first}) == 2
    assert [a.key for a in first] == [a.key for a in again]
    assert [a.content_hash() for a in first] == [a.content_hash() for a in again]


def test_listing_links_lead_to_articles_never_to_the_about_page(site: ReplicaSite) -> None:
    source = source_for(site)
    listing = httpx.get(site.listing_url("en").replace("{page}", "1"))
    links = parse_listing(listing.text, str(listing.url), link_selector=source.link_selector,
                          link_pattern=source.link_pattern, allowed_hosts=source.hosts).links
    assert len(links) >= 5
    assert not [u for u in links if u.endswith("/about")]
