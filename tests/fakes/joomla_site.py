"""A bilingual Joomla-like test site with K2-style markup and no SEF URLs: everything is
`/index.php?...`; articles at `index.php?option=com_content&view=article&id=123&Itemid=45
&lang=ar` (each translation its own id), the category blog paged by offset (`&start=3`),
languages by `&lang=` through a mod_languages switcher of flag images.

Unlike the other test sites: no hreflang, no feed, no <article>, <time> or <h1>; the title in
`<h2 class="itemTitle">`, the date in one line with the author ("Written by Admin
Published: 12 December 2024", Arabic "نشر بتاريخ"), the text split between an intro and a
full-text div, then a hits counter, a share bar, "Related items" and a comments section
whose comments carry dates of their own; a "Latest news" module on every page.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

from tests.fakes.html_site import HtmlSite
from tests.fakes.ngo_corpus import LANGS, CorpusPost, body_html, long_date, newest_first

PAGE_SIZE = 3
CHROME = ("Written by", "Published:", "Hits", "Share", "Related items", "Comments",
          "Add comment", "Latest news", "cookies", "Peninsula Rights Watch",
          "بواسطة", "نشر بتاريخ", "الزيارات", "شارك", "مواضيع ذات صلة", "التعليقات",
          "أضف تعليقاً", "آخر الأخبار", "مرصد الجزيرة للحقوق")
_WORDS = {
    "en": {"site": "Peninsula Rights Watch", "home": "Home", "news": "News",
           "about": "About us", "by": "Written by", "admin": "Administrator",
           "published": "Published:", "hits": "Hits", "share": "Share", "related":
           "Related items", "comments": "Comments", "add": "Add comment", "latest":
           "Latest news", "more": "Read more...", "start": "Start", "prev": "Prev",
           "next": "Next", "end": "End", "page": "Page {n} of {of}",
           "cookie": "We use cookies to improve your experience on our website.",
           "ok": "I agree", "flag": "English (UK)", "said": "Ahmed", "comment":
           "Thank you for documenting this case.", "item": 45, "cat": 8, "front": 101},
    "ar": {"site": "مرصد الجزيرة للحقوق", "home": "الرئيسية", "news": "الأخبار",
           "about": "من نحن", "by": "كتب بواسطة", "admin": "المدير", "published": "نشر بتاريخ:",
           "hits": "الزيارات", "share": "شارك", "related": "مواضيع ذات صلة",
           "comments": "التعليقات", "add": "أضف تعليقاً", "latest": "آخر الأخبار",
           "more": "اقرأ المزيد...", "start": "البداية", "prev": "السابق", "next": "التالي",
           "end": "النهاية", "page": "صفحة {n} من {of}",
           "cookie": "نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا.",
           "ok": "أوافق", "flag": "العربية (AR)", "said": "أحمد",
           "comment": "شكراً لتوثيق هذه القضية.", "item": 46, "cat": 9, "front": 102},
}


class JoomlaSite(HtmlSite):
    name = "joomla-site"

    def article_id(self, post: CorpusPost, lang: str) -> int:
        return (120 if lang == "en" else 220) + post.number

    def _article_href(self, post: CorpusPost, lang: str) -> str:
        return (f"/index.php?option=com_content&view=article&id={self.article_id(post, lang)}"
                f"&Itemid={_WORDS[lang]['item']}&lang={lang}")

    def _category_href(self, lang: str, start: int = 0) -> str:
        w = _WORDS[lang]
        href = (f"/index.php?option=com_content&view=category&layout=blog&id={w['cat']}"
                f"&Itemid={w['item']}&lang={lang}")
        return href + (f"&start={start}" if start else "")

    def post_url(self, post: CorpusPost, lang: str) -> str:
        return self.base_url + self._article_href(post, lang)

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    def answer(self, path: str) -> tuple[int, str]:
        return self.answer_target(path)

    def answer_target(self, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        lang = query.get("lang", "en") if query.get("lang") in LANGS else "en"
        if parts.path not in ("/", "/index.php"):
            return 404, self._document(lang, "404", "<p>Component not found.</p>", {})
        view = query.get("view")
        if query.get("option") == "com_content" and view == "article":
            for post in newest_first():
                if str(self.article_id(post, lang)) == query.get("id"):
                    return 200, self._article(post, lang)
            return 404, self._document(lang, "404", "<p>Article not found</p>", query)
        if query.get("option") == "com_content" and view == "category":
            start = int(query["start"]) if query.get("start", "").isdigit() else 0
            if start < len(newest_first()) and start % PAGE_SIZE == 0:
                return 200, self._category(lang, start)
            return 404, self._document(lang, "404", "<p>Category not found</p>", query)
        return 200, self._home(lang)

    # ---- pages

    def _document(self, lang: str, title: str, content: str, here: dict[str, str]) -> str:
        w = _WORDS[lang]
        switch = []
        for other in LANGS:
            target = dict(here, lang=other)
            # A translation is another article: the switcher of an article page goes to the
            # other language's home, as mod_languages does without associations.
            if target.get("view") != "category":
                target = {"lang": other}
            else:
                target.update(id=str(_WORDS[other]["cat"]), Itemid=str(_WORDS[other]["item"]))
                target.pop("start", None)
            href = "/index.php?" + "&".join(f"{k}={v}" for k, v in target.items())
            switch.append(f'<li class="{"lang-active" if other == lang else ""}">'
                          f'<a href="{html.escape(href)}"><img src="/media/mod_languages/'
                          f'images/{other}.gif" alt="{_WORDS[other]["flag"]}" '
                          f'title="{_WORDS[other]["flag"]}"></a></li>')
        latest = "".join(f'<li><a href="{html.escape(self._article_href(p, lang))}">'
                         f"{html.escape(p.version(lang).title)}</a></li>"
                         for p in newest_first()[:5])
        return f"""<!DOCTYPE html>
