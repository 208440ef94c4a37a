"""A bilingual Drupal-like test site: `/en` and `/ar` front pages, articles at
`/{lang}/node/N`, listings `/{lang}/news?page=N` counting from 0, the date only in a
"Submitted by … on …" line, a language switcher block instead of hreflang links.

Unlike the replica, wordpress_site.py and press_site.py: no <time>, no date meta, the title
in a page-title block outside the node, tags and a "forward" box inside the node's content.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import LANGS, CorpusPost, body_html, long_date, newest_first

PAGE_SIZE = 3
CHROME = ("Submitted by", "Tags:", "Email this page", "Most read", "Sahel Rights Observatory",
          "أرسلت بواسطة", "الوسوم:", "أرسل هذه الصفحة", "الأكثر قراءة", "مرصد الساحل")
_WORDS = {
    "en": {"site": "Sahel Rights Observatory", "home": "Home", "news": "News",
           "about": "Who we are", "next": "Next page", "prev": "Previous page",
           "submitted": "Submitted by <span class=\"field--name-uid\">editor</span> on",
           "tags": "Tags:", "forward": "Email this page", "most": "Most read",
           "welcome": "We monitor detention and due process across the region.",
           "latest": "Latest from our team", "more": "More news"},
    "ar": {"site": "مرصد الساحل للحقوق", "home": "الرئيسية", "news": "الأخبار",
           "about": "من نحن", "next": "الصفحة التالية", "prev": "الصفحة السابقة",
           "submitted": "أرسلت بواسطة <span class=\"field--name-uid\">المحرر</span> في",
           "tags": "الوسوم:", "forward": "أرسل هذه الصفحة", "most": "الأكثر قراءة",
           "welcome": "نرصد الاحتجاز وضمانات المحاكمة العادلة في المنطقة.",
           "latest": "آخر ما نشره فريقنا", "more": "مزيد من الأخبار"},
}
_DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
         "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")}


class DrupalSite(HtmlSite):
    name = "drupal-site"

    def node_id(self, post: CorpusPost) -> int:
        return 100 + post.number * 7  # node ids are not the post numbers

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return f"{self.base_url}/{lang}/node/{self.node_id(post)}"

    @property
    def home_url(self) -> str:
        return self.base_url + "/en"

    def answer_target(self, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        if path == "/":
            return 200, self._front("en")
        match = re.fullmatch(r"/(en|ar)(/.*)?", path)
        if not match:
            return 404, self._document("en", "Page not found", "<p>Page not found.</p>", path)
        lang, rest = match.group(1), match.group(2) or ""
        if rest == "":
            return 200, self._front(lang)
        if rest == "/news":
            raw = parse_qs(parts.query).get("page", ["0"])[0]
            number = int(raw) if raw.isdigit() else 0
            if number * PAGE_SIZE < len(newest_first()):
                return 200, self._listing(lang, number)
        if node := re.fullmatch(r"/node/(\d+)", rest):
            for post in newest_first():
                if self.node_id(post) == int(node.group(1)):
                    return 200, self._node(post, lang)
        return 404, self._document(lang, "Page not found", "<p>Page not found.</p>", rest)

    def answer(self, path: str) -> tuple[int, str]:
        return self.answer_target(path)

    # ---- pages

    def _document(self, lang: str, title: str, content: str, rest: str) -> str:
        w = _WORDS[lang]
        switcher = "".join(
            f'<li hreflang="{code}"><a href="/{code}{rest}" class="language-link" '
            f'hreflang="{code}">{"English" if code == "en" else "العربية"}</a></li>'
            for code in LANGS)
        most = "".join(f'<li><a href="/{lang}/node/{self.node_id(p)}">'
                       f"{html.escape(p.version(lang).title)}</a></li>"
                       for p in sorted(newest_first(), key=lambda p: p.number)[:3])
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8" /><title>{html.escape(title)} | {w['site']}</title>
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" /></head>
<body class="path-node page-node-type-article">
<div class="dialog-off-canvas-main-canvas"><div class="layout-container">
<header role="banner"><div class="region region-header"><div id="block-sitebranding">
<a href="/{lang}" rel="home" class="site-logo">{w['site']}</a></div>
<div class="language-switcher-language-url" id="block-languageswitcher" role="navigation">
<ul class="links">{switcher}</ul></div></div></header>
<div class="region region-primary-menu"><nav role="navigation" id="block-mainnavigation">
<ul class="menu"><li class="menu-item"><a href="/{lang}">{w['home']}</a></li>
<li class="menu-item"><a href="/{lang}/news">{w['news']}</a></li>
<li class="menu-item"><a href="/{lang}/about">{w['about']}</a></li></ul></nav></div>
<main role="main"><div class="layout-content">
<div class="region region-content">{content}</div></div>
<aside class="layout-sidebar-second" role="complementary"><div class="block-views-block-popular">
<h2>{w['most']}</h2><div class="item-list"><ul>{most}</ul></div></div></aside></main>
<footer role="contentinfo"><div class="region region-footer">
<p>{w['site']} &middot; PO Box 1209</p></div></footer>
</div></div></body></html>
"""

    def _front(self, lang: str) -> str:
        w = _WORDS[lang]
        teasers = "".join(f'<li><a href="/{lang}/node/{self.node_id(p)}">'
                          f"{html.escape(p.version(lang).title)}</a></li>"
                          for p in newest_first()[:2])
        content = (f'<div id="block-welcome"><p>{w["welcome"]}</p></div>'
                   f'<div class="block-views-block-front"><h2>{w["latest"]}</h2><ul>{teasers}'
                   f'</ul><a href="/{lang}/news">{w["more"]}</a></div>')
        return self._document(lang, w["home"], content, "")

    def _listing(self, lang: str, number: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]
        rows = "".join(
            f'<div class="views-row"><article role="article" class="node node--type-article '
            f'node--view-mode-teaser"><h2><a href="/{lang}/node/{self.node_id(p)}" '
            f'rel="bookmark"><span>{html.escape(p.version(lang).title)}</span></a></h2>'
            f'<div class="node__content"><div class="field--name-body"><p>'
            f"{html.escape(p.version(lang).paragraphs[0][:100])}</p></div>"
            f'<ul class="links inline"><li class="node-readmore"><a href="/{lang}/node/'
            f'{self.node_id(p)}" rel="tag">{"Read more" if lang == "en" else "اقرأ المزيد"}'
            "</a></li></ul></div></article></div>" for p in posts)
        items = []
        if number > 0:
            items.append(f'<li class="pager__item pager__item--previous"><a href="?page='
                         f'{number - 1}" rel="prev"><span>{w["prev"]}</span></a></li>')
        items.append(f'<li class="pager__item is-active">{number + 1}</li>')
        if (number + 1) * PAGE_SIZE < len(newest_first()):
            items.append(f'<li class="pager__item pager__item--next"><a href="?page='
                         f'{number + 1}" rel="next"><span>{w["next"]}</span></a></li>')
        content = (f'<h1 class="page-title">{w["news"]}</h1><div class="view-content">{rows}'
                   f'</div><nav class="pager" role="navigation"><ul class="pager__items">'
                   f'{"".join(items)}</ul></nav>')
        return self._document(lang, w["news"], content, "/news")

    def _node(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        day = _DAYS[lang][post.date.weekday()]
        separator = "،" if lang == "ar" else ","
        submitted = (f'<div class="node__submitted">{w["submitted"]} <span '
                     f'class="field--name-created">{day}{separator} {long_date(post.date, lang)}'
                     " - 10:15</span></div>")
        tags = ("Detention", "Courts") if lang == "en" else ("الاحتجاز", "المحاكم")
        content = f"""<div id="block-pagetitle"><h1 class="page-title">
<span class="field--name-title">{html.escape(version.title)}</span></h1></div>
<article role="article" class="node node--type-article node--view-mode-full">
<footer class="node__meta">{submitted}</footer>
<div class="node__content">
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary
 field--label-hidden field__item">
{body_html(version)}
</div>
<div class="field field--name-field-tags field--type-entity-reference">
<div class="field__label">{w['tags']}</div>
<div class="field__items"><div class="field__item">
<a href="/{lang}/taxonomy/term/3">{tags[0]}</a></div>
<div class="field__item"><a href="/{lang}/taxonomy/term/4">{tags[1]}</a></div></div></div>
<div class="forward-link">
<a href="/{lang}/forward?path=node/{self.node_id(post)}">{w['forward']}</a></div>
</div></article>"""
        return self._document(lang, version.title, content, f"/node/{self.node_id(post)}")
