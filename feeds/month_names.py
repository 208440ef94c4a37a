"""The Gregorian month names a post, a feed page or a digest writes dates with.

Arabic uses the names of Saudi Arabia, the Gulf and Egypt, as alqst.org does ("8 ديسمبر 2023"),
not the Levantine ones (كانون الأول …), with Western digits.
"""

from __future__ import annotations

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
           "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
}
