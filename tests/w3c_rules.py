"""The W3C Feed Validation Service's checks that matter for our feeds, run offline.

The service (github.com/w3c/feedvalidator) is not installable from PyPI and cannot be
reached from here, so these are its rules re-stated from its source, each named after the
message class it would report. Errors and warnings both count: a feed passes only with
none. Content HTML is parsed exactly as the service does, with html5lib in strict mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.entities import name2codepoint

from html5lib.html5parser import HTMLParser, ParseError
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_PREFIXES = {ATOM: "atom", CONTENT: "content", DC: "dc", MEDIA: "media"}

# Absolute URI, ASCII only (rfc2396_full -> InvalidFullLink / InvalidUriChar).
FULL_URI = re.compile(r"^[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
HTTP_URL = re.compile(r"^https?://([0-9]{1,3}(\.[0-9]{1,3}){3}|([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+"
                      r"|localhost)(:\d+)?(/|$)", re.I)
MIME = re.compile(r'^[^\s()<>,;:\\"/\[\]?=]+/[^\s()<>,;:\\"/\[\]?=]+'
                  r'(\s*;\s*[^\s()<>,;:\\"/\[\]?=]+=("(\\"|[^"])*"|[^\s()<>,;:\\"/\[\]?=]+))*$')
RFC2822 = re.compile(r"^((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|"
                     r"Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d(:\d\d)? ([+-]?\d\d[03]0|UT|GMT|Z)$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|[+-]\d\d:\d\d)$")
LANGUAGE = re.compile(r"^(ar|en|fr|fa|es|de|tr|ur|he|ku|ps)(-[A-Za-z0-9]+)*$")
BAD_CHARS = re.compile("[\x80-\x9f\ufffd]")
ATOM_RELS = {"alternate", "enclosure", "related", "self", "via", "license", "replies",
             "first", "last", "next", "previous", "hub", "edit", "edit-media", "payment",
             "current", "next-archive", "prev-archive", "search", "service", "up",
             "describedby"}
# HTML the service accepts in content without a SecurityRisk warning (a subset of its
# list: everything our sanitiser may emit).
SAFE_TAGS = {
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "u", "ul",
}
SAFE_ATTRIBUTES = {"alt", "cite", "colspan", "datetime", "dir", "height", "href", "hreflang",
                   "lang", "reversed", "rowspan", "scope", "src", "start", "title", "width"}
HTML_TAG_NAMES = SAFE_TAGS | {"script", "style", "iframe", "form", "input", "html", "body",
                              "head", "title", "meta", "link", "object", "embed", "span",
                              "button", "select", "textarea", "article", "section", "nav"}


class Problems(list[str]):
    def add(self, rule: str, where: str, detail: object = "") -> None:
        self.append(f"{rule} at {where}: {detail}" if detail != "" else f"{rule} at {where}")


# ---- shared rules ------------------------------------------------------------------------


def _parse(data: bytes, problems: Problems) -> etree._Element | None:
    declaration = data.split(b"?>")[0]
    if not data.startswith(b"<?xml") or (b"encoding='UTF-8'" not in declaration
                                         and b'encoding="UTF-8"' not in declaration):
        problems.add("NotUTF8", "xml declaration")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        problems.add("SAXError", "document", exc)
        return None


def _common(root: etree._Element, problems: Problems, *, atom_doc: bool) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        where = etree.QName(element).localname
        for prefix, uri in (element.nsmap or {}).items():
            if prefix is None:
                continue
            if uri not in STANDARD_PREFIXES:
                problems.add("UnknownNamespace", where, uri)
            elif STANDARD_PREFIXES[uri] != prefix:
                problems.add("NonstdPrefix", where, prefix)
            if atom_doc and uri == ATOM:
                problems.add("AvoidNamespacePrefix", where, prefix)
        texts = [element.text or "", *element.attrib.values()]
        if any(BAD_CHARS.search(t) for t in texts):
            problems.add("BadCharacters", where)
        lang = element.get(XML_LANG)
        if lang is not None and not LANGUAGE.match(lang):
            problems.add("InvalidLanguage", where, lang)


def _full_uri(value: str | None, problems: Problems, where: str) -> None:
    if not value or not FULL_URI.match(value):
        problems.add("InvalidFullLink", where, value)


def _rfc2822(value: str | None, problems: Problems, where: str, now: datetime) -> None:
    if not value or not RFC2822.match(value):
        problems.add("InvalidRFC2822Date", where, value)
        return
    when = parsedate_to_datetime(value)
    if "," in value and when.strftime("%a") != value[:3]:
        problems.add("IncorrectDOW", where, value)
    _plausible(when, problems, where, now)


def _rfc3339(value: str | None, problems: Problems, where: str, now: datetime) -> None:
    if not value or not RFC3339.match(value):
        problems.add("InvalidRFC3339Date", where, value)
        return
    _plausible(datetime.fromisoformat(value.replace("Z", "+00:00")), problems, where, now)


def _plausible(when: datetime, problems: Problems, where: str, now: datetime) -> None:
    if when.year < 1990 or when > now + timedelta(minutes=10):
        problems.add("ImplausibleDate", where, when.isoformat())


def _nonhtml(value: str | None, problems: Problems, where: str, *, rss: bool) -> None:
    """Plain-text elements: the service warns when they look like HTML (ContainsHTML)."""
    value = value or ""
    if any(t.lower() in HTML_TAG_NAMES for t in re.findall(r"</(\w+)>", value)):
        problems.add("ContainsHTML", where, value)
        return
    for name in re.findall(r"&(#?\w+)", value):
        if name in name2codepoint or name == "apos" or not name.isalpha():
            problems.add("ContainsHTML", where, value)
            return
    if rss and re.search(r"&#[x0-9]|<[/a-zA-Z]", value):
        problems.add("CharacterData", where, value)


def _safe_html(value: str | None, problems: Problems, where: str, *, rss: bool) -> None:
    """HTML content: parsed as the service parses it; tags, attributes and URLs vetted."""
    value = value or ""
    if "<?import " in value.lower():
        problems.add("SecurityRisk", where, "?import")
    try:
        fragment = HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(value)
    except ParseError as exc:
        problems.add("NotHtml", where, exc)
        return
    for node in fragment.iter():
        if not isinstance(node.tag, str) or node.tag == "DOCUMENT_FRAGMENT":
            continue
        if node.tag not in SAFE_TAGS:
            problems.add("SecurityRisk", where, node.tag)
        for name, attr_value in node.attrib.items():
            if name == "style":
                problems.add("DangerousStyleAttr", where, attr_value)
            elif name not in SAFE_ATTRIBUTES and not name.startswith("data-"):
                problems.add("SecurityRiskAttr", where, name)
            if name in ("href", "src"):
                ref = attr_value.strip()
                if rss and not re.match(r"\w+:", ref):
                    problems.add("ContainsRelRef", where, ref)
                if ref.lower().startswith(("javascript:", "data:", "vbscript:")):
                    problems.add("SecurityRisk", where, ref)
                if not ref.isascii() or " " in ref:
                    problems.add("InvalidUriChar", where, ref)


def _atom_link(link: etree._Element, problems: Problems, where: str) -> None:
    rel = link.get("rel", "alternate")
    if rel not in ATOM_RELS and not FULL_URI.match(rel):
        problems.add("UnregisteredAtomLinkRel", where, rel)
    if link.get("type") is not None and not MIME.match(link.get("type", "")):
        problems.add("InvalidMIMEType", where, link.get("type"))
    if link.get("hreflang") is not None and not LANGUAGE.match(link.get("hreflang", "")):
        problems.add("InvalidLanguage", where, link.get("hreflang"))
    if link.get("length") is not None and not link.get("length", "").isdigit():
        problems.add("InvalidNonNegativeInteger", where, link.get("length"))
    if (link.text or "").strip():
        problems.add("AtomLinkNotEmpty", where)
    href = link.get("href")
    if href is None:
        problems.add("MissingHref", where)
    else:
        _full_uri(href, problems, where + "/@href")
        if rel == "self" and link.get("type", "").split(";")[0] not in (
                "application/atom+xml", "application/rss+xml"):
            problems.add("SelfNotAtom", where, link.get("type"))


def _media_content(element: etree._Element, problems: Problems, where: str) -> None:
    _full_uri(element.get("url"), problems, where + "/@url")
    if element.get("type") and not MIME.match(element.get("type", "")):
        problems.add("InvalidMIMEAttribute", where, element.get("type"))
    if element.get("medium") not in (None, "image", "audio", "video", "document", "executable"):
        problems.add("InvalidMediaMedium", where, element.get("medium"))


def looks_canonical(uri: str) -> bool:
    """The service's NonCanonicalURI test, restated: RFC 3986 normal form."""
    match = re.match(r"^([a-z][a-z0-9+.-]*):(//([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$", uri)
    if not match or not uri.isascii():
        return False
    authority, path = match.group(3), match.group(4)
    if re.search(r"%[0-9A-F]?[a-f]|%[a-f][0-9A-F]", uri):
        return False  # lower-case hex in an escape
    if re.search(r"%(3[0-9]|4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|2D|2E|5F|7E)", uri):
        return False  # an unreserved character escaped
    if authority is not None:
        if authority != authority.lower() or re.search(r":(80|443)?$", authority):
            return False
        if path == "" or re.search(r"(^|/)\.\.?(/|$)", path):
            return False
    return True


