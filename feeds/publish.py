"""Write every feed, the index page and the OPML list into the output directory, atomically.

A file is replaced (write, fsync, rename) only when its bytes change, so an unchanged feed
keeps its mtime and ETag and a reader never sees half a file.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from string import Template
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from feeds.models import RTL_LANGUAGES, Kind
from feeds.pages import FeedLink, FeedPage, latest_html, render_feed_page, stylesheet
from feeds.render import FeedSpec, RenderedFeed, SourceMeta, feed_language_tag, render_all
from feeds.sanitize import canonical_uri, plain_text
from feeds.store import ArticleStore

log = logging.getLogger(__name__)

FORMATS: tuple[tuple[str, str, str], ...] = (
    # (format, file name, media type)
    ("rss", "rss.xml", "application/rss+xml"),
    ("atom", "atom.xml", "application/atom+xml"),
    ("json", "feed.json", "application/feed+json"),
)
FORMAT_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


@dataclass(frozen=True)
class FeedTexts:
    """A feed's title and description in one language; `{name}` is the organisation."""

    title: str
    description: str
    campaigns_title: str
    campaigns_description: str


DEFAULT_TEXTS: dict[str, FeedTexts] = {
    "ar": FeedTexts(
        title="{name} — آخر الأخبار",
        description="آخر أخبار {name} وبياناتها وتقاريرها بالعربية",
        campaigns_title="{name} — نداءات التحرك",
        campaigns_description="نداءات التحرك وحملات {name}: ما يمكنك فعله الآن",
    ),
    "en": FeedTexts(
        title="{name} — latest news",
        description="Latest news, statements and reports from {name}, in English",
        campaigns_title="{name} — campaign calls",
        campaigns_description="Campaign calls from {name}: what you can do now",
    ),
}

# Words of the index page, per language; a language without its own falls back to English.
PAGE_TEXTS: dict[str, dict[str, str]] = {
    "ar": {
        "language": "العربية",
        "heading": "خلاصات {name}",
        "intro": "تابع الأخبار ونداءات التحرك في قارئ الخلاصات الذي تفضّله، أو على تيليغرام.",
        "all": "كل الأخبار",
        "all_hint": "الأخبار والبيانات والتقارير، الأحدث أولاً.",
        "campaigns": "نداءات التحرك",
        "campaigns_hint": "الحملات وما يمكنك فعله الآن.",
        "digest": "الموجز",
        "digest_hint": "موجز دوري بمقالات كل فترة، نداءات التحرك أولاً.",
        "telegram": "قناة تيليغرام",
        "source": "المصدر: {name}",
        "opml": "كل الخلاصات في ملف OPML",
        "how": "انسخ رابط الخلاصة والصقه في قارئ الخلاصات.",
    },
    "en": {
        "language": "English",
        "heading": "{name} feeds",
        "intro": "Follow news and campaign calls in your feed reader, or on Telegram.",
        "all": "All news",
        "all_hint": "News, statements and reports, newest first.",
        "campaigns": "Campaign calls",
        "campaigns_hint": "Campaigns and what you can do now.",
        "digest": "Digest",
        "digest_hint": "One summary of each period's articles, campaign calls first.",
        "telegram": "Telegram channel",
        "source": "Source: {name}",
        "opml": "All feeds as OPML",
        "how": "Copy a feed link and paste it into your feed reader.",
    },
}
LANGUAGE_NAMES = {"ar": "العربية", "en": "English", "fr": "Français", "fa": "فارسی",
                  "es": "Español", "de": "Deutsch", "tr": "Türkçe", "ur": "اردو",
                  "ckb": "کوردی", "ps": "پښتو", "he": "עברית",
                  # Languages feeds.language tells apart since blind batch 3 (all left to right).
                  "it": "Italiano", "nl": "Nederlands", "id": "Bahasa Indonesia",
                  "ms": "Bahasa Melayu", "so": "Soomaali", "kmr": "Kurmancî", "kab": "Taqbaylit",
                  "ru": "Русский", "am": "አማርኛ", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}


