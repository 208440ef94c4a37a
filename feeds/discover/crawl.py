"""Walk a site from one URL, within a page budget, and infer its source settings: languages,
each language's listing and pagination, the article URL pattern, the article selectors.

Every page goes through the project's Fetcher (politeness, size caps, no other host).
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
from selectolax.lexbor import LexborHTMLParser

from feeds.discover import links as L
from feeds.discover import template as T
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import Fetcher, FetchError
from feeds.listing import link_matches, page_url, parse_listing
from feeds.models import Article
from feeds.sources import DEFAULT_REMOVE, DEFAULT_SELECTORS, Listing, SourceSettings
from feeds.urls import host_of, normalise_url

log = logging.getLogger(__name__)

DEFAULT_PAGE_BUDGET = 40
SAMPLES_PER_LANGUAGE = 4
# Template comparison walks each page's elements and their texts: a page far above an
# article's size (a hostile or broken one) is left out rather than compared slowly.
MAX_SAMPLE_ELEMENTS = 15_000
MAX_LISTING_CANDIDATES = 5


class DiscoverError(Exception):
    """Discovery could not start (the first page failed); the message is one line."""


@dataclass(frozen=True)
class Guess:
    """An inferred value, how sure it is ("sure", "likely", "guess", "none"), why, and what
    the operator should check."""

    value: str
    sure: str
    evidence: str
    check: str = ""


@dataclass
class LanguageFinding:
    lang: str
    entry_url: str
    found_by: str
    listing: Guess | None = None
    first_page: int = 1
    max_pages: int = 1
    pagination: Guess | None = None
    feed_url: str | None = None
    article_urls: list[str] = field(default_factory=list)
    feed_dates: dict[str, datetime] = field(default_factory=dict)
    card_dates: dict[str, datetime] = field(default_factory=dict)  # dates the listing shows
    feed_text: dict[str, int] = field(default_factory=dict)  # entry URL -> characters of text
    # The feed in place of the listing: set when its entries carry whole articles.
    use_feed: Guess | None = None
    listing_links: list[str] = field(default_factory=list)  # every link of the listing
    # The listing pages read (1 and 2) and the article links both show: a sidebar's.
    listing_pages: list[str] = field(default_factory=list)
    chrome_urls: set[str] = field(default_factory=set)
    anchor_texts: dict[str, list[str]] = field(default_factory=dict)  # listing link texts
    previews: list[Article] = field(default_factory=list)
    preview_errors: list[str] = field(default_factory=list)


@dataclass
class Discovery:
    start_url: str
    name: str
    title: str
    home_url: str
    language_form: str = ""
    languages: list[LanguageFinding] = field(default_factory=list)
    link_pattern: Guess | None = None
    link_selector: Guess | None = None
    selectors: dict[str, Guess] = field(default_factory=dict)
    remove_extra: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages_fetched: int = 0
    # A portal's other sections (Statements, Campaigns beside News), one source each: a
    # source reads one listing per language. Same selectors, their own listings and pattern.
    sections: list[Discovery] = field(default_factory=list)

    def source_settings(self) -> SourceSettings:
        """The settings the configuration block describes (for previews and checks)."""
        selectors = dict(DEFAULT_SELECTORS)
        selectors.update({k: g.value for k, g in self.selectors.items() if g.value})
        listings = tuple(Listing(lang=f.lang, url=f.listing.value, first_page=f.first_page,
                                 max_pages=f.max_pages)
                         for f in self.languages if f.listing is not None)
        return SourceSettings(
            name=self.name, title=self.title, url=self.home_url, listings=listings,
            link_selector=self.link_selector.value if self.link_selector else "a[href]",
            link_pattern=self.link_pattern.value if self.link_pattern else
            SourceSettings.link_pattern, selectors=selectors,
            remove=(*DEFAULT_REMOVE, *self.remove_extra))


class _Budget:
    """Pages fetched so far, refused past the cap: discovery stays polite on any site."""

    def __init__(self, fetcher: Fetcher, hosts: frozenset[str], cap: int) -> None:
        self.fetcher, self.hosts, self.cap = fetcher, hosts, cap
        self.fetched = 0
        self.refused = 0  # pages not fetched for the cap
        self.cache: dict[str, str | None] = {}
        self.errors: dict[str, str] = {}
        self.final: dict[str, str] = {}  # URL asked -> URL answered, after redirects

    async def get(self, url: str) -> str | None:
        """The page's text, None when it failed or the budget is spent (logged, not raised)."""
        if url in self.cache:
            return self.cache[url]
        if self.fetched >= self.cap:
            log.info("discover: page budget of %d spent; %s not fetched", self.cap, url)
            self.refused += 1
            return None
        self.fetched += 1
        try:
            page = await self.fetcher.fetch(url, allowed_hosts=self.hosts)
        except FetchError as exc:
            log.info("discover: %s", exc)
            self.errors[url] = exc.reason
            self.cache[url] = None
            return None
        self.cache[url] = page.text
        if page.url != url:
            self.final[url] = normalise_url(page.url)
            self.cache.setdefault(self.final[url], page.text)
        return page.text

    def where(self, url: str) -> str:
        """Where `url` was answered from: the base its page's relative links resolve on."""
        return self.final.get(url, url)


