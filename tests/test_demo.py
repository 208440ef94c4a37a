"""The README's main command, `feedbot demo`, run as a user runs it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_baselines_then_posts_the_new_articles_and_exits_by_itself() -> None:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], cwd=ROOT, capture_output=True,
                            text=True, timeout=90, check=False, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 60
    out = result.stdout
    first, second = out.split("== pass 2", 1)
    # Pass 1: the whole site is recorded, nothing is posted.
    assert re.search(r"alqst en: \d+ new,.*first run: baseline", first)
    assert "telegram: 0 sent" in first
    assert "--- send" not in first
    # Pass 2: exactly the four new articles, each in its own language's channel.
    assert "alqst en: 2 new" in second and "alqst ar: 2 new" in second
    assert second.count("--- sendMessage to @alqst_en") == 2
    assert second.count("--- sendMessage to @alqst_ar") == 2
    assert "📣 <b>Take action</b>" in second and "📣 <b>تحرّك الآن</b>" in second
    assert "[button] Sign the petition -> https://www.change.org/p/free-the-hajj-pilgrims" \
        in second
    assert "Read in Arabic" in second
    assert "telegram: 4 sent, 0 failed" in second
    # The feeds were written and their URLs printed.
    assert re.search(r"http://127\.0\.0\.1:\d+/ar/atom\.xml", second)
    assert "feeds.opml" in second
