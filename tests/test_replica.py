"""The replica of alqst.org, over real HTTP: listings, URL shapes, seed pages, publishing,
conditional GET and every fault the fetcher has to survive."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from importlib import resources
from urllib.parse import quote, urljoin, urlsplit

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.replica import FAULTS, SEED_PAGES, ReplicaSite
from feeds.replica.content import UPR_ID, UPR_SLUG


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as running:
        yield running


@pytest.fixture
def client(site: ReplicaSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=5) as http:
        yield http


def parse(response: httpx.Response) -> LexborHTMLParser:
    assert response.status_code == 200, response.status_code
    return LexborHTMLParser(response.text)


def one(tree: LexborHTMLParser | LexborNode, selector: str) -> LexborNode:
    node = tree.css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node


def text(tree: LexborHTMLParser | LexborNode, selector: str) -> str:
    return one(tree, selector).text()


def attr(tree: LexborHTMLParser | LexborNode, selector: str, name: str) -> str:
    return one(tree, selector).attributes.get(name) or ""


def canonical(tree: LexborHTMLParser) -> str:
    return attr(tree, 'link[rel="canonical"]', "href")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def card_links(tree: LexborHTMLParser) -> list[str]:
    return [a.attributes.get("href") or "" for a in tree.css(".post-card a")]


def card_dates(tree: LexborHTMLParser) -> list[dt.date]:
    return [dt.datetime.strptime(n.text(), "%d/%m/%Y").date() for n in tree.css(".post-card__date")]


def walk_listing(client: httpx.Client, lang: str) -> list[LexborHTMLParser]:
    pages, url = [], f"/{lang}/posts?page=1"
    while True:
        tree = parse(client.get(url))
        pages.append(tree)
        nxt = tree.css_first('a[rel="next"]')
        if nxt is None:
            return pages
        url = nxt.attributes.get("href") or ""


# --- listings and URLs -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_listings_paginate_newest_first_and_end_with_an_empty_page(
    site: ReplicaSite, client: httpx.Client, lang: str
) -> None:
    pages = walk_listing(client, lang)
    assert len(pages) >= 2  # even without an archive
    assert all(len(card_links(tree)) == 10 for tree in pages[:-1])
    dates = [day for tree in pages for day in card_dates(tree)]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == len(site.posts(lang))

    after = parse(client.get(f"/{lang}/posts?page={len(pages) + 1}"))
    assert card_links(after) == []
    assert after.css_first('a[rel="next"]') is None
    assert after.css_first("a.btn-donate") is not None  # the chrome is still there
    assert attr(after, "html", "dir") == ("rtl" if lang == "ar" else "ltr")


def test_arabic_listing_links_posts_in_several_url_shapes(client: httpx.Client) -> None:
    arabic = [urlsplit(h).path for tree in walk_listing(client, "ar") for h in card_links(tree)]
    shapes = {re.sub(r"/[^/]+$", "/*", path) for path in arabic}
    assert {"/ar/post/*", "/posts/*", "/ar/posts/*"} <= shapes
    english = [urlsplit(h).path for tree in walk_listing(client, "en") for h in card_links(tree)]
    assert all(path.startswith("/en/post/") for path in english)


def test_slug_and_numeric_urls_of_every_post_carry_the_same_canonical_link(
    site: ReplicaSite, client: httpx.Client
) -> None:
    for lang in ("en", "ar"):
        for post in site.posts(lang):
            by_slug = parse(client.get(post.url))
            by_number = parse(client.get(post.numeric_url))
            assert canonical(by_slug) == canonical(by_number) == post.url
            assert attr(by_number, 'meta[property="og:url"]', "content") == post.url


def test_interface_language_follows_the_path_not_the_body(client: httpx.Client) -> None:
    arabic_chrome = parse(client.get(f"/posts/{UPR_ID}"))
    english_chrome = parse(client.get(f"/en/post/{UPR_SLUG}"))
    assert one(arabic_chrome, "html").attributes == {"lang": "ar", "dir": "rtl"}
    assert one(english_chrome, "html").attributes == {"lang": "en", "dir": "ltr"}
    assert text(arabic_chrome, ".publication-date") == "تاريخ النشر: 15/02/2024"
    assert text(english_chrome, ".publication-date") == "Publication date: 15/02/2024"
    assert one(arabic_chrome, ".post-body").html == one(english_chrome, ".post-body").html
    assert text(arabic_chrome, ".share-article h2") == "مشاركة المقال"
    assert text(english_chrome, ".share-article h2") == "Share Article"


def test_campaign_bodies_end_with_a_take_action_heading_and_action_links(
    site: ReplicaSite, client: httpx.Client
) -> None:
    upr = parse(client.get(f"/posts/{UPR_ID}"))
    assert text(upr, ".post-body h2") == "Take action"
    links = [a.attributes["href"] or "" for a in upr.css(".post-body ul a")]
    assert links[0].startswith("https://www.globalcitizen.org/")
    assert links[1].startswith("https://twitter.com/intent/tweet?text=")
    plain = upr.css(".post-body ul li")[2].text()
    assert plain == "Look out for further actions to follow in the weeks ahead"

    arabic_campaign = next(p for p in site.posts("ar") if "وقّعوا العريضة" in p.title)
    tree = parse(client.get(arabic_campaign.url))
    assert text(tree, ".post-body h2") == "تحرّك الآن"
    labels = [a.text() for a in tree.css(".post-body ul a")]
    assert labels[:2] == ["وقّعوا العريضة", "غرّدوا"]


def test_relative_links_in_articles_resolve_to_pages_the_site_serves(
    site: ReplicaSite, client: httpx.Client
) -> None:
    checked = 0
    for post in site.posts("en")[:12] + site.posts("ar")[:12]:
        for url in (post.url, post.numeric_url):
            tree = parse(client.get(url))
            for anchor in tree.css(".post-body a"):
                href = anchor.attributes.get("href") or ""
                if href.startswith(("http:", "https:", "//", "/uploads/")):
                    continue
                target = urljoin(url, href)
                assert client.get(target).status_code == 200, (url, href)
                checked += 1
    assert checked >= 10


def test_images_are_real_pngs(client: httpx.Client) -> None:
    tree = parse(client.get(f"/posts/{UPR_ID}"))
    image = attr(tree, 'meta[property="og:image"]', "content")
    response = client.get(image)
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert attr(tree, "article figure img", "src") == urlsplit(image).path


# --- seed pages --------------------------------------------------------------------------


def seed_lines(name: str) -> list[str]:
    """The seed dump's lines, with list bullets and markdown/wiki marks taken off."""
    page = SEED_PAGES[name]
    text = resources.files("feeds.replica").joinpath("content", page.seed_file).read_text("utf-8")
    lines = []
    for line in text.split("\n"):
        line = line.strip().removeprefix("•").strip()
        line = re.sub(r"^\d+\. ", "", line)
        if name == "about":
            line = line.strip("=").strip().removeprefix("- ")
        if name == "mena-coalition":
            line = re.sub(r"\[(.+?)\]\(#\)", r"\1", line.removeprefix("- "))
            line = line.replace("\\(", "(").replace("\\)", ")").replace("*", "")
        if squash(line):
            lines.append(line)
    return lines