async def discover_site(url: str, fetcher: Fetcher, *, now: datetime, name: str | None = None,
                        page_budget: int = DEFAULT_PAGE_BUDGET) -> Discovery:
    start = normalise_url(url)
    hosts = SourceSettings(name="discover", title="", url=start).hosts
    budget = _Budget(fetcher, hosts, page_budget)
    text = await budget.get(start)
    if text is None:
        raise DiscoverError(f"discover: {start}: {budget.errors.get(start, 'not fetched')}")
    start = budget.where(start)  # a home page that redirects to /en/ is read as /en/
    tree = LexborHTMLParser(text)
    found = Discovery(start_url=start, name=name or _name_for(start),
                      title=_site_title(tree, start), home_url=_home(start))

    versions = L.language_versions(tree, start)
    if not versions:
        versions = {"und": (start, "no language marked: one language assumed")}
        found.notes.append("the site marks no language (<html lang>, hreflang, switcher): "
                           "listings are written under 'und'; rename it to the language code")
    found.language_form = L.language_form({k: v[0] for k, v in versions.items()})
    langs = frozenset(versions)
    for entry, _ in versions.values():  # a language on its own subdomain may be fetched
        budget.hosts |= SourceSettings(name="discover", title="", url=entry).hosts
    for lang, (entry, how) in versions.items():
        finding = LanguageFinding(lang, entry, how)
        found.languages.append(finding)
        await _find_listing(finding, budget, langs, found, now)

    groups = [s for f in found.languages for s in _shapes_of(f, langs)]
    if groups:
        found.link_pattern = _pattern_guess(found, groups, sorted(langs))
        found.link_selector = _link_selector(found, budget)
    await _verify_with_feeds(found, budget)
    sections = await _other_sections(found, budget, langs)

    samples = await _samples(found, budget)
    _infer_selectors(found, samples, now)
    _previews(found, samples, now)
    found.pages_fetched = budget.fetched
    if budget.refused:
        found.notes.append(f"stopped at the page budget ({page_budget} pages): some findings "
                           "rest on fewer pages than usual")
    found.sections = [
        replace(found, name=f"{found.name}-{key}", languages=findings, link_pattern=pattern,
                link_selector=Guess("a[href]", "likely", "the pattern alone picks the "
                                    "section's article links"),
                notes=[f"the {key} section of the site, beside source {found.name!r}: the "
                       "same article pages, its own listing"], sections=[])
        for key, (findings, pattern) in sections.items()]
    return found


# ---- listings --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A page that may be a language's listing, and what it links to."""

    url: str
    how: str  # how it was found: "the menu link "News""
    next: L.NextPage | None
    articles: tuple[str, ...]  # article-like links, in page order
    score: int


