"""Article selectors from pages of one template: what repeats across the pages is chrome,
what differs is content; a block only some posts share (a campaign's action list) stays."""

from __future__ import annotations

from datetime import UTC, datetime

from feeds.discover import template as T

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TITLES = ("Court upholds sentence against blogger", "New law widens the definition of terrorism",
          "Sign our petition for the detained defenders",
          "Tweet for the release of the detained defenders")
ACTIONS = ('<ul class="act-list"><li><a href="https://www.change.org/p/x">Sign the petition</a>'
           '</li><li><a href="https://twitter.com/intent/tweet?text=x">Tweet now</a></li></ul>')


def _page(number: int) -> str:
    title = TITLES[number]
    actions = ACTIONS if number >= 2 else ""  # two campaign posts share their action list
    return f"""<html lang="en"><head><title>{title} | Lab</title></head><body>
<div class="brand"><h1>Justice Lab</h1></div>
<div class="crumbs"><a href="/">Home</a> / <a href="/news">News</a></div>
<div class="entry"><div class="headline">{title}</div>
<div class="meta"><span class="label">Published:</span>
<span>{number + 3} March 2025</span></div>
<div class="text"><p>Paragraph one of story {number}, which says something only it says about
the case in question and its background.</p>
<p>Paragraph two of story {number}: more of the story's own words, different on every page.</p>
{actions}
<div class="sharing"><b>Pass it on</b> <a href="/mail">Email</a> <a href="/print">Print</a></div>
</div></div><div class="foot">Justice Lab 2025</div></body></html>"""


def _samples() -> list[T.Sample]:
    return [T.Sample(f"https://lab.example/story/{n}", _page(n), "en", (TITLES[n],))
            for n in range(4)]


def test_body_title_and_date_selectors_fit_every_page() -> None:
    samples = _samples()
    repeated = T.repeated_texts(samples)
    body = T.infer_body(samples, repeated)
    assert (body.selector, body.sure) == ("div.text", "sure")
    title = T.infer_title(samples)
    assert (title.selector, title.sure) == ("div.headline", "sure")  # not the site's h1
    date = T.infer_date(samples, body.selector, NOW)
    assert date.selector == ".meta"  # the label and its date, not the bare date
    assert date.sure == "likely"  # nothing else on these pages to check it against


def test_a_block_on_every_page_is_removed_and_a_campaigns_list_is_kept() -> None:
    samples = _samples()
    repeated = T.repeated_texts(samples)
    assert T.chrome_inside(samples, "div.text", repeated) == [".sharing"]


def test_a_body_split_into_intro_and_full_text_is_read_whole() -> None:
    """K2 and some Drupal themes keep the first paragraph apart from the rest: the body is
    the element holding both, not the larger half; the comments after it stay out."""
    def page(number: int) -> str:
        return f"""<html lang="en"><body><h2 class="itemTitle">{TITLES[number]}</h2>
<div class="itemView"><div class="itemBody">
<div class="itemIntroText"><p>The opening paragraph of story {number}, its own words about
the case and what happened in it.</p></div>
<div class="itemFullText"><p>Paragraph two of story {number}: more of the story's own words,
different on every page.</p><p>Paragraph three of story {number}, which closes the
account with the reaction of the family.</p></div></div>
<div class="itemComments"><h3>Comments (1)</h3><p>Comment {number}: thank you for
documenting this case, we will share it widely.</p><p>Add comment</p></div></div>
</body></html>"""

    samples = [T.Sample(f"https://k2.example/index.php?id={n}", page(n), "en", (TITLES[n],))
               for n in range(4)]
    body = T.infer_body(samples, T.repeated_texts(samples))
    assert body.selector == "div.itemBody"
