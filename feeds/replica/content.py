"""What the replica of alqst.org says: its posts (from the seed dumps, hand-made, synthetic
archive) and the HTML of every page, rendered on request. The words live in `content/`."""

from __future__ import annotations

import datetime as dt
import functools
import html
import random
import re
import struct
import threading
import tomllib
import zlib
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

LANGS = ("en", "ar")
KINDS = ("news", "campaign", "statement")
META_CHARSET = '<meta charset="utf-8">'

UPR_ID, CONFERENCE_ID, LETTER_ID, MENA_ID = 930, 100, 500, 600
UPR_SLUG = "alqst-and-global-citizen-launch-campaign-on-saudi-arabias-upr-recommendations"
CONFERENCE_SLUG = "alqst-holds-its-first-conference-in-london"
LETTER_SLUG = "global-call-for-international-human-rights-monitoring-mechanisms-on-china"
MENA_SLUG = "new-mena-coalition-to-combat-digital-surveillance"
UPR_TITLE = "ALQST and Global Citizen launch campaign on Saudi Arabia's UPR recommendations"
CONFERENCE_TITLE = "القسط تعقد مؤتمرها الأول في لندن"
LETTER_TITLE = "نداء عالمي من أجل آليات دولية لمراقبة حقوق الإنسان بشأن الصين"
MENA_TITLE = "New Middle East and North Africa Coalition to Combat Digital Surveillance"
LETTER_DATE, MENA_DATE = dt.date(2020, 9, 9), dt.date(2021, 6, 7)
_FIRST_RECENT_ID = 1191  # hand-made 2026 posts start here; the archive stays below
# The site's own ids leave room for 1177 archive posts. Beyond those (load benchmarks want
# 10,000), archive posts get ids above _OLDER_BASE and are older than post 1: id
# _OLDER_BASE + k is listed k places below post 1, _OLDER_PER_DAY posts a day back in time.
_OLDER_BASE = 100_000
_OLDER_PER_DAY = 3
MAX_ARCHIVE_SIZE = 50_000  # at 3 a day, the oldest post is dated 1970
# Known (id, date) points of the site's history; archive dates are interpolated between them.
_HISTORY = ((1, dt.date(2014, 8, 25)), (681, dt.date(2022, 3, 15)), (1190, dt.date(2026, 5, 15)))
_SITE_EPOCH = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)  # last change of the static pages


@dataclass(frozen=True, eq=False)
class SeedPage:
    """Where a seed document lives on the replica and what a reader of it should find.

    `paths` maps every path the page answers at to the interface language of that answer;
    `seed_path` is the one whose chrome matches the seed dump.
    """

    name: str
    seed_file: str
    title: str
    body_langs: tuple[str, ...]
    paths: dict[str, str]
    canonical_path: str
    seed_path: str
    date: dt.date | None
    post_id: int | None
    kind: str
    listed_in: tuple[str, ...]


SEED_PAGES: dict[str, SeedPage] = {
    "upr-campaign": SeedPage(
        name="upr-campaign",
        seed_file="000_0c02f3628e11fa67.txt",
        title=UPR_TITLE,
        body_langs=("en",),
        paths={
            f"/en/post/{UPR_SLUG}": "en",
            f"/posts/{UPR_ID}": "ar",
            f"/ar/posts/{UPR_ID}": "ar",
            f"/post/{UPR_SLUG}": "en",
        },
        canonical_path=f"/en/post/{UPR_SLUG}",
        seed_path=f"/posts/{UPR_ID}",
        date=dt.date(2024, 2, 15),
        post_id=UPR_ID,
        kind="campaign",
        listed_in=("en", "ar"),
    ),
    "conference-2017": SeedPage(
        name="conference-2017",
        seed_file="001_b708cf8f7aee2a9e.txt",
        title=CONFERENCE_TITLE,
        body_langs=("ar",),
        paths={
            f"/ar/post/{CONFERENCE_SLUG}": "ar",
            f"/posts/{CONFERENCE_ID}": "ar",
            f"/ar/posts/{CONFERENCE_ID}": "ar",
            f"/post/{CONFERENCE_SLUG}": "ar",
        },
        canonical_path=f"/ar/post/{CONFERENCE_SLUG}",
        seed_path=f"/ar/post/{CONFERENCE_SLUG}",
        date=dt.date(2017, 12, 12),
        post_id=CONFERENCE_ID,
        kind="news",
        listed_in=("ar",),
    ),
    "china-open-letter": SeedPage(
        name="china-open-letter",
        seed_file="002_90758535c1980b81.txt",
        title=LETTER_TITLE,
        body_langs=("ar",),
        paths={
            f"/ar/post/{LETTER_SLUG}": "ar",
            f"/posts/{LETTER_ID}": "ar",
            f"/ar/posts/{LETTER_ID}": "ar",
        },
        canonical_path=f"/ar/post/{LETTER_SLUG}",
        seed_path=f"/ar/post/{LETTER_SLUG}",
        date=LETTER_DATE,
        post_id=LETTER_ID,
        kind="statement",
        listed_in=("ar",),
    ),
    "about": SeedPage(
        name="about",
        seed_file="003_e0ac320a3576578c.txt",
        title="ALQST",
        body_langs=("en",),
        paths={"/en/about": "en"},
        canonical_path="/en/about",
        seed_path="/en/about",
        date=None,
        post_id=None,
        kind="page",
        listed_in=(),
    ),
    "mena-coalition": SeedPage(
        name="mena-coalition",
        seed_file="004_8fb740c74957d68c.txt",
        title=MENA_TITLE,
        body_langs=("en", "ar"),
        paths={
            f"/en/post/{MENA_SLUG}": "en",
            f"/posts/{MENA_ID}": "ar",
            f"/ar/posts/{MENA_ID}": "ar",
            f"/en/{MENA_SLUG}": "en",
        },
        canonical_path=f"/en/post/{MENA_SLUG}",
        seed_path=f"/en/post/{MENA_SLUG}",
        date=MENA_DATE,
        post_id=MENA_ID,
        kind="news",
        listed_in=("en",),
    ),
}


# --- the data files --------------------------------------------------------------------


@functools.cache
def _data_text(name: str) -> str:
    return resources.files("feeds.replica").joinpath("content", name).read_text("utf-8")


@functools.cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(_data_text(name))


