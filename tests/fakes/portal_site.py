"""A bilingual news-portal test site: English at the root and Arabic under `/ar/`, a home
page of several sections (News, Statements, Reports, Campaigns), each its own listing
(`/news/`, `/ar/statements/`, ...), posts at `/{section}/{slug}`, numbered pages `?pg=2`.

Unlike the other test sites: no <article> element and no <h1> but the site's name; the title
in `<h2 class="title">`; the date only in JSON-LD (`datePublished`), none shown; bodies
holding a table and an embedded tweet (which has a date of its own); the Reports section
lists PDF files only; no hreflang, no feed.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import LANGS, CorpusPost, body_html, newest_first

PAGE_SIZE = 3
SECTIONS = ("news", "statements", "reports", "campaigns")
_KIND_SECTION = {"news": "news", "statement": "statements", "campaign": "campaigns"}
CHROME = ("Most read", "Tags:", "Share on", "Gulf Rights Portal", "Home",
          "الأكثر قراءة", "الوسوم:", "شارك على", "بوابة حقوق الخليج", "الرئيسية")
_WORDS = {
    "en": {"site": "Gulf Rights Portal", "home": "Home", "most": "Most read",
           "tags": "Tags:", "share": "Share on", "more": "More",
           "sections": ("News", "Statements", "Reports", "Campaigns"),
           "report": "Annual report 2024 (PDF)", "figures": ("Cases", "Detained", "Released"),
           "tweet": "Our team was at the court again today.", "switch": "عربي"},
    "ar": {"site": "بوابة حقوق الخليج", "home": "الرئيسية", "most": "الأكثر قراءة",
           "tags": "الوسوم:", "share": "شارك على", "more": "المزيد",
           "sections": ("الأخبار", "البيانات", "التقارير", "الحملات"),
           "report": "التقرير السنوي 2024 (PDF)", "figures": ("الحالات", "محتجزون", "أُفرج عنهم"),
           "tweet": "كان فريقنا في المحكمة مجدداً اليوم.", "switch": "English"},
}


def slug(post: CorpusPost) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", post.en.title.lower())[:5])


def section_of(post: CorpusPost) -> str:
    return _KIND_SECTION[post.kind]


def _prefix(lang: str) -> str:
    return "/ar" if lang == "ar" else ""


class PortalSite(HtmlSite):
    name = "portal-site"

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return f"{self.base_url}{_prefix(lang)}/{section_of(post)}/{slug(post)}"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def answer_target(self, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        path = parts.path
        lang = "ar" if path == "/ar" or path.startswith("/ar/") else "en"
        rest = path[3:] if lang == "ar" else path
        rest = rest or "/"
        if rest == "/":
            return 200, self._home(lang)
        if match := re.fullmatch(r"/([a-z]+)/?", rest):  # with or without the slash
            section = match.group(1)
            raw = parse_qs(parts.query).get("pg", ["1"])[0]
            number = int(raw) if raw.isdigit() else 1
            posts = self._section(section)
            if section in SECTIONS and number >= 1 and (
                    (number - 1) * PAGE_SIZE < len(posts) or number == 1):
                return 200, self._listing(lang, section, number)
        if match := re.fullmatch(r"/([a-z]+)/([a-z0-9-]+)", rest):
            for post in newest_first():
                if (section_of(post), slug(post)) == match.groups():
                    return 200, self._post(post, lang)
        return 404, self._document(lang, "404", "<p>Not found</p>", rest, None)

    def answer(self, path: str) -> tuple[int, str]:
        return self.answer_target(path)

    @staticmethod
    def _section(section: str) -> list[CorpusPost]:
        return [p for p in newest_first() if section_of(p) == section]

    # ---- pages

    def _document(self, lang: str, title: str, content: str, rest: str,
                  ld: dict[str, object] | None) -> str:
        w = _WORDS[lang]
        other = "en" if lang == "ar" else "ar"
        menu = "".join(f'<li><a href="{_prefix(lang)}/{s}/">{label}</a></li>'
                       for s, label in zip(SECTIONS, w["sections"], strict=True))
        most = "".join(f'<li><a href="{_prefix(lang)}/{section_of(p)}/{slug(p)}">'
                       f"{html.escape(p.version(lang).title)}</a></li>"
                       for p in newest_first()[3:6])
        script = (f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}'
                  "</script>" if ld else "")
        return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)} - {w['site']}</title>{script}</head>
<body><div class="wrapper">
<div class="masthead"><h1 class="logo"><a href="{_prefix(lang)}/">{w['site']}</a></h1>
<a class="lang-switch" href="{_prefix(other)}{rest}">{w['switch']}</a>
<ul class="sections"><li><a href="{_prefix(lang)}/">{w['home']}</a></li>{menu}</ul></div>
<div class="row"><div class="col-8">{content}</div>
<div class="col-4 sidebar"><div class="widget"><h4>{w['most']}</h4><ul>{most}</ul></div></div>
</div><div class="footer">&copy; 2025 {w['site']}</div></div></body></html>
"""

    def _teaser(self, post: CorpusPost, lang: str) -> str:
        return (f'<div class="teaser"><h3><a href="{_prefix(lang)}/{section_of(post)}/'
                f'{slug(post)}">{html.escape(post.version(lang).title)}</a></h3>'
                f"<p>{html.escape(post.version(lang).paragraphs[0][:90])}…</p></div>")

    def _reports(self, lang: str) -> str:
        return (f'<div class="teaser"><h3><a href="/files/annual-2024-{lang}.pdf">'
                f'{_WORDS[lang]["report"]}</a></h3></div>')

    def _home(self, lang: str) -> str:
        w = _WORDS[lang]
        blocks = []
        for section, label in zip(SECTIONS, w["sections"], strict=True):
            items = ("".join(self._teaser(p, lang) for p in self._section(section)[:2])
                     if section != "reports" else self._reports(lang))
            blocks.append(f'<div class="home-section"><h2 class="section-title">{label}</h2>'
                          f'{items}<a class="more" href="{_prefix(lang)}/{section}/">'
                          f'{w["more"]}</a></div>')
        return self._document(lang, w["home"], "".join(blocks), "/", None)

    def _listing(self, lang: str, section: str, number: int) -> str:
        w = _WORDS[lang]
        posts = self._section(section)
        label = w["sections"][SECTIONS.index(section)]
        if section == "reports":
            items = self._reports(lang)
        else:
            items = "".join(self._teaser(p, lang)
                            for p in posts[(number - 1) * PAGE_SIZE:number * PAGE_SIZE])
        pages = max(1, -(-len(posts) // PAGE_SIZE))
        pager = ""
        if pages > 1:
            links = "".join(f'<li><a href="?pg={n}">{n}</a></li>' if n != number
                            else f'<li class="active"><span>{n}</span></li>'
                            for n in range(1, pages + 1))
            if number < pages:
                links += f'<li><a href="?pg={number + 1}">&rsaquo;</a></li>'
            pager = f'<ul class="pager">{links}</ul>'
        content = f'<h2 class="section-title">{label}</h2>{items}{pager}'
        return self._document(lang, label, content, f"/{section}/", None)

    def _post(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        figures = "".join(f"<tr><td>{name}</td><td>{(i + 1) * 4}</td></tr>"
                          for i, name in enumerate(w["figures"]))
        tweet = (f'<blockquote class="twitter-tweet"><p lang="{lang}">{w["tweet"]}</p>'
                 f'&mdash; GRP (@gulfrightsportal) <a href="https://twitter.com/'
                 f'gulfrightsportal/status/18{post.number}00">December 1, 2024</a></blockquote>'
                 '<script async src="https://platform.twitter.com/widgets.js"></script>')
        extra = f"<table>{figures}</table>" if post.number % 2 else tweet
        ld = {"@context": "https://schema.org", "@type": "NewsArticle",
              "headline": version.title, "datePublished": f"{post.date.isoformat()}T10:00:00+03:00",
              "inLanguage": lang, "publisher": {"@type": "Organization", "name": w["site"]}}
        label = w["sections"][SECTIONS.index(section_of(post))]
        content = f"""<div class="breadcrumb"><a href="{_prefix(lang)}/">{w['home']}</a> /
<a href="{_prefix(lang)}/{section_of(post)}/">{label}</a></div>
<div class="post-wrap">
<h2 class="title">{html.escape(version.title)}</h2>
<div class="share">{w['share']} <a href="https://x.com/intent">X</a></div>
<div class="entry">
{body_html(version)}
{extra}
</div>
<div class="tags">{w['tags']} <a href="{_prefix(lang)}/tag/rights">rights</a></div>
</div>"""
        return self._document(lang, version.title, content,
                              f"/{section_of(post)}/{slug(post)}", ld)


__all__ = ["LANGS", "PortalSite"]
