"""The sites `feedbot discover` is proven on (three test sites and the replica), each with
what every one of its articles should come out as, and the scoring of an Article against
that: title, date, language, kind, and a body that holds the text and no chrome.

Shared by tests/test_discover.py and bench/discover.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from feeds.models import Article
from feeds.replica import ReplicaSite
from feeds.urls import normalise_url
from tests.fakes import (
    arabicfirst_site,
    drupal_site,
    ghost_site,
    joomla_site,
    langquery_site,
    portal_site,
    press_site,
    subdomain_site,
    wix_site,
)
from tests.fakes.ngo_corpus import LANGS, POSTS

FIELDS = ("title", "date", "language", "kind", "body")
REPLICA_CHROME = ("Share Article", "Sign up to our newsletter", "Support our work",
                  "All rights reserved", "Publication date", "تاريخ النشر", "©")


@dataclass(frozen=True)
class Expected:
    url: str  # normalised
    lang: str
    title: str
    date: dt.date
    kind: str
    text: tuple[str, ...]  # pieces the body must hold
    chrome: tuple[str, ...]  # pieces it must not
    others: tuple[str, ...]  # other articles' titles: in a body they are a "see also" box


@dataclass(frozen=True)
class SiteUnderTest:
    name: str
    start_url: str
    expected: tuple[Expected, ...]


CorpusSite = (press_site.PressSite | drupal_site.DrupalSite | langquery_site.LangQuerySite
              | ghost_site.GhostSite | subdomain_site.SubdomainSite | portal_site.PortalSite
              | wix_site.WixSite | joomla_site.JoomlaSite | arabicfirst_site.ArabicFirstSite)


def corpus_expected(site: CorpusSite, chrome: tuple[str, ...]) -> tuple[Expected, ...]:
    found = []
    for post in POSTS:
        # A site whose second language is partial says which posts it has in which.
        langs = site.languages(post) if isinstance(site, arabicfirst_site.ArabicFirstSite) \
            else LANGS
        for lang in langs:
            version = post.version(lang)
            others = tuple(p.version(lang).title for p in POSTS if p is not post)
            found.append(Expected(normalise_url(site.post_url(post, lang)), lang, version.title,
                                  post.date, post.kind, version.paragraphs, chrome, others))
    return tuple(found)


@contextmanager
def started(name: str) -> Iterator[SiteUnderTest]:
    """One of SITE_NAMES or HELD_OUT_SITES, running, with its expectations."""
    if name == "replica":
        with ReplicaSite() as replica:
            posts = [p for lang in ("en", "ar") for p in replica.posts(lang)]
            titles = tuple(p.title for p in posts)
            yield SiteUnderTest(name, replica.base_url + "/", tuple(
                Expected(normalise_url(p.url), p.lang, p.title, p.date, p.kind, (),
                         REPLICA_CHROME, tuple(t for t in titles if t != p.title))
                for p in posts))
        return
    classes: dict[str, type[CorpusSite]] = {
        "press": press_site.PressSite, "drupal": drupal_site.DrupalSite,
        "langquery": langquery_site.LangQuerySite, "ghost": ghost_site.GhostSite,
        "subdomain": subdomain_site.SubdomainSite, "portal": portal_site.PortalSite,
        "wix": wix_site.WixSite, "joomla": joomla_site.JoomlaSite,
        "arabicfirst": arabicfirst_site.ArabicFirstSite}
    modules = {"press": press_site, "drupal": drupal_site, "langquery": langquery_site,
               "ghost": ghost_site, "subdomain": subdomain_site, "portal": portal_site,
               "wix": wix_site, "joomla": joomla_site, "arabicfirst": arabicfirst_site}
    with classes[name]() as site:
        yield SiteUnderTest(name, site.home_url,
                            corpus_expected(site, modules[name].CHROME))


SITE_NAMES = ("press", "drupal", "langquery", "replica")
# Sites built after discover was written, in shapes it was not built around (issue 12):
# a Ghost/Hugo-like one, languages on two hosts, a news portal of several sections.
HELD_OUT_SITES = ("ghost", "subdomain", "portal")
# The third round (issue 12 again): a Wix-like site of generated class names, a Joomla/K2 one
# of query-string URLs, an Arabic-first one with a partial English version and a table index.
ROUND3_SITES = ("wix", "joomla", "arabicfirst")


def score(article: Article | None, expected: Expected) -> dict[str, bool]:
    """Which fields of the article are right (all wrong when there is no article)."""
    if article is None:
        return dict.fromkeys(FIELDS, False)
    body = article.body_text
    clean = bool(body) and all(piece in body for piece in expected.text) and not any(
        piece in body for piece in expected.chrome) and not any(
        title in body for title in expected.others if len(title) > 20)
    return {
        "title": article.title == expected.title,
        "date": (article.published is not None and not article.date_is_guess
                 and article.published.date() == expected.date),
        "language": article.lang == expected.lang,
        "kind": article.kind.value == expected.kind,
        "body": clean,
    }


def find_article(articles: list[Article], expected: Expected) -> Article | None:
    """The article stored for this URL and language (a bilingual page gives two)."""
    for article in articles:
        if normalise_url(article.url) == expected.url and article.lang == expected.lang:
            return article
    same_url = [a for a in articles if normalise_url(a.url) == expected.url]
    return same_url[0] if len(same_url) == 1 else None
