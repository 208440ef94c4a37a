"""The index page in a real headless browser (Debian's chromium): it renders, the Arabic part
lays out right to left, and every link it shows resolves.

How: the page itself carries no script. The test copies it to a probe page in the same
directory (so relative links resolve the same) with one inline script appended that asks the
layout engine where things ended up: the computed direction of each language section and the
on-screen box of the text of its heading. chromium's --dump-dom returns the DOM after that
script ran; the test reads the measurements and follows every link the browser resolved.
Right-to-left is judged from rendered positions, not from attributes: an Arabic heading must
hug the right edge of its section, an English one the left edge.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from feeds.publish import publish_feeds
from feeds.serve import FeedServer
from tests.feed_samples import fill_store, sample_site

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1000,1400",
]

PROBE = """
<script>
(function () {
  function textBox(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width};
  }
  var sections = Array.prototype.map.call(document.querySelectorAll("section.language"),
    function (section) {
      var box = section.getBoundingClientRect();
      var style = getComputedStyle(section);
      return {
        id: section.id, lang: section.lang, direction: style.direction,
        left: box.left + parseFloat(style.paddingLeft),
        right: box.right - parseFloat(style.paddingRight),
        heading: textBox(section.querySelector("h2")),
        firstFeedHeading: textBox(section.querySelector(".feed h3"))
      };
    });
  var result = {
    sections: sections,
    anchors: Array.prototype.map.call(document.querySelectorAll("a[href]"),
      function (a) { return a.href; }),
    alternates: Array.prototype.map.call(
      document.querySelectorAll("link[rel=alternate]"),
      function (l) { return {href: l.href, type: l.type}; }),
    title: document.title
  };
  var out = document.createElement("pre");
  out.id = "probe";
  out.hidden = true;
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> str:
    path = chromium()
    if path is None:
        if os.environ.get("FEEDBOT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (FEEDBOT_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedServer, Path]]:
    root = tmp_path_factory.mktemp("browser")
    out = root / "public"
    out.mkdir()
    with FeedServer(out) as server:
        store = fill_store(root / "db.sqlite")
        publish_feeds(store, sample_site(server.url, two_sources=True), out)
        index = (out / "index.html").read_text("utf-8")
        (out / "probe.html").write_text(index.replace("</body>", PROBE + "</body>"), "utf-8")
        yield server, root


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def probe(browser: str, site: tuple[FeedServer, Path]) -> dict[str, object]:
    server, root = site
    done = run_chromium(browser, root / "profile", "--virtual-time-budget=3000", "--dump-dom",
                        server.url + "probe.html")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = etree.HTML(done.stdout.encode("utf-8"))
    found = dom.xpath("//pre[@id='probe']/text()")
    assert found, "the probe script did not run: " + done.stdout[:500]
    return json.loads(found[0])


def test_index_renders_to_a_screenshot(browser: str, site: tuple[FeedServer, Path]) -> None:
    server, root = site
    shot = root / "index.png"
    done = run_chromium(browser, root / "profile-shot", f"--screenshot={shot}", server.url)
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 1400)
    assert len(data) > 20_000  # a blank page compresses to a few hundred bytes


def test_arabic_section_reads_right_to_left(probe: dict[str, object]) -> None:
    sections = {s["lang"]: s for s in probe["sections"]}  # type: ignore[attr-defined]
    arabic, english = sections["ar"], sections["en"]
    assert arabic["direction"] == "rtl"
    assert english["direction"] == "ltr"
    for key in ("heading", "firstFeedHeading"):
        text = arabic[key]
        assert text["width"] > 0
        # Right-aligned: flush with the section's right edge, far from its left edge.
        assert abs(arabic["right"] - text["right"]) < 2, (key, arabic)
        assert text["left"] - arabic["left"] > 100, (key, arabic)
        latin = english[key]
        assert abs(latin["left"] - english["left"]) < 2, (key, english)
        assert english["right"] - latin["right"] > 100, (key, english)


def test_every_link_resolves(probe: dict[str, object], site: tuple[FeedServer, Path]) -> None:
    server, _ = site
    anchors: list[str] = probe["anchors"]  # type: ignore[assignment]
    alternates: list[dict[str, str]] = probe["alternates"]  # type: ignore[assignment]
    external = {a for a in anchors if not a.startswith(server.url)}
    # Telegram links and the latest articles point outside and are not fetched (no network
    # here): exact values for the channels, the organisation's site for the articles.
    channels = {"https://t.me/alqst_ar", "https://t.me/alqst_en"}
    assert channels <= external
    articles = external - channels
    assert 5 < len(articles) <= 10  # up to five per language
    assert all(a.startswith("https://alqst.org/") for a in articles), articles
    local = {a.split("#", 1)[0] for a in anchors if a.startswith(server.url)}
    assert len(local) > 30
    with httpx.Client() as client:
        for url in sorted(local):
            response = client.get(url)
            assert response.status_code == 200, url
        for link in alternates:
            response = client.get(link["href"])
            assert response.status_code == 200, link
            assert response.headers["content-type"].split(";")[0] == link["type"]
    assert len(alternates) == 30  # 5 sets (ar, en, alqst/ar, alqst/en, gccr/ar) x 2 x 3
    assert "القسط" in probe["title"] and "ALQST" in probe["title"]  # type: ignore[operator]
