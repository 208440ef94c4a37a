"""Extraction throughput: our extractor (extraction + classification) vs `trafilatura.extract`
alone, the same pages, side by side in one run.

The page set is varied, not only the replica: the replica's article pages, pages of the
WordPress-like and blog-like test sites (tests/fakes), the fixtures of tests/data (campaign
bodies wrapped in a theme, validity articles), and pages this script generates from a seed:
joint statements signed by 50-300 organisations (English and Arabic; as a list, as one line
each, as one paragraph of <br> lines) and long bodies (10k+ words).

Every round times each page twice in turn (ours, then trafilatura alone), so both share the
machine's state; a page's time is its best round. Reported: median ms per page of each, their
ratio, the spread of that ratio over rounds and over pages, the slowest pages and a cProfile
summary of one pass of ours.

Run:  .venv/bin/python bench/extract.py [--archive 60] [--rounds 5] [--seed 14]
Before/after in one run: export the old code and pass it as a baseline, e.g.
      mkdir /tmp/base && git archive <commit> feeds | tar -x -C /tmp/base
      .venv/bin/python bench/extract.py --baseline /tmp/base
(each implementation then runs in its own worker process, rounds alternating between them).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import html as html_lib
import io
import json
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from _common import ROOT

Page = tuple[str, str, str, str]  # (name, kind of page, url, html)
NOW = datetime(2026, 11, 21, tzinfo=UTC)
DATA = ROOT / "tests" / "data"


# ---- the page set -------------------------------------------------------------------------


async def _replica_pages(base_url: str) -> list[tuple[str, str]]:
    import httpx

    from feeds.listing import parse_listing
    from feeds.sources import DEFAULT_LINK_PATTERN

    urls: list[str] = []
    async with httpx.AsyncClient() as client:
        for lang in ("en", "ar"):
            for page in range(1, 1000):
                response = await client.get(f"{base_url}/{lang}/posts?page={page}")
                links = parse_listing(response.text, str(response.url), link_selector="a[href]",
                                      link_pattern=DEFAULT_LINK_PATTERN,
                                      allowed_hosts=frozenset({"127.0.0.1"})).links
                if not links:
                    break
                urls.extend(links)
        pages = []
        for url in dict.fromkeys(urls):
            response = await client.get(url)
            pages.append((url, response.text))
    return pages


def replica_pages(archive: int) -> list[Page]:
    from _common import ReplicaProcess

    with ReplicaProcess(archive) as base_url:
        fetched = asyncio.run(_replica_pages(base_url))
    # The replica's port changes per run: name pages by path, serve them from a fixed host.
    return [(f"replica{url.removeprefix(base_url)}", "replica",
             "http://127.0.0.1" + url.removeprefix(base_url), page) for url, page in fetched]


_EN_WORDS_TEXT = (
    "authorities detained human rights defenders without charge after peaceful protest "
    "the court sentenced activist to years in prison for tweets family members face "
    "travel bans and harassment while lawyers were denied access to their clients during "
    "interrogation international observers called for release independent investigation "
    "into torture allegations and an end to reprisals against those who cooperate with "
    "the United Nations"
)
_EN_WORDS = _EN_WORDS_TEXT.split()
_AR_WORDS_TEXT = (
    "اعتقلت السلطات المدافعين عن حقوق الإنسان دون توجيه تهم بعد احتجاج سلمي وحكمت المحكمة "
    "على الناشط بالسجن سنوات بسبب تغريدات ويواجه أفراد الأسرة حظر السفر والمضايقات بينما "
    "حرم المحامون من الوصول إلى موكليهم أثناء التحقيق ودعا المراقبون الدوليون إلى الإفراج "
    "وإجراء تحقيق مستقل في ادعاءات التعذيب ووضع حد للانتقام من المتعاونين مع الأمم "
    "المتحدة"
)
_AR_WORDS = _AR_WORDS_TEXT.split()
_EN_ORG = (("Gulf", "Arab", "International", "Middle East", "Global", "Regional", "National",
            "Bahrain", "Saudi", "Yemeni", "Egyptian", "Independent"),
           ("Centre", "Institute", "Network", "Coalition", "Committee", "Observatory",
            "Foundation", "Alliance", "Forum", "Initiative"),
           ("for Human Rights", "for Democracy", "for Justice", "against Torture",
            "for Press Freedom", "for Rights and Freedoms", "for Women's Rights", ""))
_AR_ORG = (("مركز", "منظمة", "شبكة", "تحالف", "لجنة", "مرصد", "مؤسسة", "مبادرة", "منتدى"),
           ("الخليج", "العربي", "الدولي", "البحرين", "اليمن", "مصر", "المستقل", "الإقليمي"),
           ("لحقوق الإنسان", "للديمقراطية", "للعدالة", "لمناهضة التعذيب", "لحرية الصحافة",
            "للحقوق والحريات", ""))


def _words(rng: random.Random, lang: str, count: int) -> str:
    pool = _AR_WORDS if lang == "ar" else _EN_WORDS
    return " ".join(rng.choice(pool) for _ in range(count))


def _sentences(rng: random.Random, lang: str, words: int) -> str:
    stop = "،" if lang == "ar" else ","
    out, left = [], words
    while left > 0:
        n = min(left, rng.randint(8, 22))
        out.append(_words(rng, lang, n) + rng.choice([".", ".", stop + " " + _words(rng, lang,
                                                                                    3) + "."]))
        left -= n
    text = " ".join(out)
    return text[0].upper() + text[1:]


def _org(rng: random.Random, lang: str, number: int) -> str:
    parts = _AR_ORG if lang == "ar" else _EN_ORG
    name = " ".join(p for p in (rng.choice(parts[0]), rng.choice(parts[1]),
                                rng.choice(parts[2])) if p)
    return f"{name} {number}" if rng.random() < 0.3 else name


def _theme(title: str, lang: str, main: str, style: str) -> str:
    """A whole page around `main`: the replica's markup or a WordPress theme's."""
    direction = "rtl" if lang == "ar" else "ltr"
    nav = "".join(f'<li><a href="/{lang}/{p}">{p}</a></li>' for p in (
        "about", "news", "reports", "campaigns", "contact", "donate"))
    head = (f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{html_lib.escape(title)} | Rights Monitor</title>"
            f'<meta property="og:title" content="{html_lib.escape(title)}">'
            '<meta property="article:published_time" content="2026-03-02T09:00:00+00:00">'
            "</head><body>")
    chrome = (f'<header class="site-header"><nav><ul>{nav}</ul></nav></header>')
    foot = ('<footer class="site-footer"><p>&copy; 2026 Rights Monitor</p><div class="share">'
            '<a href="https://twitter.com/share">Tweet</a>'
            '<a href="https://facebook.com/sharer">Share</a></div></footer></body></html>')
    if style == "wordpress":
        body = (f'<div id="page"><main id="main"><article class="post"><header class='
                f'"entry-header"><h1 class="entry-title">{html_lib.escape(title)}</h1>'
                '<time class="entry-date published" datetime="2026-03-02T09:00:00+00:00">'
                f'2 March 2026</time></header><div class="entry-content">{main}</div>'
                "</article></main></div>")
    else:
        body = (f'<main><article><h1>{html_lib.escape(title)}</h1><div class="publication-date">'
                f'2026-03-02</div><div class="post-body">{main}</div></article></main>')
    return head + chrome + body + foot


def joint_statement(rng: random.Random, lang: str, signatories: int, layout: str,
                    style: str) -> str:
    names = [_org(rng, lang, i) for i in range(1, signatories + 1)]
    if lang == "ar":
        title = "بيان مشترك: يجب الإفراج عن المدافعين عن حقوق الإنسان"
        opener = "نحن، المنظمات الموقعة أدناه، نعرب عن قلقنا البالغ. " + _sentences(rng, "ar",
                                                                                   60)
        label = "المنظمات الموقعة:"
        signoff = "مع خالص التقدير"
    else:
        title = "Joint statement: release the human rights defenders now"
        opener = "We, the undersigned organisations, express our deep concern. " + _sentences(
            rng, "en", 60)
        label = "Signatories:"
        signoff = "Sincerely,"
    prose = "".join(f"<p>{_sentences(rng, lang, rng.randint(40, 90))}</p>" for _ in range(4))
    if layout == "list":
        signed = "<ol>" + "".join(f"<li>{html_lib.escape(n)}</li>" for n in names) + "</ol>"
    elif layout == "lines":
        signed = "".join(f"<p>{html_lib.escape(n)}</p>" for n in names)
    else:  # one paragraph, a name a line
        signed = "<p>" + "<br>".join(html_lib.escape(n) for n in names) + "</p>"
    main = (f"<p>{opener}</p>{prose}<p><strong>{label}</strong></p>{signed}"
            f"<p>{signoff}</p>")
    return _theme(title, lang, main, style)


def long_body(rng: random.Random, lang: str, words: int, style: str) -> str:
    title = ("تقرير: عقد من الاعتقال التعسفي" if lang == "ar"
             else "A decade of arbitrary detention: the full account")
    parts: list[str] = []
    written = 0
    section = 0
    while written < words:
        if written // 1500 >= section:
            section += 1
            parts.append(f"<h2>{_words(rng, lang, 5)}</h2>")
        n = rng.randint(60, 140)
        text = _sentences(rng, lang, n)
        if rng.random() < 0.2:
            text += f' <a href="/{lang}/posts/{rng.randint(1, 999)}">{_words(rng, lang, 3)}</a>.'
        parts.append(f"<p>{text}</p>")
        written += n
    return _theme(title, lang, "".join(parts), style)


def generated_pages(seed: int) -> list[Page]:
    rng = random.Random(seed)
    pages: list[Page] = []
    styles = ("replica", "wordpress")
    for lang in ("en", "ar"):
        for i, count in enumerate((50, 100, 200, 300)):
            for layout in ("list", "lines", "br"):
                style = styles[(i + len(layout)) % 2]
                name = f"generated/{lang}-statement-{count}-{layout}-{style}"
                pages.append((name, "signatories", f"https://ngo.example/{lang}/posts/s{count}"
                              f"{layout}", joint_statement(rng, lang, count, layout, style)))
        for words, style in ((10_000, "replica"), (12_000, "wordpress"), (15_000, "replica")):
            name = f"generated/{lang}-long-{words}-{style}"
            pages.append((name, "long body", f"https://ngo.example/{lang}/posts/l{words}",
                          long_body(rng, lang, words, style)))
    return pages


def fake_site_pages(seed: int) -> list[Page]:
    """Article pages of tests/fakes' WordPress-like and blog-like sites, built without a server."""
    from tests.fakes import blog_site, wordpress_site

    rng = random.Random(seed + 1)
    pages: list[Page] = []
    base = "http://127.0.0.1:8080"
    for i in range(30):
        paragraphs = [_sentences(rng, "en", rng.randint(30, 120)) for _ in range(rng.randint(2, 9))]
        post = wordpress_site.WordPressPost(f"post-{i}", _words(rng, "en", 7).capitalize(),
                                            tuple(paragraphs), date(2025, 3, 1 + i % 28))
        pages.append((f"wordpress{post.path}", "wordpress", base + post.path,
                      wordpress_site._post_page(post, base)))
    for i in range(30):
        post = blog_site.BlogPost(f"post-{i}", _words(rng, "en", 6).capitalize(),
                                  _sentences(rng, "en", rng.randint(20, 200)),
                                  date(2026, 1, 1 + i % 28))
        pages.append((f"blog{post.path}", "blog", base + post.path,
                      blog_site.BlogSite._single(post)))
    return pages


