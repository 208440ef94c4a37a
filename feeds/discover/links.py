"""What a page's links say about its site: the language versions, which links are articles
(by clustering URL shapes), the next listing page, and the advertised RSS/Atom feeds."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from feeds.dates import parse_date
from feeds.listing import ARROWS, NEXT_WORDS
from feeds.urls import host_of, normalise_url

LANGUAGE_NAMES = {
    "english": "en", "en": "en", "العربية": "ar", "عربي": "ar", "عربى": "ar", "arabic": "ar",
    "ar": "ar", "français": "fr", "francais": "fr", "french": "fr", "fr": "fr",
    "español": "es", "spanish": "es", "deutsch": "de", "فارسی": "fa", "türkçe": "tr",
}  # fmt: skip
# Menu words that name a site's news listing, in the languages NGO sites use most.
LISTING_WORDS = (
    "news", "latest", "latest news", "news & updates", "updates", "blog", "press releases",
    "stories", "articles", "posts", "الأخبار", "أخبار", "آخر الأخبار", "الاخبار", "اخبار",
    "المستجدات", "بيانات صحفية", "المقالات", "مقالات", "المدونة", "actualités", "actualites",
    "nouvelles", "noticias",
)  # fmt: skip
HOME_WORDS = ("home", "home page", "الرئيسية", "الصفحة الرئيسية", "accueil", "inicio")
PREV_WORDS = ("previous", "prev", "previous posts", "previous page", "السابق", "الصفحة السابقة",
              "السابقة", "précédent")
_ARROWS = ARROWS
_LANG_SEGMENT = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
_PAGE_QUERY_KEYS = ("page", "paged", "p", "pg", "start")
# Query keys that count articles, not pages (Joomla's ?start=10, "Load more" buttons): a
# `{page}` template cannot step by ten, so such a listing is walked by its next links.
_OFFSET_QUERY_KEYS = ("start", "offset", "limitstart", "from", "skip")


@dataclass(frozen=True)
class Link:
    url: str  # normalised, absolute
    text: str  # the anchor's text, whitespace collapsed
    rel: str
    hreflang: str
    classes: str


def site_of(host: str) -> str:
    """The host without a leading language or www label: ar.example.org and en.example.org
    are one site (languages on subdomains), example.org and other.org are not."""
    first, _, rest = host.partition(".")
    if rest.count(".") >= 1 and (first == "www" or _LANG_SEGMENT.fullmatch(first)):
        return rest
    return host


def page_links(tree: LexborHTMLParser, page_url: str, *, any_site: bool = False) -> list[Link]:
    """Every http(s) anchor of the page, in order, on the page's own site (its host, or a
    language subdomain of the same name); with `any_site`, on every host."""
    site = site_of(host_of(page_url))
    found: list[Link] = []
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        try:
            url = normalise_url(href, page_url)
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")) or (
                not any_site and site_of(host_of(url)) != site):
            continue
        text = " ".join(node.text(separator=" ").split())
        if not text and (image := node.css_first("img")) is not None:
            # A flag or logo link says what it is in its image's alt or title text.
            text = " ".join((image.attributes.get("alt") or image.attributes.get("title")
                             or "").split())
        found.append(Link(url, text, (node.attributes.get("rel") or "").lower(),
                          (node.attributes.get("hreflang") or node.attributes.get("lang") or
                           "").lower(), node.attributes.get("class") or ""))
    return found


def page_lang(tree: LexborHTMLParser) -> str:
    node = tree.css_first("html")
    lang = (node.attributes.get("lang") or "") if node is not None else ""
    primary = lang.strip().split("-")[0].split("_")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def is_home_link(link: Link, langs: frozenset[str]) -> bool:
    """A link to the site's (or a language's) home page: rel=home, "Home", or a path of
    `/` or `/ar/` alone."""
    segments = [s for s in urlsplit(link.url).path.split("/") if s]
    return ("home" in link.rel.split() or link.text.strip().casefold() in HOME_WORDS
            or not segments or (len(segments) == 1 and segments[0] in langs))


# ---- languages -------------------------------------------------------------------------


def language_versions(tree: LexborHTMLParser, page_url: str) -> dict[str, tuple[str, str]]:
    """lang -> (a URL of that language version, the evidence), from hreflang links, language
    switchers (an anchor naming a language), and the page's own `<html lang>`."""
    found: dict[str, tuple[str, str]] = {}
    own = page_lang(tree)
    if own:
        found[own] = (normalise_url(page_url), f'this page says <html lang="{own}">')
    for node in tree.css("link[rel=alternate][hreflang]"):
        lang = (node.attributes.get("hreflang") or "").split("-")[0].lower()
        href = node.attributes.get("href")
        if (href and re.fullmatch(r"[a-z]{2,3}", lang) and lang not in found
                and site_of(host_of(normalise_url(href, page_url))) == site_of(
                    host_of(page_url))):
            found[lang] = (normalise_url(href, page_url),
                           f'<link rel="alternate" hreflang="{lang}">')
    # A switcher may lead to another host (ar.example.org, or a domain of its own): the
    # crawl keeps it only when that page says it is in that language (`page_lang`).
    site = site_of(host_of(page_url))
    for link in page_links(tree, page_url, any_site=True):
        lang = link.hreflang.split("-")[0]
        how = f'a link with hreflang="{lang}" ("{link.text}")'
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            # "English (UK)", "العربية (AR)": Joomla's switcher names the region too.
            name = re.sub(r"\s*\([^)]*\)$", "", link.text).casefold()
            lang = LANGUAGE_NAMES.get(name, "")
            how = f'a language switcher link "{link.text}"'
        if lang and lang not in found:
            if site_of(host_of(link.url)) != site:
                how += f" to another host, {host_of(link.url)}"
            found[lang] = (link.url, how)
    return found


