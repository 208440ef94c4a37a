"""Dates right with no selectors: the fixture pages of tests/data/page_dates (one per site style,
Arabic and English) extracted with a source that configures nothing, against the date each
page's comment says a reader sees (or "none": the page shows no publication date).
Then what reading the teasers' dates costs a listing parse (the replica's two listings and
the listing of tests/test_preview_listing.py), when the code has it.

Run:  .venv/bin/python bench/page_dates.py
Before/after: export the old code and point PYTHONPATH at it, e.g.
      mkdir /tmp/base && git archive main feeds | tar -x -C /tmp/base
      PYTHONPATH=/tmp/base .venv/bin/python bench/page_dates.py
"""

from __future__ import annotations

import inspect
import sys
import time
from pathlib import Path

# Not bench/ itself (its feeds.py would shadow the package); the project last, so that a
# baseline on PYTHONPATH is the `feeds` imported.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
sys.path.append(sys.path.pop(0))

from feeds.extract import extract_articles  # noqa: E402
from tests.test_pagedate import CASES, NOW, SOURCE  # noqa: E402


def main() -> int:
    takes_listed = "listed" in inspect.signature(extract_articles).parameters
    right = dated_right = dated = 0
    started = time.perf_counter()
    for case in CASES:
        extra = {"listed": case.listed} if takes_listed else {}
        [article] = extract_articles(case.html, case.url, SOURCE, now=NOW, **extra)
        found = article.published.date() if article.published else None
        ok = found == case.expected
        right += ok
        dated += case.expected is not None
        dated_right += ok and case.expected is not None
        print(f"{'ok ' if ok else 'BAD'} {case.name:24} expected {case.expected or 'none'!s:10} "
              f"found {found or 'none'}")
    ms = (time.perf_counter() - started) * 1000 / len(CASES)
    print(f"dates right with no selectors: {right}/{len(CASES)} pages (dated pages "
          f"{dated_right}/{dated}, undated pages left undated {right - dated_right}/"
          f"{len(CASES) - dated}) ({Path(inspect.getfile(extract_articles)).parent.parent}; "
          f"{ms:.1f} ms a page)")
    _title_line_cost()
    _listing_cost()
    return 0


def _title_line_cost(rounds: int = 20) -> None:
    """What looking for an unlabelled date beside the title costs a page, when the code has it
    (warm: the pages parsed once, the function run on each)."""
    from selectolax.lexbor import LexborHTMLParser

    import feeds.pagedate

    look = getattr(feeds.pagedate, "title_line_date", None)
    if look is None:
        return
    trees = [(LexborHTMLParser(case.html), (case.url,)) for case in CASES]
    started = time.perf_counter()
    for _ in range(rounds):
        for tree, urls in trees:
            look(tree, urls, NOW)
    ms = (time.perf_counter() - started) * 1000 / rounds / len(trees)
    print(f"unlabelled date beside the title: {ms:.2f} ms a page")


def _listing_cost(rounds: int = 20) -> None:
    import httpx

    from feeds.listing import parse_listing
    from feeds.replica import ReplicaSite
    from tests.test_preview_listing import NEWS, TITLES

    if "now" not in inspect.signature(parse_listing).parameters:
        return
    with ReplicaSite() as site:
        pages = [httpx.get(f"{site.base_url}/{lang}/posts?page=1").text for lang in ("ar", "en")]
    pages += [NEWS, TITLES]
    hosts = frozenset({"127.0.0.1"})
    for label, now in (("links only", None), ("with teaser dates", NOW)):
        started = time.perf_counter()
        for _ in range(rounds):
            for page in pages:
                parse_listing(page, "http://127.0.0.1/", link_selector="a[href]",
                              link_pattern=r"/(?:posts?/|\d{4}/)", allowed_hosts=hosts, now=now)
        ms = (time.perf_counter() - started) * 1000 / rounds / len(pages)
        print(f"listing parse, {label}: {ms:.2f} ms a page")


if __name__ == "__main__":
    raise SystemExit(main())