def fixture_pages() -> list[Page]:
    """tests/data: campaign bodies in a WordPress theme, validity articles as they are."""
    pages: list[Page] = []
    for meta_path in sorted((DATA / "campaigns").glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = meta_path.with_suffix(".html").read_text(encoding="utf-8")
        page = _theme(meta["title"], meta["lang"], body, "wordpress")
        pages.append((f"campaigns/{meta_path.stem}", "campaign fixture", meta["base_url"], page))
    for path in sorted((DATA / "validity" / "articles").glob("*.html")):
        pages.append((f"validity/{path.stem}", "validity fixture",
                      f"https://ngo.example/posts/{path.stem}", path.read_text(encoding="utf-8")))
    return pages


# ---- measuring ----------------------------------------------------------------------------


def _implementations(root: Path) -> dict[str, Callable[[str, str], object]]:
    """`ours` imported from `root` (this tree or a baseline's), `trafilatura` alone."""
    sys.path.insert(0, str(root))
    import trafilatura

    from feeds.extract import extract_articles
    from feeds.sources import SourceSettings

    source = SourceSettings(name="bench", title="Bench", url="http://127.0.0.1/")

    def ours(url: str, page: str) -> object:
        return extract_articles(page, url, source, now=NOW)

    def theirs(url: str, page: str) -> object:
        return trafilatura.extract(page, url=url)

    return {"ours": ours, "trafilatura": theirs}


def measure(pages: list[Page], root: Path, rounds: int) -> dict[str, list[list[float]]]:
    """Seconds per page per round, ours and trafilatura timed in turn on each page."""
    impl = _implementations(root)
    for _, _, url, page in pages:  # warm-up: imports, caches, lazy compiles
        for fn in impl.values():
            fn(url, page)
    times: dict[str, list[list[float]]] = {name: [] for name in impl}
    for _ in range(rounds):
        row: dict[str, list[float]] = {name: [] for name in impl}
        for _, _, url, page in pages:
            for name, fn in impl.items():
                started = time.perf_counter()
                fn(url, page)
                row[name].append(time.perf_counter() - started)
        for name in impl:
            times[name].append(row[name])
    return times


def profile(pages: list[Page], root: Path, top: int) -> str:
    ours = _implementations(root)["ours"]
    for _, _, url, page in pages:  # warm, as the measured rounds are
        ours(url, page)
    profiler = cProfile.Profile()
    profiler.enable()
    for _, _, url, page in pages:
        ours(url, page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start:])