@dataclass(frozen=True)
class _Interface:
    """The words of the site's chrome in one interface language (site.toml [ui.*])."""

    lang: str
    dir: str
    site: str
    date_label: str
    share: str
    related: str
    take_action: str
    skip: str
    home: str
    about: str
    news: str
    publications: str
    involved: str
    contact: str
    donate: str
    other_lang: str
    other_lang_label: str
    newsletter_title: str
    newsletter_text: str
    email_placeholder: str
    subscribe: str
    support_title: str
    support_text: str
    rights: str
    prev: str
    next: str
    page: str
    no_posts: str
    not_found_title: str
    not_found_text: str
    gone_title: str
    gone_text: str


@functools.cache
def _ui(lang: str) -> _Interface:
    return _Interface(**_data("site.toml")["ui"][lang])


# --- small helpers ---------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _plain(fragment: str) -> str:
    """Visible text of an HTML fragment (for teasers)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _paragraphs(texts: Sequence[str]) -> str:
    return "\n".join(f"<p>{_e(text)}</p>" for text in texts)


def format_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def slug_path(slug: str) -> str:
    """A slug as it appears in a URL path: Arabic slugs percent-encoded, as browsers send them."""
    return quote(slug, safe="-_.~")


def slugify(title: str) -> str:
    """English titles keep ASCII words; Arabic titles keep their letters without diacritics."""
    text = re.sub(r"[\u064b-\u0652\u0640]", "", title)  # harakat and tatweel never reach a slug
    text = re.sub(r"[’']", "", text).lower()
    words = re.findall(r"[a-z0-9]+|[\u0600-\u06ff]+", text)
    return "-".join(words)[:90].strip("-") or "post"


def tweet_intent(text: str) -> str:
    return "https://twitter.com/intent/tweet?" + urlencode({"text": text})


# --- the data model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One bullet of a campaign's call to action; a bullet without `href` is plain text."""

    label: str
    href: str | None = None


@dataclass(frozen=True)
class _ArchiveSpec:
    """The choices a synthetic archive post is written from."""

    template: int
    role: int
    topic: int
    target: int
    number: int


@dataclass
class Post:
    """One article as the site stores it. `lang` is the post's own language and section."""

    id: int
    lang: str
    slug: str
    title: str
    date: dt.date
    kind: str
    modified: dt.datetime
    teaser: str
    body_html: str | None  # None: a synthetic archive post, written on request from `spec`
    image_alt: str | None = None  # None: the post has no image
    action_intro: str | None = None
    actions: tuple[Action, ...] = ()
    listed_in: tuple[str, ...] = ()
    related: dict[str, tuple[int, ...]] = field(default_factory=dict)  # by interface language
    template: str = "alqst"  # "hrw": the open letter keeps the chrome it was published with
    spec: _ArchiveSpec | None = None
    translation_of: int | None = None  # the same post in the other language, if published

    @property
    def slug_url_path(self) -> str:
        return f"/{self.lang}/post/{slug_path(self.slug)}"

    @property
    def numeric_path(self) -> str:
        return f"/posts/{self.id}"


@dataclass(frozen=True)
class Page:
    """One HTTP answer before the server adds validators or faults."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: dt.datetime | None = None
    location: str | None = None
    html: str | None = None  # the markup, kept so charset faults can re-encode it
    kind: str = "page"  # "post" | "listing" | "page" | "image" | "static" | "error" | "redirect"
    post_id: int | None = None


def _html_page(status: int, markup: str, last_modified: dt.datetime | None, kind: str,
               post_id: int | None = None) -> Page:
    return Page(status=status, body=markup.encode("utf-8"), last_modified=last_modified,
                html=markup, kind=kind, post_id=post_id)


# --- the seed documents --------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _label_date(line: str) -> dt.date:
    match = re.search(r"(\d{2})/(\d{2})/(\d{4})", line)
    if match is None:
        raise ValueError(f"replica: no DD/MM/YYYY date in seed line {line!r}")
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def _pairs(lines: Sequence[str]) -> list[tuple[str, str]]:
    return [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]


@dataclass(frozen=True)
class _Seeds:
    """The seed dumps cut into the parts the pages are built from."""

    upr_date: dt.date
    upr_paragraphs: list[str]
    upr_action_intro: str
    upr_bullets: list[str]
    upr_related: list[tuple[str, str]]
    conference_date: dt.date
    conference_paragraphs: list[str]
    conference_related: list[tuple[str, str]]
    letter_chrome: tuple[str, str]  # skip link, donate button
    letter_title: str
    letter_recipients: str
    letter_paragraphs: list[str]
    letter_closing: str
    letter_signatories: list[tuple[int, str]]
    letter_totals: str
    letter_donate_line: str
    letter_most_viewed: str
    about_wikitext: str
    mena_en: list[str]
    mena_ar: list[str]


@functools.cache
def _seeds() -> _Seeds:
    files = {page.name: page.seed_file for page in SEED_PAGES.values()}
    upr = _lines(_data_text(files["upr-campaign"]))
    take, share = upr.index("Take action"), upr.index("مشاركة المقال")
    conf = _lines(_data_text(files["conference-2017"]))
    conf_share = conf.index("مشاركة المقال")
    letter = _lines(_data_text(files["china-open-letter"]))
    closing = letter.index("مع كامل التقدير،")
    numbered = [re.fullmatch(r"\s*(\d+)\. (.*)", line) for line in letter[closing + 1 :]]
    after = [line for line, m in zip(letter[closing + 1 :], numbered, strict=True) if not m]
    mena = _lines(_data_text(files["mena-coalition"]))
    arabic_at = next(i for i, line in enumerate(mena) if line.startswith("إعلان تأسيس"))
    seeds = _Seeds(
        upr_date=_label_date(upr[0]),
        upr_paragraphs=upr[1:take],
        upr_action_intro=upr[take + 1],
        upr_bullets=[line.strip().removeprefix("•").strip() for line in upr[take + 2 : share]],
        upr_related=_pairs(upr[share + 1 :]),
        conference_date=_label_date(conf[0]),
        conference_paragraphs=conf[1:conf_share],
        conference_related=_pairs(conf[conf_share + 1 :]),
        letter_chrome=(letter[0], letter[1]),
        letter_title=letter[2],
        letter_recipients=letter[3],
        letter_paragraphs=letter[4:closing],
        letter_closing=letter[closing],
        letter_signatories=[(int(m.group(1)), m.group(2)) for m in numbered if m],
        letter_totals=after[0],
        letter_donate_line=after[1],
        letter_most_viewed=after[2],
        about_wikitext=_data_text(files["about"]),
        mena_en=mena[:arabic_at],
        mena_ar=mena[arabic_at:],
    )
    shapes = (len(seeds.upr_bullets), len(seeds.upr_related), len(seeds.conference_related))
    if shapes != (3, 3, 3) or seeds.letter_title != LETTER_TITLE or seeds.mena_en[0] != MENA_TITLE:
        raise ValueError("replica: the seed dumps are not in the expected shape")
    return seeds


def _mena_inline(text: str) -> str:
    """The seed's markdown-ish inline marks ([text](#), **bold**, *italic*) as HTML."""
    links: dict[str, str] = _data("site.toml")["mena_links"]

    def link(match: re.Match[str]) -> str:
        label = match.group(1).replace("\\(", "(").replace("\\)", ")")
        return f'<a href="{_e(links[label])}">{label}</a>'

    out = re.sub(r"\[(.+?)\]\(#\)", link, html.escape(text, quote=False))
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", out)