@dataclass(frozen=True)
class SourceInfo:
    """One source as the feeds present it."""

    name: str
    title: str
    url: str = ""
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteInfo:
    """What the published site needs to know; the bot fills it from its configuration."""

    base_url: str  # public URL of the output directory, ending in "/"
    organisation: str
    sources: tuple[SourceInfo, ...] = ()
    max_items: int = 50
    telegram: Mapping[str, str] = field(default_factory=dict)  # lang ("*" = all) -> t.me URL
    names: Mapping[str, str] = field(default_factory=dict)  # organisation name per language
    texts: Mapping[str, FeedTexts] = field(default_factory=dict)  # overrides DEFAULT_TEXTS
    home_url: str = ""  # the organisation's site; defaults to the first source's URL
    cache_seconds: int = 300  # how often readers may poll; becomes the RSS <ttl>
    websub_hub: str = ""  # the WebSub hub every feed names; "" for none
    timezone: str = "UTC"  # the organisation's: the pages show dates as its days

    def name_in(self, lang: str) -> str:
        return self.names.get(lang) or self.organisation

    def texts_in(self, lang: str) -> FeedTexts:
        return self.texts.get(lang) or DEFAULT_TEXTS.get(lang) or DEFAULT_TEXTS["en"]

    def telegram_in(self, lang: str) -> str | None:
        return self.telegram.get(lang) or self.telegram.get("*")

    def published_languages(self) -> frozenset[str]:
        """Languages a source lists or a channel names; empty when the site declares none."""
        return frozenset([*(lang for s in self.sources for lang in s.languages),
                          *(lang for lang in self.telegram if lang != "*")])

    def base(self) -> str:
        """`base_url` with its closing slash, whatever the caller gave."""
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"

    def home(self) -> str:
        return self.home_url or next((s.url for s in self.sources if s.url), "") or self.base_url


@dataclass(frozen=True)
class FeedFile:
    """One published feed file, as the index page and the OPML list show it."""

    path: str  # relative to the output directory: "ar/campaigns/atom.xml"
    url: str  # absolute public URL
    format: str  # "rss" | "atom" | "json"
    media_type: str
    lang: str
    campaigns: bool
    source: str | None  # None: all sources together
    title: str
    home_url: str
    digest: bool = False  # a `{lang}/digest/` feed (feeds/digest_feed.py)


class PublishError(OSError):
    """A file of the output directory could not be written (a full disk, no permission);
    the message is one line naming the file, and the previous file is left as it was."""


@dataclass
class PublishResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    feeds: list[FeedFile] = field(default_factory=list)
    changed_feeds: list[FeedFile] = field(default_factory=list)  # rewritten: the hub is told
    pages: list[FeedPage] = field(default_factory=list)  # one per feed, by write_pages


def telegram_url(chat: str) -> str | None:
    """The public link of a channel given as "@name" or a t.me URL; None for numeric ids."""
    chat = chat.strip()
    if chat.startswith("@") and len(chat) > 1:
        return f"https://t.me/{chat[1:]}"
    if chat.startswith(("https://t.me/", "http://t.me/")):
        return "https://" + chat.split("://", 1)[1]
    return None


def feed_urls(site: SiteInfo, directory: str) -> dict[str, str]:
    """The public URL of each format's file in `directory` ("ar/", "en/digest/")."""
    return {fmt: site.base() + directory + name for fmt, name, _ in FORMATS}


def add_feed(output_dir: Path, result: PublishResult, rendered: RenderedFeed,
             urls: Mapping[str, str], page: FeedPage, *, home_url: str) -> None:
    """Write one rendered feed's three files (an unchanged one is left alone) and record them
    in `result`: the feeds the index page and OPML list, those rewritten (the hub is told of
    them), and the feed's page. `page` gives the feed's description; its links and entries
    are filled in here."""
    links = tuple(FeedLink(FORMAT_LABELS[fmt], media_type, page.directory + name,
                           canonical_uri(urls[fmt])) for fmt, name, media_type in FORMATS)
    result.pages.append(replace(page, links=links, entries=rendered.entries))
    for fmt, name, media_type in FORMATS:
        feed = FeedFile(path=page.directory + name, url=canonical_uri(urls[fmt]), format=fmt,
                        media_type=media_type, lang=page.lang, campaigns=page.campaigns,
                        source=page.source, title=page.title, home_url=home_url,
                        digest=page.digest)
        result.feeds.append(feed)
        if _write(output_dir / feed.path, getattr(rendered, fmt), result):
            result.changed_feeds.append(feed)


