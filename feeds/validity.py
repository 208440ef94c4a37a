"""Does an extraction look like an article? The gate between extracting a page and storing it.

Sites answer 200 with pages that are no article at all: a CDN's bot challenge, a proxy's
error page, a maintenance mode, a half-deployed theme, a login wall. Stored, such a page
replaces a good article in the feeds and, once the site recovers, turns the real article's
first appearance into an "edit", so its post is never sent. Each verdict here is a one-line
reason for the operator; the caller treats it as a failed fetch, retried on the next pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from feeds.language import UNDETERMINED
from feeds.models import Article

# A real article, however short, has a sentence: about four words. A bare error page keeps
# a server banner ("nginx/1.18.0 (Ubuntu)") or a reference number, fewer letters than that.
MIN_BODY_LETTERS = 20
# Phrases of interstitial pages count only in a page this short: every such page is a few
# sentences, while an article that quotes "Checking your browser" is longer than that.
INTERSTITIAL_MAX_CHARS = 1000
# An edit rarely removes three quarters of an article; a template that renders only the
# teaser, or an emptied theme, does. Below the floor a short item may be rewritten whole.
SHRINK_RATIO = 0.25
SHRINK_FLOOR_LETTERS = 400
# Different articles never share a whole body, so three pages of one pass with the same
# body are one page served for every URL (a challenge, an error page). Titles do recur
# ("Joint statement: ...", eight times in the replica's archive), so the same title counts
# only when it is also on at least half the pages of the pass, as a page served for every
# URL is.
REPEATS = 3
REPEATED_TITLE_SHARE = 0.5

PREFIX = "not an article: "

# Whole titles (the part before " | Site name") that no article carries.
_TITLE = re.compile(
    r"just a moment(?:\.\.\.|…)?|attention required!?|access denied|forbidden|error|"
    r"(?:40\d|5\d\d)\s+(?:bad gateway|service (?:temporarily )?unavailable|gateway time-?out|"
    r"internal server error|forbidden|not found|bad request|unauthorized)|"
    r"maintenance(?: mode)?|site (?:is )?under maintenance|log ?in|sign ?in|page not found|"
    r"تسجيل الدخول|الموقع تحت الصيانة|صيانة",
    re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+[|‹›«»·•–—-]\s+|\s*[|‹›«»]\s*")

# Phrases of interstitial pages, with what they are, for the operator's one line.
_INTERSTITIALS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE)) for label, pattern in (
        ("a bot challenge", r"just a moment(?:\.\.\.|…)|checking (?:if the site connection is "
         r"secure|your browser)|needs to review the security of your connection|enable "
         r"javascript and cookies to continue|turn javascript on and reload|ddos protection "
         r"by|performance (?:&|and) security by|attention required|verify(?:ing)? (?:that )?"
         r"you are (?:a )?human|ray id:"),
        ("an access-denied page", r"you don'?t have permission to access|access denied|"
         r"request (?:was )?blocked"),
        ("a server error page", r"\b(?:50[0-4]|403|404)\s+(?:bad gateway|service (?:temporarily"
         r" )?unavailable|gateway time-?out|internal server error|forbidden|not found)\b|"
         r"^nginx(?:/[\d.]+)?(?: \(\w+\))?$"),
        ("a maintenance page", r"unavailable for scheduled maintenance|undergoing (?:scheduled "
         r")?maintenance|under maintenance|down for maintenance|maintenance mode|be back "
         r"(?:online )?(?:soon|shortly)|تحت الصيانة|وضع الصيانة|أعمال الصيانة والتحديث|"
         r"سنعود قريبا"),
        ("a login page", r"you must log ?in|log ?in to (?:view|continue|access)|username or "
         r"email address|lost your password|تسجيل الدخول|كلمة المرور"),
        ("an unrendered template", r"\{\{.*?\}\}|\{%.*?%\}"),
    ))
_SPACES = re.compile(r"\s+")


def judge(article: Article, stored: Article | None = None) -> str | None:
    """Why `article` (extracted from an article page) is not one, or None when it looks fine.

    `stored` is the version already stored under the same key, if any.
    """
    if not article.title.strip():
        return PREFIX + "the page has no title"
    letters = _letters(article.body_text)
    if letters == 0:
        return PREFIX + "the page has no body text (a maintenance or challenge page?)"
    if letters < MIN_BODY_LETTERS:
        return (PREFIX + f"only {letters} letters of body text (a maintenance, error or "
                "challenge page?)")
    if article.lang == UNDETERMINED:
        return PREFIX + "its language cannot be determined (no readable text, no <html lang>)"
    if found := interstitial(article.title, article.body_text):
        return found
    if stored is not None:
        before = _letters(stored.body_text)
        if before >= SHRINK_FLOOR_LETTERS and letters < before * SHRINK_RATIO:
            return (PREFIX + f"its body has {letters} letters, {100 * letters // before}% of the "
                    f"{before} stored (a broken or half-deployed page?); the stored version "
                    "is kept")
    return None


def judge_feed_entry(article: Article) -> str | None:
    """The rules that fit an entry of the site's own RSS/Atom feed.

    A feed entry may rightly carry only a title and a summary, or a shorter body than the
    page it links to, so no body rule applies; a feed served by a challenge page does not
    parse at all (the feed check warns about that). Only a title that is no article's stays.
    """
    if not article.title.strip():
        return PREFIX + "the entry has no title"
    if _TITLE.fullmatch(_title_head(article.title)):
        return PREFIX + f'the entry is titled "{article.title}"'
    return None


def interstitial(title: str, body_text: str) -> str | None:
    """The reason when the title or a short page reads like an interstitial, else None."""
    head = _title_head(title)
    if _TITLE.fullmatch(head):
        return PREFIX + f'the page is titled "{head}" (an error, maintenance or challenge page?)'
    if len(body_text) > INTERSTITIAL_MAX_CHARS:
        return None
    for text in (title, *body_text.splitlines()):
        for label, pattern in _INTERSTITIALS:
            if match := pattern.search(text.strip()):
                return PREFIX + f'the page reads like {label} ("{match.group(0)}")'
    return None


def repeated(pages: Mapping[str, Sequence[Article]]) -> dict[str, str]:
    """URL -> reason for the pages of one pass that look like one page served for every
    URL: the same body on REPEATS pages or more, or the same title on REPEATS pages or more
    that are also half the pass.

    Counted by article key, so one article reached by two URLs (slug and numeric) is one.
    """
    verdicts: dict[str, str] = {}
    for what, value_of in (("title", _title_key), ("body text", _body_key)):
        keys: dict[str, set[str]] = defaultdict(set)
        urls: dict[str, set[str]] = defaultdict(set)
        for url, articles in pages.items():
            for article in articles:
                if value := value_of(article):
                    keys[value].add(article.key)
                    urls[value].add(url)
        total = len({article.key for articles in pages.values() for article in articles})
        for value, same in keys.items():
            if len(same) < REPEATS or (what == "title"
                                       and len(same) < total * REPEATED_TITLE_SHARE):
                continue
            shown = value if len(value) <= 60 else value[:59] + "…"
            for url in urls[value]:
                verdicts.setdefault(url, PREFIX + f"{len(same)} pages of this pass have the "
                                    f'same {what} ("{shown}"): one page served for every URL '
                                    "(a challenge or error page?)")
    return verdicts


def first_verdict(articles: Iterable[Article], stored: Mapping[str, Article]) -> str | None:
    """The first reason any article of one page is not one (a page stands or falls whole)."""
    for article in articles:
        if reason := judge(article, stored.get(article.key)):
            return reason
    return None


def _title_head(title: str) -> str:
    """ "Log In ‹ Site — WordPress" -> "Log In": the page's own title, without the site name."""
    return _TITLE_SEPARATORS.split(_clean(title), maxsplit=1)[0].strip()


def _title_key(article: Article) -> str:
    return _clean(article.title).casefold()


def _body_key(article: Article) -> str:
    return _clean(article.body_text)


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
