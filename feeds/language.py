"""Which language a block of text is in (Arabic, Persian, Urdu, Pashto, Sorani Kurdish, Hebrew,
English, French, Spanish, German, Turkish, Italian, Dutch, Indonesian, Malay, Somali, Kurmanji
Kurdish, Kabyle; Russian, Amharic and Tamazight by their scripts), and where a bilingual page's
body switches language, so each half can go to its own language feed.

The script (Arabic, Latin, Hebrew, Cyrillic, Ethiopic or Tifinagh letters) decides the family;
letters and function words then tell Arabic from Persian, Urdu, Pashto and Sorani, and English
from the other Latin-script languages. Arabic typed in Latin letters with digits for its sounds
("7oreya", "3ayzeen") is Arabic.
Acronyms, hashtags and mentions alone ("ALQST", "A/HRC/55/L.12", "#FreeSalma") name no language.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LanguageSegment", "detect_language", "dominant_language", "split_languages"]

UNDETERMINED = "und"
# Fewer letters than this is a date, a number or an acronym: no language to speak of.
MIN_LETTERS = 3
# Arabic script leaves short vowels unwritten, so the same text takes about a quarter fewer
# letters than Latin script; weigh Arabic letters up so a mixed block is judged by words.
ARABIC_WEIGHT = 1.3
# A page splits only when each language holds this much prose (FACTS §1, seed 004 vs 002).
SPLIT_MIN_LETTERS = 200
SPLIT_MIN_SHARE = 0.15

# The address part starts only at the start of a run and stops at the first dot after "@":
# `\S+@\S+\.\S+` tried at every position of a long run without "@" (a minified script, a
# base64 blob) is quadratic, 2 s on one 50 KB page.
_URLS = re.compile(r"(?:https?://|www\.)\S+|(?<![^\s@])[^\s@]+@[^\s.@]+\.\S+", re.IGNORECASE)
_LIST_TAGS = frozenset({"li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th"})
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "div", "section", "article"})
# A "paragraph" shorter than this is a caption, a date line or a name, not running prose.
_MIN_PROSE_WORDS = 5


def _is_arabic(code: int) -> bool:
    return (
        (0x0620 <= code <= 0x064A and code != 0x0640)  # letters; not tatweel, not harakat
        or 0x066E <= code <= 0x06D3
        or code == 0x06D5
        or 0x06FA <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )


def _is_latin(code: int) -> bool:
    return (
        0x41 <= code <= 0x5A
        or 0x61 <= code <= 0x7A
        or (0xC0 <= code <= 0x24F and code not in (0xD7, 0xF7))  # × ÷ sit among the letters
        or 0x1E00 <= code <= 0x1EFF
    )


# The same sets as _is_arabic and _is_latin, as character classes: counting with a regex runs
# in C, where a loop over characters in Python cost 0.2 µs a letter (long bodies, signatory
# lists). tests/test_language.py checks the classes against the functions on every code point.
_ARABIC_RUNS = re.compile(
    "[\u0620-\u063f\u0641-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f"
    "\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"
)
_LATIN_RUNS = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")
_HEBREW_RUNS = re.compile("[\u05d0-\u05ea\u05f0-\u05f2]+")
# Scripts that name one language among those the sites publish in: Ethiopic is Amharic (the
# Ethiopian and Eritrean NGOs' working language), Tifinagh is Standard Moroccan Tamazight (the
# script Morocco and Algeria made official for it). Cyrillic is Russian only with a word or a
# letter of its own (below); a bare name could be Ukrainian, Bulgarian or Serbian.
_ETHIOPIC_RUNS = re.compile("[\u1200-\u137f]+")
_TIFINAGH_RUNS = re.compile("[\u2d30-\u2d7f]+")
_CYRILLIC_RUNS = re.compile("[\u0400-\u04ff]+")
# Arabizi: Arabic in Latin letters, with digits for the sounds Latin lacks (2 hamza, 3 ain,
# 5 kha, 7 ha, 9 qaf) inside a lower-case word: "7oreya", "mo3ta2aleen", "tetla3". Ordinals,
# clock times and codes ("3rd", "8am", "hrc55", "covid19") are not such words.
_ARABIZI_WORD = re.compile(
    r"(?<![\w/.-])(?=[a-z2-9]*[a-z])(?![2-9](?:st|nd|rd|th|am|pm|km|kg|mb|gb|s|k|m|g|d|h)\b)"
    r"(?:[a-z]*[a-z][235679][a-z0-9]*|[235679][a-z]{2,}[a-z0-9]*)(?![\w/.-])"
)
# Enough of a Latin text's words for it to be Arabizi rather than English with a stray code.
ARABIZI_MIN_WORDS = 2
ARABIZI_MIN_SHARE = 0.2
# What Spanish, German or Turkish must score to win over English: one of its words or letters.
OTHER_LATIN_MIN_SCORE = 2
_TAGS = re.compile(r"(?<!\w)[#@][\w.]+")


def _letter_counts(text: str) -> tuple[int, int]:
    """(Arabic letters, Latin letters); digits, punctuation, URLs and other scripts ignored."""
    if "://" in text or "www." in text.lower() or "@" in text:
        text = _URLS.sub(" ", text)
    arabic = sum(map(len, _ARABIC_RUNS.findall(text)))
    latin = sum(map(len, _LATIN_RUNS.findall(text)))
    return arabic, latin


# Harakat and tatweel sit inside words; dropped before splitting text into words.
_MARKS = re.compile("[\u0640\u064b-\u065f]")
# Capitalised Latin words (organisation names, acronyms) inside an Arabic sentence count this
# much: a signatory list is named in Latin script but framed in Arabic.
LATIN_NAME_WEIGHT = 0.3


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Function words: frequent, short, and each proper to one language of its script. Arabic ones
# are looked up after folding Persian yeh/keheh (ی ک) to Arabic (ي ك), as some sites type them.
_ARABIC_WORDS = _word_set(
    "في من على إلى الى عن أن إن مع التي الذي الذين اللذين هذا هذه ذلك تلك كان كانت قد لقد لم "
    "لن كما بين حول بعد قبل منذ حتى أو ثم عند ضد لدى كل وفي ومن وعلى وإلى وقد أنه أنها إنه "
    "هو هي عليه فيه إلا غير أي ولا لا وذلك وهو وهي ويأتي")
_PERSIAN_WORDS = _word_set(
    "است این آن که را برای می نمی از در های ها شد شده بود کرد کرده خود یک تا اند ای اما "
    "نیز هستند باید شود دارد وی بودند شدند کند کنند پس چه همه")
_URDU_WORDS = _word_set(
    "ہے ہیں کے کی کا میں اور سے کو نے پر یہ وہ تھا تھی تھے گیا گئی کر بھی ایک لیے کہ ہو جو "
    "نہیں گا گی رہا رہی")
_ENGLISH_WORDS = _word_set(
    "the of and to in is for on that with by was are has have from at an it its this be were "
    "their will not as been who which said after they he she his her or must should we our us "
    "all into over against")
_FRENCH_WORDS = _word_set(
    "le la les des du une un pour et est dans qui que sur au aux par avec ne pas sont ce cette "
    "ces son sa ses leur leurs il elle ils nous vous été ont plus depuis contre selon après "
    "entre l d qu de en")
# Spanish, German and Turkish words; a word two languages share counts for both. Not "al" nor
# "el": they are Arabic names' articles ("Salma al-Shehab", "Abd el-Fattah") in every language.
_SPANISH_WORDS = _word_set(
    "los las del y por con una para su sus como más pero fue ser este esta sobre desde hasta "
    "también muy sin ya ha han lo la de que en se un es ante tras según contra entre")
_GERMAN_WORDS = _word_set(
    "der die das und ist nicht mit von zu den dem des ein eine einer eines für auf wurde wurden "
    "wegen sich auch im bei wir jetzt unsere unserer werden hat haben nach aus sind oder zur zum "
    "gegen sie")
_TURKISH_WORDS = _word_set(
    "ve bir bu için ile olarak olan gibi daha çok ama değil tarafından sonra kadar göre")
_ITALIAN_WORDS = _word_set(
    "il lo gli della delle degli dei nella nel alla alle per con non è sono stato stata che di "
    "un una anche senza dal dalla sul sulla questo questa chiedono ha hanno")
_DUTCH_WORDS = _word_set(
    "de het een van en is op te voor met niet zijn werd worden door naar bij aan dat die ook om "
    "zonder wordt heeft hebben vorige tegen")
# Indonesian and Malay share most function words; a few spellings and words tell them apart.
_MALAY_FAMILY_WORDS = _word_set(
    "yang dan di ke dari untuk dengan ini itu tidak akan pada oleh para mereka telah sudah juga "
    "dalam atas tersebut mengenai kepada bagi serta")
_INDONESIAN_MARKERS = _word_set("karena setelah polisi pemerintah mengatakan bahwa saat uang")
_MALAY_MARKERS = _word_set(
    "kerana selepas polis kerajaan berkata wang iaitu ialah manakala sahaja pertubuhan digesa")
_SOMALI_WORDS = _word_set("waa iyo ayaa ee oo inay ah u ka ku la si sii waxa waxay ugu kale")
# Kurmanji (Latin script): its particles and the ê/ên endings of its nouns ("Amedê", "rêxistinên").
_KURMANJI_WORDS = _word_set("û li bi di ji ku ev ew hat hatin tê dikin jî ser hemû yên ên ya")
# Kabyle (Latin script): its particles, and the dotted and Greek-shaped letters of its spelling
# (ḥ ṭ ḍ ṣ ẓ ɣ ɛ ǧ č), which no other language here writes.
_KABYLE_WORDS = _word_set("d n deg seg ur ara yal maca akked ad ay s i ass-a ur")
_KABYLE_LETTERS = frozenset("ḥṭḍṣẓɣɛǧčḤṬḌṢẒƔƐ")
_RUSSIAN_WORDS = _word_set(
    "и в на не что с по к за от для о из у как это его её их был была были быть также после "
    "против при над")
_RUSSIAN_LETTERS = frozenset("ыэЫЭ")  # Russian and Belarusian; not Ukrainian, Bulgarian, Serbian
_FOLD_TO_ARABIC = str.maketrans("یک", "يك")
_ARABIC_ONLY_LETTERS = frozenset("ةيكىؤإ")
_PERSIANATE_LETTERS = frozenset("پچژگ")  # Persian and Urdu, never Arabic
_YEH_KEHEH = frozenset("یک")  # Persian and Urdu shapes; Arabic writes ي ك
_URDU_LETTERS = frozenset("ےٹںہڈڑھ")
# Sorani Kurdish (ckb) writes its vowels and its l/r sounds with letters neither Persian nor Urdu
# use: ە ێ ۆ ڵ ڕ. Nearly every Sorani word has one ("لە", "کە", "بۆ"), so a word count decides.
_SORANI_LETTERS = frozenset("ەێۆڵڕ")
_FRENCH_ACCENTS = frozenset("éèêàçùâîôûëïœÉÈÊÀÇ")
_SPANISH_LETTERS = frozenset("áíóúñéÁÍÓÚÑÉ¿¡")
_GERMAN_LETTERS = frozenset("äöüßÄÖÜ")
_TURKISH_LETTERS = frozenset("ığşİĞŞ")
# Spellings German words carry and English or French ones seldom do: "Hinrichtungswelle",
# "kritisiert", "scharf", "Freilassung".
_GERMAN_SPELLINGS = ("sch", "ung", "cht", "tz", "iert", "keit", "heit", "lich")
# Turkish endings (possessive, accusative, past, progressive): "talebini", "reddetti".
_TURKISH_ENDINGS = ("ını", "ini", "ları", "leri", "etti", "ıyor", "iyor", "uyor", "dı", "tı",
                    "nın", "nin")
# Pashto writes its retroflex and its own sounds with letters Persian, Urdu and Arabic lack:
# ټ ډ ړ ږ ښ ګ ڼ ې ۍ ځ څ; and its particles ("د", "په", "کې", "چې") are everywhere.
_PASHTO_LETTERS = frozenset("ټډړږښګڼېۍځڅ")
_PASHTO_WORDS = _word_set("د په چې کې دی سره لپاره شوي شوې دې وو")
_ARTICLE_PREFIXES = ("ال", "وال", "بال", "لل", "فال", "كال")


def _arabic_script_language(words: Sequence[str]) -> str:
    """"ar", "fa", "ur", "ps" or "ckb" for words in Arabic script, by function words, then
    letters."""
    arabic = persian = urdu = sorani = pashto = shared = 0.0
    for word in words:
        letters = set(word)
        if word.translate(_FOLD_TO_ARABIC) in _ARABIC_WORDS:
            arabic += 2
        elif word in _URDU_WORDS:
            urdu += 2
        elif word in _PERSIAN_WORDS:
            persian += 2
        if len(word) > 3 and word.startswith(_ARTICLE_PREFIXES):
            arabic += 1
        if letters & _ARABIC_ONLY_LETTERS:
            arabic += 0.5
        if letters & _PERSIANATE_LETTERS:
            shared += 1
        if letters & _YEH_KEHEH:
            shared += 0.5
        if letters & _URDU_LETTERS:
            urdu += 1
        if letters & _SORANI_LETTERS:
            sorani += 2
        if letters & _PASHTO_LETTERS:
            pashto += 2
        if word in _PASHTO_WORDS:
            pashto += 2
    # A few Persian-looking letters (a name like علی رضایی) do not outweigh an Arabic frame.
    if shared + persian + urdu + sorani + pashto <= arabic:
        return "ar"
    if pashto > persian and pashto > urdu and pashto > sorani:
        return "ps"
    if sorani > persian and sorani > urdu:
        return "ckb"
    return "ur" if urdu > persian else "fa"


def _latin_script_language(words: Sequence[str]) -> str:
    """"en", "fr", "es", "de" or "tr" for words in Latin script; a tie goes to the earlier of
    those, so a bare name or a headline is English."""
    english = french = spanish = german = turkish = 0.0
    for word in words:
        if len(word) > 1 and word.isupper():
            continue  # an acronym: "UN" is not the French "un"
        lower = word.lower()
        letters = set(word)
        if lower in _ENGLISH_WORDS:
            english += 2
        elif lower in _FRENCH_WORDS:
            french += 2
        spanish += 2 * (lower in _SPANISH_WORDS) + bool(letters & _SPANISH_LETTERS)
        german += 2 * (lower in _GERMAN_WORDS) + bool(letters & _GERMAN_LETTERS)
        german += 0.5 * any(part in lower for part in _GERMAN_SPELLINGS)
        turkish += 2 * (lower in _TURKISH_WORDS) + bool(letters & _TURKISH_LETTERS)
        turkish += lower.endswith(_TURKISH_ENDINGS)
        if not set(word).isdisjoint(_FRENCH_ACCENTS):
            french += 1
    best = "fr" if french > english else "en"
    scores = {"en": english, "fr": french}
    others = [("es", spanish), ("de", german), ("tr", turkish), *_more_latin_scores(words)]
    for lang, score in others:
        # Spellings alone ("Young Queer Alliance") are not enough: a word or a letter of its own.
        if score > scores[best] and score >= OTHER_LATIN_MIN_SCORE:
            best = lang
        scores[lang] = score
    return best


def _more_latin_scores(words: Sequence[str]) -> list[tuple[str, float]]:
    """Italian, Dutch, Indonesian or Malay, Somali, Kurmanji and Kabyle scores; checked after
    Spanish, German and Turkish, so each must beat those too."""
    italian = dutch = malay = somali = kurmanji = kabyle = 0.0
    indonesian_marks = malay_marks = 0
    for word in words:
        if len(word) > 1 and word.isupper():
            continue
        lower = word.lower()
        italian += 2 * (lower in _ITALIAN_WORDS)
        dutch += 2 * (lower in _DUTCH_WORDS) + 0.5 * ("ij" in lower)
        malay += 2 * (lower in _MALAY_FAMILY_WORDS)
        indonesian_marks += lower in _INDONESIAN_MARKERS
        malay_marks += lower in _MALAY_MARKERS
        # Somali doubles its vowels and writes x, q and c for Arabic-like sounds: "xuquuqul".
        somali += 2 * (lower in _SOMALI_WORDS)
        doubled = "aa" in lower or "uu" in lower or "ii" in lower
        somali += doubled and not set(lower).isdisjoint("xqc")
        kurmanji += 2 * (lower in _KURMANJI_WORDS)
        kurmanji += len(lower) > 3 and lower.endswith(("ê", "ên"))
        kabyle += 2 * (lower in _KABYLE_WORDS) + bool(set(word) & _KABYLE_LETTERS)
    malay += 2 * (indonesian_marks + malay_marks)
    # Kabyle's one-letter particles (d, n, s, i) say little alone: its letters must be there too.
    if not any(set(word) & _KABYLE_LETTERS for word in words):
        kabyle = 0.0
    malay_code = "ms" if malay_marks > indonesian_marks else "id"
    return [("it", italian), ("nl", dutch), (malay_code, malay), ("so", somali),
            ("kmr", kurmanji), ("kab", kabyle)]


# A text of at most this many capitalised short words and nothing else ("ALQST", "PDF",
# "12:30 GMT", "A/HRC/55/L.12") is an acronym or a symbol: it names no language.
_ACRONYM_WORDS = 3
_ACRONYM_LETTERS = 6


def _only_acronyms(latin_words: Sequence[str]) -> bool:
    return len(latin_words) <= _ACRONYM_WORDS and all(
        word.isupper() and len(word) <= _ACRONYM_LETTERS for word in latin_words)


def _classify(text: str) -> tuple[str, int]:
    """(language, letters in Arabic or Latin script)."""
    if "://" in text or "www." in text.lower() or "@" in text:
        text = _URLS.sub(" ", text)
    if "#" in text or "@" in text:
        text = _TAGS.sub(" ", text)  # "#FreeSalma", "@ALQST_ORG": names, not sentences
    hebrew = sum(map(len, _HEBREW_RUNS.findall(text)))
    own_script = _own_script_language(text)
    if own_script is not None:
        return own_script
    arabic_words = _ARABIC_RUNS.findall(_MARKS.sub("", text))
    latin_words = _LATIN_RUNS.findall(text)
    arabic = sum(map(len, arabic_words))
    latin = sum(map(len, latin_words))
    if hebrew >= MIN_LETTERS and hebrew > arabic * ARABIC_WEIGHT + latin:
        return "he", hebrew
    if arabic + latin < MIN_LETTERS or (not arabic and _only_acronyms(latin_words)):
        return UNDETERMINED, arabic + latin
    weighed_latin = float(latin)
    if arabic and latin and any(
            w.translate(_FOLD_TO_ARABIC) in _ARABIC_WORDS for w in arabic_words):
        names = sum(len(w) for w in latin_words if w[0].isupper())
        if _framed_in_arabic(text):
            # A sentence that opens and closes in Arabic names a French or English body in the
            # middle ("دعت Ligue tunisienne pour la défense ... إلى"): every word of it is a name.
            names = latin
        weighed_latin = latin - names + LATIN_NAME_WEIGHT * names
    if arabic * ARABIC_WEIGHT >= weighed_latin:
        return _arabic_script_language(arabic_words), arabic + latin
    arabizi = len(_ARABIZI_WORD.findall(text.lower()))
    if arabizi >= ARABIZI_MIN_WORDS and arabizi >= ARABIZI_MIN_SHARE * len(latin_words):
        # An English sentence quoting an Arabizi chant is still English: its own words count.
        english = sum(word.lower() in _ENGLISH_WORDS for word in latin_words)
        if arabizi > english:
            return "ar", arabic + latin
    if _bare_latin_word(latin_words):
        return UNDETERMINED, arabic + latin
    return _latin_script_language(latin_words), arabic + latin


_ANY_SCRIPT_LETTER = re.compile(f"{_ARABIC_RUNS.pattern[:-1]}|{_LATIN_RUNS.pattern[:-1]}")


def _framed_in_arabic(text: str) -> bool:
    """Whether the text's first and last letters are Arabic script."""
    letters = _ANY_SCRIPT_LETTER.findall(text)
    return bool(letters) and all(_ARABIC_RUNS.fullmatch(c) for c in (letters[0], letters[-1]))