<html xml:lang="{lang}-{'aa' if lang == 'ar' else 'gb'}" lang="{lang}"
 dir="{'rtl' if lang == 'ar' else 'ltr'}">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="generator" content="Joomla! - Open Source Content Management">
<link href="/templates/protostar/favicon.ico" rel="shortcut icon"></head>
<body class="site com_content itemid-{w['item']}">
<div id="cookieNotice" class="cookie-notice">{w['cookie']} <button>{w['ok']}</button></div>
<div class="container"><header class="header"><a class="brand" href="/index.php?lang={lang}">
<span class="site-title">{w['site']}</span></a>
<div class="mod-languages"><ul class="lang-inline">{''.join(switch)}</ul></div></header>
<div class="navigation"><ul class="nav menu">
<li class="item-{w['front']}"><a href="/index.php?lang={lang}">{w['home']}</a></li>
<li class="item-{w['item']}"><a href="{html.escape(self._category_href(lang))}">{w['news']}</a></li>
<li><a href="/index.php?option=com_content&amp;view=article&amp;id=2&amp;Itemid=12&amp;lang={lang}">
{w['about']}</a></li></ul></div>
<div class="row-fluid"><div id="content" class="span9"><div id="system-message-container"></div>
{content}</div>
<div id="aside" class="span3"><div class="moduletable"><h3>{w['latest']}</h3>
<ul class="latestnews">{latest}</ul></div></div></div></div>
<footer class="footer"><p>&copy; 2025 {w['site']}</p></footer>
</body></html>
"""

    def _home(self, lang: str) -> str:
        w = _WORDS[lang]
        items = "".join(
            f'<div class="catItemView"><h3 class="catItemTitle"><a href="'
            f'{html.escape(self._article_href(p, lang))}">{html.escape(p.version(lang).title)}'
            f'</a></h3><div class="catItemIntroText"><p>'
            f"{html.escape(p.version(lang).paragraphs[0])}</p></div></div>"
            for p in newest_first()[:2])
        return self._document(lang, w["home"], f'<div id="k2Container" class="itemListView">'
                              f"{items}</div>", {"lang": lang})

    def _category(self, lang: str, start: int) -> str:
        w = _WORDS[lang]
        posts = newest_first()[start:start + PAGE_SIZE]
        items = "".join(f"""<div class="itemContainer"><div class="catItemView groupLeading">
