"""What kind of post an article is (campaign call, joint statement, report, news), by weighted
signals, and which of its links are calls to act (petitions, tweet intents, prepared letters).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.dates import normalise_text
from feeds.genre import TitleGenre, is_salutation, title_genre, title_segments, unquoted
from feeds.language import detect_language
from feeds.models import ActionLink, Kind
from feeds.sanitize import strip_tracking

__all__ = ["Classification", "ClassifierRules", "classify_article", "extract_action_links"]

# --- default vocabulary (normalised with feeds.dates.normalise_text when used) -----------------

DEFAULT_ACTION_HOSTS = (
    "change.org", "actionnetwork.org", "avaaz.org", "ipetitions.com", "openpetition.de",
    "openpetition.eu", "petition.parliament.uk", "petitions.parliament.uk", "sumofus.org",
    "eko.org", "everyaction.com", "p2a.co", "megaphone.org.au", "campax.org",
    "you.38degrees.org.uk",
    # Tools for writing to one's own representative: a link there is a letter to send.
    "writetothem.com", "5calls.org", "resist.bot",
)  # fmt: skip
# Subdomains that campaign tools live on (act.amnesty.org, action.aclu.org, ...).
_ACTION_SUBDOMAINS = ("act.", "action.", "actions.", "petition.", "petitions.", "campaigns.")
# Path segments that mark an action page on any host (amnesty.org/en/petition/...).
_ACTION_SEGMENTS = frozenset(
    {"petition", "petitions", "take-action", "takeaction", "action", "actions", "act", "sign"}
)
_SHARE_URLS = re.compile(
    r"(?:facebook\.com/(?:sharer|share\.php|dialog/(?:share|feed))|(?:twitter|x)\.com/share"
    r"|wa\.me/|whatsapp\.com/send|(?:t|telegram)\.me/share|linkedin\.com/(?:share|sharing|cws)"
    r"|reddit\.com/submit|pinterest\.com/pin/create|tumblr\.com/(?:share|widgets)"
    r"|plus\.google\.com/share|vk\.com/share|getpocket\.com/(?:save|edit)|addtoany\.com)"
)
_DONATION_HOSTS = ("paypal.com", "paypal.me", "donorbox.org", "justgiving.com", "gofundme.com")
_TWEET_INTENT = re.compile(r"^/intent/(?:tweet|post)\b")

DEFAULT_PHRASES: dict[Kind, tuple[str, ...]] = {
    # Headings that open a take-action section.
    Kind.CAMPAIGN: (
        "take action", "take action now", "act now", "what you can do", "how you can help",
        "how to help", "get involved", "join the campaign", "join our campaign", "call to action",
        "تحرك", "تحركوا", "تحرك الان", "تحركوا الان", "تحركوا معنا", "شاركوا في الحمله",
        "شارك في الحمله", "انضموا الى الحمله", "انضموا للحمله", "ادعموا الحمله", "ساندوا الحمله",
        "ماذا يمكنك ان تفعل", "ماذا يمكنكم ان تفعلوا", "كيف يمكنك المساعده",
        "كيف يمكنكم المساعده",
    ),
    # Title phrases that name the genre.
    Kind.STATEMENT: (
        "open letter", "joint statement", "joint letter", "joint ngo", "joint appeal",
        "joint civil society", "رساله مفتوحه", "بيان مشترك", "رساله مشتركه", "نداء مشترك",
        "بيان لمنظمات", "رساله من منظمات",
    ),
    Kind.REPORT: (
        "report", "annual report", "briefing paper", "research paper", "تقرير", "التقرير",
        "ورقه بحثيه", "ورقه موقف",
    ),
}  # fmt: skip

DEFAULT_CATEGORIES: dict[str, Kind] = {
    "campaign": Kind.CAMPAIGN, "campaigns": Kind.CAMPAIGN, "take action": Kind.CAMPAIGN,
    "act now": Kind.CAMPAIGN, "حملات": Kind.CAMPAIGN, "الحملات": Kind.CAMPAIGN,
    "حمله": Kind.CAMPAIGN, "تحرك": Kind.CAMPAIGN, "تحركوا": Kind.CAMPAIGN,
    "statement": Kind.STATEMENT, "statements": Kind.STATEMENT,
    "joint statements": Kind.STATEMENT, "open letters": Kind.STATEMENT,
    "بيانات": Kind.STATEMENT, "البيانات": Kind.STATEMENT, "بيانات مشتركه": Kind.STATEMENT,
    "رسائل مفتوحه": Kind.STATEMENT,
    "report": Kind.REPORT, "reports": Kind.REPORT, "research": Kind.REPORT,
    "تقارير": Kind.REPORT, "التقارير": Kind.REPORT, "ابحاث": Kind.REPORT,
}  # fmt: skip
# "News" is deliberately absent: sites file everything under it, so it must not override signals.

# Sentence-initial verbs that ask the reader to act. Arabic plural imperatives look like past
# tense without vowels ("شاركوا" = "take part!" / "they took part"), which is why only the first
# word of a sentence or list item counts: a past-tense verb there would be singular (VSO order).
_EN_CALLS = (
    "sign", "send", "tweet", "write", "email", "e-mail", "contact", "urge", "tell", "demand",
    "join", "ask", "call on", "call your", "call the", "take part", "take action", "act now",
    "add your name", "raise your voice", "speak out", "stand with", "spread the word",
    "share the petition", "share this petition", "share the campaign", "share this campaign",
    "use the hashtag", "post", "share", "add your voice", "help us", "join us",
    # Invitations in the site's own voice, addressed to the reader.
    "we invite you", "we urge you", "we encourage you", "we ask you", "you can help", "you can",
    # The steps of a write-to-your-representative action.
    "find your mp", "find your representative", "find your senator", "copy our template",
    "copy the template",
)  # fmt: skip
_AR_CALLS = (
    "وقعوا", "غردوا", "طالبوا", "اكتبوا", "شاركوا", "ادعموا", "انضموا", "راسلوا", "ارسلوا",
    "تحركوا", "ساندوا", "اتصلوا", "انشروا", "ساهموا", "ادعوا", "تضامنوا", "استخدموا", "وقع على",
    "وقعي على", "غرد", "شارك في الحمله", "اضيفوا", "شاركونا", "انشروها", "وقعوها",
    # Invitations in the site's own voice, addressed to the reader.
    "ندعوكم", "ندعوك", "نحثكم", "نناشدكم", "نرجو منكم", "نرجو من", "يرجي", "بامكانكم", "يمكنكم",
    "ساعدونا", "انضموا الينا",
    # "بلّغوا عن المحتوى" (report it!), "قدّموا بلاغاً": plural imperatives.
    "بلغوا", "بلغونا", "ابلغوا", "قدموا",
    "يسرنا دعوتكم", "يسعدنا دعوتكم",
)  # fmt: skip
# Openings that look like a call and are not one: a newsletter form, a login.
_NOT_CALLS = ("sign up", "sign in", "log in", "post navigation", "posted", "contact us",
              # A newsletter sign-up in the page's footer asks for an address, not an act.
              "join our mailing list", "join the mailing list", "join our newsletter",
              "join our email list")
# Words that make a call concrete: what to sign or write, where to post. A call naming one of
# these asks the reader to do something here and now, not to "stand with" in general.
_MEANS_WORDS = frozenset({
    "petition", "petitions", "sign", "signing", "letter", "letters", "write", "writing", "email",
    "tweet", "tweets", "tweeting", "hashtag", "hashtags", "pledge", "name", "names",
})  # fmt: skip
_AR_MEANS_STEMS = ("عريض", "توقيع", "رساله", "رسالت", "رسائل", "الكتابه", "الوسم", "وسم",
                   "التغريد", "غردوا", "وقعوا", "اكتبوا", "راسلوا",
                   "اسماءكم", "اسمك")  # "أضيفوا أسماءكم": "add your name"
_SIGNATORY_OPENERS = (
    "undersigned", "الموقعه ادناه", "الموقعين ادناه", "الموقعون ادناه", "الموقعه علي هذا",
    "الموقعه علي هذه",
)  # fmt: skip
_SIGN_OFFS = (
    "sincerely", "yours faithfully", "yours truly", "مع كامل التقدير", "مع خالص التقدير",
    "وتفضلوا بقبول", "مع فائق الاحترام", "thank you mr president", "thank you madam president",
    "شكرا سيدي الرئيس", "شكرا السيد الرئيس",
)  # fmt: skip
# A short line that introduces the list of who signed.
_SIGNATORY_LABELS = (
    "signatories", "signed", "signed by", "signatory organisations", "signatory organizations",
    "list of signatories", "the signatories", "الموقعون", "الموقعين", "المنظمات الموقعه",
    "الجمعيات الموقعه", "الامضاءات", "التوقيعات", "قائمه الموقعين", "الموقعون على البيان",
)  # fmt: skip
_LABEL_MAX_WORDS = 5
_SPEECH_OPENINGS = ("thank you", "شكرا")
_SPEECH_CLOSINGS = frozenset({"thank you", "i thank you", "شكرا", "شكرا لكم", "وشكرا"})
_SELF_REPORT = (
    "this report", "our report", "our new report", "the full report", "its new report",
    "its latest report", "its annual report", "the report documents", "هذا التقرير",
    "التقرير الكامل", "تقريرها السنوي", "تقريرها الجديد", "في تقريرها", "يوثق التقرير",
    "this briefing", "the briefing", "this submission", "the submission", "this paper",
    "this study", "our research brief", "التقرير كاملا", "هذه الدراسه", "هذه الورقه",
    "هذه المساهمه", "هذه المذكره", "تقريرنا",
    # The site's own document, by its possessive: "تقريره السنوي", "مذكرتها", "دراستنا".
    "تقريره السنوي", "تقريره الجديد", "مذكرتها", "مذكرته", "دراستها", "دراسته", "دراستنا",
    "مساهمتها", "مساهمته", "مساهمتنا",
)  # fmt: skip
_REPORT_LINK_WORDS = (
    "report", "download", "briefing", "brief", "submission", "paper", "pdf", "تقرير", "التقرير",
    "تحميل", "تنزيل", "المساهمه", "الورقه", "الدراسه",
)  # fmt: skip

# Chrome that leaks into article bodies: never a signal, never an action link.
_CHROME_LABELS = frozenset(
    normalise_text(s)
    for s in (
        "Donate", "Donate now", "Donate today", "Give now", "تبرعوا الآن", "تبرع الآن", "تبرع",
        "تبرعوا", "Skip to main content", "انتقل إلى المحتوى الرئيسي", "Print", "طباعة",
        "Subscribe", "اشترك", "Read more", "اقرأ المزيد", "Share", "شارك", "Tweet", "Twitter",
        "Facebook", "WhatsApp", "Email", "البريد الإلكتروني", "LinkedIn", "Telegram",
    )
)  # fmt: skip
# A block whose whole text is one of these starts the share/related tail: cut it and all after.
_TAIL_MARKERS = frozenset(
    normalise_text(s)
    for s in (
        "Share Article", "Share this article", "Share this", "Share this post", "Share",
        "مشاركة المقال", "شارك المقال", "شارك", "Related posts", "Related articles", "Related",
        "Related content", "Read also", "You may also like", "مقالات ذات صلة", "اقرأ أيضا",
        "اقرأ أيضاً", "الأكثر مشاهدة", "Most viewed", "المزيد من الأخبار", "More news",
    )
)  # fmt: skip
_LONGEST_CHROME_LABEL = max(map(len, _CHROME_LABELS))
_LONGEST_TAIL_MARKER = max(map(len, _TAIL_MARKERS))
_CHROME_CLASS = re.compile(
    r"share|sharing|social|related|donat|newsletter|subscribe|breadcrumb|sidebar|comments"
    r"|most-viewed|skip-link|visually-hidden|sr-only"
)
_CHROME_TAGS = ("script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg")
_BLOCK_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "td", "th", "dt", "dd"}
)
_TAIL_TAGS = _BLOCK_TAGS | {"div", "span", "strong", "b"}
_CHROME_LABEL_TAGS = frozenset({"button", "span", "p", "li", "div"})
_MAX_CHROME_REMOVALS = 200  # a bound, so a pathological page cannot loop for long
# Characters of paragraphs before a share/related marker for it to end the article; a marker
# with less above it belongs to a share bar at the top.
_MIN_PROSE_BEFORE_TAIL = 80
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WEAK_LABELS = frozenset(
    normalise_text(s) for s in ("here", "click here", "this link", "هنا", "اضغط هنا", "من هنا")
)
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?،؛؟)\]])")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?؟:;؛])\s+|\n+")
# Matched against normalised keys, where "يرجى" is "يرجي". "يسرّنا أن ندعوكم" ("we are pleased
# to invite you") is an invitation after a courtesy. "كما ندعوكم" ("we also invite
# you") keeps its connective before an invitation, which cannot be read as a past tense.
_POLITE_PREFIX = re.compile(
    r"^(?:please|يرجي|رجاء|click here to|اضغط هنا ل|(?:يسرنا|يسعدنا|نود) ان"
    r"|كما\s+(?=ند|نح|نن|نر)|و(?=ندعو|نحث|ننا|نرجو))\s*"
)
_PREPARED_MAILTO = re.compile(r"[?&](?:subject|body)=", re.IGNORECASE)

# --- weights -------------------------------------------------------------------------------------
# A kind needs THRESHOLD points; one keyword alone never gets there. A title headed by the
# genre's name ("Open letter to ...", "Annual report 2023: ...") decides outright (feeds.genre),
# which is how editors file posts. A call to the reader with the means to act sets the campaign
# score to THRESHOLD at least: how many points politeness costs must not matter.
THRESHOLD = 4
W_CAMPAIGN_HEADING = 3
W_FIRST_ACTION_LINK = 2
W_MORE_ACTION_LINKS = 1  # per extra link, up to MAX_ACTION_LINK_POINTS in all
MAX_ACTION_LINK_POINTS = 3
W_CALL = 1  # per sentence-initial imperative, up to MAX_CALL_POINTS
W_LINKED_CALL = 1  # an imperative that carries its own action link ("Sign the petition: <a>")
MAX_CALL_POINTS = 3
W_TITLE = 4
W_SIGNATORY_OPENER = 3
W_GENRE_IN_BODY = 2
W_SIGNATORY_LIST = 2
SIGNATORY_LIST_MIN = 20
W_SIGN_OFF = 1
W_SALUTATION = 2
W_LETTER_FORM = 4  # a salutation opening the body and a sign-off after it: a letter
W_SIGNED_LIST = 2  # a short list of names under "Signatories" or after "We, the undersigned"
SIGNED_LIST_MIN = 5
W_TITLE_CALL = 2  # a title segment in the imperative: "... : sign our petition"
W_CONCRETE_CALL = 1  # a call that names what to sign, write or post
W_REPORT_PDF = 3
W_DOWNLOAD_PDF = 1  # on top: the PDF is offered for download ("Download the full report")
W_OTHER_PDF = 1
W_SELF_REPORT = 1
W_STANCE_OPENING = 2  # the body opens with the site's stance: "يدين مركز الخليج ..."
W_DEMANDS_LIST = 2  # "... calls on the authorities to:" and a list of demands
# On a tie the more specific genre wins: a letter or report may carry a petition link.
_TIE_ORDER = (Kind.STATEMENT, Kind.REPORT, Kind.CAMPAIGN)


def _key(text: str) -> str:
    """Normalised text with punctuation as spaces, for phrase matching."""
    return " ".join(_PUNCTUATION.sub(" ", normalise_text(text)).split())


# Vocabularies are few and fixed (the defaults, a source's config): normalise each phrase once
# per process, not once per sentence it is compared with.
@lru_cache(maxsize=256)
def _padded_keys(phrases: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((phrase, f" {_key(phrase)} ") for phrase in phrases)


@lru_cache(maxsize=256)
def _phrases_by_first_word(phrases: tuple[str, ...]) -> dict[str, list[tuple[str, list[str]]]]:
    # In each list the phrases keep their order, so the first match is the same as a scan's.
    index: dict[str, list[tuple[str, list[str]]]] = {}
    for phrase in phrases:
        if words := _key(phrase).split():
            index.setdefault(words[0], []).append((phrase, words))
    return index


def _has_phrase(text_key: str, phrases: Iterable[str]) -> str | None:
    padded = f" {text_key} "
    for phrase, phrase_key in _padded_keys(tuple(phrases)):
        if phrase_key in padded:
            return phrase
    return None


def _starts_with(text_key: str, phrases: Iterable[str]) -> str | None:
    words = text_key.split()
    if not words:
        return None
    for phrase, phrase_words in _phrases_by_first_word(tuple(phrases)).get(words[0], ()):
        if words[: len(phrase_words)] == phrase_words:
            return phrase
    return None


# Characters that normalise_text keeps as one character at least (ASCII letters and digits,
# Arabic base letters): a text with more of them than a label has letters is no label, and
# telling so from its opening spares normalising a container's whole text.
_KEPT_CHARACTERS = re.compile("[A-Za-z0-9\u0621-\u063a\u0641-\u064a]+")
_OPENING_SCAN = 200


def _too_long_for(text: str, longest: int) -> bool:
    """True when normalise_text(text) is surely longer than `longest` characters."""
    return sum(map(len, _KEPT_CHARACTERS.findall(text, 0, _OPENING_SCAN))) > longest


@dataclass(frozen=True)
class ClassifierRules:
    """Vocabulary of the classifier; defaults cover ALQST/HRW-style sites in both languages.

    `phrases[Kind.CAMPAIGN]` are take-action headings, `phrases[Kind.STATEMENT]` and
    `phrases[Kind.REPORT]` are phrases naming the genre: in a title they count where they head
    a segment ("Annual report 2023: ...", not "Families report ..."). `categories` maps a
    site's category name to a kind. Build from config with `ClassifierRules.from_config`.
    """

    action_hosts: tuple[str, ...] = DEFAULT_ACTION_HOSTS
    phrases: Mapping[Kind, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PHRASES))
    categories: Mapping[str, Kind] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> ClassifierRules:
        """Defaults extended by config: `action_hosts` (list), `phrases` ({kind: [phrases]}),
        `categories` ({site category: kind}). Kinds are `feeds.models.Kind` values; an unknown
        one raises ValueError, as does an unknown key.
        """
        unknown = set(config) - {"action_hosts", "phrases", "categories"}
        if unknown:
            raise ValueError(f"campaigns: unknown classifier setting(s): {sorted(unknown)}")
        hosts = tuple(str(h).lower().removeprefix("www.") for h in _list(config, "action_hosts"))
        phrases = {kind: list(words) for kind, words in DEFAULT_PHRASES.items()}
        for kind_name, words in _mapping(config, "phrases").items():
            phrases.setdefault(_kind(kind_name), []).extend(str(w) for w in _iter(words))
        categories = dict(DEFAULT_CATEGORIES)
        for name, kind_name in _mapping(config, "categories").items():
            categories[_key(str(name))] = _kind(kind_name)
        return cls(
            action_hosts=DEFAULT_ACTION_HOSTS + hosts,
            phrases={kind: tuple(words) for kind, words in phrases.items()},
            categories=categories,
        )


def _kind(name: object) -> Kind:
    try:
        return Kind(str(name).strip().lower())
    except ValueError:
        known = [k.value for k in Kind]
        raise ValueError(f"campaigns: unknown kind {name!r}; known: {known}") from None


def _iter(value: object) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"campaigns: expected a list, got {value!r}")
    return list(value)


def _list(config: Mapping[str, object], key: str) -> list[object]:
    return _iter(config[key]) if key in config else []


def _mapping(config: Mapping[str, object], key: str) -> Mapping[object, object]:
    value = config.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"campaigns: {key} must be a table, got {value!r}")
    return value


@dataclass(frozen=True)
class Classification:
    """The decision and why: `signals` are short strings such as "heading: Take action"."""

    kind: Kind
    actions: tuple[ActionLink, ...]
    signals: tuple[str, ...]


# --- the document --------------------------------------------------------------------------------


@dataclass
class _Anchor:
    href: str
    label: str
    block_text: str
    in_action_section: bool
    in_teaser: bool  # inside a related-post card: below a heading that is wholly a link


@dataclass
class _Block:
    tag: str
    text: str
    heading: bool
    teaser: bool = False
    in_action_section: bool = False


@dataclass
class _Document:
    blocks: list[_Block]
    anchors: list[_Anchor]
    lists: list[list[str]]  # the items of each ul/ol
    action_headings: list[str]


def _text(node: LexborNode) -> str:
    # Text nodes are joined with spaces (so list items stay apart), which also puts one before
    # the full stop after a link: take it back out.
    joined = " ".join(node.text(deep=True, separator=" ").split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", joined)


def _classes(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _same(a: LexborNode | None, b: LexborNode) -> bool:
    return a is not None and a.mem_id == b.mem_id  # wrappers are fresh objects: compare nodes


def _cut_from(node: LexborNode, root: LexborNode) -> None:
    # Remove `node` and everything after it in document order, up to the root.
    current: LexborNode | None = node
    while current is not None and not _same(current, root):
        following = current.next
        while following is not None:
            after = following.next
            following.decompose()
            following = after
        current = current.parent
    node.decompose()


def _remove_first(root: LexborNode, doomed: Callable[[LexborNode], bool]) -> bool:
    # Decomposing frees the subtree, so never keep walking a traversal past a removal.
    for node in root.traverse():
        if not _same(node, root) and doomed(node):
            node.decompose()
            return True
    return False


def _is_chrome(node: LexborNode) -> bool:
    if node.tag in _CHROME_TAGS or _CHROME_CLASS.search(_classes(node)):
        return True
    if node.tag == "a":
        return _is_donation(node.attributes.get("href") or "", _text(node))
    if node.tag not in _CHROME_LABEL_TAGS:
        return False
    text = node.text(deep=True, separator=" ")
    if _too_long_for(text, _LONGEST_CHROME_LABEL):
        return False
    return normalise_text(_text(node)) in _CHROME_LABELS


def _cut_share_tail(root: LexborNode) -> None:
    for _ in range(_MAX_CHROME_REMOVALS):
        prose_before = 0
        for node in root.traverse():
            text = _text(node) if node.tag in _TAIL_TAGS else ""
            if (text and not _too_long_for(text, _LONGEST_TAIL_MARKER)
                    and normalise_text(text).strip(" :") in _TAIL_MARKERS):
                if prose_before >= _MIN_PROSE_BEFORE_TAIL:
                    _cut_from(node, root)
                    return
                # A share bar above the article: drop its label, keep what follows.
                node.decompose()
                break
            if node.tag == "p":
                prose_before += len(text)
        else:
            return


def _strip_chrome(root: LexborNode) -> None:
    # The tail goes first: its marker ("Share Article") often sits inside a share container
    # that the class rule would remove, taking the marker with it.
    _cut_share_tail(root)
    for _ in range(_MAX_CHROME_REMOVALS):
        if not _remove_first(root, _is_chrome):
            break


def _heading_text(node: LexborNode, text: str) -> bool:
    if node.tag in _HEADING_TAGS:
        return True
    # WordPress bodies often fake headings with a short bold paragraph.
    if node.tag == "p" and 0 < len(text.split()) <= 8:
        child = node.child
        while child is not None and child.tag == "-text" and not (child.text() or "").strip():
            child = child.next
        return child is not None and child.tag in ("strong", "b") and _text(child) == text
    return False


def _inside_block(node: LexborNode, root: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and not _same(parent, root):
        if parent.tag in _BLOCK_TAGS:
            return True
        parent = parent.parent
    return False


def _enclosing_block_text(node: LexborNode, root: LexborNode) -> str:
    parent = node.parent
    while parent is not None and not _same(parent, root):
        if parent.tag in _BLOCK_TAGS:
            return _text(parent)
        parent = parent.parent
    return _text(node)


def _parse(body_html: str, rules: ClassifierRules) -> _Document:
    tree = LexborHTMLParser(body_html or "")
    root = tree.body or tree.root
    doc = _Document([], [], [], [])
    if root is None:
        return doc
    _strip_chrome(root)
    campaign_headings = rules.phrases.get(Kind.CAMPAIGN, ())
    line_breaks = "<br" in body_html.lower()  # spares a query per paragraph on most pages
    in_section = in_teaser = False
    for node in root.traverse():
        tag = node.tag or ""
        if tag in ("ul", "ol"):
            doc.lists.append([_text(li) for li in node.iter() if li.tag == "li"])
        if tag == "a":
            doc.anchors.append(
                _Anchor(
                    node.attributes.get("href") or "",
                    _text(node),
                    _enclosing_block_text(node, root),
                    in_section,
                    in_teaser,
                )
            )
        if tag not in _BLOCK_TAGS or _inside_block(node, root):
            continue
        text = _text(node)
        heading = _heading_text(node, text)
        # A heading that is wholly a link is a teaser card (related posts, listings), not the
        # start of this article's take-action section.
        teaser = heading and any(_text(a) == text for a in node.css("a"))
        if heading:
            in_teaser = teaser  # the card's teaser text follows its linked heading
        bare_line = tag == "p" and len(text.split()) <= 5  # "Take action" as a plain line
        if heading or bare_line:
            matched = _starts_with(_key(text), campaign_headings)
            if matched and len(text.split()) <= 8 and not teaser:
                in_section, heading = True, True
                doc.action_headings.append(text)
            elif heading:
                in_section = False
        doc.blocks.append(_Block(tag, text, heading, in_teaser, in_section and not heading))
        if line_breaks and tag == "p" and node.css_first("br") is not None:
            doc.lists.append(_lines(node))  # names one per line: "Signatories<br>A<br>B"
    doc.lists.extend(_name_runs(doc.blocks))
    return doc


def _lines(node: LexborNode) -> list[str]:
    lines: list[str] = []
    line: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "br":
            lines.append(" ".join(" ".join(line).split()))
            line = []
        else:
            line.append(child.text(deep=True, separator=" "))
    lines.append(" ".join(" ".join(line).split()))
    return [text for text in lines if text]


_NAME_MAX_WORDS = 10
_SENTENCE_END = (".", "!", "?", "؟", ":", "؛")


def _name_runs(blocks: list[_Block]) -> Iterator[list[str]]:
    """Runs of consecutive short paragraphs that read as names, one per paragraph."""
    run: list[str] = []
    for block in [*blocks, _Block("end", "", False)]:
        words = len(block.text.split())
        if block.tag == "p" and 0 < words <= _NAME_MAX_WORDS and not block.heading \
                and not block.text.endswith(_SENTENCE_END):
            run.append(block.text)
            continue
        if len(run) >= SIGNED_LIST_MIN:
            yield run
        run = []


# --- action links --------------------------------------------------------------------------------


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _is_donation(href: str, label: str) -> bool:
    label_key = normalise_text(label)
    host = _host(href) if href.lower().startswith(("http:", "https:", "//")) else ""
    return (
        "donat" in href.lower()
        or "تبرع" in label_key
        or label_key.startswith(("donate", "give now"))
        or any(host == h or host.endswith("." + h) for h in _DONATION_HOSTS)
    )


def _is_call(text: str) -> bool:
    opening = _leading_key(text, _CALL_WORDS)
    first = opening.split(" ", 1)[0]
    # Most sentences open with no call word at all: tell so from the first word alone.
    if first not in _CALL_FIRST_WORDS and not first.startswith("و"):
        return False
    if _starts_with(opening, _NOT_CALLS):
        return False
    if _starts_with(opening, _AR_CALLS):  # "يرجى نشر الوسم": the request is the call
        return True
    key = _POLITE_PREFIX.sub("", opening)
    return bool(_starts_with(key, _EN_CALLS) or _starts_with(key, _AR_CALLS))


_CALL_FIRST_WORDS = frozenset(
    _key(phrase).split()[0] for phrase in (*_EN_CALLS, *_AR_CALLS, *_NOT_CALLS)
) | {"please", "يرجي", "رجاء", "click", "اضغط", "كما", "يسرنا", "يسعدنا", "نود"}


_HASHTAG = re.compile(r"(?<![\w&/])#\w+")


def _own_hashtags(doc: _Document) -> Iterator[str]:
    for block in doc.blocks:
        if not block.teaser and block.tag != "blockquote":
            yield from _HASHTAG.findall(unquoted(block.text))


def _is_concrete(sentence: str) -> bool:
    """True when a call names what to sign, write or post (a petition, a letter, a hashtag)."""
    if "#" in sentence:
        return True
    words = _key(sentence).split()
    return any(w in _MEANS_WORDS or any(stem in w for stem in _AR_MEANS_STEMS) for w in words)


# A call is told by its first words: a polite opener ("click here to") and a call phrase.
_CALL_WORDS = 3 + max(len(_key(phrase).split()) for phrase in _EN_CALLS + _AR_CALLS)
_OPENING_CHARS = 160


def _leading_key(text: str, words: int) -> str:
    """The first `words` words of `_key(text)`, without normalising all of a long text.

    Normalising is per character except at the cut (a combining mark after it, trailing
    space), which can change only the opening's last word: two words to spare make it exact.
    """
    if len(text) > _OPENING_CHARS:
        opening = _key(text[:_OPENING_CHARS]).split()
        if len(opening) >= words + 2:
            return " ".join(opening[:words])
    return " ".join(_key(text).split()[:words])


def _clean_url(url: str) -> str:
    # A third party's page stays exactly as its author wrote it (some answer "/petition/" and
    # "/petition" differently, or route on the fragment): only tracking parameters go.
    return strip_tracking(url)


def _action_reason(
    url: str, anchor: _Anchor, rules: ClassifierRules, base_url: str = ""
) -> str | None:
    """Why this link is a call to act ("petition link: change.org"), or None."""
    label_key = normalise_text(anchor.label)
    if url.startswith("mailto:"):
        prepared = bool(_PREPARED_MAILTO.search(url))
        if label_key in _CHROME_LABELS:
            return None  # "Email" next to the share buttons
        if prepared or anchor.in_action_section or _is_call(anchor.label):
            return "letter link: mailto"
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = _host(url)
    if _SHARE_URLS.search(url.lower()) or _is_donation(url, anchor.label):
        return None
    if host in ("twitter.com", "x.com", "mobile.twitter.com") and _TWEET_INTENT.match(parts.path):
        # Icon-only or "Tweet"/"Share" labelled intents are share buttons, not a campaign tweet.
        if not anchor.label or (label_key in _CHROME_LABELS and not anchor.in_action_section):
            return None
        return f"tweet intent: {host}"
    if any(host == h or host.endswith("." + h) for h in rules.action_hosts):
        return f"petition link: {host}"
    if host.startswith(_ACTION_SUBDOMAINS):
        return f"action site: {host}"
    if _same_section(url, base_url) and not anchor.in_action_section:
        return None  # another post, cited by its title ("... recently: Sign our petition to ...")
    segments = [s.lower() for s in parts.path.split("/") if s]
    if any(s in _ACTION_SEGMENTS or s.startswith("petition") or _SLUG_PETITION.search(s)
           for s in segments):
        return f"action page: {host}"
    call_label = anchor.label if label_key not in _WEAK_LABELS else anchor.block_text
    # A link alone in its paragraph is a button: "Add your name", "العريضة".
    alone = not anchor.in_teaser and _key(anchor.label) == _key(anchor.block_text)
    if _is_call(call_label) and (
        anchor.in_action_section or alone or _has_phrase(_key(call_label), _DOCUMENT_WORDS)
        or _is_concrete(anchor.label)  # "email your MP", "sign here"
    ):
        return f"call link: {anchor.label[:40]}"
    if _has_phrase(_key(anchor.label), _DOCUMENT_WORDS) and (
        anchor.in_action_section or alone or _is_call(unquoted(anchor.block_text))
    ):
        return f"document link: {anchor.label[:40]}"
    return None


_SLUG_PETITION = re.compile(r"[-_]petitions?(?:$|[-_.])")  # /en/salma-petition
_LANGUAGE_SEGMENT = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$")


def _same_section(url: str, base_url: str) -> bool:
    """True when `url` is a page in the same section as the article (/ar/post/...)."""
    if not base_url:
        return False
    page, link = urlsplit(base_url), urlsplit(url)
    section = page.path.rsplit("/", 1)[0] + "/"
    named = [s for s in section.split("/") if s and not _LANGUAGE_SEGMENT.match(s.lower())]
    if link.path.startswith(page.path.rstrip("/") + "/"):
        return False  # a page under this one (".../ahmed-mansoor/send") is its own form
    return bool(named) and _host(url) == _host(base_url) and link.path.startswith(section)


# What a reader is handed to act with: a link labelled with one, beside a call, is an action.
_DOCUMENT_WORDS = (
    "petition", "our petition", "prepared letter", "model letter", "our letter", "pledge",
    "عريضه", "العريضه", "الرساله الجاهزه", "الرساله النموذجيه", "رسالتنا", "التعهد",
    "template letter", "template email", "our template",
)  # fmt: skip


@dataclass(frozen=True)
class _Found:
    link: ActionLink
    reason: str
    called: bool  # the link's label or sentence is itself an imperative call


def _action_links(doc: _Document, base_url: str, rules: ClassifierRules) -> Iterator[_Found]:
    seen: set[str] = set()
    for anchor in doc.anchors:
        href = anchor.href.strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        url = href if href.lower().startswith("mailto:") else urljoin(base_url, href)
        if not url.lower().startswith(("http://", "https://", "mailto:")):
            continue  # still relative: no base to resolve it against
        reason = _action_reason(url, anchor, rules, base_url)
        if reason is None:
            continue
        clean = url if url.lower().startswith("mailto:") else _clean_url(url)
        # The same page written twice ("…/p/x/" and "…/p/x#sign") is one button; the first
        # spelling is the one kept, exactly as written.
        dedup = clean.lower().split("#", 1)[0].rstrip("/")
        if dedup in seen:
            continue
        seen.add(dedup)
        label = anchor.label
        if not label or normalise_text(label) in _WEAK_LABELS:
            block = anchor.block_text
            label = block if block and len(block.split()) <= 12 else label
        if not label:
            mailto = clean.startswith("mailto:")
            label = clean.removeprefix("mailto:").split("?")[0] if mailto else _host(clean)
        called = _is_call(anchor.label) or _is_call(anchor.block_text)
        yield _Found(ActionLink(url=clean, label=label), reason, called)


def extract_action_links(
    body_html: str, base_url: str, *, rules: ClassifierRules | None = None
) -> tuple[ActionLink, ...]:
    """The calls to act among the body's links, absolute, de-duplicated, in page order.

    Petition/campaign hosts and action pages, tweet intents, prepared `mailto:` letters, and
    links labelled as a call ("Sign the petition") inside a take-action section. Share buttons,
    donation links and ordinary links are left out.
    """
    rules = rules or ClassifierRules()
    doc = _parse(body_html, rules)
    return tuple(found.link for found in _action_links(doc, base_url, rules))


# --- classification ------------------------------------------------------------------------------


def _category_kind(site_category: str | None, rules: ClassifierRules) -> Kind | None:
    if not site_category:
        return None
    key = _key(site_category)
    for name, kind in rules.categories.items():
        if _category_key(name) == key:
            return kind
    return None


@lru_cache(maxsize=1024)
def _category_key(name: str) -> str:
    return _key(name)


# "On this anniversary, please share his story": a request after a short opening clause.
_LEADING_CLAUSE = re.compile(r"^[^,،.]{1,60}[,،]\s+")
_POLITE_WORDS = frozenset({"please", "يرجي", "رجاء"})


def _polite_after_clause(sentence: str) -> bool:
    if "lease" not in sentence and "رج" not in sentence:
        return False  # neither "please" nor "يرجى"/"رجاء": most sentences stop here
    clause = _LEADING_CLAUSE.match(sentence)
    if clause is None:
        return False
    rest = sentence[clause.end():]
    first = rest.split(None, 1)[0] if rest.strip() else ""
    return _key(first) in _POLITE_WORDS and _is_call(rest)  # one word to normalise, mostly


def _calls(doc: _Document, lang: str) -> list[str]:
    """Sentences in which the site itself asks the reader to act: imperatives and invitations
    opening a sentence, outside quotation marks and quoted blocks (someone else's voice)."""
    found = []
    for block in doc.blocks:
        if block.heading or block.teaser or block.tag == "blockquote":
            continue  # a take-action heading is scored as a heading; teasers speak for others
        if lang in ("ar", "en") and detect_language(block.text) not in (lang, "und"):
            continue  # interface chrome in the other language (seed 000) does not speak
        sentences = _SENTENCE_BREAK.split(unquoted(block.text))
        if block.in_action_section and sentences and not _is_call(sentences[0]):
            # Under "Take action" the site speaks to the reader whatever verb it opens with
            # ("التقطوا صورة ...", "Record a video ...").
            found.append(sentences[0].strip())
        for sentence in sentences:
            words = sentence.split()
            called = _is_call(sentence) or _polite_after_clause(sentence)
            if called and len(words) >= 2 and not all(
                    normalise_text(word) in _CHROME_LABELS for word in words):
                found.append(sentence.strip())  # "Share: Tweet Facebook" is a share bar
    return found


def classify_article(
    *,
    title: str,
    body_html: str,
    lang: str,
    site_category: str | None = None,
    rules: ClassifierRules | None = None,
    base_url: str = "",
) -> Classification:
    """Classify one article from its title and main-content HTML.

    `lang` is the article's language: only sentences in it count as calls to act, since
    chrome in the interface language leaks into bodies. `site_category` decides when it maps
    to a kind; else a genre heading the title ("Joint statement: ...", "Report: ...") does,
    even over a take-action section at the end. `actions` are returned for every kind but
    news: a news item linking a petition in passing gets no "Sign" button, a report ending in
    a petition keeps it. `base_url` resolves relative links.
    """
    rules = rules or ClassifierRules()
    doc = _parse(body_html, rules)
    links = list(_action_links(doc, base_url, rules))
    score = {kind: 0 for kind in _TIE_ORDER}
    signals: dict[Kind, list[str]] = {kind: [] for kind in _TIE_ORDER}

    def add(kind: Kind, points: int, why: str) -> None:
        score[kind] += points
        signals[kind].append(why)

    # Campaign: a take-action heading, action links, calls to the reader in the site's voice.
    for heading in doc.action_headings[:1]:
        add(Kind.CAMPAIGN, W_CAMPAIGN_HEADING, f"heading: {heading}")
    if links:
        extra = W_MORE_ACTION_LINKS * (len(links) - 1)
        score[Kind.CAMPAIGN] += min(MAX_ACTION_LINK_POINTS, W_FIRST_ACTION_LINK + extra)
        signals[Kind.CAMPAIGN] += [found.reason for found in links]
        if any(found.called for found in links):
            add(Kind.CAMPAIGN, W_LINKED_CALL, "linked call")
    calls = _calls(doc, lang)
    title_calls = [part for part in title_segments(unquoted(title)) if _is_call(part)]
    if title_calls:
        add(Kind.CAMPAIGN, W_TITLE_CALL, f"title call: {title_calls[0][:60]}")
    if calls:
        score[Kind.CAMPAIGN] += min(MAX_CALL_POINTS, W_CALL * len(calls))
        signals[Kind.CAMPAIGN] += [f"call: {call[:60]}" for call in calls[:MAX_CALL_POINTS]]
    # A call that is wholly a link's label cites another post by its title ("... published
    # recently: Sign our petition to end ..."); it tells the reader of that post, not this one.
    concrete = next((call for call in calls + title_calls if _is_concrete(call)), None)
    if concrete is not None:
        cited = {_key(anchor.label) for anchor in doc.anchors if anchor.label}
        concrete = next((call for call in calls + title_calls
                         if _is_concrete(call) and _key(call) not in cited), None)
    if concrete is None and (calls or title_calls):
        # A hashtag the site itself gives, beside a call: "... وانشروها على الوسم #X".
        concrete = next((tag for tag in _own_hashtags(doc)), None)
    if concrete is not None:
        add(Kind.CAMPAIGN, W_CONCRETE_CALL, f"concrete call: {concrete[:40]}")
    if (calls or title_calls) and (links or concrete is not None):
        # The reader is asked to act and handed the means (a link, or told what to sign, write
        # or post): a call to act, however politely put ("ندعوكم إلى التوقيع على العريضة").
        score[Kind.CAMPAIGN] = max(score[Kind.CAMPAIGN], THRESHOLD)

    body_key = _key(" ".join(block.text for block in doc.blocks))
    # Statement: signatories, a letter's form, the genre named in the body.
    opener = _has_phrase(body_key, _SIGNATORY_OPENERS)
    if opener:
        add(Kind.STATEMENT, W_SIGNATORY_OPENER, f"signatories: {opener}")
    if phrase := _has_phrase(body_key, rules.phrases.get(Kind.STATEMENT, ())):
        add(Kind.STATEMENT, W_GENRE_IN_BODY, f"body: {phrase}")
    sign_off = _has_phrase(body_key, _SIGN_OFFS)
    salutation = _salutation(doc)
    if salutation and salutation.startswith(_SPEECH_OPENINGS):
        # A speech thanks the chair first ("Thank you, Mr President"); its sign-off is the
        # closing thanks, not the opening line found again.
        last = _key(doc.blocks[-1].text) if len(doc.blocks) > 1 else ""
        sign_off = last if last in _SPEECH_CLOSINGS else None
    elif salutation and not sign_off and len(doc.blocks) > 1:
        # "Mr. Vice-President, ... Thank you.": a speech that opens by addressing the chair.
        last = _key(doc.blocks[-1].text)
        sign_off = last if last in _SPEECH_CLOSINGS else None
    if salutation and sign_off:
        add(Kind.STATEMENT, W_LETTER_FORM, f"letter: {salutation} ... {sign_off}")
    elif salutation:
        add(Kind.STATEMENT, W_SALUTATION, f"salutation: {salutation}")
    elif sign_off:
        add(Kind.STATEMENT, W_SIGN_OFF, f"sign-off: {sign_off}")
    names = max((items for items in [*doc.lists, *_inline_signatories(doc)]
                 if _names_list(items)), key=len, default=[])
    if len(names) >= SIGNATORY_LIST_MIN:
        add(Kind.STATEMENT, W_SIGNATORY_LIST, f"signatory list: {len(names)} items")
    elif len(names) >= SIGNED_LIST_MIN and (opener or sign_off or _signatories_label(doc)):
        add(Kind.STATEMENT, W_SIGNED_LIST, f"signed by: {len(names)} names")

    if issued := _issued_statement(doc, base_url):
        # "Freedom House issued the following statement:" on freedomhouse.org: the piece is
        # the site's own statement; on another site it would be a story about one.
        add(Kind.STATEMENT, THRESHOLD, f"own statement: {issued}")
    # A position in the site's own voice: a present-tense stance opening the body and the
    # demands it makes of the authorities, listed.
    if stance := _stance_opening(doc):
        add(Kind.STATEMENT, W_STANCE_OPENING, f"stance: {stance}")
        if demands := _demands_list(doc):
            add(Kind.STATEMENT, W_DEMANDS_LIST, f"demands: {demands[:40]}")

    # Report: a PDF of it, the body speaks of "this report".
    pdf = _report_pdf(doc, base_url)
    if pdf is not None:
        name, about_report, download = pdf
        add(Kind.REPORT, W_REPORT_PDF if about_report else W_OTHER_PDF, f"pdf link: {name}")
        if about_report and download:
            add(Kind.REPORT, W_DOWNLOAD_PDF, "pdf offered for download")
    if phrase := (_has_phrase(body_key, _SELF_REPORT) or _self_report(body_key)
                  or _document_verb(body_key)):
        add(Kind.REPORT, W_SELF_REPORT, f"body: {phrase}")
    opening_report = _opening_report(doc)

    # Campaign phrases are section headings ("تحرك"), which in a title are often plain nouns.
    genre_phrases: dict[Kind, tuple[str, ...]] = {
        k: v for k, v in rules.phrases.items() if k is not Kind.CAMPAIGN}
    genre = (title_genre(title, genre_phrases) or _own_title_genre(title, base_url, genre_phrases)
             or _document_type(doc, genre_phrases))
    category_kind = _category_kind(site_category, rules)
    if category_kind is not None:
        kind = category_kind
        why = [f"site category: {site_category}"]
    elif genre is not None and (genre.appeal or title_calls) and score[Kind.CAMPAIGN] >= THRESHOLD:
        # "نداء للتوقيع على عريضة", "Write for Rights: a letter for Salma": the appeal is
        # made to the reader.
        kind = Kind.CAMPAIGN
        why = [f"title: {genre.head}, addressed to the reader"]
    elif genre is not None and not (genre.bare_letter and not score[Kind.STATEMENT]):
        # Editors name the genre in the title; a petition at the end does not make a report
        # or a joint statement a campaign.
        kind = genre.kind
        add(kind, W_TITLE, f"title: {genre.head}")
        why = []
    elif opening_report is not None:
        # The piece introduces itself as a report ("This 91-page report ..."): a take-action
        # section after it does not make it a campaign; its links are kept.
        kind = Kind.REPORT
        why = [f"opening: {opening_report}"]
    elif doc.action_headings and links:
        kind = Kind.CAMPAIGN  # a take-action heading with something to act on is decisive
        why = ["decisive: take-action heading with action links"]
    else:
        best = max(_TIE_ORDER, key=lambda k: (score[k], -_TIE_ORDER.index(k)))
        kind = best if score[best] >= THRESHOLD else Kind.NEWS
        why = []
    explanation = why + [s for k in _TIE_ORDER for s in signals[k] if k == kind]
    if kind is Kind.NEWS:
        explanation = [
            f"{k.value} {score[k]}<{THRESHOLD}: {', '.join(signals[k])}"
            for k in _TIE_ORDER
            if score[k]
        ] or ["no signals"]
    actions = tuple(found.link for found in links) if kind is not Kind.NEWS else ()
    return Classification(kind=kind, actions=actions, signals=tuple(explanation))


# "This 62-page report", "our new research brief", "new research by ...": the piece speaks of
# itself as a report.
_SELF_REPORT_PATTERN = re.compile(
    r"\b(?:this|our|the full|new)(?: [\w-]+){0,2} "
    r"(?:report|briefing|paper|study|research|submission|factsheet|contribution|findings"
    r"|publication)\b"
    # "has released its monthly report today": a site's periodic report of its own.
    r"|\b(?:released|published|issued|launched|publishes|releases) its(?: [\w-]+)? report\b"
    r"|\bannual (?:report|review)\b"
)


_SELF_REPORT_NOUNS = ("report", "briefing", "paper", "study", "research", "submission",
                      "factsheet", "review", "contribution", "findings", "publication")


def _self_report(body_key: str) -> str | None:
    if not any(noun in body_key for noun in _SELF_REPORT_NOUNS):
        return None  # a scan per noun is cheaper than the pattern's over a long body
    found = _SELF_REPORT_PATTERN.search(body_key)
    return found.group(0) if found else None


_INLINE_SEPARATOR = re.compile(r"\s*[,،؛;]\s*")


def _inline_signatories(doc: _Document) -> Iterator[list[str]]:
    """Names after a label in one paragraph: "Signatories: ALQST, GCHR, MENA Rights Group."."""
    for block in doc.blocks:
        label, colon, rest = block.text.partition(":")
        if colon and len(label.split()) <= _LABEL_MAX_WORDS \
                and _starts_with(_key(label), _SIGNATORY_LABELS):
            yield [name for name in _INLINE_SEPARATOR.split(rest.strip().rstrip(".")) if name]


def _signatories_label(doc: _Document) -> bool:
    """True when a short line such as "Signatories:" or "الموقعون:" introduces names."""
    return any(
        len(block.text.split()) <= _LABEL_MAX_WORDS
        and _starts_with(_key(block.text), _SIGNATORY_LABELS)
        for block in doc.blocks
    )


def _names_list(items: list[str]) -> bool:
    # Signatories are short names, not sentences.
    short = sum(1 for item in items if 0 < len(item.split()) <= 12)
    return bool(items) and short >= 0.8 * len(items)


def _report_pdf(doc: _Document, base_url: str) -> tuple[str, bool, bool] | None:
    """The first PDF linked, whether it is the report (by its label or name), and whether it
    is offered for download ("Download the full publication", "لتحميل الدراسة كاملة")."""
    found: tuple[str, bool, bool] | None = None
    for anchor in doc.anchors:
        url = urljoin(base_url, anchor.href.strip())
        if not urlsplit(url).path.lower().endswith(".pdf"):
            continue
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        # "اضغط هنا" says nothing: its sentence ("لقراءة التقرير كاملاً اضغط هنا") does.
        weak = normalise_text(anchor.label) in _WEAK_LABELS
        label = anchor.block_text if weak else anchor.label
        label_key = _key(label)
        about_report = bool(_has_phrase(_key(f"{label} {name}"), _REPORT_LINK_WORDS))
        if about_report:
            # A letter or petition to print is a means to act, not the piece's own document.
            # ... and only when it names the document: "Download the judgment" may be news.
            download = bool(
                _has_phrase(label_key, _DOWNLOAD_WORDS)
                and _has_phrase(_key(f"{label} {name}"), _REPORT_NOUNS)
                and not _has_phrase(label_key, _ACT_DOCUMENTS)
            )
            return name, True, download
        found = found or (name, False, False)
    return found


_DOWNLOAD_WORDS = (
    "download", "read the full", "the full", "تحميل", "لتحميل", "تنزيل", "لتنزيل", "كامله",
    "كاملا", "الكامل", "كامل",
)  # fmt: skip
_REPORT_NOUNS = (
    "report", "briefing", "brief", "submission", "paper", "publication", "findings", "analysis",
    "study", "contribution", "تقرير", "التقرير", "الدراسه", "دراسه", "المذكره", "مذكره",
    "الورقه", "ورقه", "المساهمه", "مساهمه", "الملخص",
)  # fmt: skip
_ACT_DOCUMENTS = ("letter", "petition", "postcard", "رساله", "عريضه", "العريضه", "الرساله")

# The piece speaks of itself in its opening: "This 91-page research report ...", "يستند هذا
# العمل البحثي إلى ...". News opens with what happened; a report with what it is.
_OPENING_REPORT = re.compile(
    r"\bthis(?: \d+ page| new| research| annual| policy| legal| joint| full| short| latest)*"
    r" (?:report|study|publication|briefing|research|paper|submission|analysis|brief)\b"
    r"|(?:هذا|هذه) (?:التقرير|الدراسه|البحث|العمل البحثي|الورقه|المذكره|المساهمه|الملخص"
    r"|الاحاطه|الموجز)"
)
_OPENING_BLOCKS = 2
# "ويوثق التقرير", "وتوثق الدراسة": a document doing what reports do, Arabic verb first.
_DOCUMENT_VERB = re.compile(
    r"(?:^| )و?(?:يوثق|توثق|يرصد|ترصد|يستند|تستند|يتناول|تتناول|يخلص|تخلص)"
    r" (?:هذا |هذه )?(?:التقرير|الدراسه|المذكره|الورقه|المساهمه|البحث|الملخص)"
)


def _opening_report(doc: _Document) -> str | None:
    opening = [block for block in doc.blocks if block.tag == "p"][:_OPENING_BLOCKS]
    for block in opening:
        text = block.text[:_OPENING_CHARS * 2]  # the self-description comes first
        if "هذ" not in text and "this" not in text.lower():
            continue  # most openings have no demonstrative: spare normalising them
        if found := _OPENING_REPORT.search(_key(text)):
            return found.group(0)
    return None


def _document_verb(body_key: str) -> str | None:
    found = _DOCUMENT_VERB.search(body_key)
    return found.group(0).strip() if found else None


# Present-tense verbs of a stance opening a body in the site's own voice. Arabic news reports
# a stance in the past tense ("أدانت منظمة ..."); a press release states it ("يدين المركز").
_STANCE_VERBS = frozenset({
    "يدين", "تدين", "يستنكر", "تستنكر", "يطالب", "تطالب", "يدعو", "تدعو", "يحث", "تحث",
    "يعرب", "تعرب", "يشجب", "تشجب",
})  # fmt: skip
_EN_STANCE_VERBS = ("condemns", "deplores", "denounces")
_EN_STANCE = re.compile(r"^(?:[\w'’-]+ ){1,8}(?:condemns|deplores|denounces|strongly condemns)\b")
_AUTHORITIES = re.compile(r"\b(?:authorities|government|السلطات|الحكومه|حكومه)\b")


def _stance_opening(doc: _Document) -> str | None:
    # The first two paragraphs: a line of document metadata ("PUBLIC STATEMENT — Index: ...")
    # may come first.
    for block in [block for block in doc.blocks if block.tag == "p"][:_OPENING_BLOCKS]:
        first = _key(block.text.split(None, 1)[0]) if block.text else ""
        if first in _STANCE_VERBS:
            return first
        opening = block.text[:_OPENING_CHARS].lower()
        if any(verb in opening for verb in _EN_STANCE_VERBS) and (
                found := _EN_STANCE.match(_leading_key(block.text, 10))):
            return found.group(0)
    return None


_ISSUED_STATEMENT = re.compile(
    r"(?:^|[,.;] )((?:[\w&'’-]+ ){1,4})(?:has |have )?(?:issued|issues|released|releases|made)"
    r" the following (?:statement|comment|response)\b"
)


def _issued_statement(doc: _Document, base_url: str) -> str | None:
    if not base_url:
        return None
    for block in [block for block in doc.blocks if block.tag == "p"][:_OPENING_BLOCKS + 1]:
        if "following" not in block.text:
            continue
        found = _ISSUED_STATEMENT.search(block.text.lower())
        if found and _names_site(found.group(1).strip(), _host(base_url)):
            return found.group(0).strip(" ,.;")
    return None


def _demands_list(doc: _Document) -> str | None:
    """The line before a list that asks the authorities, or states the site's demands in a
    stance verb ("وعليه، تطالب مؤسسة الحق بما يلي:"), for what the list says."""
    for block, after in pairwise(doc.blocks):
        if after.tag == "li" and block.text.rstrip().endswith(":"):
            key = _key(block.text)
            # "وتطالب الشبكة ...:": the conjunction joins the stance verb in Arabic script.
            verbs = {word.removeprefix("و") for word in key.split()}
            if _AUTHORITIES.search(key) or _STANCE_VERBS.intersection(verbs):
                return block.text
    return None


# Lines of document metadata may come before a letter's salutation or a speech's thanks:
# "Delivered by: ...", "البند 4: النقاش العام", an addressee's name and title.
_SALUTATION_BLOCKS = 3


def _salutation(doc: _Document) -> str | None:
    for block in doc.blocks[:_SALUTATION_BLOCKS]:
        if found := is_salutation(block.text):
            return found
    return None


# A document-type line heading the body, as Amnesty's "PUBLIC STATEMENT" or "بيان عام" above
# the text: the genre's name on its own, like a title's label. A bare "Report" or "Statement"
# is a news site's kicker as often, so the line must qualify its head.
_DOCUMENT_TYPE_WORDS = range(2, 4)


def _document_type(
    doc: _Document, phrases: Mapping[Kind, tuple[str, ...]]
) -> TitleGenre | None:
    for block in [block for block in doc.blocks if block.tag == "p"][:_OPENING_BLOCKS]:
        if len(block.text.split()) not in _DOCUMENT_TYPE_WORDS or ":" in block.text:
            continue
        genre = title_genre(block.text, phrases)
        if genre is None and block.text.lower().endswith("s"):
            # A section's kicker names the genre in the plural: "Special Reports".
            genre = title_genre(block.text[:-1], phrases)
        if genre is not None and genre.kind is not Kind.CAMPAIGN and not genre.bare_letter:
            return genre._replace(head=f"document type: {genre.head}")
    return None


# "7amleh's Position on ...", "BIRD's Statement to ...": the site names its own stance with a
# possessive. "HRW's report finds ..." on another site is a story about someone's report, and
# "Amnesty's report on Egypt criticised by Cairo" one about its own: only a statement counts.
_POSSESSIVE = re.compile(
    r"^\s*((?:[\w&.-]+\s+){0,3}[\w&.-]+)['’]s\s+"
    r"((?:[\w-]+\s+){0,2}[\w-]+(?:\s+(?:on|to|regarding|concerning|about|at|before|under|for)\b.*)?)$",
    re.IGNORECASE,
)
_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def _own_title_genre(
    title: str, base_url: str, phrases: Mapping[Kind, tuple[str, ...]]
) -> TitleGenre | None:
    if not base_url or not any(mark in title for mark in "'’"):
        return None
    # Any segment: "HRC56: Euro-Med Monitor's oral statement under Item 7".
    for segment in title_segments(title):
        found = _POSSESSIVE.match(segment)
        if found is None or not _names_site(found.group(1), _host(base_url)):
            continue
        rest = found.group(2)
        genre = title_genre(rest, phrases)
        if genre is None:
            continue
        # "SNHR's Monthly Report: ..." is a label when the segment ends with its head; "Amnesty's
        # report on Egypt criticised by Cairo" is a story about the report.
        label = _key(rest).split()[-1:] == genre.head.split()[-1:]
        if genre.kind is Kind.STATEMENT or label:
            return genre
    return None


def _names_site(owner: str, host: str) -> bool:
    """Whether a name ("Al-Haq", "7amleh", "Human Rights Watch") is the host's (alhaq.org)."""
    name = _ALPHANUMERIC.sub("", owner.lower())
    initials = "".join(word[0] for word in owner.lower().split() if word[0].isalnum())
    labels = [label for label in host.split(".")[:-1] if len(label) >= 3]
    return any(
        (len(name) >= 3 and (label.startswith(name) or name.startswith(label)))
        or (len(initials) >= 3 and initials == label)
        for label in labels
    )