def _bare_latin_word(words: Sequence[str]) -> bool:
    """One word ("Urgent", "Info", "Azul": several languages write it) that is no function
    word and has no letter of its own: nothing to tell by. Two words ("Take action", "Annual
    Report") keep the English default."""
    if len(words) != 1:
        return False
    lowered = [w.lower() for w in words]
    vocabularies = (_ENGLISH_WORDS, _FRENCH_WORDS, _SPANISH_WORDS, _GERMAN_WORDS, _TURKISH_WORDS,
                    _ITALIAN_WORDS, _DUTCH_WORDS, _MALAY_FAMILY_WORDS)
    accented = any(set(w) & (_FRENCH_ACCENTS | _SPANISH_LETTERS | _GERMAN_LETTERS
                             | _TURKISH_LETTERS | _KABYLE_LETTERS) for w in words)
    return not accented and not any(w in v for w in lowered for v in vocabularies)


def _own_script_language(text: str) -> tuple[str, int] | None:
    """Amharic, Tamazight or Russian (or "und" for other Cyrillic) when that script holds most
    of the text's letters; None when Arabic, Latin or Hebrew letters decide."""
    counts = {lang: sum(map(len, runs.findall(text))) for lang, runs in
              (("am", _ETHIOPIC_RUNS), ("zgh", _TIFINAGH_RUNS), ("ru", _CYRILLIC_RUNS))}
    lang = max(counts, key=lambda k: counts[k])
    letters = counts[lang]
    if letters < MIN_LETTERS:
        return None
    others = sum(map(len, _ARABIC_RUNS.findall(text))) + sum(map(len, _LATIN_RUNS.findall(text)))
    if letters <= others:
        return None
    if lang == "ru":
        words = _CYRILLIC_RUNS.findall(text)
        if not any(w.lower() in _RUSSIAN_WORDS or set(w) & _RUSSIAN_LETTERS for w in words):
            return UNDETERMINED, letters
    return lang, letters