def publish_feeds(store: ArticleStore, site: SiteInfo, output_dir: Path, *,
                  pages: bool = True) -> PublishResult:
    """Render and write every feed, and (unless `pages` is False: the caller adds feeds of
    its own first, then calls `write_pages`) their pages, index.html and feeds.opml; touch
    only changed files."""
    started = time.monotonic()
    result = PublishResult()
    output_dir.mkdir(parents=True, exist_ok=True)
    _remove_temporaries(output_dir)
    translation_urls: dict[str, str | None] = {}

    for group in _groups(store, site):
        articles = store.latest(lang=group.lang, source=group.source,
                                kind=Kind.CAMPAIGN if group.campaigns else None,
                                limit=site.max_items)
        for article in articles:
            for key in article.translations.values():
                if key not in translation_urls:
                    other = store.get(key)
                    translation_urls[key] = other.url if other else None
        known = {k: u for k, u in translation_urls.items() if u is not None}
        urls = feed_urls(site, group.directory)
        spec = FeedSpec(
            title=group.title, description=group.description, lang=group.lang,
            home_url=group.home_url, rss_url=urls["rss"], atom_url=urls["atom"],
            json_url=urls["json"], author=group.author, sources=_metas(site, group.lang),
            ttl_minutes=max(1, site.cache_seconds // 60), hub_url=site.websub_hub,
        )
        add_feed(output_dir, result, render_all(spec, articles, known), urls, FeedPage(
            directory=group.directory, lang=group.lang, title=group.title,
            description=group.description, campaigns=group.campaigns, source=group.source,
            links=(), entries=(), telegram=site.telegram_in(group.lang),
            timezone=site.timezone), home_url=group.home_url)

    if pages:
        write_pages(site, output_dir, result)
    log.info("publish feeds=%d written=%d unchanged=%d ms=%d", len(result.feeds),
             len(result.written), len(result.unchanged), (time.monotonic() - started) * 1000)
    return result


def write_pages(site: SiteInfo, output_dir: Path, result: PublishResult) -> None:
    """The page of every feed in `result`, index.html and feeds.opml."""
    # A page per feed, so a visitor who follows a feed's directory reads instead of XML.
    for page in result.pages:
        siblings = [p for p in result.pages if p.source == page.source]
        _write(output_dir / page.path, render_feed_page(page, siblings, LANGUAGE_NAMES), result)
    latest = {p.lang: p for p in result.pages
              if p.source is None and not p.campaigns and not p.digest}
    _write(output_dir / "index.html", render_index(site, result.feeds, latest), result)
    _write(output_dir / "feeds.opml", render_opml(site, result.feeds), result)


# ---- which feeds ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    directory: str  # "ar/", "ar/campaigns/", "alqst/ar/"
    lang: str
    source: str | None
    campaigns: bool
    title: str
    description: str
    author: str
    home_url: str


def _metas(site: SiteInfo, lang: str) -> tuple[SourceMeta, ...]:
    """The sources as a feed in `lang` names them: the organisation's own source (the only
    one, or one titled with the organisation's name) by the organisation's name in `lang`."""
    own = {site.organisation, *site.names.values()}
    return tuple(SourceMeta(s.name, site.names[lang] if lang in site.names and (
        len(site.sources) == 1 or s.title in own) else s.title, s.url, s.categories)
        for s in site.sources)


def _groups(store: ArticleStore, site: SiteInfo) -> list[_Group]:
    groups: list[_Group] = []
    for lang in _languages(store, site, None):
        texts = site.texts_in(lang)
        name = site.name_in(lang)
        groups += _pair(f"{lang}/", lang, None, texts, name, name, site.home())
    if len(site.sources) > 1:
        for source in site.sources:
            for lang in _languages(store, site, source):
                groups += _pair(f"{source.name}/{lang}/", lang, source.name, site.texts_in(lang),
                                source.title, source.title, source.url or site.home())
    return groups


def _pair(directory: str, lang: str, source: str | None, texts: FeedTexts, name: str,
          author: str, home: str) -> list[_Group]:
    return [
        _Group(directory, lang, source, False, texts.title.format(name=name),
               texts.description.format(name=name), author, home),
        _Group(directory + "campaigns/", lang, source, True,
               texts.campaigns_title.format(name=name),
               texts.campaigns_description.format(name=name), author, home),
    ]


def _languages(store: ArticleStore, site: SiteInfo, source: SourceInfo | None) -> list[str]:
    """Declared languages first, in declaration order, then the others the store holds that
    the site publishes: an English half of a bilingual page from an Arabic-only source gets
    the English feed, a Persian post found on an Arabic listing gets none until configured.
    """
    declared = [lang for s in ([source] if source else site.sources) for lang in s.languages]
    stored = store.languages(source.name if source else None)
    published = site.published_languages()
    if published:
        stored = [lang for lang in stored if lang in published]
    return list(dict.fromkeys([*declared, *stored]))


# ---- index page and OPML ----------------------------------------------------------------


def render_index(site: SiteInfo, feeds: Sequence[FeedFile],
                 latest: Mapping[str, FeedPage] | None = None) -> bytes:
    """A bilingual index page: every feed with its subscribe links, Telegram, autodiscovery;
    under them, the newest items of each language from its page in `latest`."""
    langs = list(dict.fromkeys(f.lang for f in feeds))
    page_lang = "en" if "en" in langs or not langs else langs[0]
    esc = html.escape
    autodiscovery = "\n".join(
        f'<link rel="alternate" type="{f.media_type}" title="{esc(_feed_label(f))}" '
        f'hreflang="{esc(f.lang)}" href="{esc(f.path)}">'
        for f in feeds)
    title = " · ".join(dict.fromkeys(
        _page_text(lang)["heading"].format(name=site.name_in(lang)) for lang in langs
    )) or site.organisation
    header = [f"<h1>{esc(title)}</h1>"]
    if langs:
        header.append('<nav class="languages">' + "".join(
            f'<a href="#{esc(lang)}" hreflang="{esc(lang)}" lang="{esc(lang)}">'
            f"{esc(LANGUAGE_NAMES.get(lang, lang))}</a>" for lang in langs) + "</nav>")
    sections = [_index_section(site, lang, [f for f in feeds if f.lang == lang],
                               (latest or {}).get(lang))
                for lang in langs]
    footer = " · ".join(
        f'<a href="feeds.opml" type="text/x-opml" lang="{lang}" dir="{_dir(lang)}">'
        f"{esc(_page_text(lang)['opml'])}</a>" for lang in langs) or \
        '<a href="feeds.opml" type="text/x-opml">OPML</a>'
    template = Template((Path(__file__).parent / "templates" / "index.html").read_text("utf-8"))
    page = template.substitute(
        page_lang=page_lang, page_dir=_dir(page_lang), title=esc(title),
        autodiscovery=autodiscovery, header="\n".join(header), sections="\n".join(sections),
        footer=footer, style=stylesheet())
    return page.encode("utf-8")


def _index_section(site: SiteInfo, lang: str, feeds: Sequence[FeedFile],
                   latest: FeedPage | None = None) -> str:
    esc = html.escape
    words = _page_text(lang)
    text_lang = lang if lang in PAGE_TEXTS else "en"
    parts = [f'<section class="language" id="{esc(lang)}" lang="{text_lang}" '
             f'dir="{_dir(text_lang)}">',
             f"<h2>{esc(LANGUAGE_NAMES.get(lang, lang))}</h2>",
             f"<p>{esc(words['intro'])} {esc(words['how'])}</p>"]
    channel = site.telegram_in(lang)
    if channel:
        parts.append(f'<p class="telegram"><a href="{esc(channel)}" rel="me">'
                     f"{esc(words['telegram'])}</a> "
                     f'<bdi dir="ltr">{esc(channel.split("://", 1)[-1])}</bdi></p>')
    for source in dict.fromkeys(f.source for f in feeds):
        # All news, campaign calls, then the digest: each a group of its own.
        for campaigns, digest in ((False, False), (True, False), (False, True)):
            group = [f for f in feeds if f.source == source and f.campaigns == campaigns
                     and f.digest == digest]
            if not group:
                continue
            kind = "digest" if digest else "campaigns" if campaigns else "all"
            heading = esc(words[kind])
            hint = words[f"{kind}_hint"]
            if source is not None:
                title = next((s.title for s in site.sources if s.name == source), source)
                # <bdi> keeps a Latin source name inside Arabic text (or the reverse) in its
                # own direction.
                heading += " — " + esc(words["source"]).replace("{name}",
                                                                f"<bdi>{esc(title)}</bdi>")
            primary = group[0]
            parts.append('<div class="feed">')
            page = primary.path.rsplit("/", 1)[0] + "/"  # the feed's own page (feeds/pages.py)
            parts.append(f'<h3><a href="{esc(page)}">{heading}</a></h3>')
            parts.append(f"<p>{esc(hint)}</p>")
            parts.append('<ul class="formats">' + "".join(
                f'<li><a href="{esc(f.path)}" type="{f.media_type}" '
                f'title="{esc(f.title)} ({FORMAT_LABELS[f.format]})">'
                f"{FORMAT_LABELS[f.format]}</a></li>" for f in group) + "</ul>")
            parts.append(f'<code class="url" dir="ltr">{esc(primary.url)}</code>')
            parts.append("</div>")
            if latest is not None and source is None and kind == "all":
                # The newest items right under the feed they come from.
                parts.append(latest_html(latest.entries, lang, latest.directory,
                                         ZoneInfo(latest.timezone)))
    parts.append("</section>")
    return "\n".join(parts)


def render_opml(site: SiteInfo, feeds: Sequence[FeedFile]) -> bytes:
    """Every feed once (its RSS file), grouped by language, for readers' OPML import."""
    title = " · ".join(dict.fromkeys(
        _page_text(lang)["heading"].format(name=site.name_in(lang))
        for lang in dict.fromkeys(f.lang for f in feeds))) or site.organisation
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             f"    <title>{html.escape(plain_text(title), quote=False)}</title>", "  </head>",
             "  <body>"]
    for lang in dict.fromkeys(f.lang for f in feeds):
        lines.append(f"    <outline text={quoteattr(LANGUAGE_NAMES.get(lang, lang))}>")
        for f in feeds:
            if f.lang != lang or f.format != "rss":
                continue
            label = plain_text(f.title)
            lines.append(
                f"      <outline type=\"rss\" version=\"RSS2\" text={quoteattr(label)} "
                f"title={quoteattr(label)} xmlUrl={quoteattr(f.url)} "
                f"htmlUrl={quoteattr(canonical_uri(f.home_url))} "
                f"language={quoteattr(feed_language_tag(lang))}/>")
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def _feed_label(feed: FeedFile) -> str:
    return f"{feed.title} ({FORMAT_LABELS[feed.format]})"