# ---- RSS 2.0 ----------------------------------------------------------------------------


def check_rss(data: bytes, now: datetime | None = None) -> list[str]:
    now = now or datetime.now(UTC)
    problems = Problems()
    root = _parse(data, problems)
    if root is None:
        return problems
    _common(root, problems, atom_doc=False)
    if root.tag != "rss" or root.get("version") != "2.0":
        problems.add("InvalidRSSVersion", "rss", root.get("version"))
    channels = root.findall("channel")
    if len(channels) != 1:
        problems.add("MissingElement", "rss", "channel")
        return problems
    channel = channels[0]
    for required in ("title", "link", "description"):
        if channel.find(required) is None:
            problems.add("MissingElement", "channel", required)
    for name in ("title", "link", "description", "language", "lastBuildDate", "generator",
                 "docs", "ttl", "pubDate"):
        if len(channel.findall(name)) > 1:
            problems.add("DuplicateElement", "channel", name)
    _nonhtml(channel.findtext("title"), problems, "channel/title", rss=True)
    _nonhtml(channel.findtext("description"), problems, "channel/description", rss=True)
    _full_uri(channel.findtext("link"), problems, "channel/link")
    language = channel.findtext("language")
    if language is None or not LANGUAGE.match(language):
        problems.add("MissingDCLanguage" if language is None else "InvalidLanguage",
                     "channel/language", language)
    if channel.find("lastBuildDate") is not None:
        _rfc2822(channel.findtext("lastBuildDate"), problems, "channel/lastBuildDate", now)
    ttl = channel.findtext("ttl")
    if ttl is not None and not (ttl.isdigit() and int(ttl) > 0):
        problems.add("InvalidPositiveInteger", "channel/ttl", ttl)
    self_links = [link for link in channel.findall(f"{{{ATOM}}}link")
                  if link.get("rel") == "self"]
    if not self_links:
        problems.add("MissingAtomSelfLink", "channel")
    for link in channel.findall(f"{{{ATOM}}}link"):
        _atom_link(link, problems, "channel/atom:link")
    seen_item = False
    for child in channel:
        if child.tag == "item":
            seen_item = True
        elif seen_item:
            problems.add("MisplacedItem", "channel", child.tag)
    guids: set[str] = set()
    for index, item in enumerate(channel.findall("item")):
        _rss_item(item, problems, f"item[{index}]", guids, now)
    return problems