@pytest.mark.parametrize("name", sorted(SEED_PAGES))
def test_seed_pages_show_every_line_of_their_seed_in_order(client: httpx.Client, name: str) -> None:
    page = SEED_PAGES[name]
    tree = parse(client.get(page.seed_path))
    shown = squash(text(tree, "body"))
    position = 0
    for line in seed_lines(name):
        found = shown.find(squash(line), position)
        assert found >= 0, f"{name}: missing or out of order: {line[:60]!r}"
        position = found
    assert text(tree, "h1") == page.title


@pytest.mark.parametrize("name", sorted(SEED_PAGES))
def test_seed_pages_answer_at_every_listed_path_with_their_canonical(
    site: ReplicaSite, client: httpx.Client, name: str
) -> None:
    page = SEED_PAGES[name]
    for path, ui in page.paths.items():
        tree = parse(client.get(path))
        assert canonical(tree) == site.base_url + page.canonical_path
        assert attr(tree, "html", "lang") == ui or page.name == "china-open-letter"
    listed = {post.id for lang in page.listed_in for post in site.posts(lang)}
    assert page.post_id in listed or not page.listed_in


def test_about_page_is_not_among_the_articles(site: ReplicaSite) -> None:
    urls = [post.url for lang in ("en", "ar") for post in site.posts(lang)]
    assert not any(url.endswith("/about") for url in urls)


