"""The feed pages (`ar/`, `ar/campaigns/`, `en/` ...) in a real headless browser (Debian's
chromium): Arabic pages lay out right to left, each page lists the items its feed holds,
discovers its feeds and says how to subscribe, and the screenshot shows the heading where a
reader of the language looks for it.

How, as in tests/test_index_browser.py: the page is copied to a probe page in the same
directory with one inline script that reports what the layout engine did (computed
direction, on-screen boxes, resolved links); chromium's --dump-dom returns the result. The
screenshot of the same probe page is then decoded (a small PNG reader below, no imaging
library) and judged by where its ink is: inside the heading's box, on the side the
language starts from.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import etree

from feeds.digest_feed import publish_digest_feeds
from feeds.digests import Digest, DigestStore
from feeds.models import Article, Kind
from feeds.publish import publish_feeds, write_pages
from feeds.serve import FeedServer
from tests.feed_samples import SITE, T0, fill_store, sample_site
from tests.test_index_browser import browser, run_chromium  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

PAGES = ("ar/", "ar/campaigns/", "en/", "en/campaigns/", "alqst/ar/", "ar/digest/")
# An Arabic title that opens with a Latin name: the name must still come first, on the right.
MIXED = Article(key=f"{SITE}/ar/post/mixed", url=f"{SITE}/ar/post/mixed", source="alqst",
                lang="ar", title="ALQST تطالب بالإفراج عن المعتقلين في السعودية",
                body_html="<p>نص.</p>", body_text="نص.", summary="",
                published=T0 + timedelta(days=4), kind=Kind.NEWS)

PROBE = """
<script>
(function () {
  function textBox(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width};
  }
  var body = document.body, style = getComputedStyle(body), box = body.getBoundingClientRect();
  var result = {
    lang: document.documentElement.lang,
    direction: style.direction,
    left: box.left + parseFloat(style.paddingLeft),
    right: box.right - parseFloat(style.paddingRight),
    heading: textBox(document.querySelector("h1")),
    headingText: document.querySelector("h1").textContent,
    items: Array.prototype.map.call(document.querySelectorAll("ol.items li"), function (li) {
      var a = li.querySelector("a"), text = a.querySelector("bdi").firstChild;
      var word = document.createRange();  // the title's first word, where it is drawn
      word.setStart(text, 0);
      word.setEnd(text, Math.max(1, text.data.indexOf(" ")));
      var w = word.getBoundingClientRect();
      return {title: a.textContent, href: a.href, box: textBox(a),
              firstWord: {left: w.left, right: w.right, top: w.top},
              date: li.querySelector("time").textContent,
              badge: li.querySelector(".badge") ? li.querySelector(".badge").textContent : ""};
    }),
    subscribe: document.querySelector("p.subscribe").textContent,
    anchors: Array.prototype.map.call(document.querySelectorAll("a[href]"),
      function (a) { return a.href; }),
    alternates: Array.prototype.map.call(document.querySelectorAll("link[rel=alternate]"),
      function (l) { return {href: l.href, type: l.type}; })
  };
  var out = document.createElement("pre");
  out.id = "probe";
  out.hidden = true;
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedServer, Path]]:
    root = tmp_path_factory.mktemp("pages-browser")
    out = root / "public"
    out.mkdir()
    with FeedServer(out) as server:
        store = fill_store(root / "db.sqlite")
        store.upsert(MIXED, T0 + timedelta(days=4))
        site = sample_site(server.url, two_sources=True)
        result = publish_feeds(store, site, out, pages=False)
        # A week's Arabic digest, for the `ar/digest/` page (feeds/digest_feed.py).
        digests = DigestStore(store.engine)
        with store.engine.begin() as conn:
            digests.insert(conn, Digest(
                lang="ar", period_start=T0 - timedelta(days=3), period_end=T0 + timedelta(days=4),
                article_keys=tuple(a.key for a in store.latest(lang="ar", limit=3)),
                messages=(), created_at=T0 + timedelta(days=4)))
        publish_digest_feeds(digests, site, ["ar"], out, result)
        write_pages(site, out, result)
        for page in PAGES:
            html = (out / page / "index.html").read_text("utf-8")
            (out / page / "probe.html").write_text(html.replace("</body>", PROBE + "</body>"),
                                                   "utf-8")
        yield server, root


@pytest.fixture(scope="module")
def probes(browser: str, site: tuple[FeedServer, Path]) -> dict[str, dict]:  # noqa: F811
    server, root = site
    found: dict[str, dict] = {}
    for page in PAGES:
        done = run_chromium(browser, root / "profile", "--virtual-time-budget=3000",
                            "--dump-dom", server.url + page + "probe.html")
        assert done.returncode == 0, done.stderr[-2000:]
        dom = etree.HTML(done.stdout.encode("utf-8"))
        text = dom.xpath("//pre[@id='probe']/text()")
        assert text, f"the probe script did not run on {page}: " + done.stdout[:500]
        found[page] = json.loads(text[0])
    return found