def detect_language(text: str) -> str:
    """"ar", "fa", "ur", "ps", "ckb", "he", "en", "fr", "es", "de", "tr", "it", "nl", "id", "ms",
    "so", "kmr", "kab", "ru", "am", "zgh", or "und" when the text has fewer than three letters,
    only acronyms, hashtags and mentions, or Cyrillic that could be several languages."""
    return _classify(text)[0]


@dataclass(frozen=True)
class LanguageSegment:
    """A run of blocks in one language: blocks[start:end]."""

    lang: str
    start: int
    end: int


@dataclass
class _Block:
    lang: str
    letters: int
    prose: bool  # running text, as opposed to list items, names or a date line
    paragraph: bool


def _profile(tag: str, text: str) -> _Block:
    lang, letters = _classify(text)
    tag = tag.lower()
    heading = len(tag) == 2 and tag[0] == "h" and tag[1].isdigit()
    paragraph = tag in _PARAGRAPH_TAGS and len(text.split()) >= _MIN_PROSE_WORDS
    prose = lang != UNDETERMINED and tag not in _LIST_TAGS and (heading or paragraph)
    return _Block(lang, letters, prose, paragraph and prose)


@dataclass
class _Run:
    lang: str
    start: int
    end: int
    letters: int
    paragraphs: int

    def substantial(self) -> bool:
        return self.letters >= SPLIT_MIN_LETTERS and self.paragraphs > 0