async def _find_listing(finding: LanguageFinding, budget: _Budget, langs: frozenset[str],
                        found: Discovery, now: datetime) -> None:
    text = await budget.get(finding.entry_url)
    if text is None:
        found.notes.append(f"{finding.lang}: {finding.entry_url} could not be fetched")
        return
    finding.entry_url = budget.where(finding.entry_url)
    tree = LexborHTMLParser(text)
    own = L.page_lang(tree)
    if L.site_of(host_of(finding.entry_url)) != L.site_of(host_of(found.start_url)) and (
            own != finding.lang):
        # A switcher to another host is trusted only when that page says it is this language.
        found.notes.append(f"{finding.lang}: {finding.entry_url} is on another host and its "
                           f'page says lang="{own}": left out')
        return
    if feed := L.feed_links(tree, finding.entry_url):
        finding.feed_url = feed[0][0]
    best: _Candidate | None = None
    candidates = _candidates(tree, finding, langs)
    # The listing another language has, at this language's URL (`/en/posts/` -> `/ar/posts/`):
    # its menu word may be one the word list lacks.
    for other in found.languages:
        if other.listing is not None and other is not finding:
            base = other.listing_pages[0] if other.listing_pages else other.listing.value
            mirror = L.mirrored(base, finding.lang, other.lang)
            if mirror and mirror not in candidates:
                candidates = {mirror: f"the {other.lang} listing's URL in {finding.lang}",
                              **candidates}
    for url, how in list(candidates.items())[:MAX_LISTING_CANDIDATES]:
        candidate = await _candidate(url, how, budget, langs, finding)
        if candidate is not None and (best is None or candidate.score > best.score):
            best = candidate
    if best is None or not best.articles:
        found.notes.append(f"{finding.lang}: no page linking to several articles was found "
                           f"from {finding.entry_url}; give the listing URL to discover")
        return
    listing_tree = LexborHTMLParser(budget.cache.get(best.url) or "")
    for link in L.page_links(listing_tree, best.url):
        finding.anchor_texts.setdefault(link.url, []).append(link.text)
        finding.listing_links.append(link.url)
    finding.article_urls = list(dict.fromkeys(best.articles))
    finding.card_dates = L.card_dates(listing_tree, best.url, set(best.articles), now)
    await _paginate(finding, best, budget, langs, found)


def _candidates(tree: LexborHTMLParser, finding: LanguageFinding,
                langs: frozenset[str]) -> dict[str, str]:
    """Pages that may be the listing: this one, the menu's "News", the home page."""
    found = {finding.entry_url: "the language's page itself"}
    links = L.page_links(tree, finding.entry_url)
    for link in links:
        if link.text.strip().casefold() in L.LISTING_WORDS and link.url not in found:
            found[link.url] = f'the menu link "{link.text}"'
    # Many sites list their newest articles on the home page alone (WordPress's default).
    for link in links:
        if L.is_home_link(link, langs) and link.url not in found:
            found[link.url] = f'the home page link "{link.text}"'
    return found


async def _candidate(url: str, how: str, budget: _Budget, langs: frozenset[str],
                     finding: LanguageFinding) -> _Candidate | None:
    page = await budget.get(url)
    if page is None:
        return None
    url = budget.where(url)
    tree = LexborHTMLParser(page)
    if (own := L.page_lang(tree)) and finding.lang != "und" and own != finding.lang:
        return None  # another language's page (its switcher, or its home link)
    links = L.page_links(tree, url)
    articles = tuple(u for g in L.article_groups(links, langs, exclude=frozenset({url}))
                     for u in g.urls)
    nxt = L.next_page(tree, url)
    if nxt is not None and not L.numbered(nxt.url) and "rel" not in nxt.evidence:
        nxt = None  # "More" to a section's page: not this page's page 2
    score = len(articles) + (5 if nxt else 0) + (2 if how.startswith("the menu") else 0)
    if L.shape_of(url, langs) in {L.shape_of(u, langs) for u in articles}:
        score -= 20  # an article page: its "see also" links make no listing
    if finding.feed_url is None and (feed := L.feed_links(tree, url)):
        finding.feed_url = feed[0][0]
    return _Candidate(url, how, nxt, articles, score)