def _mena_body(seeds: _Seeds) -> str:
    """Seed 004 as one post body: the English announcement, then the Arabic one."""
    english = seeds.mena_en[1:]  # the first line is the page title
    members_at = english.index("Coalition members")
    names = [line.removeprefix("- ") for line in english[members_at + 1 :]]
    members = "".join(f"<li>{_e(name)}</li>" for name in names)
    arabic = seeds.mena_ar
    list_at = next(i for i, line in enumerate(arabic) if line.endswith(":"))
    founders = "".join(f"<li>{_e(line)}</li>" for line in arabic[list_at + 1 :])
    return "\n".join([
        *(f"<p>{_mena_inline(line)}</p>" for line in english[:members_at]),
        "<h3>Coalition members</h3>",
        f"<ul>{members}</ul>",
        f"<h2>{_e(arabic[0])}</h2>",
        _paragraphs(arabic[1 : list_at + 1]),
        f"<ul>{founders}</ul>",
    ])


def _wikitext_html(text: str) -> tuple[str, str]:
    """The Wikipedia dump as (title, HTML): '== x ==' headings, '- x' (nested) lists, paragraphs."""
    lines = text.split("\n")
    title = lines[0].strip().strip("=").strip()
    out: list[str] = []
    items: list[tuple[bool, str]] = []  # (nested, text)

    def flush() -> None:
        rendered: list[str] = []
        for index, (nested, item) in enumerate(items):
            if nested:
                continue
            children = []
            for later_nested, later in items[index + 1 :]:
                if not later_nested:
                    break
                children.append(f"<li>{_e(later)}</li>")
            inner = f"<ul>{''.join(children)}</ul>" if children else ""
            rendered.append(f"<li>{_e(item)}{inner}</li>")
        if rendered:
            out.append(f"<ul>{''.join(rendered)}</ul>")
        items.clear()

    for line in lines[1:]:
        stripped = line.strip()
        heading = re.fullmatch(r"(=+)\s*(.*?)\s*\1", stripped)
        if not stripped or (heading and not heading.group(2)):
            flush()  # a blank line, or a stray '====' left by the dump
        elif heading:
            flush()
            level = min(len(heading.group(1)), 4)
            out.append(f"<h{level}>{_e(heading.group(2))}</h{level}>")
        elif stripped.startswith("- "):
            items.append((line.startswith(" "), stripped[2:]))
        else:
            flush()
            out.append(f"<p>{_e(stripped)}</p>")
    flush()
    return title, "\n".join(out)


# --- hand-made posts (posts.toml) ----------------------------------------------------------


def _actions(rows: Sequence[dict[str, str]]) -> tuple[Action, ...]:
    return tuple(
        Action(row["label"], tweet_intent(row["tweet"]) if "tweet" in row else row.get("href"))
        for row in rows
    )


# --- the synthetic archive (archive.toml) ----------------------------------------------------


@dataclass(frozen=True)
class _Phrases:
    roles: list[list[str]]  # [English, Arabic]
    topics: list[list[str]]
    targets: list[list[str]]
    templates: list[dict[str, Any]]
    paragraphs: list[dict[str, str]]
    actions: dict[str, dict[str, str]]

    @property
    def campaign_templates(self) -> list[int]:
        return [i for i, template in enumerate(self.templates) if template["campaign"]]

    @property
    def news_templates(self) -> list[int]:
        return [i for i, template in enumerate(self.templates) if not template["campaign"]]


@functools.cache
def _phrases() -> _Phrases:
    data = _data("archive.toml")
    return _Phrases(roles=data["roles"], topics=data["topics"], targets=data["targets"],
                    templates=data["template"], paragraphs=data["paragraph"],
                    actions=data["actions"])


def _archive_ids(taken: set[int], count: int) -> list[int]:
    """Ids for `count` archive posts: below seed 000, then the 2024-2026 gap, then the ids
    above _OLDER_BASE (listed below post 1, see `_order`).

    Archive post k always gets the same id, whatever the archive size.
    """
    if count > MAX_ARCHIVE_SIZE:
        raise ValueError(f"replica: archive_size can be at most {MAX_ARCHIVE_SIZE}")
    below = [i for i in range(UPR_ID - 1, 0, -1) if i not in taken]
    above = [i for i in range(_FIRST_RECENT_ID - 1, UPR_ID, -1) if i not in taken]
    site_ids = (below + above)[:count]
    older = range(_OLDER_BASE + 1, _OLDER_BASE + 1 + count - len(site_ids))
    return site_ids + list(older)


def _order(post_id: int) -> int:
    """Where a post sits in its listing (higher is newer): its id, except that the ids
    above _OLDER_BASE come below post 1."""
    return _OLDER_BASE - post_id if post_id > _OLDER_BASE else post_id