@pytest.mark.parametrize("page", PAGES)
def test_each_page_reads_in_its_language_s_direction(probes: dict[str, dict],
                                                     page: str) -> None:
    probe = probes[page]
    heading, first = probe["heading"], probe["items"][0]["box"]
    assert heading["width"] > 0 and first["width"] > 0
    if page.startswith(("ar/", "alqst/ar/")):
        assert (probe["lang"], probe["direction"]) == ("ar", "rtl")
        for box in (heading, first):  # flush right, far from the left edge
            assert abs(probe["right"] - box["right"]) < 2, (page, box, probe["right"])
            assert box["left"] - probe["left"] > 100, (page, box)
        assert probe["subscribe"].startswith("للاشتراك:")
    else:
        assert (probe["lang"], probe["direction"]) == ("en", "ltr")
        for box in (heading, first):
            assert abs(box["left"] - probe["left"]) < 2, (page, box, probe["left"])
            assert probe["right"] - box["right"] > 100, (page, box)
        assert probe["subscribe"].startswith("How to subscribe:")


@pytest.mark.parametrize("page", PAGES)
def test_each_page_lists_the_items_of_its_feed_and_discovers_it(
        probes: dict[str, dict], site: tuple[FeedServer, Path], page: str) -> None:
    server, _ = site
    probe = probes[page]
    with httpx.Client() as client:
        feed = feedparser.parse(client.get(server.url + page + "rss.xml").content)
        # The same items, in the same order, linking to the same articles.
        assert [i["title"] for i in probe["items"]] == [e.title for e in feed.entries]
        assert [i["href"] for i in probe["items"]] == [e.link for e in feed.entries]
        assert probe["headingText"] == feed.feed.title
        types = set()
        for link in probe["alternates"]:
            assert link["href"].startswith(server.url + page)
            response = client.get(link["href"])
            assert response.status_code == 200, link
            assert response.headers["content-type"].split(";")[0] == link["type"]
            types.add(link["type"])
        assert types == {"application/rss+xml", "application/atom+xml",
                         "application/feed+json"}
        for url in {a.split("#")[0] for a in probe["anchors"] if a.startswith(server.url)}:
            assert client.get(url).status_code == 200, url
    if page.endswith("campaigns/"):
        badge = "نداء تحرك" if page.startswith("ar/") else "Campaign"
        assert probe["items"] and all(i["badge"] == badge for i in probe["items"])


def test_an_arabic_title_opening_with_a_latin_name_reads_right_to_left(
        probes: dict[str, dict]) -> None:
    [item] = [i for i in probes["ar/"]["items"] if i["title"] == MIXED.title]
    word, title = item["firstWord"], item["box"]
    assert word["right"] - word["left"] > 20  # "ALQST" was measured
    # Read right to left, the title's first word is its rightmost; left to right (as
    # dir="auto" would lay it out, from the first strong letter) it would be leftmost.
    assert abs(word["right"] - title["right"]) < 2, item
    assert word["left"] - title["left"] > 200, item


def test_arabic_item_dates_are_in_arabic_words(probes: dict[str, dict]) -> None:
    assert [i["date"] for i in probes["ar/"]["items"]] == [
        "5 مارس 2024", "2 مارس 2024", "1 مارس 2024", "29 فبراير 2024", "27 فبراير 2024"]
    assert [i["date"] for i in probes["en/campaigns/"]["items"]] == ["2 March 2024"]


@pytest.mark.parametrize("page", ["ar/", "en/"])
def test_the_screenshot_shows_the_heading_on_the_language_s_side(
        browser: str, site: tuple[FeedServer, Path], probes: dict[str, dict],  # noqa: F811
        page: str) -> None:
    server, root = site
    shot = root / f"{page.strip('/').replace('/', '-')}.png"
    done = run_chromium(browser, root / "profile-shot", f"--screenshot={shot}",
                        server.url + page + "probe.html")
    assert done.returncode == 0, done.stderr[-2000:]
    heading = probes[page]["heading"]
    width, height, pixels = read_png(shot.read_bytes(), rows=int(heading["bottom"]) + 1)
    assert (width, height) == (1000, 1400)
    background = pixels[0][0]
    top, bottom = int(heading["top"]) + 2, int(heading["bottom"]) - 2
    left, right = int(probes[page]["left"]), int(probes[page]["right"])

    def ink(x0: int, x1: int) -> int:
        return sum(1 for y in range(top, bottom) for x in range(x0, x1)
                   if _differs(pixels[y][x], background))

    start, end = (right - 60, right) if page == "ar/" else (left, left + 60)
    far_start, far_end = (left, left + 60) if page == "ar/" else (right - 60, right)
    # The heading's first words are drawn where the language starts a line; its far side
    # stays blank.
    assert ink(start, end) > 100, page
    assert ink(far_start, far_end) == 0, page
    assert ink(int(heading["left"]), int(heading["right"])) > 1000, page


def _differs(pixel: tuple[int, ...], background: tuple[int, ...]) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel[:3], background[:3], strict=True)) > 96


def read_png(data: bytes, rows: int | None = None
             ) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and the first `rows` rows of pixels (all by default) of an 8-bit RGB or
    RGBA PNG, what chromium writes; pure Python, so only the rows a test looks at."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    lines: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(min(height, rows if rows is not None else height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + predictor) & 0xFF
        lines.append(line)
        previous = line
    pixels = [[tuple(line[x * channels:(x + 1) * channels]) for x in range(width)]
              for line in lines]
    return width, height, pixels
