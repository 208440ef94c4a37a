"""The feed server over real HTTP on 127.0.0.1: types, validators, 304s, gzip, methods, paths."""

from __future__ import annotations

import gzip
import os
import socket
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from feeds.publish import publish_feeds, write_atomic
from feeds.serve import FeedServer, content_type_for
from tests.feed_samples import fill_store, sample_site


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    store = fill_store(root / "db.sqlite")
    out = root / "public"
    publish_feeds(store, sample_site("https://feeds.alqst.example/"), out)
    (root / "secret.txt").write_text("outside the output directory")
    os.symlink(root / "secret.txt", out / "escape.txt")
    os.symlink(out / "ar" / "rss.xml", out / "inside.xml")
    (out / ".feed.xml.abc.tmp").write_bytes(b"half a feed")
    (out / "media").mkdir()
    return out


@pytest.fixture(scope="module")
def server(output_dir: Path) -> Iterator[FeedServer]:
    routes = {"/healthz": lambda: (200, "text/plain; charset=utf-8", b"ok\n")}
    with FeedServer(output_dir, cache_seconds=1800, extra_routes=routes) as running:
        yield running


@pytest.fixture
def client(server: FeedServer) -> Iterator[httpx.Client]:
    # No automatic decompression header games: each test says what it accepts.
    with httpx.Client(base_url=server.url, headers={"Accept-Encoding": "identity"}) as c:
        yield c