async def _paginate(finding: LanguageFinding, best: _Candidate, budget: _Budget,
                    langs: frozenset[str], found: Discovery) -> None:
    """The listing's URL with {page}, checked by reading page 2: it must show other
    articles. Links on both pages are a sidebar's, not the listing's."""
    ordered = finding.article_urls
    listing = Guess(best.url, "likely", f"{best.how} links to {len(ordered)} article-like "
                    "URLs", "it is the page of newest articles of this language")
    nxt = best.next
    if nxt is not None:
        template = L.page_template(best.url, nxt.url)
        second = await budget.get(nxt.url)
        if second is not None and budget.where(nxt.url) != nxt.url:
            second = None  # page 2 redirected (to page 1, or elsewhere): no page 2 there
        if second is not None:
            shapes = {L.shape_of(u, langs) for u in ordered}
            more = [k.url for k in L.page_links(LexborHTMLParser(second), nxt.url)
                    if L.shape_of(k.url, langs) in shapes]
            new = [u for u in dict.fromkeys(more) if u not in ordered]
            chrome = {u for u in more if u in ordered}
            sidebar = (f" ({len(chrome)} links on both pages are a sidebar's, not the "
                       "listing's)" if chrome else "")
            if template is not None and not await _is_first_page(template, best, budget,
                                                                  langs):
                first = page_url(template.url, template.first_page)
                found.notes.append(f"{finding.lang}: {first} is not the listing's first "
                                   f"page ({best.url} is): the walk "
                                   "follows next links instead of page numbers")
                template = None
            if template is None and new and _walk_follows(best.url, nxt.url, budget):
                # No page number to count with (offsets, a first page without one): the
                # walk reads the listing and follows each page's own next link.
                finding.listing_pages = [best.url, nxt.url]
                finding.chrome_urls = chrome
                finding.article_urls = [u for u in ordered if u not in chrome] or ordered
                finding.listing = Guess(best.url, "likely", f"{listing.evidence}; page 2 "
                                        f"({nxt.url}) shows {len(new)} other articles"
                                        + sidebar, listing.check)
                finding.pagination = Guess(best.url, "likely", f"{nxt.evidence}, followed "
                                           "page by page (the pages have no page number to "
                                           "count with)", "page 2 of the listing shows "
                                           "older articles; the block says paging = "
                                           "\"next-link\", so `config check` knows the "
                                           "URL's missing {page} is meant")
                finding.first_page, finding.max_pages = 1, 5
                return
        if template is not None and second is not None:
            finding.listing_pages = [best.url, nxt.url]
            finding.chrome_urls = chrome
            finding.article_urls = [u for u in ordered if u not in chrome] or ordered
            sure = "sure" if new else "guess"
            finding.listing = Guess(template.url, sure, f"{listing.evidence}; page 2 "
                                    f"({nxt.url}) shows {len(new)} other articles" + sidebar,
                                    listing.check)
            finding.pagination = Guess(template.url, sure, f"{nxt.evidence}: "
                                       f"{template.evidence}",
                                       "page 2 of the listing shows older articles")
            finding.first_page, finding.max_pages = template.first_page, 5
            return
        found.notes.append(f"{finding.lang}: a next link ({nxt.url}) with no page number "
                           "in it, or page 2 could not be fetched")
    finding.listing = listing
    finding.pagination = Guess("", "none", "no next-page link on the listing",
                               "if the listing has more pages, put {page} in its URL and "
                               "raise max_pages")
    finding.max_pages = 1


async def _is_first_page(template: L.PageTemplate, best: _Candidate, budget: _Budget,
                         langs: frozenset[str]) -> bool:
    """Whether the template's first page is the listing: itself, a redirect to it, or a page
    of the same article links. A Hugo alias page (`/page/1/` with a meta refresh) or a 404 is
    not, and a walk starting there would read nothing."""
    first = page_url(template.url, template.first_page)
    if normalise_url(first) == normalise_url(best.url):
        return True
    text = await budget.get(first)
    if text is None:
        return False
    if normalise_url(budget.where(first)) == normalise_url(best.url):
        return True
    links = L.page_links(LexborHTMLParser(text), budget.where(first))
    shown = {u for g in L.article_groups(links, langs, exclude=frozenset({first}))
             for u in g.urls}
    return bool(shown) and set(best.articles) <= shown


