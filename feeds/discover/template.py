"""Article selectors from several article pages of one template: what repeats across them
is chrome, what differs is content. Title, date and body selectors, and the blocks inside
the body to remove, each with how sure it is."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from feeds.dates import find_labelled_date, parse_date

_SPACES = re.compile(r"\s+")
_CONTAINERS = frozenset({"div", "section", "aside", "ul", "ol", "nav", "footer", "form",
                         "header", "figure", "table", "span"})
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "div", "span", "p", "header"})
_BAD_CLASS = re.compile(r"^(?:is-|js-|has-|active|clearfix|row|col|container|wrapper)")


@dataclass
class Sample:
    """One article page and what else we know of it (listing anchor text, feed date)."""

    url: str
    html: str
    lang: str
    hint_titles: tuple[str, ...] = ()
    hint_date: datetime | None = None
    tree: LexborHTMLParser = field(init=False)

    def __post_init__(self) -> None:
        self.tree = LexborHTMLParser(self.html)


@dataclass(frozen=True)
class Inferred:
    selector: str  # "" when nothing fits
    sure: str  # "sure", "likely", "guess", "none"
    evidence: str
    check: str


def clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def selector_candidates(node: LexborNode) -> list[str]:
    """Ways to name `node`, plainest first: its tag, tag.class, .class, #id."""
    tag = node.tag or ""
    classes = [c for c in (node.attributes.get("class") or "").split() if not _BAD_CLASS.match(c)]
    found = [tag] if tag in ("h1", "h2", "time", "article", "main") else []
    found += [f"{tag}.{c}" for c in classes]
    found += [f".{c}" for c in classes]
    if node.attributes.get("id"):
        found.append(f"#{node.attributes['id']}")
    return found


def _first(tree: LexborHTMLParser, selector: str) -> LexborNode | None:
    try:
        return tree.css_first(selector)
    except SelectolaxError:
        return None


def _choose(candidates: Iterable[str], samples: list[Sample],
            works: Callable[[Sample, LexborNode], bool]) -> tuple[str, int]:
    """The first candidate that picks a fitting node on the most samples."""
    best, best_count = "", 0
    for selector in dict.fromkeys(candidates):
        count = 0
        for sample in samples:
            node = _first(sample.tree, selector)
            if node is not None and works(sample, node):
                count += 1
        if count > best_count:
            best, best_count = selector, count
        if count == len(samples):
            break
    return best, best_count


# ---- repeated text: the chrome of the template ---------------------------------------


def repeated_texts(samples: list[Sample]) -> set[str]:
    """Text pieces that appear on two or more of the pages: menus, labels, widgets."""
    seen: Counter[str] = Counter()
    for sample in samples:
        body = sample.tree.body
        if body is None:
            continue
        pieces = {clean(node.text_content or "") for node in body.traverse(include_text=True)
                  if node.tag == "-text"}
        seen.update(p for p in pieces if p)
    return {text for text, count in seen.items() if count >= 2}


def _own_pieces(node: LexborNode) -> list[str]:
    return [t for t in (clean(n.text_content or "") for n in node.traverse(include_text=True)
                        if n.tag == "-text") if t]


# ---- body ------------------------------------------------------------------------------