def _page_text(lang: str) -> dict[str, str]:
    return PAGE_TEXTS.get(lang, PAGE_TEXTS["en"])


def _dir(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


# ---- atomic writes ----------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` unless it already holds exactly that; True if written.

    The new bytes go to a hidden temporary file in the same directory, are fsynced, then
    renamed over the old file: readers see the old or the new file, never a mix, and a
    failure leaves the old file as it was.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes 0600 files; a web server running as another user must read them.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)
    return True


def _remove_temporaries(output_dir: Path) -> None:
    """Delete the temporaries of writes that were killed before their rename.

    They are never served (dot-files are refused) but would pile up. A directory has one
    publisher at a time, so any found before publishing starts is stale.
    """
    names = tuple(f".{name}." for name in (*(n for _, n, _ in FORMATS), "index.html",
                                            "feeds.opml"))
    for leftover in output_dir.rglob(".*.tmp"):
        if leftover.name.startswith(names):
            with suppress(FileNotFoundError):
                leftover.unlink()
                log.info("removed %s, left by an interrupted write", leftover)


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write(path: Path, data: bytes, result: PublishResult) -> bool:
    try:
        written = write_atomic(path, data)
    except OSError as exc:
        raise PublishError(f"publish: cannot write {path}: {exc.strerror or exc}; the previous "
                           "file is unchanged") from None
    (result.written if written else result.unchanged).append(path)
    return written