def _walk_follows(listing_url: str, next_url: str, budget: _Budget) -> bool:
    """Whether the check's walk (feeds.listing) finds this next link on the listing."""
    parsed = parse_listing(budget.cache.get(listing_url) or "", listing_url,
                           link_selector="a[href]", link_pattern=".", allowed_hosts=budget.hosts)
    return parsed.next_url is not None and normalise_url(parsed.next_url) == normalise_url(
        next_url)


def _pattern_guess(found: Discovery, groups: list[tuple[str, ...]], langs: list[str]) -> Guess:
    """The pattern, tried on every link of the listings: sure when it takes all the article
    links and none of the others (menus, pagers, tags)."""
    pattern = L.link_pattern(sorted(set(groups)), langs)
    compiled = re.compile(pattern)
    shown = ", ".join(sorted({L.shape_label(g) for g in groups}))
    langset = frozenset(langs)
    shapes = set(groups)
    listed = {u for f in found.languages for u in f.listing_links}
    others = {u for u in listed if L.shape_of(u, langset) not in shapes}
    strays = sorted(u for u in others if link_matches(compiled, u))
    evidence = (f"the article links on the listings have these URL shapes: {shown}; it "
                f"takes {len(strays)} of the {len(others)} other links there (menus, pagers)")
    if strays:
        return Guess(pattern, "guess", evidence, "should these be articles? " + ", ".join(
            strays[:3]))
    return Guess(pattern, "sure", evidence, "")


def _link_selector(found: Discovery, budget: _Budget) -> Guess:
    """The anchors of the listing's own list, when a sidebar links articles too: a
    container whose article links change from page 1 to page 2 (a sidebar's stay), found
    on every language's listing."""
    pattern = re.compile(found.link_pattern.value) if found.link_pattern else None

    def articles(tree: LexborHTMLParser, url: str, selector: str) -> set[str]:
        picked = L.selected_urls(tree, url, selector)
        return {u for u in picked if pattern is not None and link_matches(pattern, u)}

    pairs = [[(url, LexborHTMLParser(budget.cache.get(url) or "")) for url in f.listing_pages]
             for f in found.languages if len(f.listing_pages) == 2]
    if not pairs or len(pairs) < len([f for f in found.languages if f.listing]):
        return Guess("a[href]", "likely", "the pattern alone picks the article links (no "
                     "second listing page to compare the page's parts)", "")
    everything = sum(len(articles(t, u, "a[href]")) for pair in pairs for u, t in pair)
    candidates: dict[str, None] = {}
    for pair in pairs:
        url, tree = pair[0]
        candidates.update(dict.fromkeys(L.container_selectors(
            tree, url, articles(tree, url, "a[href]"))))
    best, best_cover = "a[href]", 0
    for selector in candidates:
        cover = 0
        for (url1, tree1), (url2, tree2) in pairs:
            first, second = articles(tree1, url1, selector), articles(tree2, url2, selector)
            if not first or not second or first & second:
                cover = -1
                break
            cover += len(first) + len(second)
        if cover > best_cover:
            best, best_cover = selector, cover
    if best == "a[href]" or best_cover >= everything:
        return Guess("a[href]", "likely", "no part of the listing pages repeats article "
                     "links from page to page: the pattern alone picks them", "")
    return Guess(best, "likely", f"its article links change from page 1 to page 2 on every "
                 f"listing; {everything - best_cover} other article links there (counted per page) "
                 "repeat on each page (a sidebar's) and are left out",
                 "`feedbot check` finds every new article of the listing")