def mirrored(url: str, lang: str, other: str) -> str | None:
    """`url`, a page of language `other`, as the same page of `lang`: `/en/posts/` ->
    `/ar/posts/`, `?lang=en` -> `?lang=ar`; None when the URL does not name its language."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) > 1 and segments[1] == other:
        path = "/".join(["", lang, *segments[2:]])
        return normalise_url(parts._replace(path=path).geturl())
    query = parse_qsl(parts.query, keep_blank_values=True)
    if (("lang", other) in query):
        kept = "&".join(f"{k}={lang if (k, v) == ('lang', other) else v}" for k, v in query)
        return normalise_url(parts._replace(query=kept).geturl())
    return None


def language_form(urls: dict[str, str]) -> str:
    """How the site tells its languages apart, from one URL per language."""
    forms = set()
    for lang, url in urls.items():
        parts = urlsplit(url)
        if dict(parse_qsl(parts.query)).get("lang") == lang:
            forms.add("?lang= parameter")
        elif parts.path.split("/")[1:2] == [lang]:
            forms.add("/xx/ path prefix")
        elif (parts.hostname or "").split(".")[0] == lang:
            forms.add("subdomain")
        else:
            forms.add("no marker (the default language)")
    return ", ".join(sorted(forms))


# ---- article URL shapes ----------------------------------------------------------------


def _segment_kind(segment: str) -> str:
    if segment.isdigit():
        return "year" if len(segment) == 4 and segment[:2] in ("19", "20") else (
            "nn" if len(segment) == 2 else "number")
    if _LANG_SEGMENT.fullmatch(segment):
        return "lang"
    if ("-" in segment or "_" in segment or len(segment) > 24 or not segment.isascii()
            or re.search(r"\d", segment)):
        return "slug"
    return "word"


# A path ending in a script (`/index.php`) names no page by itself: its query does.
_SCRIPT = re.compile(r"[^/]+\.(?:php|aspx?|jsp|cfm|cgi|pl)$", re.IGNORECASE)


def shape_of(url: str, langs: frozenset[str]) -> tuple[str, ...]:
    """The URL path as segment kinds: /ar/2025/03/some-title -> (@lang, @year, @nn, @slug);
    a known language code and plain words stay literal. Behind a script (`/index.php`) the
    query's keys follow, as `?key=kind`: `?option=com_content`, `?id=@number`."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    shape = [*_path_shape(segments, langs)]
    if segments and _SCRIPT.fullmatch(segments[-1]) and parts.query:
        shape += _query_shape(parts.query, langs)
    return tuple(shape)