def _rss_item(item: etree._Element, problems: Problems, where: str, guids: set[str],
              now: datetime) -> None:
    names = [child.tag for child in item if isinstance(child.tag, str)]
    for name in ("title", "link", "description", "pubDate", "guid", f"{{{CONTENT}}}encoded",
                 "enclosure", "author", "comments", "source"):
        if names.count(name) > 1:
            problems.add("DuplicateEnclosure" if name == "enclosure" else "DuplicateElement",
                         where, name)
    if "title" not in names and "description" not in names:
        problems.add("ItemMustContainTitleOrDescription", where)
    for core, ext in (("author", f"{{{DC}}}creator"), ("category", f"{{{DC}}}subject"),
                      ("pubDate", f"{{{DC}}}date"), ("guid", f"{{{ATOM}}}id")):
        if core in names and ext in names:
            problems.add("DuplicateItemSemantics", where, f"{core} + {ext}")
    if f"{{{CONTENT}}}encoded" in names and (
            "description" not in names
            or names.index("description") > names.index(f"{{{CONTENT}}}encoded")):
        problems.add("NeedDescriptionBeforeContent", where)
    title = item.findtext("title")
    if title is not None:
        if not title.strip():
            problems.add("NotBlank", where + "/title")
        _nonhtml(title, problems, where + "/title", rss=True)
    if item.find("link") is not None:
        _full_uri(item.findtext("link"), problems, where + "/link")
    if item.find("description") is not None:
        _safe_html(item.findtext("description"), problems, where + "/description", rss=True)
    if item.find(f"{{{CONTENT}}}encoded") is not None:
        _safe_html(item.findtext(f"{{{CONTENT}}}encoded"), problems, where + "/content",
                   rss=True)
    if item.find("pubDate") is not None:
        _rfc2822(item.findtext("pubDate"), problems, where + "/pubDate", now)
    guid = item.find("guid")
    if guid is None:
        problems.add("MissingGuid", where)
    else:
        value = (guid.text or "").strip()
        permalink = guid.get("isPermaLink", "true")
        if permalink not in ("true", "false"):
            problems.add("InvalidBooleanAttribute", where + "/guid", permalink)
        if permalink == "true":
            if not HTTP_URL.match(value) or not FULL_URI.match(value):
                problems.add("InvalidHttpGUID", where + "/guid", value)
            if value.lower().startswith(("tag:", "urn:uuid:")):
                problems.add("InvalidPermalink", where + "/guid", value)
        elif len(value) < 9 and value.isdigit():
            problems.add("NotSufficientlyUnique", where + "/guid", value)
        if not value:
            problems.add("NotBlank", where + "/guid")
        if value in guids:
            problems.add("DuplicateValue", where + "/guid", value)
        guids.add(value)
    for category in item.findall("category"):
        if not (category.text or "").strip():
            problems.add("NotBlank", where + "/category")
        _nonhtml(category.text, problems, where + "/category", rss=True)
    for enclosure in item.findall("enclosure"):
        url = enclosure.get("url")
        if url is None or not HTTP_URL.match(url) or not FULL_URI.match(url):
            problems.add("InvalidURLAttribute", where + "/enclosure", url)
        length = enclosure.get("length")
        if length is None:
            problems.add("MissingAttribute", where + "/enclosure", "length")
        elif not re.fullmatch(r"-?\d+", length):
            problems.add("InvalidIntegerAttribute", where + "/enclosure", length)
        elif int(length) < 0:
            problems.add("UseZeroForUnknown" if length == "-1" else "InvalidNonNegativeInteger",
                         where + "/enclosure", length)
        if enclosure.get("type") is None or not MIME.match(enclosure.get("type", "")):
            problems.add("InvalidMIMEAttribute", where + "/enclosure", enclosure.get("type"))
    for link in item.findall(f"{{{ATOM}}}link"):
        _atom_link(link, problems, where + "/atom:link")
    for media in item.findall(f"{{{MEDIA}}}content"):
        _media_content(media, problems, where + "/media:content")
    for creator in item.findall(f"{{{DC}}}creator"):
        if not (creator.text or "").strip():
            problems.add("NotBlank", where + "/dc:creator")