async def _other_sections(found: Discovery, budget: _Budget, langs: frozenset[str]
                         ) -> dict[str, tuple[list[LanguageFinding], Guess]]:
    """A portal's other sections (Statements, Campaigns beside News): article-like links on
    a language's entry page, under a section page it also links to, that the link pattern
    leaves out. Each becomes a source of its own (section name -> its listings and pattern),
    and the operator is told."""
    pattern = re.compile(found.link_pattern.value) if found.link_pattern else None
    if pattern is None:
        return {}
    by_key: dict[str, dict[str, tuple[str, set[str]]]] = {}  # key -> lang -> section, articles
    for finding in found.languages:
        text = budget.cache.get(finding.entry_url)
        if not text or finding.listing is None:
            continue
        links = L.page_links(LexborHTMLParser(text), finding.entry_url)
        linked = {normalise_url(k.url) for k in links}
        for link in links:
            shape = L.shape_of(link.url, langs)
            section = normalise_url(link.url.rsplit("/", 1)[0])
            if (shape and shape[-1] in ("@slug", "@number") and len(link.text) >= 18
                    and not link_matches(pattern, link.url) and section in linked):
                key = urlsplit(section).path.rstrip("/").rsplit("/", 1)[-1].lower()
                if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key):
                    held = by_key.setdefault(key, {}).setdefault(finding.lang, (section, set()))
                    held[1].add(normalise_url(link.url))
    found_sections: dict[str, tuple[list[LanguageFinding], Guess]] = {}
    for key, per_lang in by_key.items():
        findings: list[LanguageFinding] = []
        shapes: set[tuple[str, ...]] = set()
        for lang, (section, urls) in per_lang.items():
            shapes |= {L.shape_of(u, langs) for u in urls}
            finding = LanguageFinding(lang, section, f"a link to the section on the {lang} "
                                      "entry page")
            text = await budget.get(section)
            if text is None:
                continue
            tree = LexborHTMLParser(text)
            listed = [k.url for k in L.page_links(tree, section)
                      if L.shape_of(k.url, langs) in shapes]
            finding.article_urls = list(dict.fromkeys(listed)) or sorted(urls)
            nxt = L.next_page(tree, section)
            if nxt is not None and not L.numbered(nxt.url) and "rel" not in nxt.evidence:
                nxt = None
            candidate = _Candidate(section, f"the section page {section}", nxt,
                                   tuple(finding.article_urls), 0)
            await _paginate(finding, candidate, budget, langs, found)
            findings.append(finding)
        if not findings:
            continue
        shown = ", ".join(f.entry_url for f in findings)
        section_pattern = L.link_pattern(sorted(shapes), sorted(langs))
        found_sections[key] = (findings, Guess(
            section_pattern, "likely", f"the article links of the {key} section have these "
            f"URL shapes: {', '.join(sorted(L.shape_label(s) for s in shapes))}"))
        found.notes.append(
            f"the entry pages also link to articles of another section, {key} ({shown}), "
            f"which this source's link pattern leaves out: a source reads one listing per "
            f"language, so it gets a source of its own, {found.name}-{key}")
    return found_sections


def _shapes_of(finding: LanguageFinding, langs: frozenset[str]) -> list[tuple[str, ...]]:
    return [L.shape_of(u, langs) for u in finding.article_urls]


async def _verify_with_feeds(found: Discovery, budget: _Budget) -> None:
    """A feed the site advertises names its newest articles: they confirm the pattern, and
    their dates check the date selector."""
    pattern = re.compile(found.link_pattern.value) if found.link_pattern else None
    for finding in found.languages:
        if finding.feed_url is None:
            continue
        text = await budget.get(finding.feed_url)
        if text is None:
            continue
        try:
            parsed = feedparser.parse(text)
        except UnicodeError:  # feedparser's loose parser on "&#xD800;" and the like
            continue
        entries, urls = [], []
        for entry in parsed.entries:
            try:
                urls.append(normalise_url(entry.get("link") or "", finding.feed_url))
            except ValueError:
                continue
            entries.append(entry)
        if not entries:
            continue
        matched = [u for u in urls if pattern and link_matches(pattern, u)]
        for entry, entry_url in zip(entries, urls, strict=True):
            contents = entry.get("content") or []
            html = contents[0].get("value", "") if contents else entry.get("summary", "")
            finding.feed_text[entry_url] = len(T.clean(LexborHTMLParser(html).text()))
        finding.feed_dates = {
            entry_url: datetime.fromtimestamp(calendar.timegm(e.published_parsed), UTC)
            for e, entry_url in zip(entries, urls, strict=True) if e.get("published_parsed")}
        found.notes.append(
            f"{finding.lang}: the site advertises a feed, {finding.feed_url} ({len(urls)} "
            f"items; the link pattern matches {len(matched)} of them): its links and dates "
            "were used to find and check articles")
        for url in urls:
            same_site = L.site_of(host_of(url)) == L.site_of(host_of(found.start_url))
            if url not in finding.article_urls and same_site and url.startswith("http"):
                finding.article_urls.append(url)