def _older_date(post_id: int) -> dt.date:
    """The date of an archive post older than post 1 (id above _OLDER_BASE)."""
    first_day = _HISTORY[0][1]
    return first_day - dt.timedelta(days=(post_id - _OLDER_BASE + _OLDER_PER_DAY - 1)
                                    // _OLDER_PER_DAY)


def _interpolated_date(post_id: int, anchors: Sequence[tuple[int, dt.date]]) -> dt.date:
    keys = [key for key, _day in anchors]
    i = bisect_left(keys, post_id)
    if i < len(keys) and keys[i] == post_id:
        return anchors[i][1]
    (id0, day0), (id1, day1) = anchors[max(i - 1, 0)], anchors[min(i, len(anchors) - 1)]
    if id1 == id0:
        return day0
    return day0 + dt.timedelta(days=(day1 - day0).days * (post_id - id0) // (id1 - id0))


def _fill(template: str, spec: _ArchiveSpec, lang: str) -> str:
    phrases, col = _phrases(), LANGS.index(lang)
    role = phrases.roles[spec.role][col]
    return template.format(
        role=role, Role=role[:1].upper() + role[1:], topic=phrases.topics[spec.topic][col],
        target=phrases.targets[spec.target][col], n=spec.number, link="{link}",
    )


def _archive_title(spec: _ArchiveSpec, lang: str) -> str:
    return _fill(_phrases().templates[spec.template][f"{lang}_title"], spec, lang)


def _archive_lead(spec: _ArchiveSpec, lang: str) -> str:
    return _fill(_phrases().templates[spec.template][f"{lang}_lead"], spec, lang)


def _archive_body(post: Post, older: Post | None) -> str:
    """The body of a synthetic archive post, the same on every run (seeded by its id)."""
    assert post.spec is not None
    paragraphs = _phrases().paragraphs
    rng = random.Random(post.id * 7919 + 13)
    out = [_e(_archive_lead(post.spec, post.lang))]
    for index in sorted(rng.sample(range(len(paragraphs)), rng.randint(3, 5))):
        text = _fill(paragraphs[index][post.lang], post.spec, post.lang)
        if "{link}" in text:
            if older is None:
                continue
            # Relative on purpose: it must be resolved against the page URL.
            href = f"../post/{slug_path(older.slug)}"
            text = text.replace("{link}", f'<a href="{_e(href)}">{_e(older.title)}</a>')
        out.append(text)
    return "\n".join(f"<p>{p}</p>" for p in out)


# --- page parts ------------------------------------------------------------------------------


def _header(ui: _Interface) -> str:
    lang = ui.lang
    nav = (
        (f"/{lang}", ui.home), (f"/{lang}/about", ui.about), (f"/{lang}/posts", ui.news),
        (f"/{lang}/publications", ui.publications), (f"/{lang}/get-involved", ui.involved),
        (f"/{lang}/contact", ui.contact),
    )
    items = "".join(f'<li><a href="{href}">{_e(label)}</a></li>' for href, label in nav)
    return "\n".join([
        '<header class="site-header">',
        f'<a class="site-logo" href="/{lang}"><img src="/static/logo.svg" alt="{_e(ui.site)}"'
        ' width="120" height="40"></a>',
        f'<nav class="main-nav" aria-label="{_e(ui.home)}"><ul>{items}</ul></nav>',
        f'<a class="lang-switch" href="/{ui.other_lang}" hreflang="{ui.other_lang}">'
        f"{_e(ui.other_lang_label)}</a>",
        f'<a class="btn btn-donate" href="/{lang}/donate">{_e(ui.donate)}</a>',
        "</header>",
    ])


def _footer(ui: _Interface) -> str:
    lang = ui.lang
    social = (
        ("https://twitter.com/ALQST_ORG", "X"),
        ("https://www.facebook.com/ALQSTORG", "Facebook"),
        ("https://www.instagram.com/alqst_org/", "Instagram"),
        ("https://www.youtube.com/@ALQST", "YouTube"),
    )
    links = "".join(
        f'<li><a href="{href}" aria-label="{name}"><span class="icon icon-{name.lower()}"></span>'
        "</a></li>"
        for href, name in social
    )
    return "\n".join([
        '<footer class="site-footer">',
        f'<section class="newsletter"><h2>{_e(ui.newsletter_title)}</h2>'
        f"<p>{_e(ui.newsletter_text)}</p>"
        f'<form action="/{lang}/newsletter" method="post"><input type="email" name="email"'
        f' placeholder="{_e(ui.email_placeholder)}"><button type="submit">{_e(ui.subscribe)}'
        "</button></form></section>",
        f'<section class="support"><h2>{_e(ui.support_title)}</h2><p>{_e(ui.support_text)}</p>'
        f'<a class="btn btn-donate" href="/{lang}/donate">{_e(ui.donate)}</a></section>',
        f'<ul class="social">{links}</ul>',
        f'<p class="copyright">© 2026 {_e(ui.site)}. {_e(ui.rights)}</p>',
        "</footer>",
    ])


def _document(ui: _Interface, *, title: str, main: str, body_class: str,
              canonical: str | None = None, description: str | None = None,
              image: str | None = None, og_type: str = "website",
              alternates: Sequence[tuple[str, str]] = ()) -> str:
    """A whole page in the site's chrome, in interface language `ui`."""
    head = [
        META_CHARSET,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} | {_e(ui.site)}</title>",
    ]
    if description:
        head.append(f'<meta name="description" content="{_e(description)}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{_e(canonical)}">')
    head += [
        f'<meta property="og:site_name" content="{_e(ui.site)}">',
        f'<meta property="og:type" content="{og_type}">',
        f'<meta property="og:title" content="{_e(title)}">',
        f'<meta property="og:locale" content="{"ar_AR" if ui.lang == "ar" else "en_GB"}">',
    ]
    if canonical:
        head.append(f'<meta property="og:url" content="{_e(canonical)}">')
    for hreflang, href in alternates:
        head.append(f'<link rel="alternate" hreflang="{hreflang}" href="{_e(href)}">')
    if description:
        head.append(f'<meta property="og:description" content="{_e(description)}">')
    if image:
        head.append(f'<meta property="og:image" content="{_e(image)}">')
        head.append('<meta name="twitter:card" content="summary_large_image">')
    head += [
        '<link rel="stylesheet" href="/static/site.css">',
        '<link rel="icon" href="/static/logo.svg">',
        "<script>window.dataLayer = window.dataLayer || [];"
        " function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{ui.lang}" dir="{ui.dir}">',
        "<head>",
        *head,
        "</head>",
        f'<body class="{body_class} ui-{ui.lang}">',
        f'<a class="skip-link" href="#main">{_e(ui.skip)}</a>',
        _header(ui),
        f'<main id="main">\n{main}\n</main>',
        _footer(ui),
        "</body>",
        "</html>",
        "",
    ])


def _action_html(post: Post) -> str:
    if not post.actions:
        return ""
    items = "".join(
        f'<li><a href="{_e(a.href)}">{_e(a.label)}</a></li>' if a.href
        else f"<li>{_e(a.label)}</li>"
        for a in post.actions
    )
    intro = f"\n<p>{_e(post.action_intro)}</p>" if post.action_intro else ""
    return f"\n<h2>{_e(_ui(post.lang).take_action)}</h2>{intro}\n<ul>{items}</ul>"


def _share_html(ui: _Interface, canonical: str, title: str) -> str:
    url, text = quote(canonical, safe=""), quote(title, safe="")
    links = (
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={url}"),
        ("X", f"https://twitter.com/share?url={url}&text={text}"),
        ("WhatsApp", f"https://api.whatsapp.com/send?text={text}%20{url}"),
        ("Telegram", f"https://t.me/share/url?url={url}&text={text}"),
    )
    # Icons only, as on the real site: the section's only visible text is its heading.
    items = "".join(
        f'<li><a href="{_e(href)}" target="_blank" rel="noopener" aria-label="{name}">'
        f'<span class="icon icon-{name.lower()}"></span></a></li>'
        for name, href in links
    )
    return (f'<section class="share-article">\n<h2>{_e(ui.share)}</h2>\n'
            f'<ul class="share-links">{items}</ul>\n</section>')