# ---- Atom 1.0 ---------------------------------------------------------------------------


def check_atom(data: bytes, now: datetime | None = None) -> list[str]:
    now = now or datetime.now(UTC)
    problems = Problems()
    root = _parse(data, problems)
    if root is None:
        return problems
    _common(root, problems, atom_doc=True)
    a = f"{{{ATOM}}}"
    if root.tag != a + "feed":
        problems.add("UndefinedElement", "document", root.tag)
        return problems
    if root.get(XML_LANG) is None:
        problems.add("MissingDCLanguage", "feed", "xml:lang")
    for required in ("id", "title", "updated"):
        if root.find(a + required) is None:
            problems.add("MissingElement", "feed", required)
    for name in ("id", "title", "updated", "subtitle", "generator", "icon", "logo", "rights"):
        if len(root.findall(a + name)) > 1:
            problems.add("DuplicateElement", "feed", name)
    feed_id = root.findtext(a + "id") or ""
    _full_uri(feed_id, problems, "feed/id")
    if not looks_canonical(feed_id):
        problems.add("NonCanonicalURI", "feed/id", feed_id)
    _rfc3339(root.findtext(a + "updated"), problems, "feed/updated", now)
    _atom_text(root.find(a + "title"), problems, "feed/title")
    if root.find(a + "subtitle") is not None:
        _atom_text(root.find(a + "subtitle"), problems, "feed/subtitle")
    generator = root.find(a + "generator")
    if generator is not None and not (generator.text or "").strip():
        problems.add("NotBlank", "feed/generator")
    links = root.findall(a + "link")
    if not any(link.get("rel") == "self" for link in links):
        problems.add("MissingSelf", "feed")
    _unique_links(links, problems, "feed", by_rel=True)
    for link in links:
        _atom_link(link, problems, "feed/link")
    feed_author = root.find(a + "author") is not None
    for author in root.findall(a + "author"):
        _atom_person(author, problems, "feed/author")
    entries = root.findall(a + "entry")
    first_entry = next((i for i, c in enumerate(root) if c.tag == a + "entry"), len(root))
    for child in list(root)[first_entry:]:
        if child.tag != a + "entry":
            problems.add("MisplacedMetadata", "feed", child.tag)
    if not entries and not feed_author:
        problems.add("MissingElement", "feed", "author")
    ids: set[str] = set()
    for index, entry in enumerate(entries):
        _atom_entry(entry, problems, f"entry[{index}]", ids, feed_author, now)
    # DuplicateUpdated (a warning): "Two entries with the same value for atom:updated".
    updated = [(entry.findtext(a + "updated") or "").strip() for entry in entries]
    for index, value in enumerate(updated):
        if value and value in updated[:index]:
            problems.add("DuplicateUpdated", f"entry[{index}]/updated", value)
    return problems


