"""A pass over the replica site, for real over HTTP: new, updated, unchanged, failed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import check_sources
from bot.config import Config
from bot.demo import demo_config
from feeds.check import LanguageReport
from feeds.replica import ReplicaSite
from feeds.store import ArticleStore, open_engine


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica


@pytest.fixture
def config(site: ReplicaSite, tmp_path: Path) -> Config:
    config = demo_config(site.base_url, tmp_path)
    fast = dataclasses.replace(config.fetch, retries=1, backoff_seconds=0.01, timeout_seconds=3,
                               max_bytes=2_000_000)
    return dataclasses.replace(config, fetch=fast)


@pytest.fixture
def store(config: Config) -> ArticleStore:
    return ArticleStore(open_engine(config.database))


def run_pass(config: Config, store: ArticleStore) -> dict[str, LanguageReport]:
    return {r.lang: r for r in asyncio.run(check_sources(config, store))}


def test_first_pass_stores_every_listed_article_once(config: Config,
                                                     store: ArticleStore) -> None:
    reports = run_pass(config, store)
    assert reports["en"].new > 0 and reports["ar"].new > 0
    assert not reports["en"].failures and not reports["ar"].failures
    stored = store.latest(limit=1000)
    assert len({a.key for a in stored}) == len(stored)
    assert all(a.published is not None for a in stored)


def test_second_pass_over_unchanged_site_finds_nothing_new(config: Config, store: ArticleStore,
                                                           site: ReplicaSite) -> None:
    run_pass(config, store)
    count = store.count()
    site.reset_requests()
    reports = run_pass(config, store)
    assert reports["en"].new == reports["ar"].new == 0
    assert reports["en"].updated == reports["ar"].updated == 0
    assert store.count() == count
    # Only listing page 1 per language and revalidation of page-1 articles.
    assert len(site.requests) <= 2 + 2 * 10


def test_a_new_article_on_the_site_is_found_on_the_next_pass(config: Config, store: ArticleStore,
                                                             site: ReplicaSite) -> None:
    run_pass(config, store)
    post = site.publish(lang="ar", title="القسط تطالب بالإفراج عن المعتقلين",
                        paragraphs=["طالبت القسط اليوم السلطات السعودية بالإفراج الفوري عن "
                                    "جميع معتقلي الرأي. وأكدت أن الاحتجاز التعسفي مستمر."])
    reports = run_pass(config, store)
    assert reports["ar"].new == 1
    article = store.get(post.url)
    assert article is not None
    assert article.lang == "ar"
    assert article.title == "القسط تطالب بالإفراج عن المعتقلين"


def test_a_persian_post_on_the_arabic_listing_is_stored_as_persian(
        config: Config, store: ArticleStore, site: ReplicaSite) -> None:
    run_pass(config, store)
    post = site.publish(lang="ar", title="ایران باید نرگس محمدی را آزاد کند",
                        paragraphs=["عفو بین‌الملل اعلام کرد که دست‌کم ۲۰ معترض در زندان اوین "
                                    "بازداشت شده‌اند و خانواده‌های آنان خواستار آزادی هستند."])
    run_pass(config, store)
    article = store.get(post.url)
    assert article is not None
    assert article.lang == "fa"


def test_an_edit_on_the_site_updates_the_article_instead_of_adding_one(
        config: Config, store: ArticleStore, site: ReplicaSite) -> None:
    post = site.publish(lang="en", title="Original title", paragraphs=[
        "ALQST documented a new wave of arrests. Families were not informed."])
    run_pass(config, store)
    before = store.get(post.url)
    assert before is not None
    site.edit(post.id, title="Corrected title")
    reports = run_pass(config, store)
    assert reports["en"].updated == 1 and reports["en"].new == 0
    after = store.get(post.url)
    assert after is not None and after.title == "Corrected title"
    assert after.published == before.published
    assert after.updated is not None and before.updated is not None
    assert after.updated > before.updated


def test_an_article_at_numeric_and_slug_urls_is_stored_once(config: Config, store: ArticleStore,
                                                            site: ReplicaSite) -> None:
    run_pass(config, store)
    upr = [a for a in store.latest(limit=1000) if "Global Citizen" in a.body_text]
    assert len(upr) == 1
    assert upr[0].lang == "en"  # English body under the Arabic interface


def test_a_failing_article_is_reported_and_retried_next_pass(config: Config, store: ArticleStore,
                                                             site: ReplicaSite) -> None:
    post = site.publish(lang="en", title="Flaky page", paragraphs=["Some text about rights."])
    site.set_fault(f"/en/post/{post.slug}", "500")
    reports = run_pass(config, store)
    failures = reports["en"].failures
    assert [f.url for f in failures] == [post.url]
    assert "500" in failures[0].reason and "\n" not in failures[0].reason
    assert store.get(post.url) is None
    site.set_fault(f"/en/post/{post.slug}", None)
    reports = run_pass(config, store)
    assert not reports["en"].failures
    assert store.get(post.url) is not None


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("redirect-offsite", "another host"),
        ("redirect-loop", "loop"),
        ("huge", "larger"),
        ("truncated", ""),
        ("garbage", ""),
        ("404", "404"),
    ],
)
def test_a_misbehaving_article_page_ends_in_a_one_line_reason(
        config: Config, store: ArticleStore, site: ReplicaSite, fault: str, words: str) -> None:
    run_pass(config, store)
    post = site.publish(lang="en", title="Misbehaving", paragraphs=["Text of the article."])
    site.set_fault(f"/en/post/{post.slug}", fault)
    count = store.count()
    reports = run_pass(config, store)
    failures = reports["en"].failures
    assert len(failures) == 1, reports["en"]
    assert words in failures[0].reason
    assert "\n" not in failures[0].reason
    assert store.count() == count


@pytest.mark.parametrize("fault", ["cp1256", "cp1256-meta-only", "wrong-charset"])
def test_arabic_pages_in_other_charsets_read_correctly(
        config: Config, store: ArticleStore, site: ReplicaSite, fault: str) -> None:
    run_pass(config, store)
    post = site.publish(lang="ar", title="تقرير جديد عن أوضاع السجون",
                        paragraphs=["نشرت القسط تقريراً جديداً عن أوضاع السجون في السعودية."])
    site.set_fault(f"/ar/post/{post.slug}", fault)
    site.set_fault(f"/posts/{post.id}", fault)
    site.set_fault(f"/ar/posts/{post.id}", fault)
    run_pass(config, store)
    article = store.get(post.url)
    assert article is not None
    assert article.title == "تقرير جديد عن أوضاع السجون"


def test_a_listing_that_suddenly_yields_nothing_is_a_probable_redesign(
        config: Config, store: ArticleStore, site: ReplicaSite) -> None:
    run_pass(config, store)
    count = store.count()
    site.set_fault("/en/posts", "empty-listing")
    reports = run_pass(config, store)
    assert any("redesign" in w for w in reports["en"].warnings)
    assert store.count() == count


def test_a_listing_that_is_down_is_reported_and_nothing_is_lost(
        config: Config, store: ArticleStore, site: ReplicaSite) -> None:
    run_pass(config, store)
    count = store.count()
    site.set_fault("/ar/posts", "500")
    reports = run_pass(config, store)
    assert reports["ar"].failures and "500" in reports["ar"].failures[0].reason
    assert not reports["en"].failures
    assert store.count() == count


def test_translations_across_en_and_ar_pages_are_linked(config: Config, store: ArticleStore,
                                                        site: ReplicaSite) -> None:
    run_pass(config, store)
    english = site.publish(lang="en", title="Detained blogger sentenced to 20 years",
                           paragraphs=["A Saudi blogger was sentenced to 20 years in prison "
                                       "for tweets. ALQST condemns the verdict."])
    arabic = site.publish(lang="ar", title="الحكم على مدوّن معتقل بالسجن 20 عاماً",
                          paragraphs=["صدر حكم بسجن مدوّن سعودي 20 عاماً بسبب تغريدات. "
                                      "وتدين القسط هذا الحكم."], translation_of=english.id)
    run_pass(config, store)
    en_article, ar_article = store.get(english.url), store.get(arabic.url)
    assert en_article is not None and ar_article is not None
    assert ar_article.translations == {"en": english.url}
    assert en_article.translations == {"ar": arabic.url}


def test_a_first_run_that_cannot_reach_the_listing_stays_a_first_run(
        config: Config, store: ArticleStore, site: ReplicaSite) -> None:
    site.set_fault("/en/posts", "500")
    reports = run_pass(config, store)
    assert reports["en"].failures and reports["en"].first_run
    site.set_fault("/en/posts", None)
    reports = run_pass(config, store)
    assert reports["en"].first_run  # still the baseline: the archive must not be posted
    assert reports["en"].new > 0
    assert not run_pass(config, store)["en"].first_run