def body_node(sample: Sample, repeated: set[str]) -> LexborNode | None:
    """The element whose own paragraphs hold the most text seen on this page only
    (readability's idea: paragraphs vote for their parent, half a vote for its parent)."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for para in sample.tree.css("p"):
        text = clean(para.text(separator=" "))
        if not text or text in repeated or len(text) < 25:
            continue
        parent = para.parent
        for weight in (1.0, 0.5):
            if parent is None or parent.tag in ("body", "html"):
                break
            scores[parent.mem_id] = scores.get(parent.mem_id, 0) + weight * len(text)
            nodes[parent.mem_id] = parent
            parent = parent.parent
    if not scores:
        return None
    node = nodes[max(scores, key=lambda k: scores[k])]
    # A body split in siblings (K2's intro and full text, a summary field before the rest):
    # the parent holds this page's paragraphs before the node, none after it (comments,
    # "related" teasers), and little else.
    while (parent := node.parent) is not None and parent.tag not in ("body", "html"):
        before, after, seen = 0, 0, False
        for child in parent.iter():
            if child.mem_id == node.mem_id:
                seen = True
            elif seen:
                after += _paragraph_text(child, repeated)
            else:
                before += _paragraph_text(child, repeated)
        own = _paragraph_text(parent, repeated)
        if not before or after or len(clean(parent.text(separator=" "))) > 1.15 * own + 40:
            break
        node = parent
    return node


def _paragraph_text(node: LexborNode, repeated: set[str]) -> int:
    return sum(len(t) for t in (clean(p.text(separator=" ")) for p in node.css("p"))
               if t and t not in repeated)


def infer_body(samples: list[Sample], repeated: set[str]) -> Inferred:
    found = {s.url: n for s in samples if (n := body_node(s, repeated)) is not None}
    candidates: list[str] = []
    for node in found.values():
        candidates += selector_candidates(node)

    def works(sample: Sample, node: LexborNode) -> bool:
        best = found.get(sample.url)
        return best is not None and _paragraph_text(node, repeated) >= 0.9 * _paragraph_text(
            best, repeated) and len(node.text()) <= 1.6 * len(best.text()) + 200

    selector, count = _choose(candidates, samples, works)
    if not selector:
        return Inferred("", "none", "no element holds the paragraphs of these pages",
                        "set selectors.body by hand")
    sure = "sure" if count == len(samples) and len(samples) >= 3 else (
        "likely" if count == len(samples) else "guess")
    return Inferred(selector, sure, f"holds the paragraphs that differ from page to page on "
                    f"{count} of {len(samples)} article pages",
                    "the previews below show whole bodies, no menus or share buttons")


def chrome_inside(samples: list[Sample], body_selector: str, repeated: set[str]) -> list[str]:
    """Blocks inside the body that repeat from page to page (share bars, "see also" boxes,
    tags): mostly repeated text, or a repeated label over a list of links."""
    found: dict[str, int] = {}
    for sample in samples:
        body = _first(sample.tree, body_selector)
        if body is None:
            continue
        for node in body.traverse():
            if node is body or node.tag not in _CONTAINERS:
                continue
            pieces = _own_pieces(node)
            total = sum(len(p) for p in pieces)
            if not total:
                continue
            same = sum(len(p) for p in pieces if p in repeated)
            links = sum(len(clean(a.text(separator=" "))) for a in node.css("a"))
            labelled = bool(pieces) and pieces[0] in repeated
            if same >= 0.6 * total or (labelled and links >= 0.5 * total):
                selector = _name_block(node)
                if selector and not _holds_content(samples, body_selector, selector, repeated):
                    found[selector] = found.get(selector, 0) + 1
    # On most pages, not a few: two campaign posts may share a "Take action" list, and it
    # is content. Outer blocks only: a block inside another removed needs no entry.
    chosen = [s for s in found if found[s] >= 2 and found[s] * 2 > len(samples)]
    return [s for s in chosen if not any(o != s and _inside(samples, s, o) for o in chosen)]


def _name_block(node: LexborNode) -> str:
    classes = [c for c in (node.attributes.get("class") or "").split() if not _BAD_CLASS.match(c)]
    if classes:
        return "." + ".".join(classes)
    if node.attributes.get("id"):
        return f"#{node.attributes['id']}"
    return ""


def _holds_content(samples: list[Sample], body_selector: str, selector: str,
                   repeated: set[str]) -> bool:
    for sample in samples:
        body = _first(sample.tree, body_selector)
        if body is None:
            continue
        try:
            nodes = body.css(selector)
        except SelectolaxError:
            return True
        if any(_paragraph_text(n, repeated) > 0 for n in nodes):
            return True
    return False


def _inside(samples: list[Sample], inner: str, outer: str) -> bool:
    for sample in samples:
        for node in sample.tree.css(outer):
            if node.css_first(inner) is not None:
                return True
    return False


# ---- title -----------------------------------------------------------------------------


def title_hints(sample: Sample) -> set[str]:
    hints = {clean(t).casefold() for t in sample.hint_titles if t}
    og = sample.tree.css_first('meta[property="og:title"]')
    if og is not None and og.attributes.get("content"):
        hints.add(clean(og.attributes["content"] or "").casefold())
    title = sample.tree.css_first("title")
    if title is not None:
        text = clean(title.text())
        for sep in (" | ", " – ", " — ", " - ", " :: ", " « "):
            if sep in text:
                hints.add(text.rsplit(sep, 1)[0].strip().casefold())
                hints.add(text.split(sep, 1)[0].strip().casefold())
    return {h for h in hints if len(h) > 3}


def infer_title(samples: list[Sample]) -> Inferred:
    hints = {s.url: title_hints(s) for s in samples}
    candidates: list[str] = []
    for sample in samples:
        for node in sample.tree.css(",".join(sorted(_TITLE_TAGS))):
            if clean(node.text(separator=" ")).casefold() in hints[sample.url]:
                candidates += selector_candidates(node)
    candidates.sort(key=lambda s: (not s.startswith("h1"), not s[:1].isalpha()))

    def works(sample: Sample, node: LexborNode) -> bool:
        return clean(node.text(separator=" ")).casefold() in hints[sample.url]

    selector, count = _choose(["h1", *candidates], samples, works)
    if not selector:
        return Inferred("", "none", "no element repeats the page's <title> or its listing "
                        "link's text", "set selectors.title by hand")
    sure = "sure" if count == len(samples) else "guess"
    return Inferred(selector, sure, f"its text is the title the listing link and <title> "
                    f"give, on {count} of {len(samples)} article pages",
                    "each preview's title is the headline, not the site's name")


# ---- date ------------------------------------------------------------------------------


def node_date(node: LexborNode, now: datetime) -> datetime | None:
    """As `feeds.extract` reads a date node: its datetime attribute, else its text."""
    for text in (node.attributes.get("datetime"), node.text(separator=" ")):
        if text:
            found = find_labelled_date(text, now=now) or parse_date(text, now=now)
            if found:
                return found
    return None


def infer_date(samples: list[Sample], body: str, now: datetime) -> Inferred:
    candidates: list[str] = []
    for sample in samples:
        content = _first(sample.tree, body) if body else None
        root = sample.tree.body
        if root is None:
            continue
        inside = {n.mem_id for n in content.traverse()} if content is not None else set()
        for node in root.traverse():
            if node.mem_id in inside or node.tag in ("-text", "a", "body"):
                continue
            text = clean(node.text(separator=" "))
            if len(text) > 90 and node.tag != "time":
                continue
            if node_date(node, now) is not None:
                candidates += selector_candidates(node)
                if node.tag == "time" and node.attributes.get("datetime"):
                    candidates.append("time[datetime]")
    scored = []
    for selector in dict.fromkeys(candidates):
        dated = agreed = evidenced = 0
        for sample in samples:
            try:
                nodes = sample.tree.css(selector)
            except SelectolaxError:
                nodes = []
            found = next((d for n in nodes if (d := node_date(n, now)) is not None), None)
            if found is None:
                continue
            dated += 1
            if sample.hint_date is not None:
                evidenced += 1
                agreed += found.date() == sample.hint_date.date()
        labelled = any(_is_labelled(n, now) for s in samples for n in _nodes(s, selector))
        scored.append((dated, agreed, labelled, -len(selector), selector, evidenced))
    if not scored:
        return Inferred("", "none", "no element outside the body holds a date",
                        "set selectors.date by hand; without it first-seen time is used")
    dated, agreed, _, _, selector, evidenced = max(scored)
    if dated == len(samples) and evidenced and agreed == evidenced:
        sure, how = "sure", (f"gives a date on all {dated} article pages, the same as the "
                             f"listing or feed shows on {agreed}")
    elif dated == len(samples) and not evidenced:
        sure, how = "likely", (f"gives a date on all {dated} article pages (nothing else on "
                               "the site to compare it with)")
    else:
        sure, how = "guess", (f"gives a date on {dated} of {len(samples)} article pages"
                              + (f", the listing's or feed's on {agreed} of {evidenced}"
                                 if evidenced else ""))
    return Inferred(selector, sure, how, "each preview's date is the publication date, not "
                    "today or a date inside the text")


def _nodes(sample: Sample, selector: str) -> list[LexborNode]:
    try:
        return sample.tree.css(selector)
    except SelectolaxError:
        return []


def _is_labelled(node: LexborNode, now: datetime) -> bool:
    return (node.tag == "time" and bool(node.attributes.get("datetime"))) or (
        find_labelled_date(clean(node.text(separator=" ")), now=now) is not None)
