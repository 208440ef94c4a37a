"""`feedbot preview --listing URL`: the article links a listing yields in order with their
teasers' dates, the links left out and why, the next page; and `feedbot preview URL` on a
listing points the operator to --listing instead of to the body selector."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakes.html_site import HtmlSite

NEWS = """<!DOCTYPE html><html lang="en"><head><title>News | Gulf Rights Watch</title>
<link rel="next" href="/news/page/2/"></head><body>
<header><nav><a href="/">Home</a> <a href="/about/">About us</a> <a href="#content">Skip</a></nav>
</header>
<main id="content"><h1>News</h1>
<article class="post"><h2><a href="/2024/12/blogger-sentenced/">Blogger sentenced</a></h2>
<time datetime="2024-12-12T09:00:00+00:00">12 Dec</time><p>A blogger was sentenced.</p>
<a href="/2024/12/blogger-sentenced/">Read more</a></article>
<article class="post"><h2><a href="/2024/12/travel-bans/">Travel bans continue</a></h2>
<span class="date">Posted on 3 December 2024</span></article>
<article class="post"><h2><a href="/2024/11/ar-statement/">بيان مشترك</a></h2>
<span class="date">٢٠ نوفمبر ٢٠٢٤</span></article>
<article class="post"><h2><a href="/2024/11/no-date/">A post with no date shown</a></h2></article>
<article class="post"><header class="entry-header"><h2><a href="/events/open-day/">Open day</a>
</h2></header></article>
<p>Filed under <a href="/tag/detention/">detention</a>.
Share on <a href="https://twitter.com/intent/tweet?url=x">Twitter</a>.</p>
</main>
<div class="pagination"><a href="/news/page/2/">Older posts</a></div>
<footer><a href="/privacy/">Privacy</a></footer></body></html>"""

# A listing of bare titles: too little text for an article, and links the default
# pattern (made for the replica's /posts/slug) does not know.
TITLES = """<!DOCTYPE html><html lang="ar"><head><title>الأخبار</title></head><body>
<h1>الأخبار</h1><ul>""" + "".join(
    f'<li><a href="/ar/2024/12/item-{n}/">خبر رقم {n}</a></li>' for n in range(1, 8)) + \
    "</ul></body></html>"


class ListingSite(HtmlSite):
    name = "listing-site"

    def answer(self, path: str) -> tuple[int, str]:
        if path == "/news/":
            return 200, NEWS
        if path == "/ar/news/":
            return 200, TITLES
        return 404, "<html><body><h1>Not found</h1></body></html>"


@pytest.fixture
def site() -> Iterator[ListingSite]:
    with ListingSite() as running:
        yield running


def config_for(tmp_path: Path, site: ListingSite, listing: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f"""
database = "feedbot.sqlite"
[fetch]
per_host_delay_seconds = 0
[[sources]]
name = "grw"
title = "Gulf Rights Watch"
url = "{site.base_url}/"
link_pattern = '^/\\d{{4}}/\\d{{2}}/[^/]+/?$'
[sources.listings]
en = {{ url = "{listing}", max_pages = 1 }}
""", encoding="utf-8")
    return str(path)


def test_listing_preview_shows_links_in_order_with_teaser_dates(
        tmp_path: Path, site: ListingSite, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, site, f"{site.base_url}/news/")
    assert main(["preview", "--listing", f"{site.base_url}/news/", "--config", config]) == 0
    out = capsys.readouterr().out
    base = site.base_url
    assert "article links: 4" in out
    found = [m[1] for line in out.splitlines() if (m := re.match(r" +\d+\. (.+)$", line))]
    assert found == [
        f"{base}/2024/12/blogger-sentenced  [2024-12-12]",
        f"{base}/2024/12/travel-bans  [2024-12-03]",
        f"{base}/2024/11/ar-statement  [2024-11-20]",
        f"{base}/2024/11/no-date  [no date on the teaser]",
    ]


def test_listing_preview_says_why_each_other_link_was_left_out_and_where_it_goes_next(
        tmp_path: Path, site: ListingSite, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, site, f"{site.base_url}/news/")
    main(["preview", "--listing", f"{site.base_url}/news/", "--config", config])
    out = capsys.readouterr().out
    sections = _sections(out)
    assert sections["duplicate"] == [f"{site.base_url}/2024/12/blogger-sentenced  'Read more'"]
    assert sections["other host"] == ["https://twitter.com/intent/tweet?url=x  'Twitter'"]
    assert sections["pattern"] == [f"{site.base_url}/events/open-day  'Open day'",
                                   f"{site.base_url}/tag/detention  'detention'"]
    assert f"{site.base_url}/about  'About us'" in sections["navigation"]
    assert f"{site.base_url}/news/page/2  'Older posts'" in sections["navigation"]
    assert "#content  'Skip'" in sections["navigation"]
    assert f"{site.base_url}/privacy  'Privacy'" in sections["navigation"]
    assert f"next page: {site.base_url}/news/page/2 (the page's own next link)" in out


def test_the_next_page_follows_a_configured_page_template(
        tmp_path: Path, site: ListingSite, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, site, f"{site.base_url}/news/?page={{page}}")
    # The site ignores the query: /news/?page=1 is the page above.
    main(["preview", "--listing", f"{site.base_url}/news/?page=1", "--config", config])
    out = capsys.readouterr().out
    assert (f"next page: {site.base_url}/news/?page=2 (the configured listing URL's {{page}}, "
            "up to max_pages = 1)") in out


def test_preview_of_a_listing_points_to_listing_not_to_the_body_selector(
        tmp_path: Path, site: ListingSite, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_for(tmp_path, site, f"{site.base_url}/news/")
    assert main(["preview", f"{site.base_url}/news/", "--config", config]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error: this is a listing page, not an article: it links to 4 "
                          "article-like pages (like /2024/12/blogger-sentenced).")
    assert f"`feedbot preview --listing {site.base_url}/news/`" in out
    assert "body selector" not in out


def test_preview_without_config_notes_a_listing_by_its_link_shapes(
        site: ListingSite, capsys: pytest.CaptureFixture[str]) -> None:
    main(["preview", f"{site.base_url}/ar/news/"])
    out = capsys.readouterr().out
    assert out.startswith("note: this may be a listing page: it links to 7 article-like pages "
                          "(like /ar/2024/12/item-1). Try `feedbot preview --listing ")


def _sections(out: str) -> dict[str, list[str]]:
    """The ignored links under each reason heading."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("  ") and not line.startswith("    ") and line.endswith(":"):
            current = sections.setdefault(line.strip().split(" (")[0].rstrip(":"), [])
        elif line.startswith("    ") and current is not None:
            current.append(line.strip())
        elif not line.startswith(" "):
            current = None
    return sections