def _atom_entry(entry: etree._Element, problems: Problems, where: str, ids: set[str],
                feed_author: bool, now: datetime) -> None:
    a = f"{{{ATOM}}}"
    for required in ("id", "title", "updated"):
        if entry.find(a + required) is None:
            problems.add("MissingElement", where, required)
    for name in ("id", "title", "updated", "published", "content", "summary", "rights"):
        if len(entry.findall(a + name)) > 1:
            problems.add("DuplicateElement", where, name)
    if entry.find(a + "author") is None and not feed_author:
        problems.add("MissingElement", where, "author")
    for author in entry.findall(a + "author"):
        _atom_person(author, problems, where + "/author")
    entry_id = entry.findtext(a + "id") or ""
    _full_uri(entry_id, problems, where + "/id")
    if not looks_canonical(entry_id):
        problems.add("NonCanonicalURI", where + "/id", entry_id)
    if entry_id in ids:
        problems.add("DuplicateEntries", where + "/id", entry_id)
    ids.add(entry_id)
    _rfc3339(entry.findtext(a + "updated"), problems, where + "/updated", now)
    if entry.find(a + "published") is not None:
        _rfc3339(entry.findtext(a + "published"), problems, where + "/published", now)
    _atom_text(entry.find(a + "title"), problems, where + "/title")
    content = entry.find(a + "content")
    summary = entry.find(a + "summary")
    if summary is not None:
        _atom_text(summary, problems, where + "/summary")
    links = entry.findall(a + "link")
    if content is None:
        if summary is None:
            problems.add("MissingTextualContent", where)
        if not any(link.get("rel", "alternate") == "alternate" for link in links):
            problems.add("MissingContentOrAlternate", where)
    else:
        _atom_text(content, problems, where + "/content")
        if content.get("src") is not None and summary is None:
            problems.add("MissingTextualContent", where)
    _unique_links([link for link in links if link.get("rel", "alternate") == "alternate"],
                  problems, where, by_rel=False)
    for link in links:
        _atom_link(link, problems, where + "/link")
    for category in entry.findall(a + "category"):
        if category.get("term") is None:
            problems.add("MissingAttribute", where + "/category", "term")
        if category.get("label") is not None:
            _nonhtml(category.get("label"), problems, where + "/category/@label", rss=False)
    for media in entry.findall(f"{{{MEDIA}}}content"):
        _media_content(media, problems, where + "/media:content")