def _query_shape(query: str, langs: frozenset[str]) -> list[str]:
    """`?key=kind` for each query key but the page counters, the literal values first and
    the variable ones (ids) last, so the shape ends in what names the page."""
    fixed, varying = [], []
    for key, value in parse_qsl(query, keep_blank_values=True):
        key = key.lower()
        if key in _PAGE_QUERY_KEYS or key in _OFFSET_QUERY_KEYS:
            continue
        if value.lower() in langs:
            fixed.append(f"?{key}=@lang")
        elif value.isdigit():
            varying.append(f"?{key}=@number")
        elif "-" in value or not value.isascii() or len(value) > 24:
            varying.append(f"?{key}=@slug")  # `com_content` is a name; `my-post` a slug
        else:
            fixed.append(f"?{key}={value.lower()}")
    return fixed + varying


def _path_shape(segments: list[str], langs: frozenset[str]) -> list[str]:
    shape = []
    for segment in segments:
        kind = _segment_kind(segment.lower())
        if kind == "lang" and segment.lower() in langs:
            shape.append("@lang")
        elif kind in ("word", "lang"):
            shape.append(segment.lower())
        else:
            shape.append("@" + kind)
    return shape


def shape_label(shape: tuple[str, ...]) -> str:
    """/@lang/news/@slug, or /index.php?option=com_content&id=@number behind a script."""
    path = "/" + "/".join(s for s in shape if not s.startswith("?"))
    query = "&".join(s[1:] for s in shape if s.startswith("?"))
    return path + ("?" + query if query else "")


@dataclass(frozen=True)
class ShapeGroup:
    shape: tuple[str, ...]
    urls: tuple[str, ...]

    @property
    def label(self) -> str:
        return shape_label(self.shape)