<div class="catItemHeader"><span class="catItemDateCreated">{long_date(p.date, lang)}</span>
<h3 class="catItemTitle"><a href="{html.escape(self._article_href(p, lang))}">
{html.escape(p.version(lang).title)}</a></h3></div>
<div class="catItemBody"><div class="catItemIntroText">
<p>{html.escape(p.version(lang).paragraphs[0])}</p></div></div>
<div class="catItemReadMore"><a class="k2ReadMore" href="
{html.escape(self._article_href(p, lang))}">{w['more']}</a></div></div></div>""" for p in posts)
        total = len(newest_first())
        pages = -(-total // PAGE_SIZE)
        links = []

        def link(title: str, to: int) -> str:
            return (f'<li><a title="{title}" href="{html.escape(self._category_href(lang, to))}">'
                    f"{title}</a></li>")

        if start:
            links += [link(w["start"], 0), link(w["prev"], start - PAGE_SIZE)]
        links += [f"<li><a href=\"{html.escape(self._category_href(lang, n * PAGE_SIZE))}\">"
                  f"{n + 1}</a></li>" if n * PAGE_SIZE != start
                  else f"<li><span>{n + 1}</span></li>"
                  for n in range(pages)]
        if start + PAGE_SIZE < total:
            links += [link(w["next"], start + PAGE_SIZE), link(w["end"], (pages - 1) * PAGE_SIZE)]
        paging = (f'<div class="k2Pagination"><ul>{"".join(links)}</ul><div class="k2Results">'
                  f'{w["page"].format(n=start // PAGE_SIZE + 1, of=pages)}</div></div>')
        here = {"option": "com_content", "view": "category", "layout": "blog",
                "id": str(w["cat"]), "Itemid": str(w["item"])}
        return self._document(lang, w["news"], f'<div id="k2Container" class="itemListView">'
                              f"{items}{paging}</div>", here)

    def _article(self, post: CorpusPost, lang: str) -> str:
        w = _WORDS[lang]
        version = post.version(lang)
        # K2 keeps the first paragraph as the intro text and the rest as the full text.
        intro, *rest = body_html(version).split("\n", 1)
        related = "".join(f'<li><a href="{html.escape(self._article_href(p, lang))}">'
                          f"{html.escape(p.version(lang).title)}</a></li>"
                          for p in newest_first() if p is not post and p.kind == post.kind)
        said = long_date(post.date.replace(day=min(post.date.day + 1, 28)), lang)
        content = f"""<span id="startOfPageId{self.article_id(post, lang)}"></span>
<div id="k2Container" class="itemView">
<div class="itemHeader">
<h2 class="itemTitle">{html.escape(version.title)}</h2>
<div class="itemInfo"><span class="itemAuthor">{w['by']} <a rel="author"
 href="/index.php?option=com_k2&amp;view=itemlist&amp;task=user&amp;id=42">{w['admin']}</a></span>
&nbsp; <span class="itemDateCreated">{w['published']} {long_date(post.date, lang)}</span></div>
</div>
<div class="itemToolbar"><ul><li><a class="itemPrintLink" href="#">Print</a></li>
<li><a class="itemEmailLink" href="#">Email</a></li></ul></div>
<div class="itemBody">
<div class="itemIntroText">{intro}</div>
<div class="itemFullText">{''.join(rest)}</div>
</div>
<div class="itemHitsTwitter"><span class="itemHits">{w['hits']}: <b>{post.number * 113}</b>
</span></div>
<div class="itemSocialSharing">{w['share']}: <a href="https://twitter.com/share">Twitter</a>
<a href="https://www.facebook.com/sharer.php">Facebook</a></div>
<div class="itemRelated"><h3>{w['related']}</h3><ul>{related}</ul></div>
<div class="itemComments"><h3 class="itemCommentsCounter">{w['comments']} (1)</h3>
<ul class="itemCommentsList"><li><span class="commentDate">{said}</span>
<span class="commentAuthorName">{w['said']}</span><p>{w['comment']}</p></li></ul>
<div class="itemCommentsForm"><h3>{w['add']}</h3><form><textarea></textarea></form></div></div>
</div>"""
        here = {"option": "com_content", "view": "article",
                "id": str(self.article_id(post, lang)), "Itemid": str(w["item"])}
        return self._document(lang, version.title, content, here)


__all__ = ["LANGS", "JoomlaSite"]
