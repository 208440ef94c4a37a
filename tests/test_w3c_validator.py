"""Every feed we publish, checked by the W3C Feed Validation Service's own code
(../shared/tools/w3c-feedvalidator, beside the repository): no error and no warning. The
demo's feeds (the main job on the embedded default) and the sample feeds of tricky
articles (two sources, translations, edits, campaigns). Where ../shared is absent the
tests are skipped with that reason; tests/w3c_rules.py restates the rules that matter for
quicker checks everywhere else."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from bot.demo import run_demo
from feeds.publish import publish_feeds
from tests.feed_samples import fill_store, sample_site

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