# ---- articles --------------------------------------------------------------------------


async def _samples(found: Discovery, budget: _Budget) -> list[T.Sample]:
    samples = []
    for finding in found.languages:
        for url in finding.article_urls[:SAMPLES_PER_LANGUAGE]:
            text = await budget.get(url)
            if text is None:
                continue
            sample = T.Sample(url, text, finding.lang, tuple(finding.anchor_texts.get(url, ())),
                              finding.feed_dates.get(url) or finding.card_dates.get(url))
            if len(sample.tree.css("*")) > MAX_SAMPLE_ELEMENTS:
                found.notes.append(f"{url}: left out of the comparison (more than "
                                   f"{MAX_SAMPLE_ELEMENTS} elements)")
                continue
            samples.append(sample)
    return samples


def _infer_selectors(found: Discovery, samples: list[T.Sample], now: datetime) -> None:
    if not samples:
        found.notes.append("no article page could be read: selectors are left at the defaults")
        return
    repeated = T.repeated_texts(samples)
    body = T.infer_body(samples, repeated)
    title = T.infer_title(samples)
    date = T.infer_date(samples, body.selector, now)
    for key, inferred in (("title", title), ("date", date), ("body", body)):
        found.selectors[key] = Guess(inferred.selector, inferred.sure, inferred.evidence,
                                     inferred.check)
    if body.selector:
        found.remove_extra = T.chrome_inside(samples, body.selector, repeated)


def _previews(found: Discovery, samples: list[T.Sample], now: datetime) -> None:
    """Three articles per language as the found settings read them; and whether the feed,
    where there is one, carries as much of each article as its page."""
    source = found.source_settings()
    for finding in found.languages:
        compared = full = 0
        for index, sample in enumerate(s for s in samples if s.lang == finding.lang):
            try:
                articles = extract_articles(sample.html, sample.url, source, now=now)
            except ExtractError as exc:
                finding.preview_errors.append(f"{sample.url}: {exc}")
                continue
            if index < 3:
                finding.previews.extend(articles[:1])
            if sample.url in finding.feed_text and articles:
                compared += 1
                full += finding.feed_text[sample.url] >= 0.8 * len(articles[0].body_text)
        if finding.feed_url and compared:
            whole = full == compared
            finding.use_feed = Guess(
                finding.feed_url, "sure" if whole else "none",
                f"{full} of the {compared} articles compared have their whole text in the "
                f"feed" + ("" if whole else " (the feed carries summaries)"),
                "the feed is read instead of the listing: no scraping, only its newest "
                "entries" if whole else "")


# ---- names -----------------------------------------------------------------------------


def _name_for(url: str) -> str:
    host = host_of(url)
    if re.fullmatch(r"[\d.]+|\[.*\]|localhost", host):
        return "site"
    labels = [p for p in host.split(".") if p not in ("www", "en", "ar", "fr")]
    return re.sub(r"[^a-z0-9]+", "-", (labels[-2] if len(labels) >= 2 else labels[0]).lower())


def _home(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _site_title(tree: LexborHTMLParser, url: str) -> str:
    node = tree.css_first('meta[property="og:site_name"]')
    if node is not None and node.attributes.get("content"):
        return (node.attributes.get("content") or "").strip()
    title = tree.css_first("title")
    text = " ".join(title.text().split()) if title is not None else ""
    for sep in (" | ", " – ", " — ", " - "):
        if sep in text:
            return text.rsplit(sep, 1)[1].strip()
    return text or host_of(url)