def _prose_letters(profiles: Sequence[_Block]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for block in profiles:
        if block.prose:
            totals[block.lang] = totals.get(block.lang, 0) + block.letters
    return totals


def _dominant(profiles: Sequence[_Block]) -> str:
    totals = _prose_letters(profiles)
    if not totals:
        # No prose at all (a bare list): fall back to every block's letters.
        for block in profiles:
            if block.lang != UNDETERMINED:
                totals[block.lang] = totals.get(block.lang, 0) + block.letters
    if not totals:
        return UNDETERMINED
    return max(sorted(totals), key=lambda lang: totals[lang])


def dominant_language(blocks: Sequence[tuple[str, str]]) -> str:
    """The language most of the page's prose is in; lists of names do not vote."""
    return _dominant([_profile(tag, text) for tag, text in blocks])


def _should_split(profiles: Sequence[_Block]) -> bool:
    totals = _prose_letters(profiles)
    grand_total = sum(totals.values())
    big = [
        lang
        for lang, letters in totals.items()
        if letters >= SPLIT_MIN_LETTERS and letters >= SPLIT_MIN_SHARE * grand_total
    ]
    with_paragraph = {b.lang for b in profiles if b.paragraph}
    return len([lang for lang in big if lang in with_paragraph]) >= 2


def _prose_runs(profiles: Sequence[_Block]) -> list[_Run]:
    runs: list[_Run] = []
    for index, block in enumerate(profiles):
        if not block.prose:
            continue
        if runs and runs[-1].lang == block.lang:
            run = runs[-1]
            run.end, run.letters = index + 1, run.letters + block.letters
            run.paragraphs += block.paragraph
        else:
            runs.append(_Run(block.lang, index, index + 1, block.letters, int(block.paragraph)))
    return runs


def _merge_small_runs(runs: list[_Run]) -> list[_Run]:
    # An Arabic quote inside an English article is part of the English article: fold every
    # run too small to stand alone into its larger neighbour, smallest first.
    runs = list(runs)
    while len(runs) > 1:
        small = [i for i, run in enumerate(runs) if not run.substantial()]
        if not small:
            break
        i = min(small, key=lambda k: runs[k].letters)
        neighbours = [k for k in (i - 1, i + 1) if 0 <= k < len(runs)]
        into = max(neighbours, key=lambda k: runs[k].letters)
        a, b = sorted((i, into))
        host = runs[into]
        merged = _Run(
            host.lang,
            runs[a].start,
            runs[b].end,
            runs[a].letters + runs[b].letters,
            runs[a].paragraphs + runs[b].paragraphs,
        )
        runs[a : b + 1] = [merged]
        # Neighbours of one language now touching become one run.
        for k in range(len(runs) - 1, 0, -1):
            if runs[k].lang == runs[k - 1].lang:
                left, right = runs[k - 1], runs[k]
                runs[k - 1 : k + 1] = [
                    _Run(
                        left.lang,
                        left.start,
                        right.end,
                        left.letters + right.letters,
                        left.paragraphs + right.paragraphs,
                    )
                ]
    return runs


def split_languages(blocks: Sequence[tuple[str, str]]) -> list[LanguageSegment]:
    """Segments covering every block, one per language of substantial prose, in page order.

    A page splits only when two languages each hold at least `SPLIT_MIN_LETTERS` letters and
    `SPLIT_MIN_SHARE` of the prose, each with a paragraph; list items (signatory and member
    lists) are never prose and join the segment before them, unless their own language matches
    only the next one. A language appears twice only if the page truly alternates.
    """
    if not blocks:
        return []
    profiles = [_profile(tag, text) for tag, text in blocks]
    if not _should_split(profiles):
        return [LanguageSegment(_dominant(profiles), 0, len(blocks))]
    runs = _merge_small_runs(_prose_runs(profiles))
    if len(runs) < 2:
        return [LanguageSegment(_dominant(profiles), 0, len(blocks))]
    # Blocks between two runs (lists, captions, date lines) go with the run before them: the
    # member list follows its announcement. A block that speaks only the next run's language
    # (a heading-less list of Arabic names before Arabic text) goes forward instead.
    bounds = [0]
    for before, after in itertools.pairwise(runs):
        cut = after.start
        while cut > before.end and profiles[cut - 1].lang == after.lang:
            cut -= 1
        bounds.append(cut)
    bounds.append(len(blocks))
    return [LanguageSegment(run.lang, bounds[i], bounds[i + 1]) for i, run in enumerate(runs)]
