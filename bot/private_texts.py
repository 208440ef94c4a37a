"""What the bot says in private chats, in Arabic and English (plain text, no markup)."""

from __future__ import annotations

LANGUAGES = ("ar", "en")
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}

# Said before a language is chosen: in both languages.
CHOOSE = "اختر لغتك · Choose your language"
NEED_LANGUAGE = ("اختر لغتك أولاً بالأمر /start\n"
                 "Choose your language first: send /start")
SLOW_DOWN_BOTH = ("أوامر كثيرة في وقت قصير. انتظر دقيقة من فضلك ثم أعد المحاولة.\n"
                  "Too many commands at once. Please wait a minute and try again.")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "welcome": (
            "Welcome. Here you can read the latest articles of {org} and get an alert "
            "whenever a new article mentions a name you follow.\n\n"
            "/latest: the five newest articles\n"
            "/follow NAME: an alert when a new article mentions NAME "
            "(for example /follow Salma al-Shehab; several names: separate them with "
            "commas)\n"
            "/following: the names you follow\n"
            "/unfollow NAME: stop following NAME\n"
            "/stop: delete everything stored about you\n\n"
            "Only your chat number, your language and the names you follow are stored. "
            "Alerts come for English articles; for Arabic ones choose Arabic with /start."),
        "follow_usage": ("Write the name after the command, for example "
                         "/follow Salma al-Shehab. Several names: separate them with commas."),
        "followed": "You will get an alert when a new article mentions: {names}",
        "already": "You already follow: {names}",
        "too_many": ("You can follow at most {max} names. Remove one with /unfollow "
                     "first; /following lists them."),
        "too_long": "A name can be at most {max} characters long.",
        "following_none": "You do not follow any name yet. Send /follow and a name.",
        "following": "You follow:\n{names}",
        "unfollow_usage": "Write the name after the command, for example /unfollow Salma "
                          "al-Shehab.",
        "unfollowed": "You no longer follow: {names}",
        "not_following": "You do not follow {names}. /following lists the names you follow.",
        "stopped": ("Everything stored about this chat has been deleted. Send /start to "
                    "begin again."),
        "latest_none": "There are no articles yet.",
        "slow_down": "Too many commands at once. Please wait a minute and try again.",
        "help": ("/latest: the five newest articles\n/follow NAME: an alert when a new "
                 "article mentions NAME\n/following: the names you follow\n"
                 "/unfollow NAME: stop following NAME\n/stop: delete everything stored "
                 "about you\n/start: choose another language"),
        "menu_latest": "The five newest articles",
        "menu_follow": "Get an alert when a name is mentioned",
        "menu_following": "The names you follow",
        "menu_unfollow": "Stop following a name",
        "menu_stop": "Delete everything stored about you",
    },
    "ar": {
        "welcome": (
            "أهلاً بك. هنا تقرأ أحدث مقالات {org} وتصلك رسالة تنبيه كلما ذكر مقال جديد "
            "اسماً تتابعه.\n\n"
            "/latest: أحدث خمسة مقالات\n"
            "/follow الاسم: تنبيه عندما يذكر مقال جديد هذا الاسم "
            "(مثلاً ‎/follow لجين الهذلول‏؛ لعدة أسماء افصل بينها بفواصل)\n"
            "/following: الأسماء التي تتابعها\n"
            "/unfollow الاسم: إيقاف متابعة الاسم\n"
            "/stop: حذف كل ما هو محفوظ عنك\n\n"
            "لا يُحفظ إلا رقم المحادثة ولغتك والأسماء التي تتابعها. تصلك التنبيهات عن "
            "المقالات العربية؛ وللمقالات الإنجليزية اختر الإنجليزية بالأمر /start."),
        "follow_usage": ("اكتب الاسم بعد الأمر، مثلاً ‎/follow لجين الهذلول‏. لعدة أسماء "
                         "افصل بينها بفواصل."),
        "followed": "ستصلك رسالة تنبيه عندما يذكر مقال جديد: {names}",
        "already": "أنت تتابع من قبل: {names}",
        "too_many": ("يمكنك متابعة {max} اسماً على الأكثر. احذف اسماً أولاً بالأمر "
                     "/unfollow؛ والأمر /following يعرضها."),
        "too_long": "لا يزيد الاسم على {max} حرفاً.",
        "following_none": "لا تتابع أي اسم بعد. أرسل /follow ثم الاسم.",
        "following": "الأسماء التي تتابعها:\n{names}",
        "unfollow_usage": "اكتب الاسم بعد الأمر، مثلاً ‎/unfollow لجين الهذلول‏.",
        "unfollowed": "أوقفت متابعة: {names}",
        "not_following": "أنت لا تتابع {names}. الأمر /following يعرض الأسماء التي تتابعها.",
        "stopped": "حُذف كل ما هو محفوظ عن هذه المحادثة. أرسل /start لتبدأ من جديد.",
        "latest_none": "لا توجد مقالات بعد.",
        "slow_down": "أوامر كثيرة في وقت قصير. انتظر دقيقة من فضلك ثم أعد المحاولة.",
        "help": ("/latest: أحدث خمسة مقالات\n/follow الاسم: تنبيه عندما يذكر مقال جديد "
                 "الاسم\n/following: الأسماء التي تتابعها\n/unfollow الاسم: إيقاف متابعة "
                 "الاسم\n/stop: حذف كل ما هو محفوظ عنك\n/start: اختيار لغة أخرى"),
        "menu_latest": "أحدث خمسة مقالات",
        "menu_follow": "تنبيه عندما يُذكر اسم",
        "menu_following": "الأسماء التي تتابعها",
        "menu_unfollow": "إيقاف متابعة اسم",
        "menu_stop": "حذف كل ما هو محفوظ عنك",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    return TEXTS[lang][key].format(**values)