def test_conference_post_keeps_the_typo_year_in_its_dateline(client: httpx.Client) -> None:
    tree = parse(client.get(SEED_PAGES["conference-2017"].seed_path))
    assert text(tree, ".publication-date") == "تاريخ النشر: 12/12/2017"
    assert text(tree, ".post-body p") == "لندن، التاسع من ديسمبر 2107"
    assert len(tree.css(".related-posts .related-post")) == 3


def test_open_letter_keeps_its_chrome_numbering_and_machine_readable_date(
    client: httpx.Client,
) -> None:
    tree = parse(client.get(SEED_PAGES["china-open-letter"].seed_path))
    numbers: list[int] = []
    expected = 1
    for item in tree.css("ol.signatories li"):
        expected = int(item.attributes.get("value") or expected)
        numbers.append(expected)
        expected += 1
    seed = re.finditer(r"^\s+(\d+)\. ", seed_text("china-open-letter"), re.M)
    assert numbers == [int(m.group(1)) for m in seed]
    assert numbers[-1] == 282 and 10 not in numbers
    assert attr(tree, "time", "datetime") == "2020-09-09T00:00:00Z"
    assert text(tree, ".publication-date") == "تاريخ النشر: 09/09/2020"
    assert text(tree, "header a.button--donate") == "تبرعوا الآن"  # chrome, not the article
    assert one(tree, "article").css_first("a.button--donate") is None


def seed_text(name: str) -> str:
    file_name = SEED_PAGES[name].seed_file
    return resources.files("feeds.replica").joinpath("content", file_name).read_text("utf-8")


def test_mena_page_holds_both_languages_with_real_links(client: httpx.Client) -> None:
    tree = parse(client.get(SEED_PAGES["mena-coalition"].seed_path))
    body = one(tree, ".post-body")
    assert text(body, "h2").startswith("إعلان تأسيس تحالف الشرق الأوسط وشمال إفريقيا")
    hrefs = [a.attributes["href"] or "" for a in body.css("a")]
    assert len(hrefs) == 7 and all(h.startswith("https://") and "#" not in h for h in hrefs)
    bold = [b.text() for b in body.css("strong")]
    assert bold == ["MENA Coalition to Combat Digital Surveillance", "Jamal Khashoggi"]
    assert len(body.css("ul")) == 2


# --- publishing and editing -------------------------------------------------------------


def test_published_post_appears_first_on_page_one_and_at_its_numeric_url(
    site: ReplicaSite, client: httpx.Client
) -> None:
    highest = max(p.id for lang in ("en", "ar") for p in site.posts(lang))
    post = site.publish(lang="ar", title="وقّعوا العريضة: الحرية لمعتقلي الرأي", kind="campaign",
                        paragraphs=["الفقرة الأولى.", "الفقرة الثانية."],
                        actions=[("وقّعوا العريضة", "https://www.change.org/p/x")], image=True)
    assert post.id == highest + 1
    first = urljoin(site.base_url, card_links(parse(client.get("/ar/posts?page=1")))[0])
    assert first in (post.url, post.numeric_url, f"{site.base_url}/ar/posts/{post.id}")
    tree = parse(client.get(post.numeric_url))
    assert canonical(tree) == post.url
    assert text(tree, "h1") == post.title
    actions = [a.attributes["href"] for a in tree.css(".post-body ul a")]
    assert actions == ["https://www.change.org/p/x"]
    assert client.get(post.url).status_code == 200
    assert post.image_url is not None and client.get(post.image_url).status_code == 200


def test_publishing_from_many_threads_gives_each_post_its_own_id(site: ReplicaSite) -> None:
    published: list[int] = []
    lock = threading.Lock()

    def publish(n: int) -> None:
        post = site.publish(lang="en", title=f"Post number {n}", paragraphs=[f"Body {n}."])
        with lock:
            published.append(post.id)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(published)) == 20
    assert [p.id for p in site.posts("en")[:20]] == sorted(published, reverse=True)


