"""Sanitising for feeds: safe HTML, absolute canonical URLs, no tracking, clean text."""

from __future__ import annotations

import dataclasses

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.render import render_atom, render_json, render_rss
from feeds.sanitize import (
    MAX_TEXT_RUN,
    canonical_uri,
    clean_text,
    plain_text,
    safe_url,
    sanitize_html,
    strip_tracking,
)
from tests.feed_content import feed_contents
from tests.feed_samples import sample_articles, sample_spec
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


HUGE = 300_000


@pytest.mark.parametrize(("html", "expected"), [
    (f'<p>Read <a href="/en/post/{"x" * HUGE}">the context</a>.</p>', "<p>Read the context.</p>"),
    (f'<p title="{"t" * HUGE}" lang="en">words</p>', '<p lang="en">words</p>'),
    (f'<p><img src="/media/a.jpg" alt="{"a" * HUGE}"></p>',
     '<p><img src="https://alqst.org/media/a.jpg"></p>'),
    (f'<blockquote cite="https://a.example/{"q" * HUGE}">quoted</blockquote>',
     "<blockquote>quoted</blockquote>"),
    (f'<p><img src="/media/{"i" * HUGE}.jpg" alt="lost"></p>', "<p></p>"),
])
def test_attributes_above_their_cap_are_dropped_and_the_element_kept(
        html: str, expected: str) -> None:
    assert sanitize_html(html, BASE) == expected


def test_ordinary_long_attributes_and_arabic_links_are_kept() -> None:
    slug = "حقوق-الإنسان-" * 40  # ~4.3 KB once percent-encoded
    alt = "A long description of the photograph, " * 40
    html = f'<p><a href="/ar/post/{slug}">link</a><img src="/m/a.jpg" alt="{alt}"></p>'
    out = sanitize_html(html, BASE)
    assert canonical_uri(f"https://alqst.org/ar/post/{slug}") in out
    assert f'alt="{alt}"' in out


def test_a_text_run_without_spaces_is_cut_and_real_text_is_kept() -> None:
    words = " ".join(["word"] * 50_000)  # 250 KB of real text: untouched
    assert sanitize_html(f"<p>{words}</p>", BASE) == f"<p>{words}</p>"
    blob = "QUFB" * (HUGE // 4)
    out = sanitize_html(f"<p>before {blob} after</p><p>next</p>", BASE)
    assert out == f"<p>before {blob[:MAX_TEXT_RUN]}… after</p><p>next</p>"
    edge = "b" * MAX_TEXT_RUN
    assert sanitize_html(f"<p>{edge}</p>", BASE) == f"<p>{edge}</p>"


def test_a_cut_never_ends_inside_an_entity() -> None:
    out = sanitize_html("<p>" + "&amp;" * HUGE + "</p>", BASE)
    assert out.endswith("&amp;…</p>")
    assert len(out) <= MAX_TEXT_RUN + len("<p>…</p>")


def test_a_feed_carries_no_huge_attribute_or_text_run() -> None:
    article = dataclasses.replace(
        sample_articles()[1],
        body_html=(f'<p title="{"t" * HUGE}">Intro <a href="/en/{"x" * HUGE}">link</a></p>'
                   f'<p>{"z" * HUGE}</p><p>Full paragraph stays.</p>'))
    for data in (render_rss(sample_spec(), [article]), render_atom(sample_spec(), [article]),
                 render_json(sample_spec(), [article])):
        assert len(data) < 3 * MAX_TEXT_RUN
        if not data.startswith(b"{"):
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, parsed.get("bozo_exception")
        content = feed_contents(data)[0]
        assert "Intro link" in content and "Full paragraph stays." in content
        assert "title=" not in content and "href=" not in content
        assert "z" * MAX_TEXT_RUN + "…" in content