def _png(seed: int, width: int = 16, height: int = 9) -> bytes:
    """A tiny but real PNG, one colour per post."""
    colour = bytes(((seed * 67) % 200 + 30, (seed * 131) % 200 + 30, (seed * 29) % 200 + 30))
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(tag + data))
        return struct.pack(">I", len(data)) + tag + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def error_markup(status: int) -> str:
    """The bare error page a proxy sends when the application behind it fails."""
    titles = {500: "Internal Server Error", 503: "Service Temporarily Unavailable"}
    title = f"{status} {titles.get(status, 'Error')}"
    return (f"<html>\n<head><title>{title}</title></head>\n<body>\n<center><h1>{title}</h1>"
            "</center>\n<hr><center>nginx</center>\n</body>\n</html>\n")


def malformed_markup(host: str, path: str) -> str:
    """What a half-deployed theme or a CDN interstitial answers with a 200 instead of a post:
    the page chrome's logo and a status line, no post markup, no `lang`, a request number
    that changes per URL. Extraction still finds a title (the host name) and a "body"."""
    request = zlib.crc32(path.encode("utf-8")) % 10**9
    return ("<!DOCTYPE html>\n<html>\n<head>\n" + META_CHARSET + "\n<title>Just a moment...</title>"
            '\n<meta name="robots" content="noindex, nofollow">\n</head>\n<body class="loading">'
            f'\n<main>\n<article>\n<h1>{_e(host)}</h1>\n<figure><img src="/static/logo.svg" '
            f'alt=""></figure>\n<p>503 · #{request}</p>\n</article>\n</main>\n</body>\n</html>\n')


# --- the site ------------------------------------------------------------------------------

_POST_BY_SLUG = re.compile(r"/(en|ar)/post/([^/]+)")
_BARE_SLUG = re.compile(r"/post/([^/]+)")
_NUMERIC = re.compile(r"/(?:(ar)/)?posts/(\d+)")
_LISTING = re.compile(r"/(en|ar)/posts")
_HOME = re.compile(r"/(en|ar)?")
_ABOUT = re.compile(r"/(en|ar)/about")
_SIMPLE = re.compile(r"/(en|ar)/(donate|contact|publications|get-involved)")
_OLD_STYLE = re.compile(r"/en/([^/]+)")  # 2018-era English URLs: /en/{slug}
_IMAGE = re.compile(r"/images/(\d+)\.png")
_STATIC = {"/static/site.css": "text/css; charset=utf-8", "/static/logo.svg": "image/svg+xml"}