def test_edit_keeps_the_url_and_moves_last_modified(
    site: ReplicaSite, client: httpx.Client
) -> None:
    post = site.posts("en")[0]
    before = client.get(post.url)
    site.edit(post.id, title="Corrected title", paragraphs=["Corrected first paragraph."])
    after = client.get(post.url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert text(parse(after), "h1") == "Corrected title"
    assert text(parse(after), ".post-body p") == "Corrected first paragraph."
    changed = [parsedate_to_datetime(r.headers["last-modified"]) for r in (before, after)]
    assert changed[1] > changed[0]
    again = client.get(post.url, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert again.status_code == 200


# --- conditional GET -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/en/posts?page=1", f"/posts/{UPR_ID}"])
def test_conditional_get_answers_304_to_a_matching_etag_or_date(
    client: httpx.Client, path: str
) -> None:
    first = client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    by_etag = client.get(path, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    second_before = parsedate_to_datetime(modified) - dt.timedelta(seconds=1)
    earlier = format_datetime(second_before, usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since when both are sent.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get(path, headers=both).status_code == 200


def test_publishing_invalidates_the_listing_validators(
    site: ReplicaSite, client: httpx.Client
) -> None:
    first = client.get("/en/posts?page=1")
    site.publish(lang="en", title="Breaking news", paragraphs=["Something happened."])
    for name, value in (("If-None-Match", first.headers["etag"]),
                        ("If-Modified-Since", first.headers["last-modified"])):
        assert client.get("/en/posts?page=1", headers={name: value}).status_code == 200


def test_conditional_support_can_be_switched_off_and_on_at_runtime(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.conditional = False
    plain = client.get("/en/posts?page=1", headers={"If-None-Match": "*"})
    assert plain.status_code == 200
    assert "etag" not in plain.headers and "last-modified" not in plain.headers
    site.conditional = True
    assert client.get("/en/posts?page=1", headers={"If-None-Match": "*"}).status_code == 304


# --- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status"), [("500", 500), ("503-retry-after", 503), ("404", 404), ("410", 410)]
)
def test_status_faults_answer_with_their_status(
    site: ReplicaSite, client: httpx.Client, fault: str, status: int
) -> None:
    path = f"/en/post/{UPR_SLUG}"
    site.set_fault(path, fault)
    response = client.get(path)
    assert response.status_code == status
    assert "<html" in response.text
    assert (response.headers.get("retry-after") == "1") == (fault == "503-retry-after")
    site.set_fault(path, None)
    assert client.get(path).status_code == 200


def test_faults_match_the_path_whatever_the_query(site: ReplicaSite, client: httpx.Client) -> None:
    site.set_fault("/en/posts", "500")
    assert client.get("/en/posts?page=3").status_code == 500
    assert client.get("/ar/posts?page=1").status_code == 200


def test_unknown_fault_names_are_refused(site: ReplicaSite) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        site.set_fault("/en/posts", "teapot")
    assert "gzip-bomb" in FAULTS


def test_slow_fault_sends_headers_at_once_then_trickles_the_body(site: ReplicaSite) -> None:
    site.set_fault("/en/posts", "slow")
    # Every piece arrives within a read timeout; only a deadline on the whole body helps.
    with httpx.Client(base_url=site.base_url, timeout=httpx.Timeout(5, read=1)) as http, \
            http.stream("GET", "/en/posts?page=1") as response:
        assert response.status_code == 200
        started, received = time.monotonic(), 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if time.monotonic() - started > 1:
                break
        assert 0 < received < int(response.headers["content-length"])


def test_hang_fault_times_out_without_blocking_other_requests(site: ReplicaSite) -> None:
    site.set_fault(f"/posts/{UPR_ID}", "hang")
    outcome: list[BaseException] = []

    def hang() -> None:
        with httpx.Client(base_url=site.base_url, timeout=0.5) as http:
            try:
                http.get(f"/posts/{UPR_ID}")
            except httpx.HTTPError as error:
                outcome.append(error)

    waiting = threading.Thread(target=hang)
    waiting.start()
    with httpx.Client(base_url=site.base_url, timeout=1.0) as http:
        assert http.get("/ar/posts?page=1").status_code == 200
    waiting.join()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.ReadTimeout)


def test_stop_returns_quickly_while_answers_hang_or_trickle() -> None:
    site = ReplicaSite().start()
    site.set_fault("/en/posts", "hang")
    site.set_fault("/ar/posts", "slow")
    errors: list[BaseException] = []

    def fetch(path: str) -> None:
        with httpx.Client(base_url=site.base_url, timeout=10) as http:
            try:
                http.get(path)
            except httpx.HTTPError as error:
                errors.append(error)

    threads = [threading.Thread(target=fetch, args=(p,)) for p in ("/en/posts", "/ar/posts")]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(site.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    site.stop()
    assert time.monotonic() - started < 2.5
    for thread in threads:
        thread.join(timeout=3)
    assert len(errors) == 2  # both clients saw the connection go away


def test_truncated_fault_closes_the_connection_mid_body(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault(f"/posts/{UPR_ID}", "truncated")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"/posts/{UPR_ID}")


def test_wrong_charset_fault_labels_utf8_bytes_as_latin1(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault("/ar/posts", "wrong-charset")
    response = client.get("/ar/posts?page=1")
    assert response.headers["content-type"] == "text/html; charset=iso-8859-1"
    assert "الأخبار" in response.content.decode("utf-8")
    assert "الأخبار" not in response.text  # a client that trusts the header gets mojibake


@pytest.mark.parametrize(("fault", "content_type"), [
    ("cp1256", "text/html; charset=windows-1256"), ("cp1256-meta-only", "text/html"),
])
def test_cp1256_faults_send_the_page_in_windows_1256(
    site: ReplicaSite, client: httpx.Client, fault: str, content_type: str
) -> None:
    path = SEED_PAGES["conference-2017"].seed_path
    site.set_fault(path, fault)
    response = client.get(path)
    assert response.headers["content-type"] == content_type
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    text = response.content.decode("cp1256")
    assert '<meta charset="windows-1256">' in text
    assert "تاريخ النشر: 12/12/2017" in text


def test_redirect_loop_fault_never_settles(site: ReplicaSite, client: httpx.Client) -> None:
    site.set_fault("/en/posts", "redirect-loop")
    with pytest.raises(httpx.TooManyRedirects):
        client.get("/en/posts?page=2", follow_redirects=True)


def test_redirect_offsite_fault_points_at_another_host(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault(f"/posts/{UPR_ID}", "redirect-offsite")
    response = client.get(f"/posts/{UPR_ID}")
    assert response.status_code == 302
    assert response.headers["location"] == site.offsite_url
    assert urlsplit(site.offsite_url).hostname != urlsplit(site.base_url).hostname


def test_same_site_redirect_leads_to_the_same_post(site: ReplicaSite, client: httpx.Client) -> None:
    site.set_fault(f"/en/post/{UPR_SLUG}", "redirect-same-site")
    response = client.get(f"/en/post/{UPR_SLUG}", follow_redirects=True)
    assert [r.status_code for r in response.history] == [301]
    assert response.url == f"{site.base_url}/posts/{UPR_ID}"
    assert canonical(parse(response)) == f"{site.base_url}/en/post/{UPR_SLUG}"


def test_huge_fault_streams_fifty_megabytes_of_html(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault("/en/posts", "huge")
    with client.stream("GET", "/en/posts?page=1") as response:
        assert int(response.headers["content-length"]) >= 50 * 1024 * 1024
        received = b""
        for chunk in response.iter_bytes():
            received += chunk
            if len(received) > 1024 * 1024:
                break
    assert received.startswith(b"<!DOCTYPE html>")


def test_garbage_fault_sends_binary_noise_as_html(site: ReplicaSite, client: httpx.Client) -> None:
    site.set_fault("/en/posts", "garbage")
    response = client.get("/en/posts?page=1")
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_gzip_bomb_fault_is_small_on_the_wire_and_huge_inflated(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault("/ar/posts", "gzip-bomb")
    with client.stream("GET", "/ar/posts?page=1") as response:
        assert response.headers["content-encoding"] == "gzip"
        assert int(response.headers["content-length"]) < 1024 * 1024
        inflated = 0
        for chunk in response.iter_bytes():
            inflated += len(chunk)
            if inflated > 20 * 1024 * 1024:
                break
    assert inflated > 20 * 1024 * 1024


def test_empty_listing_fault_keeps_the_chrome_but_drops_the_cards(
    site: ReplicaSite, client: httpx.Client
) -> None:
    site.set_fault("/ar/posts", "empty-listing")
    tree = parse(client.get("/ar/posts?page=1"))
    assert card_links(tree) == []
    assert tree.css_first('a[rel="next"]') is None
    assert text(tree, "a.btn-donate") == "تبرع"
    assert card_links(parse(client.get("/en/posts?page=1")))


# --- the request log and the archive -------------------------------------------------------


def test_requests_are_recorded_with_lower_case_header_names(
    site: ReplicaSite, client: httpx.Client
) -> None:
    client.get("/en/posts?page=2", headers={"If-None-Match": '"x"'})
    method, path, headers = site.requests[-1]
    assert (method, path, headers["if-none-match"]) == ("GET", "/en/posts?page=2", '"x"')
    site.reset_requests()
    assert site.requests == []


def test_a_thousand_post_archive_is_cheap_deterministic_and_goes_back_in_time() -> None:
    with ReplicaSite(archive_size=1000) as first, ReplicaSite(archive_size=1000) as second:
        english = first.posts("en")
        assert len(english) + len(first.posts("ar")) >= 1000 + 25
        dates = [post.date for post in english]
        assert dates == sorted(dates, reverse=True) and dates[-1] >= dt.date(2014, 8, 1)
        old = english[-3]
        with httpx.Client(timeout=5) as http:
            one = without_base(http.get(old.url).text, first)
            two = without_base(http.get(second.base_url + urlsplit(old.url).path).text, second)
            last_page = -(-len(english) // 10)
            tree = parse(http.get(first.listing_url("en").format(page=last_page)))
        assert one == two
        assert 4_000 < len(one.encode()) < 30_000
        assert tree.css_first('a[rel="next"]') is None and card_links(tree)


def without_base(markup: str, site: ReplicaSite) -> str:
    return markup.replace(site.base_url, "").replace(quote(site.base_url, safe=""), "")


def test_small_archives_leave_the_first_listing_pages_unchanged() -> None:
    with ReplicaSite() as bare, ReplicaSite(archive_size=100) as archived, \
            httpx.Client(timeout=5) as http:
        for lang in ("en", "ar"):
            pages = [parse(http.get(s.listing_url(lang).format(page=1))) for s in (bare, archived)]
            assert [[urlsplit(h).path for h in card_links(tree)] for tree in pages] == [
                [urlsplit(h).path for h in card_links(pages[0])]
            ] * 2
        assert len(archived.posts("en")) == len(bare.posts("en")) + 50


def test_archives_beyond_the_sites_ids_go_further_back_and_keep_the_first_posts() -> None:
    with ReplicaSite(archive_size=1177) as small, ReplicaSite(archive_size=10_000) as large:
        for lang in ("en", "ar"):
            kept = {post.id: (post.slug, post.date) for post in small.posts(lang)}
            posts = large.posts(lang)
            assert {post.id: (post.slug, post.date) for post in posts[:len(kept)]} == kept
            dates = [post.date for post in posts]
            assert dates == sorted(dates, reverse=True) and dates[-1] < dt.date(2010, 1, 1)
        oldest = large.posts("ar")[-1]
        assert oldest.id > 100_000
        with httpx.Client(timeout=5) as http:
            last_page = -(-len(large.posts("ar")) // 10)
            tree = parse(http.get(large.listing_url("ar").format(page=last_page)))
            assert tree.css(".post-card__title")[-1].text() == oldest.title
            assert canonical(parse(http.get(oldest.numeric_url))) == oldest.url
            assert text(parse(http.get(oldest.url)), ".publication-date").endswith(
                oldest.date.strftime("%d/%m/%Y"))


def test_archive_size_beyond_the_id_space_is_refused() -> None:
    with pytest.raises(ValueError, match="archive_size"):
        ReplicaSite(archive_size=50_001)


def test_urls_are_unavailable_before_start() -> None:
    site = ReplicaSite()
    with pytest.raises(RuntimeError):
        site.listing_url("en")
    site.stop()  # stopping a site that never started is harmless