def article_groups(links: list[Link], langs: frozenset[str], *,
                   exclude: frozenset[str] = frozenset()) -> list[ShapeGroup]:
    """Groups of links sharing a URL shape that look like articles: a variable last segment
    (a slug or a number), at least two URLs, anchors that read like titles (not "About",
    not "2", not "Next"), and not a pagination shape (/page/2/)."""
    by_shape: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
    for link in links:
        if link.url in exclude or "page" in dict(parse_qsl(urlsplit(link.url).query)):
            continue
        shape = shape_of(link.url, langs)
        texts = by_shape[shape]
        if len(link.text) > len(texts.get(link.url, "")):
            texts[link.url] = link.text
        else:
            texts.setdefault(link.url, link.text)
    groups = []
    for shape, texts in by_shape.items():
        if not shape or not shape[-1].endswith(("@slug", "@number")) or len(texts) < 2:
            continue
        if len(shape) >= 2 and shape[-2] in ("page", "tag", "category", "author", "term"):
            continue
        lengths = sorted(len(t) for t in texts.values())
        if lengths[len(lengths) // 2] < 18:  # the median anchor is no title
            continue
        groups.append(ShapeGroup(shape, tuple(texts)))
    return sorted(groups, key=lambda g: -len(g.urls))


def link_pattern(shapes: list[tuple[str, ...]], langs: list[str]) -> str:
    """One regular expression for the article shapes, as `feeds.listing` applies it (to the
    path): a language segment that only some shapes have becomes optional."""
    lang_re = "(?:" + "|".join(sorted(langs)) + ")" if len(langs) > 1 else re.escape(
        langs[0] if langs else "xx")
    rests: dict[tuple[str, ...], set[bool]] = defaultdict(set)
    for shape in shapes:
        has_lang = bool(shape) and shape[0] == "@lang"
        rests[shape[1:] if has_lang else shape].add(has_lang)
    parts = []
    for rest, flags in sorted(rests.items()):
        path = [s for s in rest if not s.startswith("?")]
        body = "/".join(_segment_re(s) for s in path)
        if query := [s for s in rest if s.startswith("?")]:
            # Matched against the path and query (feeds.listing.link_matches): each key, in
            # any order, and nothing after the script but the query.
            body += r"\?" + "".join(_query_re(s) for s in query) + ".*"
            parts.append(("" if flags == {False} else f"(?:{lang_re}/)?") + body)
            continue
        prefix = "" if flags == {False} else (f"{lang_re}/" if flags == {True} else
                                              f"(?:{lang_re}/)?")
        parts.append(prefix + body)
    inner = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"^/{inner}/?$"


def _query_re(segment: str) -> str:
    """`?key=kind` as a lookahead: the key with a value of that kind, anywhere in the query."""
    key, _, kind = segment[1:].partition("=")
    value = _segment_re(kind) if kind.startswith("@") else re.escape(kind)
    value = r"[^&]+" if kind == "@slug" else value
    return f"(?=(?:.*&)?(?i:{re.escape(key)})={value}(?:&|$))"


def _segment_re(kind: str) -> str:
    return {"@year": r"\d{4}", "@nn": r"\d{2}", "@number": r"\d+", "@slug": r"[^/]+",
            "@lang": r"[a-z]{2}"}.get(kind, re.escape(kind))


def card_dates(tree: LexborHTMLParser, page_url: str, urls: set[str],
               now: datetime) -> dict[str, datetime]:
    """The date each article's card on a listing shows (a `<time>`, or a short text that
    is a date), where it shows one: evidence to check the article page's date against.
    A card is the highest ancestor of the link that holds no other article's link."""
    found: dict[str, datetime] = {}
    for node in tree.css("a[href]"):
        try:
            url = normalise_url(node.attributes.get("href") or "", page_url)
        except ValueError:
            continue
        if url not in urls or url in found:
            continue
        card = node
        while card.parent is not None and card.parent.tag not in ("body", "html"):
            others = {normalise_url(a.attributes.get("href") or "", page_url)
                      for a in card.parent.css("a[href]")} & urls
            if others - {url}:
                break
            card = card.parent
        for piece in card.traverse(include_text=True):
            text = piece.attributes.get("datetime") if piece.tag == "time" else (
                " ".join((piece.text_content or "").split()) if piece.tag == "-text" else "")
            if text and len(text) <= 40 and (date := parse_date(text, now=now)):
                found[url] = date
                break
    return found


def container_selectors(tree: LexborHTMLParser, page_url: str, urls: set[str]) -> list[str]:
    """`<ancestor> a[href]` for the named ancestors (class or id) of the links to `urls`,
    nearest first: ways to name the listing's own links and not a sidebar's."""
    found: dict[str, None] = {}
    for node in tree.css("a[href]"):
        try:
            url = normalise_url(node.attributes.get("href") or "", page_url)
        except ValueError:
            continue
        if url not in urls:
            continue
        parent = node.parent
        for _ in range(5):
            if parent is None or parent.tag in ("body", "html"):
                break
            classes = (parent.attributes.get("class") or "").split()
            for name in classes:
                found.setdefault(f"{parent.tag}.{name} a[href]", None)
            if parent.attributes.get("id"):
                found.setdefault(f"#{parent.attributes['id']} a[href]", None)
            parent = parent.parent
    return list(found)


def selected_urls(tree: LexborHTMLParser, page_url: str, selector: str) -> set[str]:
    found: set[str] = set()
    try:
        nodes = tree.css(selector)
    except SelectolaxError:
        return found
    for node in nodes:
        try:
            found.add(normalise_url(node.attributes.get("href") or "", page_url))
        except ValueError:
            continue
    return found


# ---- pagination and feeds ----------------------------------------------------------------


@dataclass(frozen=True)
class NextPage:
    url: str
    evidence: str


def next_page(tree: LexborHTMLParser, page_url: str) -> NextPage | None:
    """The next listing page: rel=next, else a link whose words say "Next" ("التالي",
    "Older posts", "Suivant"), else a `.next` link."""
    node = tree.css_first("link[rel=next]")
    if node is not None and node.attributes.get("href"):
        return NextPage(normalise_url(node.attributes["href"] or "", page_url),
                        '<link rel="next">')
    links = page_links(tree, page_url)
    for link in links:
        if "next" in link.rel.split():
            return NextPage(link.url, f'a link with rel="next" ("{link.text}")')
    for link in links:
        words = link.text.strip(_ARROWS + " ").casefold()
        if words in NEXT_WORDS:
            return NextPage(link.url, f'a link reading "{link.text}"')
    for link in links:
        if "next" in link.classes.split():
            return NextPage(link.url, f'a link of class "next" ("{link.text}")')
    # A numbered pager: "›" alone, or the next number, leading to the next page number.
    here = _page_number(page_url)
    after = (here or 1) + 1
    for link in links:
        words = link.text.strip()
        if (_page_number(link.url) == after and words
                and (words == str(after) or not words.strip(_ARROWS + " "))):
            return NextPage(link.url, f'the pager\'s link "{words}" to page {after}')
    # Some themes call the older page "Previous" ("السابق", "Previous posts"): it is the
    # next page of the walk when its page number is above this page's.
    for link in links:
        words = link.text.strip(_ARROWS + " ").casefold()
        number = _page_number(link.url)
        if words in PREV_WORDS and number is not None and number > (here or 1):
            return NextPage(link.url, f'a link reading "{link.text}" to a higher page number')
    return None


def numbered(next_url: str) -> bool:
    """Whether a next link's URL counts pages or articles (`?page=2`, `/page/2/`,
    `?start=10`): a "More" link to a section's first page does not."""
    return _page_number(next_url) is not None or any(
        key.lower() in _OFFSET_QUERY_KEYS and value.isdigit()
        for key, value in parse_qsl(urlsplit(next_url).query))


def _page_number(url: str) -> int | None:
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in _PAGE_QUERY_KEYS and value.isdigit():
            return int(value)
    match = re.search(r"/(?:page|p)/(\d+)/?$", parts.path) or _NUMBERED_FILE.search(parts.path)
    return int(match.group(1)) if match else None


# A static site's numbered index files: /news/index_2.html, /news/list-3.htm (page 1 is
# often /news/ or index.html, with no number).
_NUMBERED_FILE = re.compile(r"/(?:index|list|page|news)[_-](\d+)\.(?:html?|php|aspx?)$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class PageTemplate:
    url: str  # with {page}
    first_page: int
    evidence: str


def page_template(listing_url: str, next_url: str) -> PageTemplate | None:
    """The listing's URL with `{page}`, from page 1's URL and its next page's: the number
    that counts pages (`?page=2`, `/page/2/`, a trailing `/2`). A next page numbered 1 means
    the site counts from 0 (Drupal's `?page=1` is the second page)."""
    parts = urlsplit(next_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in query:
        if key.lower() in _OFFSET_QUERY_KEYS and value.isdigit() and int(value) > 2:
            return None  # an offset: the walk follows next links instead
        if key.lower() in _PAGE_QUERY_KEYS and value.isdigit():
            number = int(value)
            kept = "&".join(f"{k}={v}" for k, v in query if k != key)
            base = next_url.split("?", 1)[0]
            template = f"{base}?{kept + '&' if kept else ''}{key}={{page}}"
            return PageTemplate(template, number - 1,
                                f"the next page is ?{key}={number}"
                                + (" (pages count from 0)" if number == 1 else ""))
    match = (re.search(r"/(page|p)/(\d+)/?$", parts.path) or re.search(r"/()(\d+)/?$", parts.path)
             or re.search(r"/(index|list|page|news)[_-](\d+)\.(?:html?|php|aspx?)$", parts.path,
                          re.IGNORECASE))
    if match and not urlsplit(listing_url).path.rstrip("/").endswith(match.group(0).rstrip("/")):
        number = int(match.group(2))
        start = match.start(2)
        path = parts.path[:start] + "{page}" + parts.path[match.end(2):]
        template = next_url.replace(parts.path, path, 1)
        return PageTemplate(template, number - 1, f"the next page is {parts.path}")
    return None


def feed_links(tree: LexborHTMLParser, page_url: str) -> list[tuple[str, str]]:
    """(URL, type) of each RSS/Atom feed the page advertises."""
    found = []
    for node in tree.css("link[rel=alternate]"):
        kind = (node.attributes.get("type") or "").lower()
        href = node.attributes.get("href")
        if href and kind in ("application/rss+xml", "application/atom+xml"):
            found.append((normalise_url(href, page_url), kind.split("/")[1].split("+")[0]))
    return found