def _atom_text(element: etree._Element | None, problems: Problems, where: str) -> None:
    if element is None:
        return
    kind = element.get("type", "text")
    if kind not in ("text", "html", "xhtml"):
        problems.add("InvalidTextType", where, kind)
    if len(element):
        problems.add("UndefinedElement", where, element[0].tag)
    if kind == "html":
        _safe_html(element.text, problems, where, rss=False)
    else:
        _nonhtml(element.text, problems, where, rss=False)
    if not (element.text or "").strip():
        problems.add("NotBlank", where)


def _atom_person(element: etree._Element, problems: Problems, where: str) -> None:
    name = element.findtext(f"{{{ATOM}}}name")
    if not (name or "").strip():
        problems.add("MissingElement", where, "name")
    _nonhtml(name, problems, where + "/name", rss=False)


def _unique_links(links: Iterable[etree._Element], problems: Problems, where: str, *,
                  by_rel: bool) -> None:
    seen: set[tuple[str, str, str]] = set()
    for link in links:
        key = (link.get("rel", "alternate") if by_rel else "", link.get("type", ""),
               link.get("hreflang", ""))
        if key in seen:
            problems.add("DuplicateAtomLink", where, key)
        seen.add(key)


# ---- JSON Feed 1.1 and OPML -------------------------------------------------------------


def check_json_feed(data: bytes) -> list[str]:
    """JSON Feed 1.1 as its specification words it (the W3C service does not read JSON)."""
    problems = Problems()
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add("InvalidJSON", "document", exc)
        return problems
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.add("InvalidVersion", "feed", feed.get("version"))
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.add("MissingTitle", "feed")
    for key in ("home_page_url", "feed_url"):
        if key in feed:
            _full_uri(feed[key], problems, key)
    if not isinstance(feed.get("items"), list):
        problems.add("MissingItems", "feed")
        return problems
    ids: set[str] = set()
    for index, item in enumerate(feed["items"]):
        where = f"items[{index}]"
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.add("MissingId", where)
        elif item["id"] in ids:
            problems.add("DuplicateId", where, item["id"])
        else:
            ids.add(item["id"])
        if "content_html" not in item and "content_text" not in item:
            problems.add("MissingContent", where)
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.match(item[key]):
                problems.add("InvalidDate", f"{where}/{key}", item[key])
        for key in ("url", "image"):
            if key in item:
                _full_uri(item[key], problems, f"{where}/{key}")
        for key in item:
            known = {"id", "url", "external_url", "title", "content_html", "content_text",
                     "summary", "image", "banner_image", "date_published", "date_modified",
                     "authors", "tags", "language", "attachments"}
            if key not in known and not key.startswith("_"):
                problems.add("UnknownKey", where, key)
    return problems


def check_opml(data: bytes) -> list[str]:
    problems = Problems()
    root = _parse(data, problems)
    if root is None:
        return problems
    if root.tag != "opml" or root.get("version") not in ("1.0", "1.1", "2.0"):
        problems.add("InvalidOPMLVersion", "opml", root.get("version"))
    if root.find("head") is None or root.find("body") is None:
        problems.add("MissingElement", "opml", "head/body")
    for outline in root.iter("outline"):
        if outline.get("text") is None:
            problems.add("MissingAttribute", "outline", "text")
        kind = outline.get("type")
        if kind == "rss":
            if outline.get("xmlUrl") is None:
                problems.add("MissingXmlURL", "outline")
            if outline.get("title") is None:
                problems.add("MissingTitleAttr", "outline")
            _full_uri(outline.get("xmlUrl"), problems, "outline/@xmlUrl")
            if outline.get("htmlUrl") is not None:
                _full_uri(outline.get("htmlUrl"), problems, "outline/@htmlUrl")
        elif kind is None and len(outline.attrib) > 1:
            problems.add("MissingOutlineType", "outline")
        if outline.get("version") not in (None, "RSS", "RSS1", "RSS2", "scriptingNews"):
            problems.add("InvalidOutlineVersion", "outline", outline.get("version"))
    return problems
