"""What a source's newest articles in one language lack that a reader notices: dates taken from
first-seen time, and titles, bodies or images that most of its other articles have.

One line per missing field, so a pass, `feedbot status` and the operator alert each say it once
per source and language, with the count and the setting to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from feeds.models import Article
from feeds.store import ArticleStore

WINDOW = 20  # the newest articles of a source and language that are judged
SHORT_BODY = 40  # characters: less is a caption or a "Read more", not a body (a call to action
# can be two sentences, about 100)
DISCOVER = "see `feedbot discover`"


def source_gaps(store: ArticleStore, source: str, lang: str, *, feed: bool = False) -> list[str]:
    """`field_gaps` of the newest stored articles of `source` in `lang`."""
    return field_gaps(store.latest(source=source, lang=lang, limit=WINDOW), lang, feed=feed)


def field_gaps(articles: Sequence[Article], lang: str, *, feed: bool = False) -> list[str]:
    """Warnings about fields the articles miss; `feed`: they were read from an RSS/Atom feed
    (no selector can help there).

    Rules: dates when at least a quarter of the articles (and at least one) were dated by
    first-seen time; a title when three or more articles and at least a quarter share one
    (a site name or a section heading caught instead of each title; two posts may share a
    title, "Press release"); bodies and images when some articles lack them
    while at least three quarters of the others have them (so a site without images, or
    one with only short notes, is not told off).
    """
    total = len(articles)
    if not total:
        return []
    warnings: list[str] = []
    guessed = sum(a.date_is_guess for a in articles)
    if guessed and guessed * 4 >= total:
        where = "in the feed" if feed else "on the page"
        hint = "the feed gives none" if feed else f"set selectors.date — {DISCOVER}"
        warnings.append(f"{guessed} of {total} articles on {lang} have no date {where} "
                        f"(dated by first-seen time): {hint}")
    title, shared = Counter(a.title for a in articles).most_common(1)[0]
    if shared >= 3 and shared * 4 >= total and not feed:
        warnings.append(f"{shared} of {total} articles on {lang} have the same title "
                        f"{title[:60]!r}: set selectors.title — {DISCOVER}")
    short = sum(len(a.body_text) < SHORT_BODY for a in articles)
    if _most_others_have(total - short, short) and not feed:
        warnings.append(f"{short} of {total} articles on {lang} have no body (under "
                        f"{SHORT_BODY} characters) while the others have one: set "
                        f"selectors.body — {DISCOVER}")
    bare = sum(a.image is None for a in articles)
    if _most_others_have(total - bare, bare) and not feed:
        warnings.append(f"{bare} of {total} articles on {lang} have no image while the others "
                        f"have one: set selectors.image — {DISCOVER}")
    return warnings


def _most_others_have(having: int, lacking: int) -> bool:
    return lacking > 0 and having >= 3 and having * 4 >= (having + lacking) * 3