class SiteContent:
    """Every post of the replica and every page it renders. Thread-safe."""

    def __init__(self, *, archive_size: int, page_size: int,
                 clock: Callable[[], dt.datetime]) -> None:
        if archive_size < 0 or page_size < 1:
            raise ValueError("replica: archive_size must be >= 0 and page_size >= 1")
        self.page_size = page_size
        self._clock = clock
        self._lock = threading.RLock()
        self._posts: dict[int, Post] = {}
        self._by_slug: dict[str, int] = {}
        # Ids in listing order, oldest first (ascending `_order`, which is the id below
        # _OLDER_BASE).
        self._listing: dict[str, list[int]] = {lang: [] for lang in LANGS}
        for post in self._fixed_posts():
            self._add(post)
        self._last_site_id = max(self._posts)  # publishing continues from here
        anchors = sorted([*_HISTORY, *((p.id, p.date) for p in self._posts.values())])
        for index, post_id in enumerate(_archive_ids(set(self._posts), archive_size)):
            day = (_older_date(post_id) if post_id > _OLDER_BASE
                   else _interpolated_date(post_id, anchors))
            self._add(self._archive_post(index, post_id, day))
        for ids in self._listing.values():
            ids.sort(key=_order)

    # -- building ---------------------------------------------------------------------------

    def _add(self, post: Post) -> None:
        if post.id in self._posts:
            raise ValueError(f"replica: duplicate post id {post.id}")
        if post.slug in self._by_slug:
            post.slug = f"{post.slug}-{post.id}"
        self._posts[post.id] = post
        self._by_slug[post.slug] = post.id
        for lang in post.listed_in:
            self._listing[lang].append(post.id)

    @staticmethod
    def _stamp(day: dt.date, post_id: int) -> dt.datetime:
        """When a stored post last changed: its day, at a time that varies from post to post."""
        morning = dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=dt.UTC)
        return morning + dt.timedelta(minutes=post_id % 480)

    def _fixed_posts(self) -> list[Post]:
        seeds, site = _seeds(), _data("site.toml")
        upr_links = (site["upr_petition"], tweet_intent(site["upr_tweet"]), None)
        posts = [
            Post(
                id=UPR_ID, lang="en", slug=UPR_SLUG, title=UPR_TITLE, date=seeds.upr_date,
                kind="campaign", modified=self._stamp(seeds.upr_date, UPR_ID),
                teaser=seeds.upr_paragraphs[0][:200], body_html=_paragraphs(seeds.upr_paragraphs),
                image_alt="ALQST and Global Citizen: Saudi Arabia's UPR campaign",
                action_intro=seeds.upr_action_intro,
                actions=tuple(Action(label, href)
                              for label, href in zip(seeds.upr_bullets, upr_links, strict=True)),
                listed_in=("en", "ar"),
                related={"ar": (1043, 1036, 1039), "en": (1044, 1037, 1040)},
            ),
            Post(
                id=CONFERENCE_ID, lang="ar", slug=CONFERENCE_SLUG, title=CONFERENCE_TITLE,
                date=seeds.conference_date, kind="news",
                modified=self._stamp(seeds.conference_date, CONFERENCE_ID),
                teaser=seeds.conference_paragraphs[1][:200],
                body_html=_paragraphs(seeds.conference_paragraphs),
                listed_in=("ar",), related={"ar": (968, 941, 912)},
            ),
            Post(
                id=LETTER_ID, lang="ar", slug=LETTER_SLUG, title=seeds.letter_title,
                date=LETTER_DATE, kind="statement", modified=self._stamp(LETTER_DATE, LETTER_ID),
                teaser=seeds.letter_paragraphs[0][:200], body_html=self._letter_body(seeds),
                listed_in=("ar",), template="hrw",
            ),
            Post(
                id=MENA_ID, lang="en", slug=MENA_SLUG, title=MENA_TITLE, date=MENA_DATE,
                kind="news", modified=self._stamp(MENA_DATE, MENA_ID),
                teaser=_plain(_mena_inline(seeds.mena_en[2]))[:200], body_html=_mena_body(seeds),
                listed_in=("en",),
            ),
        ]
        return posts + [self._handmade(row, seeds) for row in _data("posts.toml")["post"]]

    def _handmade(self, row: dict[str, Any], seeds: _Seeds) -> Post:
        paragraphs: list[str] = list(row["paragraphs"])  # trusted HTML
        title: str = row.get("title", "")
        teaser: str | None = None
        if "title_from_seed" in row:
            seed, index = row["title_from_seed"].split(":")
            related = seeds.upr_related if seed == "upr" else seeds.conference_related
            title, teaser = related[int(index)]
            paragraphs[0] = _e(teaser) + paragraphs[0]  # the seed's teaser opens the post
        body = "\n".join(f"<p>{p}</p>" for p in paragraphs) + row.get("extra_html", "")
        return Post(
            id=row["id"], lang=row["lang"], slug=row["slug"], title=title, date=row["date"],
            kind=row["kind"], modified=self._stamp(row["date"], row["id"]),
            teaser=teaser or _plain(paragraphs[0])[:200], body_html=body,
            image_alt=row.get("image_alt"), action_intro=row.get("action_intro"),
            actions=_actions(row.get("actions", [])), listed_in=(row["lang"],),
        )

    @staticmethod
    def _letter_body(seeds: _Seeds) -> str:
        items, expected = [], 1
        for number, name in seeds.letter_signatories:
            # The page's numbering has gaps; `value` keeps each organisation's number.
            value = f' value="{number}"' if number != expected else ""
            items.append(f"<li{value}>{_e(name)}</li>")
            expected = number + 1
        return "\n".join([
            f'<p class="recipients">{_e(seeds.letter_recipients)}</p>',
            _paragraphs([*seeds.letter_paragraphs, seeds.letter_closing]),
            '<ol class="signatories">',
            *items,
            "</ol>",
            f"<p>{_e(seeds.letter_totals)}</p>",
        ])

    def _archive_post(self, index: int, post_id: int, day: dt.date) -> Post:
        phrases, rng = _phrases(), random.Random(post_id)
        lang = LANGS[index % 2]
        campaign = index % 7 == 3
        spec = _ArchiveSpec(
            template=rng.choice(phrases.campaign_templates if campaign else phrases.news_templates),
            role=rng.randrange(len(phrases.roles)), topic=rng.randrange(len(phrases.topics)),
            target=rng.randrange(len(phrases.targets)), number=rng.randint(11, 29),
        )
        english_title = _archive_title(spec, "en")
        title = english_title if lang == "en" else _archive_title(spec, "ar")
        slug = slugify(english_title)  # Arabic posts mostly carry the English slug, as on the site
        if lang == "ar" and post_id % 5 == 0:
            slug = slugify(title)
        elif day.year <= 2018 and post_id % 4 == 1:
            slug = "-".join(word.capitalize() for word in slug.split("-"))  # the old CMS kept case
        actions: tuple[Action, ...] = ()
        words = phrases.actions[lang]
        if campaign:
            actions = (
                Action(words["petition"], f"https://www.change.org/p/alqst-{slugify(english_title)}"),
                Action(words["tweet"], tweet_intent(f"{title} @ALQST_ORG")),
                Action(words["share"]),
            )
        return Post(
            id=post_id, lang=lang, slug=slug, title=title, date=day,
            kind="campaign" if campaign else "news", modified=self._stamp(day, post_id),
            teaser=_archive_lead(spec, lang)[:200], body_html=None,
            image_alt=title if post_id % 3 == 0 else None,
            action_intro=words["intro"] if campaign else None, actions=actions,
            listed_in=(lang,), spec=spec,
        )

    # -- changes ----------------------------------------------------------------------------

    def _next_change(self) -> dt.datetime:
        """Now, but after every earlier change, so Last-Modified moves even within a second."""
        latest = max(post.modified for post in self._posts.values())
        now = self._clock().astimezone(dt.UTC).replace(microsecond=0)
        return max(now, latest + dt.timedelta(seconds=1))

    def publish(self, *, lang: str, title: str, paragraphs: Sequence[str], kind: str,
                date: dt.date | None, actions: Sequence[tuple[str, str]] | None,
                image: bool, translation_of: int | None = None) -> Post:
        if lang not in LANGS or kind not in KINDS:
            raise ValueError(f"replica: lang must be one of {LANGS} and kind one of {KINDS}")
        if not paragraphs:
            raise ValueError("replica: a post needs at least one paragraph")
        with self._lock:
            if self._last_site_id + 1 >= _OLDER_BASE:
                raise ValueError("replica: no post ids left to publish with")
            self._last_site_id = post_id = self._last_site_id + 1
            modified = self._next_change()
            links = [Action(label, href) for label, href in actions or ()]
            if kind == "campaign" and not links:
                words = _phrases().actions[lang]
                links = [Action(words["petition"], f"https://www.change.org/p/alqst-{post_id}"),
                         Action(words["tweet"], tweet_intent(f"{title} @ALQST_ORG"))]
            post = Post(
                id=post_id, lang=lang, slug=slugify(title), title=title,
                date=date or modified.date(), kind=kind, modified=modified,
                teaser=paragraphs[0][:200], body_html=_paragraphs(paragraphs),
                image_alt=title if image else None, actions=tuple(links), listed_in=(lang,),
                translation_of=translation_of,
            )
            if translation_of is not None:
                original = self.post(translation_of)
                original.translation_of = post_id
                original.modified = modified  # its page changed: it now links the translation
            self._add(post)  # the newest post, so appending keeps the listing sorted
            return post

    def edit(self, post_id: int, *, title: str | None,
             paragraphs: Sequence[str] | None) -> Post:
        with self._lock:
            post = self.post(post_id)
            if paragraphs is not None and not paragraphs:
                raise ValueError("replica: a post needs at least one paragraph")
            if title is not None:
                post.title = title
            if paragraphs is not None:
                post.body_html = _paragraphs(paragraphs)
                post.teaser = paragraphs[0][:200]
            post.modified = self._next_change()
            return post

    # -- reading ----------------------------------------------------------------------------

    def post(self, post_id: int) -> Post:
        with self._lock:
            try:
                return self._posts[post_id]
            except KeyError:
                raise KeyError(f"replica: no post with id {post_id}") from None

    def listed(self, lang: str) -> list[Post]:
        """The posts of one language listing, newest first."""
        with self._lock:
            return [self._posts[i] for i in reversed(self._listing[lang])]

    def post_for_path(self, raw_path: str) -> tuple[Post, str] | None:
        """The post a path shows and the interface language it is shown in."""
        path = _normal_path(raw_path)
        with self._lock:
            if m := _POST_BY_SLUG.fullmatch(path):
                found = self._by_slug.get(m.group(2))
                return (self._posts[found], m.group(1)) if found is not None else None
            if m := _BARE_SLUG.fullmatch(path):
                found = self._by_slug.get(m.group(1))
                return (self._posts[found], self._posts[found].lang) if found is not None else None
            if m := _NUMERIC.fullmatch(path):
                post = self._posts.get(int(m.group(2)))
                return (post, "ar") if post is not None else None
            if m := _OLD_STYLE.fullmatch(path):
                found = self._by_slug.get(m.group(1))
                if found is not None and self._posts[found].lang == "en":
                    return self._posts[found], "en"
        return None

    def alternate_path(self, raw_path: str) -> str | None:
        """The other URL of the same post: numeric for a slug URL, slug for a numeric one."""
        found = self.post_for_path(raw_path)
        if found is None:
            return None
        post = found[0]
        numeric = _NUMERIC.fullmatch(_normal_path(raw_path))
        return post.slug_url_path if numeric else post.numeric_path

    # -- pages ------------------------------------------------------------------------------

    def route(self, raw_path: str, query: str, base_url: str, *,
              empty_listing: bool = False) -> Page:
        path = _normal_path(raw_path)
        if m := _LISTING.fullmatch(path):
            return self.listing_page(m.group(1), _page_number(query), base_url, empty=empty_listing)
        if m := _HOME.fullmatch(path):
            return self.listing_page(m.group(1) or "ar", 1, base_url, empty=empty_listing)
        if m := _ABOUT.fullmatch(path):
            return self._about_page(m.group(1), base_url)
        if m := _SIMPLE.fullmatch(path):
            return self._simple_page(m.group(1), m.group(2), base_url)
        if m := _IMAGE.fullmatch(path):
            with self._lock:
                image = self._posts.get(int(m.group(1)))
            if image is not None and image.image_alt is not None:
                return Page(200, _png(image.id), "image/png", image.modified, kind="image",
                            post_id=image.id)
        if path in _STATIC:
            body = _data_text(path.removeprefix("/static/")).encode("utf-8")
            return Page(200, body, _STATIC[path], _SITE_EPOCH, kind="static")
        if path.startswith("/offsite"):
            return self._offsite_page()
        found = self.post_for_path(raw_path)
        if found is not None:
            return self.post_page(found[0], found[1], base_url)
        return self.not_found(raw_path)

    def not_found(self, raw_path: str) -> Page:
        ui = _ui(_lang_of(raw_path))
        main = (f'<section class="error-page"><h1>{_e(ui.not_found_title)}</h1>'
                f'<p>{_e(ui.not_found_text)}</p><p><a href="/{ui.lang}">{_e(ui.home)}</a></p>'
                "</section>")
        markup = _document(ui, title=ui.not_found_title, main=main, body_class="error-404")
        return _html_page(404, markup, None, "error")

    def gone(self, raw_path: str) -> Page:
        ui = _ui(_lang_of(raw_path))
        main = (f'<section class="error-page"><h1>{_e(ui.gone_title)}</h1>'
                f"<p>{_e(ui.gone_text)}</p></section>")
        markup = _document(ui, title=ui.gone_title, main=main, body_class="error-410")
        return _html_page(410, markup, None, "error")

    def _href(self, post: Post, ui: str) -> str:
        """How the site links a post from a page in interface `ui`."""
        if post.lang != ui:
            return post.numeric_path  # untranslated posts show in the other section by number
        if ui == "en":
            return post.slug_url_path
        # The Arabic section links the same kind of post in three different URL shapes.
        return (post.slug_url_path, post.numeric_path, f"/ar/posts/{post.id}")[post.id % 3]

    def _related(self, post: Post, ui: str) -> list[Post]:
        with self._lock:
            chosen = post.related.get(ui)
            if chosen:
                return [self._posts[i] for i in chosen if i in self._posts]
            listing = self._listing[ui]
            at = bisect_left(listing, _order(post.id), key=_order)
            older = [listing[i] for i in range(at - 1, max(at - 4, -1), -1)]
            newer = listing[at : at + 5]
            picked = [i for i in older + newer if i != post.id][:3]
            return [self._posts[i] for i in picked]

    def _older_neighbour(self, post: Post) -> Post | None:
        with self._lock:
            listing = self._listing[post.lang]
            at = bisect_left(listing, _order(post.id), key=_order)
            return self._posts[listing[at - 1]] if at > 0 else None

    def post_page(self, post: Post, ui_lang: str, base_url: str) -> Page:
        with self._lock:
            title, modified, body = post.title, post.modified, post.body_html
            if body is None:
                body = _archive_body(post, self._older_neighbour(post))
            related = self._related(post, ui_lang)
        canonical = base_url + post.slug_url_path
        if post.template == "hrw":
            return _html_page(200, self._hrw_document(post, title, body, canonical), modified,
                              "post", post.id)
        ui = _ui(ui_lang)
        figure = ""
        image = None
        if post.image_alt is not None:
            image = f"{base_url}/images/{post.id}.png"
            figure = (f'\n<figure class="post-image"><img src="/images/{post.id}.png"'
                      f' alt="{_e(post.image_alt)}" width="1200" height="675"></figure>')
        cards = "".join(
            f'\n<div class="related-post"><h3><a href="{_e(self._href(other, ui_lang))}">'
            f"{_e(other.title)}</a></h3><p>{_e(other.teaser)}</p></div>"
            for other in related
        )
        main = "\n".join([
            f'<article class="post post-{post.kind}" data-post-id="{post.id}">',
            f'<h1 class="post-title">{_e(title)}</h1>',
            f'<div class="publication-date">{_e(ui.date_label)}: {format_date(post.date)}</div>'
            f"{figure}",
            f'<div class="post-body">\n{body}{_action_html(post)}\n</div>',
            "</article>",
            _share_html(ui, canonical, title),
            f'<section class="related-posts" aria-label="{_e(ui.related)}">{cards}\n</section>',
        ])
        alternates: list[tuple[str, str]] = []
        if post.translation_of is not None:
            other = self.post(post.translation_of)
            alternates = [(post.lang, canonical), (other.lang, base_url + other.slug_url_path)]
        markup = _document(ui, title=title, main=main, body_class=f"single-post post-{post.id}",
                           canonical=canonical, description=post.teaser, image=image,
                           og_type="article", alternates=alternates)
        return _html_page(200, markup, modified, "post", post.id)

    @staticmethod
    def _hrw_document(post: Post, title: str, body: str, canonical: str) -> str:
        """The open letter with the chrome it was published with (seed 002), not ALQST's."""
        seeds = _seeds()
        skip, donate = seeds.letter_chrome
        donate_url = "https://www.hrw.org/ar/donate"
        viewed = "".join(f'<li><a href="{_e(href)}">{_e(text)}</a></li>'
                         for href, text in _data("site.toml")["letter_most_viewed"])
        published = f"{post.date.isoformat()}T00:00:00Z"
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="ar" dir="rtl">',
            "<head>",
            META_CHARSET,
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)} | هيومن رايتس ووتش</title>",
            f'<link rel="canonical" href="{_e(canonical)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{_e(title)}">',
            f'<meta property="og:url" content="{_e(canonical)}">',
            f'<meta property="article:published_time" content="{published}">',
            "</head>",
            '<body class="path-node page-node-type-news">',
            f'<a href="#main-content" class="visually-hidden focusable skip-link">{_e(skip)}</a>',
            '<header class="site-header">',
            '<a class="site-logo" href="/ar"><img src="/static/logo.svg" alt="Human Rights Watch"'
            ' width="120" height="40"></a>',
            f'<a class="button button--donate" href="{donate_url}">{_e(donate)}</a>',
            "</header>",
            '<main id="main-content" role="main">',
            '<article class="node node--type-news">',
            f'<h1 class="headline">{_e(title)}</h1>',
            f'<div class="publication-date">تاريخ النشر: <time datetime="{published}">'
            f"{format_date(post.date)}</time></div>",
            f'<div class="article-body">\n{body}\n</div>',
            "</article>",
            f'<a class="donate-cta" href="{donate_url}"><p>{_e(seeds.letter_donate_line)}</p></a>',
            f'<section class="most-viewed">\n<h2>{_e(seeds.letter_most_viewed)}</h2>\n'
            f"<ol>{viewed}</ol>\n</section>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ])

    def listing_page(self, lang: str, page: int, base_url: str, *, empty: bool = False) -> Page:
        """One page of a language's listing; `empty` renders it as after a redesign."""
        ui = _ui(lang)
        with self._lock:
            ids = self._listing[lang]
            start = (page - 1) * self.page_size
            newest_first = ids[::-1][start : start + self.page_size]
            shown = [] if empty else [self._posts[i] for i in newest_first]
            has_next = not empty and start + self.page_size < len(ids)
            modified = max((self._posts[i].modified for i in ids), default=_SITE_EPOCH)
            cards = [self._card(post, lang, base_url) for post in shown]
        pager = []
        if not empty:
            if page > 1:
                pager.append(f'<a rel="prev" class="prev" href="/{lang}/posts?page={page - 1}">'
                             f"{_e(ui.prev)}</a>")
            pager.append(f'<span class="current">{_e(ui.page)} {page}</span>')
        if has_next:
            pager.append(f'<a rel="next" class="next" href="/{lang}/posts?page={page + 1}">'
                         f"{_e(ui.next)}</a>")
        listing = "\n".join(cards) if cards else f'<p class="no-posts">{_e(ui.no_posts)}</p>'
        main = "\n".join([
            f'<h1 class="page-title">{_e(ui.news)}</h1>',
            f'<div class="posts-list">\n{listing}\n</div>',
            f'<nav class="pagination">{"".join(pager)}</nav>',
        ])
        title = ui.news if page == 1 else f"{ui.news} – {ui.page} {page}"
        canonical = f"{base_url}/{lang}/posts" + (f"?page={page}" if page > 1 else "")
        markup = _document(ui, title=title, main=main, body_class="posts-listing",
                           canonical=canonical)
        return _html_page(200, markup, modified, "listing")

    def _card(self, post: Post, lang: str, base_url: str) -> str:
        href = self._href(post, lang)
        if post.id % 5 == 0:
            href = base_url + href  # some cards carry absolute links, as CMS themes do
        image = ""
        if post.image_alt is not None:
            image = (f'<img class="post-card__image" src="/images/{post.id}.png" alt=""'
                     ' width="400" height="225">')
        return "\n".join([
            f'<div class="post-card post-card--{post.kind}">',
            f'<a class="post-card__link" href="{_e(href)}">{image}'
            f'<h2 class="post-card__title">{_e(post.title)}</h2></a>',
            f'<p class="post-card__teaser">{_e(post.teaser)}</p>',
            f'<span class="post-card__date">{format_date(post.date)}</span>',
            "</div>",
        ])

    def _about_page(self, lang: str, base_url: str) -> Page:
        ui = _ui(lang)
        if lang == "en":
            title, body = _wikitext_html(_seeds().about_wikitext)
        else:
            title, body = ui.about, _paragraphs(_data("site.toml")["about_ar"])
        main = (f'<article class="page page-about">\n<h1>{_e(title)}</h1>\n'
                f'<div class="page-body">\n{body}\n</div>\n</article>')
        markup = _document(ui, title=title, main=main, body_class="page-about",
                           canonical=f"{base_url}/{lang}/about")
        return _html_page(200, markup, _SITE_EPOCH, "page")

    def _simple_page(self, lang: str, name: str, base_url: str) -> Page:
        ui = _ui(lang)
        words = _data("site.toml")["pages"][name][lang]
        main = (f'<article class="page page-{name}">\n<h1>{_e(words["title"])}</h1>\n'
                f'<p>{_e(words["text"])}</p>\n</article>')
        markup = _document(ui, title=words["title"], main=main, body_class=f"page-{name}",
                           canonical=f"{base_url}/{lang}/{name}")
        return _html_page(200, markup, _SITE_EPOCH, "page")

    @staticmethod
    def _offsite_page() -> Page:
        markup = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                  "<title>Domain for sale</title>\n</head>\n<body>\n"
                  "<h1>This domain may be for sale</h1>\n</body>\n</html>\n")
        return _html_page(200, markup, None, "page")


def _normal_path(raw_path: str) -> str:
    path = unquote(raw_path.split("?", 1)[0])
    return path.rstrip("/") if len(path) > 1 else path


def _lang_of(raw_path: str) -> str:
    return "en" if _normal_path(raw_path).startswith("/en") else "ar"


def _page_number(query: str) -> int:
    try:
        page = int(parse_qs(query).get("page", ["1"])[0])
    except ValueError:
        return 1
    return max(page, 1)
