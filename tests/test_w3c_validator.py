"""Every feed we publish, checked by the W3C Feed Validation Service's own code
(../shared/tools/w3c-feedvalidator, beside the repository): no error and no warning. The
demo's feeds (the main job on the embedded default) and the sample feeds of tricky
articles (two sources, translations, edits, campaigns). Where ../shared is absent the
tests are skipped with that reason; tests/w3c_rules.py restates the rules that matter for
quicker checks everywhere else."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo import run_demo
from feeds.language import detect_language
from feeds.publish import publish_feeds
from feeds.render import feed_language_tag
from tests.feed_samples import SITE, T0, fill_store, sample_site

VALIDATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "w3c-feedvalidator"

pytestmark = pytest.mark.skipif(not VALIDATOR.exists(),
                                reason=f"the W3C validator is not at {VALIDATOR}")


def validate(root: Path) -> None:
    feeds = sorted(str(p) for p in root.rglob("*.xml"))
    assert feeds, f"no feed files under {root}"
    result = subprocess.run([str(VALIDATOR), *feeds], capture_output=True, text=True,
                            timeout=600, check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_the_demo_publishes_feeds_the_w3c_validator_passes(tmp_path: Path) -> None:
    assert run_demo(io.StringIO().write, environ={}, workdir=tmp_path) == 0
    validate(tmp_path / "public")


def test_the_sample_feeds_of_two_sources_pass_the_w3c_validator(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite")
    publish_feeds(store, sample_site("https://feeds.example/", two_sources=True),
                  tmp_path / "public")
    validate(tmp_path / "public")


def test_a_sorani_feed_and_the_opml_pass_the_w3c_validator(tmp_path: Path) -> None:
    # The validator knows ISO 639-1 codes only, and Sorani ("ckb") has none: the feeds and
    # the OPML name it "ku-Arab" (the OPML is copied to .xml, the type the validator expects).
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    en = store.get(f"{SITE}/en/post/release-salma")
    assert en is not None
    store.upsert(replace(en, key=f"{SITE}/ckb/post/1", url=f"{SITE}/ckb/post/1", lang="ckb",
                         title="ڕۆژنامەنووسێک لە سلێمانی دەستگیرکرا",
                         translations={"en": en.key}),
                 T0 + timedelta(days=2))
    site = sample_site("https://feeds.example/")
    site = replace(site, sources=(replace(site.sources[0], languages=("ar", "en", "ckb")),))
    publish_feeds(store, site, tmp_path / "public")
    assert (tmp_path / "public" / "ckb" / "atom.xml").is_file()
    shutil.copy(tmp_path / "public" / "feeds.opml", tmp_path / "public" / "feeds-opml.xml")
    validate(tmp_path / "public")


# One article in each language feeds.language tells apart beyond Arabic and English.
NEW_LANGUAGES = {"ps": "د بشري حقونو فعالانو ته باید اجازه ورکړل شي",
                 "he": "ארגוני זכויות האדם דורשים לשחרר את העצירים",
                 "es": "Exigen la liberación inmediata de los detenidos",
                 "de": "Sofortige Freilassung der inhaftierten Aktivisten",
                 "tr": "Gazeteci gözaltına alındı ve tutuklandı",
                 "it": "Il giornalista è stato arrestato senza alcuna accusa",
                 "nl": "De journalist werd zonder aanklacht opgepakt",
                 "id": "Polisi menangkap tiga wartawan setelah unjuk rasa",
                 "ms": "Polis menahan wartawan itu kerana laporannya",
                 "so": "Xukuumadda waa inay sii daysaa suxufiyiinta la xiray",
                 "kmr": "Rojnamevanê Kurd li Amedê hat girtin",
                 "kab": "Imdanen yettwaṭṭfen deg Tizi Wezzu ur d-ttwaserrḥen ara",
                 "ru": "Суд приговорил активиста к десяти годам",
                 "am": "ጋዜጠኛው ያለ ክስ ለሦስት ወራት ታስሯል።",
                 "zgh": "ⴰⵙⵏⵎⵎⴰⵍ ⴰⵎⴰⴹⵍⴰⵏ ⵏ ⵉⵣⵔⴼⴰⵏ ⵏ ⵓⴼⴳⴰⵏ"}


def test_feeds_in_every_detected_language_pass_the_w3c_validator(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "db.sqlite", with_edit=False)
    en = store.get(f"{SITE}/en/post/release-salma")
    assert en is not None
    for lang, title in NEW_LANGUAGES.items():
        store.upsert(replace(en, key=f"{SITE}/{lang}/post/1", url=f"{SITE}/{lang}/post/1",
                             lang=lang, title=title), T0 + timedelta(days=2))
    site = sample_site("https://feeds.example/")
    site = replace(site, sources=(replace(site.sources[0],
                                          languages=("ar", "en", *NEW_LANGUAGES)),))
    publish_feeds(store, site, tmp_path / "public")
    for lang, title in NEW_LANGUAGES.items():
        assert detect_language(title) == lang  # each is a language the detector can return
        rss = (tmp_path / "public" / lang / "rss.xml").read_text(encoding="utf-8")
        assert f"<language>{feed_language_tag(lang)}</language>" in rss
    validate(tmp_path / "public")