def _worker(args: argparse.Namespace) -> None:
    pages = [tuple(p) for p in json.loads(Path(args.worker).read_text(encoding="utf-8"))]
    times = measure(pages, Path(args.root), args.rounds)  # type: ignore[arg-type]
    print(json.dumps(times))


def _run_worker(root: Path, pages_file: str, rounds: int) -> dict[str, list[list[float]]]:
    done = subprocess.run([sys.executable, __file__, "--worker", pages_file, "--root", str(root),
                           "--rounds", str(rounds)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# ---- reporting ----------------------------------------------------------------------------


def _best(times: list[list[float]]) -> list[float]:
    return [min(column) for column in zip(*times, strict=True)]


def report(label: str, pages: list[Page], times: dict[str, list[list[float]]],
           slowest: int) -> None:
    ours, theirs = _best(times["ours"]), _best(times["trafilatura"])
    m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
    per_round = [statistics.median(o) / statistics.median(t)
                 for o, t in zip(times["ours"], times["trafilatura"], strict=True)]
    per_page = sorted(o / t for o, t in zip(ours, theirs, strict=True))
    q = statistics.quantiles(per_page, n=4)
    print(f"\n== {label}: {len(pages)} pages, best of {len(times['ours'])} rounds ==")
    print(f"median ms/page: ours {m_ours * 1e3:.2f}, trafilatura.extract {m_theirs * 1e3:.2f}, "
          f"ratio {m_ours / m_theirs:.2f}x")
    print(f"ratio per round (median/median): {min(per_round):.2f}-{max(per_round):.2f}x; "
          f"per page: min {per_page[0]:.2f}, quartiles {q[0]:.2f}/{q[1]:.2f}/{q[2]:.2f}, "
          f"max {per_page[-1]:.2f}")
    kinds = sorted({kind for _, kind, _, _ in pages})
    for kind in kinds:
        idx = [i for i, page in enumerate(pages) if page[1] == kind]
        k_ours = statistics.median(ours[i] for i in idx)
        k_theirs = statistics.median(theirs[i] for i in idx)
        print(f"  {kind:17} {len(idx):4} pages  ours {k_ours * 1e3:7.2f} ms  "
              f"trafilatura {k_theirs * 1e3:7.2f} ms  ratio {k_ours / k_theirs:.2f}x")
    print("slowest pages (ours; x = times the median of ours; no page may pass 10x):")
    order = sorted(range(len(pages)), key=lambda i: ours[i], reverse=True)
    for i in order[:slowest]:
        print(f"  {pages[i][0]:48} {ours[i] * 1e3:8.2f} ms  {ours[i] / m_ours:5.1f}x median  "
              f"(trafilatura {theirs[i] * 1e3:.2f} ms)")
    above = [pages[i][0] for i in order if ours[i] > 10 * m_ours]
    print(f"pages above 10x the median time of ours: {len(above)} (trafilatura's own: "
          f"{sum(1 for t in theirs if t > 10 * m_theirs)})")
    # A page's time grows with its text; its cost relative to trafilatura on the same page
    # is what a quadratic step would blow up.
    m_ratio = statistics.median(per_page)
    by_ratio = sorted(range(len(pages)), key=lambda i: ours[i] / theirs[i], reverse=True)
    print(f"highest ratios to trafilatura (median ratio {m_ratio:.2f}):")
    for i in by_ratio[:3]:
        print(f"  {pages[i][0]:48} {ours[i] / theirs[i]:5.2f}x  "
              f"({ours[i] / theirs[i] / m_ratio:.1f}x the median ratio)")
    worse = [pages[i][0] for i in by_ratio if ours[i] / theirs[i] > 10 * m_ratio]
    print(f"pages whose ratio is above 10x the median ratio: {len(worse)}"
          + (f" {worse}" if worse else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=int, default=60, help="replica archive size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--slowest", type=int, default=8)
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--baseline", type=Path, help="a tree holding the old feeds/ package")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    pages = (replica_pages(args.archive) + fake_site_pages(args.seed) + fixture_pages()
             + generated_pages(args.seed))
    counts = {kind: sum(1 for p in pages if p[1] == kind) for kind in {p[1] for p in pages}}
    print(f"pages: {len(pages)} " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    if args.baseline is None:
        report("this tree", pages, measure(pages, ROOT, args.rounds), args.slowest)
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(pages, handle)
        trees = {"baseline": args.baseline.resolve(), "this tree": ROOT}
        times: dict[str, dict[str, list[list[float]]]] = {
            label: {"ours": [], "trafilatura": []} for label in trees}
        for _ in range(args.rounds):  # alternate, so both see the same machine
            for label, root in trees.items():
                got = _run_worker(root, handle.name, 1)
                for name, rows in got.items():
                    times[label][name] += rows
        Path(handle.name).unlink()
        for label in trees:
            report(label, pages, times[label], args.slowest)
    print(f"\nprofile of one pass of ours over all pages (top {args.profile_top} by cumulative):")
    print(profile(pages, ROOT, args.profile_top))


if __name__ == "__main__":
    main()