def raw_request(server: FeedServer, request_line: str) -> int:
    """Send a request line exactly as written (clients normalise '..' away)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"{request_line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1"))
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize(("path", "content_type"), [
    ("/ar/rss.xml", "application/rss+xml; charset=utf-8"),
    ("/en/campaigns/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/ar/feed.json", "application/feed+json; charset=utf-8"),
    ("/feeds.opml", "text/x-opml; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
])
def test_files_are_served_with_their_content_type(
    client: httpx.Client, output_dir: Path, path: str, content_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    expected = output_dir / (path.lstrip("/") or "index.html")
    assert response.content == expected.read_bytes()
    assert response.headers["cache-control"] == "public, max-age=1800"
    assert response.headers["server"] == "feedbot"


def test_strong_etag_and_last_modified_come_from_content_and_mtime(
    client: httpx.Client, output_dir: Path
) -> None:
    response = client.get("/ar/atom.xml")
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    mtime = int((output_dir / "ar/atom.xml").stat().st_mtime)
    assert response.headers["last-modified"] == formatdate(mtime, usegmt=True)
    assert client.get("/ar/atom.xml").headers["etag"] == etag
    assert client.get("/en/atom.xml").headers["etag"] != etag


def test_if_none_match_answers_304(client: httpx.Client) -> None:
    etag = client.get("/en/rss.xml").headers["etag"]
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        response = client.get("/en/rss.xml", headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers
    assert client.get("/en/rss.xml", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_if_modified_since_answers_304_unless_older(client: httpx.Client) -> None:
    last_modified = client.get("/en/rss.xml").headers["last-modified"]
    assert client.get("/en/rss.xml",
                      headers={"If-Modified-Since": last_modified}).status_code == 304
    later = formatdate(time.time() + 3600, usegmt=True)
    assert client.get("/en/rss.xml", headers={"If-Modified-Since": later}).status_code == 304
    earlier = formatdate(0, usegmt=True)
    assert client.get("/en/rss.xml", headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get("/en/rss.xml",
                      headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(client: httpx.Client) -> None:
    last_modified = client.get("/en/rss.xml").headers["last-modified"]
    response = client.get("/en/rss.xml", headers={"If-None-Match": '"stale"',
                                                  "If-Modified-Since": last_modified})
    assert response.status_code == 200


def test_gzip_when_asked_with_its_own_etag(client: httpx.Client, output_dir: Path) -> None:
    plain = client.get("/ar/rss.xml")
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = client.get("/ar/rss.xml", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'
    assert zipped.content == (output_dir / "ar/rss.xml").read_bytes()  # httpx decoded it
    assert int(zipped.headers["content-length"]) < len(zipped.content)
    refused = client.get("/ar/rss.xml", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers
    wildcard = client.get("/ar/rss.xml", headers={"Accept-Encoding": "*"})
    assert wildcard.headers["content-encoding"] == "gzip"
    # Either variant's tag revalidates: the content is the same.
    for tag in (plain.headers["etag"], zipped.headers["etag"]):
        revalidated = client.get("/ar/rss.xml", headers={"Accept-Encoding": "gzip",
                                                         "If-None-Match": tag})
        assert revalidated.status_code == 304
        assert revalidated.headers["etag"] == zipped.headers["etag"]


def test_gzip_bytes_are_stable(server: FeedServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        request = b"GET /ar/atom.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
        bodies = []
        for _ in range(2):
            sock.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))
            bodies.append(body)
    assert bodies[0] == bodies[1]
    assert gzip.decompress(bodies[0]).startswith(b"<?xml")


def test_head_sends_headers_without_a_body(client: httpx.Client) -> None:
    get = client.get("/ar/atom.xml")
    head = client.head("/ar/atom.xml")
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "last-modified", "content-length", "cache-control"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_get_405_with_allow(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/ar/rss.xml")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("target", [
    "/../../etc/passwd",
    "/ar/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/ar/%2e%2e/%2e%2e/secret.txt",
    "/..%2f..%2fetc%2fpasswd",
    "/..\\secret.txt",
    "//etc/passwd",
    "/etc/passwd",
    "/%00index.html",
    "/index.html%00.xml",
    "/%ff%fe",
    "/escape.txt",
    "/.feed.xml.abc.tmp",
    "/ar/./rss.xml",
    "/missing.xml",
    "/media/",  # a directory without a page: never listed
])
def test_no_path_leaves_the_output_directory(server: FeedServer, target: str) -> None:
    assert raw_request(server, f"GET {target} HTTP/1.1") == 404


def test_symlinks_inside_the_directory_are_followed(client: httpx.Client) -> None:
    assert client.get("/inside.xml").status_code == 200


def test_absolute_form_request_target_is_confined_too(server: FeedServer) -> None:
    assert raw_request(server, "GET http://x/ar/rss.xml HTTP/1.1") == 200
    assert raw_request(server, "GET http://x/../secret.txt HTTP/1.1") == 404


def test_a_replaced_file_is_served_with_a_new_etag(
    client: httpx.Client, output_dir: Path
) -> None:
    target = output_dir / "scratch.xml"
    write_atomic(target, b"<one/>")
    first = client.get("/scratch.xml")
    write_atomic(target, b"<two/>")
    second = client.get("/scratch.xml", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.content == b"<two/>"
    assert second.headers["etag"] != first.headers["etag"]


def test_304_answers_read_no_file_and_a_replaced_file_gets_its_new_etag_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rss.xml"
    write_atomic(target, b"<one/>" * 100)
    opened: list[Path] = []
    read_bytes = Path.read_bytes

    def counting_read_bytes(self: Path) -> bytes:
        opened.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read_bytes)
    with FeedServer(tmp_path) as server, httpx.Client(base_url=server.url) as client:
        first = client.get("/rss.xml")
        assert (first.status_code, server.reads, len(opened)) == (200, 1, 1)
        for encoding in ("identity", "gzip", "identity"):
            again = client.get("/rss.xml", headers={"If-None-Match": first.headers["etag"],
                                                     "Accept-Encoding": encoding})
            assert again.status_code == 304
        assert (server.reads, len(opened)) == (1, 1)  # validators from memory

        write_atomic(target, b"<two/>" * 100)  # the publisher's rename (it reads the old)
        opened.clear()
        second = client.get("/rss.xml", headers={"If-None-Match": first.headers["etag"],
                                                  "Accept-Encoding": "identity"})
        assert second.status_code == 200
        assert second.content == b"<two/>" * 100
        assert second.headers["etag"] != first.headers["etag"]
        assert client.get("/rss.xml", headers={
            "If-None-Match": second.headers["etag"]}).status_code == 304
        assert (server.reads, len(opened)) == (2, 1)


def test_extra_routes_answer_before_files(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.headers["cache-control"] == "no-store"
    assert client.head("/healthz").content == b""


def test_requests_leave_no_line_on_stderr(
    client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    client.get("/ar/rss.xml")
    client.get("/missing")
    client.post("/ar/rss.xml")
    assert capfd.readouterr().err == ""


def test_keep_alive_serves_many_requests_on_one_connection(server: FeedServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        request = b"HEAD /en/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n"
        replies = b""
        sock.sendall(request * 3)
        while replies.count(b"\r\n\r\n") < 3:
            replies += sock.recv(65536)
    assert replies.count(b"HTTP/1.1 200 OK") == 3


def test_binds_to_loopback_by_default_and_restarts_cleanly(output_dir: Path) -> None:
    server = FeedServer(output_dir)
    assert server.host == "127.0.0.1"
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(server.url + "en/rss.xml").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "en/rss.xml", timeout=2)


def test_unknown_files_are_octet_streams() -> None:
    assert content_type_for(Path("a.bin")) == "application/octet-stream"
    assert content_type_for(Path("x/RSS.XML")) == "application/rss+xml; charset=utf-8"


@pytest.mark.parametrize("path", ["/ar/", "/en/campaigns/", "/ar/index.html"])
def test_a_feed_directory_serves_its_readable_page_as_html(client: httpx.Client,
                                                            path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<html lang="' in response.content and b'rel="alternate"' in response.content


def test_a_feed_directory_named_without_its_slash_is_redirected_to_it(
        client: httpx.Client) -> None:
    # Served at "/ar", the page's relative links ("rss.xml") would point at "/rss.xml".
    response = client.get("/ar?from=telegram")
    assert response.status_code == 301
    assert response.headers["location"] == "/ar/?from=telegram"
    followed = client.get("/en/campaigns", follow_redirects=True)
    assert followed.status_code == 200 and str(followed.url).endswith("/en/campaigns/")
    assert client.get("/nowhere").status_code == 404



def test_the_directory_redirect_never_names_another_host(server: FeedServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET //ar HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 301")
    assert b"\r\nLocation: /ar/\r\n" in reply  # not "//ar/", another host to a browser
