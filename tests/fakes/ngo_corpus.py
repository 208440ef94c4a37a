"""The bilingual posts the discovery test sites publish (tests/fakes/press_site.py,
drupal_site.py, langquery_site.py): each in English and Arabic, with the kind a reader
would give it, so a test can say what every article should come out as."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PETITION = "https://www.change.org/p/free-the-detained-defenders"


@dataclass(frozen=True)
class Version:
    """One language of a post: its title and paragraphs; `action` is a take-action section
    (heading, the link's label) or None."""

    title: str
    paragraphs: tuple[str, ...]
    action: tuple[str, str] | None = None


@dataclass(frozen=True)
class CorpusPost:
    number: int  # 1 is the oldest
    date: dt.date
    kind: str  # news, campaign, statement
    en: Version
    ar: Version

    def version(self, lang: str) -> Version:
        return self.en if lang == "en" else self.ar


def _post(number: int, date: dt.date, kind: str, en: Version, ar: Version) -> CorpusPost:
    return CorpusPost(number, date, kind, en, ar)


POSTS: tuple[CorpusPost, ...] = (
    _post(1, dt.date(2024, 11, 4), "news", Version(
        "Court upholds sentence against blogger for his posts",
        ("The appeal court confirmed on Monday a ten-year sentence handed to a blogger over "
         "posts he wrote about unemployment among young graduates.",
         "His family said the hearing lasted less than twenty minutes and that his lawyer "
         "was not allowed to speak before the judges withdrew.",
         "Rights groups have documented at least a dozen similar cases this year.")),
        Version("محكمة الاستئناف تؤيد الحكم على مدوّن بسبب تدويناته",
                ("أيّدت محكمة الاستئناف يوم الاثنين حكماً بالسجن عشر سنوات على مدوّن بسبب "
                 "تدوينات كتبها عن بطالة الشباب من خريجي الجامعات.",
                 "وقالت عائلته إن الجلسة لم تستغرق أكثر من عشرين دقيقة وإن محاميه لم يُسمح له "
                 "بالكلام قبل انسحاب القضاة.",
                 "ووثّقت منظمات حقوقية ما لا يقل عن اثنتي عشرة قضية مشابهة هذا العام."))),
    _post(2, dt.date(2024, 12, 10), "statement", Version(
        "Joint statement on Human Rights Day",
        ("We, the undersigned organisations, mark Human Rights Day by calling for the release "
         "of everyone held for peaceful expression.",
         "Our organisations have followed these cases for years and have raised them with "
         "the authorities on many occasions without an answer.",
         "We urge the government to ratify the core human rights treaties without delay.")),
        Version("بيان مشترك بمناسبة يوم حقوق الإنسان",
                ("نحن المنظمات الموقعة أدناه، نحيي يوم حقوق الإنسان بالدعوة إلى الإفراج عن كل "
                 "من احتُجز بسبب تعبيره السلمي.",
                 "تابعت منظماتنا هذه القضايا لسنوات وأثارتها مع السلطات مرات عديدة دون أي رد.",
                 "ونحثّ الحكومة على المصادقة على المعاهدات الأساسية لحقوق الإنسان دون تأخير."))),
    _post(3, dt.date(2025, 1, 21), "news", Version(
        "Women's rights defender released after four years",
        ("A women's rights defender was released this week after four years in detention, "
         "her relatives confirmed.",
         "She remains under a travel ban and may not speak to the press, the conditions of "
         "her release say.",
         "Her case drew statements from several United Nations experts during her "
         "detention.")),
        Version("الإفراج عن مدافعة عن حقوق المرأة بعد أربع سنوات",
                ("أُفرج هذا الأسبوع عن مدافعة عن حقوق المرأة بعد أربع سنوات من الاحتجاز، بحسب "
                 "ما أكده أقاربها.",
                 "ولا تزال ممنوعة من السفر ولا يحق لها التحدث إلى الصحافة وفق شروط الإفراج عنها.",
                 "وقد استدعت قضيتها بيانات من عدد من خبراء الأمم المتحدة خلال فترة احتجازها."))),
    _post(4, dt.date(2025, 2, 14), "campaign", Version(
        "Free the detained defenders: sign our petition",
        ("Eleven human rights defenders have now spent more than three years in prison "
         "without trial.",
         "Their families have not been allowed to visit them since the spring, and two of "
         "them are reported to be in poor health."),
        ("Take action", "Sign the petition")),
        Version("أطلقوا سراح المدافعين المحتجزين: وقّعوا العريضة",
                ("قضى أحد عشر مدافعاً عن حقوق الإنسان أكثر من ثلاث سنوات في السجن دون محاكمة.",
                 "ولم يُسمح لعائلاتهم بزيارتهم منذ الربيع، وتفيد التقارير بأن اثنين منهم في حالة "
                 "صحية سيئة."),
                ("تحركوا الآن", "وقّعوا العريضة"))),
    _post(5, dt.date(2025, 3, 12), "news", Version(
        "New law widens the definition of terrorism",
        ("A law published in the official gazette on Wednesday widens the definition of "
         "terrorism to cover speech that 'disturbs public order'.",
         "Lawyers say the wording is vague enough to reach any criticism of officials.",
         "The law takes effect thirty days after its publication.")),
        Version("قانون جديد يوسّع تعريف الإرهاب",
                ("يوسّع قانون نُشر في الجريدة الرسمية يوم الأربعاء تعريف الإرهاب ليشمل الكلام "
                 "الذي «يخلّ بالنظام العام».",
                 "ويقول محامون إن الصياغة مبهمة بما يكفي لتطال أي انتقاد للمسؤولين.",
                 "ويدخل القانون حيز التنفيذ بعد ثلاثين يوماً من نشره."))),
    _post(6, dt.date(2025, 4, 2), "news", Version(
        "Migrant workers say their wages are months overdue",
        ("Dozens of migrant construction workers told us they have not been paid for up to "
         "seven months.",
         "Several said their employer holds their passports, so they cannot leave or change "
         "jobs.",
         "The labour ministry did not reply to our questions before publication.")),
        Version("عمال مهاجرون يشكون من أجور غير مدفوعة منذ أشهر",
                ("قال لنا عشرات من عمال البناء المهاجرين إنهم لم يتقاضوا أجورهم منذ ما يصل إلى "
                 "سبعة أشهر.",
                 "وقال عدد منهم إن صاحب العمل يحتجز جوازات سفرهم فلا يستطيعون المغادرة أو تغيير "
                 "عملهم.",
                 "ولم ترد وزارة العمل على أسئلتنا قبل النشر."))),
    _post(7, dt.date(2025, 5, 19), "news", Version(
        "Activist's family barred from travelling abroad",
        ("The parents and three siblings of an activist living in exile were stopped at the "
         "airport and told they are banned from travel.",
         "No court order was shown to them, and no reason was given.",
         "The activist said the ban is meant to pressure him into silence.")),
        Version("منع عائلة ناشط من السفر إلى الخارج",
                ("أُوقف والدا ناشط يعيش في المنفى وثلاثة من إخوته في المطار وأُبلغوا بأنهم "
                 "ممنوعون من السفر.",
                 "ولم يُعرض عليهم أي أمر قضائي ولم يُذكر أي سبب.",
                 "وقال الناشط إن المنع يهدف إلى الضغط عليه كي يصمت."))),
)
LANGS = ("en", "ar")


def newest_first() -> list[CorpusPost]:
    return sorted(POSTS, key=lambda p: p.date, reverse=True)


def body_html(version: Version) -> str:
    """The post's own content: its paragraphs and, for a campaign, its take-action section."""
    import html

    parts = [f"<p>{html.escape(p)}</p>" for p in version.paragraphs]
    if version.action:
        heading, label = version.action
        parts.append(f"<h3>{html.escape(heading)}</h3><p><a href=\"{PETITION}\">"
                     f"{html.escape(label)}</a></p>")
    return "\n".join(parts)


AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر")


def long_date(date: dt.date, lang: str) -> str:
    """"12 March 2025" or "12 مارس 2025"."""
    if lang == "ar":
        return f"{date.day} {AR_MONTHS[date.month - 1]} {date.year}"
    return f"{date.day} {date:%B %Y}"
