"""Sanitising for feeds: safe HTML, absolute canonical URLs, no tracking, clean text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.sanitize import (
    canonical_uri,
    clean_text,
    plain_text,
    safe_url,
    sanitize_html,
    strip_tracking,
)
from tests.w3c_rules import FULL_URI, Problems, _safe_html, looks_canonical

BASE = "https://alqst.org/en/post/some-article"


@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTPS://ALQST.org:443/ar/post/x", "https://alqst.org/ar/post/x"),
    ("http://alqst.org", "http://alqst.org/"),
    ("https://alqst.org/a/./b/../c", "https://alqst.org/a/c"),
    ("https://alqst.org/%7euser/%41%2f", "https://alqst.org/~user/A%2F"),
    ("https://alqst.org/ar/post/حقوق", "https://alqst.org/ar/post/%D8%AD%D9%82%D9%88%D9%82"),
    ("https://alqst.org/ar/post/%d8%ad", "https://alqst.org/ar/post/%D8%AD"),
    ("https://alqst.org/posts/930#ar", "https://alqst.org/posts/930#ar"),
    ("https://alqst.org/s?q=a b&x=%26", "https://alqst.org/s?q=a%20b&x=%26"),
    ("https://مثال.إختبار/", "https://xn--mgbh0fb.xn--kgbechtv/"),
])
def test_canonical_uri_normalises_like_rfc_3986(raw: str, canonical: str) -> None:
    assert canonical_uri(raw) == canonical
    assert looks_canonical(canonical)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_canonical_uri_is_idempotent_ascii_for_any_path(path: str) -> None:
    uri = canonical_uri("https://alqst.org/" + path)
    assert uri.isascii()
    assert canonical_uri(uri) == uri
    assert FULL_URI.match(uri)


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\nscript:alert(1)", "java\tscript:x",
    "vbscript:msgbox", "data:text/html,<script>", "file:///etc/passwd", "  ",
])
def test_unsafe_link_urls_are_dropped(value: str) -> None:
    assert safe_url(value, BASE) is None


def test_data_images_are_dropped_even_where_links_would_pass() -> None:
    assert safe_url("data:image/png;base64,AAAA", BASE, image=True) is None
    assert safe_url("mailto:x@example.org", BASE, image=True) is None
    assert safe_url("mailto:x@example.org", BASE) == "mailto:x@example.org"


def test_relative_urls_become_absolute_and_lose_tracking() -> None:
    assert safe_url("../img/a.jpg?utm_source=x&v=2", BASE, image=True) == \
        "https://alqst.org/en/img/a.jpg?v=2"
    assert safe_url("//cdn.example/a.png", BASE) == "https://cdn.example/a.png"
    assert safe_url("#section", BASE) == BASE + "#section"
    assert strip_tracking("https://a.example/?fbclid=1&utm_campaign=z&id=3&gclid=9") == \
        "https://a.example/?id=3"
    assert strip_tracking("https://a.example/?utm_source=x") == "https://a.example/"


def test_scripts_styles_frames_forms_and_handlers_are_removed() -> None:
    html = ('<p onclick="x()" style="color:red" class="c" id="i">text</p>'
            "<script>alert(1)</script><style>p{}</style><iframe>f</iframe>"
            "<form><input><label>label</label></form><noscript>ns</noscript>"
            '<svg><circle onload="x()"/></svg><object data="x.swf"></object>'
            '<a href="javascript:void(0)" onmouseover="x()">words</a>')
    out = sanitize_html(html, BASE)
    assert out == "<p>text</p>words"


def test_tracking_pixels_and_data_images_are_removed_lazy_images_kept() -> None:
    html = ('<img src="https://t.example/p.gif" width="1" height="1">'
            '<img src="https://t.example/q.gif" style="display:none">'
            '<img src="https://www.google-analytics.com/collect?v=1&tid=UA-1">'
            '<img src="data:image/gif;base64,R0lGOD" alt="inline">'
            '<img src="data:image/gif;base64,R0lGOD" data-src="/media/real.jpg" alt="lazy">'
            '<img src="/media/photo.jpg" alt="ok" width="640" height="480" onerror="x()">')
    out = sanitize_html(html, BASE)
    assert out == ('<img src="https://alqst.org/media/real.jpg" alt="lazy">'
                   '<img src="https://alqst.org/media/photo.jpg" alt="ok" width="640" '
                   'height="480">')


def test_arabic_bodies_are_wrapped_right_to_left() -> None:
    assert sanitize_html("<p>نص</p>", BASE, "ar") == '<div dir="rtl" lang="ar"><p>نص</p></div>'
    assert sanitize_html("<p>text</p>", BASE, "en") == "<p>text</p>"
    assert sanitize_html("<script>x</script>", BASE, "ar") == ""


def test_control_characters_and_surrogates_never_survive() -> None:
    text = "a\x00b\x01c\x08d\x0be\x1ff\x7fg\x85h\ud800i\ufffdj\ufffek\tl\nm"
    assert clean_text(text) == "abcdefghijk\tl\nm"
    assert sanitize_html(f"<p>{text}</p>", BASE) == "<p>abcdefghijk\tl\nm</p>"


def test_plain_text_strips_markup_and_defuses_entity_lookalikes() -> None:
    assert plain_text("<b>Bold</b> &amp; <i>more</i>") == "Bold & more"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Title") == "Title"
    assert plain_text("Q&A and AT&T") == "Q&A and AT&T"
    assert plain_text("5&10 &copy") == "5＆10 ©"
    assert plain_text("  many\n\n spaces\t") == "many spaces"


@given(st.lists(st.sampled_from(
    [*"<>&\"'=/ ;#abcpimgscrtyl:", "<p>", "</p>", "<a href=", "<img src=", "&amp;",
     "javascript:", "onerror=", "<script>", "\x00", "ع"]),
    max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_sanitised_html_always_passes_the_validators_html_checks(html: str) -> None:
    for lang in ("en", "ar"):
        problems = Problems()
        _safe_html(sanitize_html(html, BASE, lang), problems, "content", rss=True)
        assert problems == []
