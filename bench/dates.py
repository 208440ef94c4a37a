"""Benchmark: `feeds.dates.parse_date` against plain `dateparser.parse` on the test date table.

Run: .venv/bin/python bench/dates.py   (prints dates/second, the speed ratio and correctness)
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dateparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.dates import parse_date  # noqa: E402

TABLE = ROOT / "tests" / "data" / "dates.tsv"
HELDOUT = ROOT / "tests" / "data" / "dates_heldout.tsv"  # written before reading feeds/dates.py
BLIND2 = ROOT / "tests" / "data" / "dates_blind2.tsv"  # a second blind batch, written the same way
BLIND3 = ROOT / "tests" / "data" / "dates_blind3.tsv"  # and a third
DEFAULT_NOW = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
RELATIVE_WORDS = ("ago", "منذ", "قبل", "امس", "أمس", "yesterday", "today", "اليوم")

Row = tuple[str, datetime, datetime | None]


def load_rows(table: Path = TABLE) -> list[Row]:
    rows: list[Row] = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line:
            continue
        text, now, expected = line.split("\t")[:3]
        rows.append(
            (
                text,
                DEFAULT_NOW if now == "-" else datetime.fromisoformat(now),
                None if expected == "None" else datetime.fromisoformat(expected),
            )
        )
    return rows


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # plain dateparser returns naive datetimes; read them as UTC to compare like for like
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ours(row: Row) -> datetime | None:
    return parse_date(row[0], now=row[1])


def plain_dateparser(row: Row) -> datetime | None:
    return as_utc(dateparser.parse(row[0]))


def measure(fn: Callable[[Row], datetime | None], rows: list[Row], min_seconds: float) -> float:
    for row in rows:  # warm-up: imports, locale loading, regex caches
        fn(row)
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        for row in rows:
            fn(row)
        calls += len(rows)
    return calls / elapsed


def correct(fn: Callable[[Row], datetime | None], rows: list[Row]) -> int:
    return sum(fn(row) == row[2] for row in rows)


def main() -> None:
    warnings.simplefilter("ignore")  # dateparser's own deprecation noise is not the subject
    rows = load_rows()
    absolute = [r for r in rows if not any(w in r[0].lower() for w in RELATIVE_WORDS)]
    ours_rate = measure(ours, rows, 2.0)
    plain_rate = measure(plain_dateparser, rows, 5.0)
    print(f"strings: {len(rows)} ({len(absolute)} absolute, {len(rows) - len(absolute)} relative)")
    print(f"parse_date         : {ours_rate:10.0f} dates/s")
    print(f"dateparser.parse   : {plain_rate:10.0f} dates/s  (no languages, default settings)")
    print(f"speed ratio        : {ours_rate / plain_rate:10.1f}x")
    print(f"correct, parse_date: {correct(ours, rows)}/{len(rows)}")
    print(
        f"correct, dateparser: {correct(plain_dateparser, rows)}/{len(rows)}"
        f"  (absolute strings only: {correct(plain_dateparser, absolute)}/{len(absolute)};"
        " relative ones use the wall clock, not the pinned now)"
    )
    heldout = load_rows(HELDOUT)
    print(f"held-out, parse_date: {correct(ours, heldout)}/{len(heldout)}"
          f"   dateparser: {correct(plain_dateparser, heldout)}/{len(heldout)}")
    blind2 = load_rows(BLIND2)
    print(f"blind batch 2, parse_date: {correct(ours, blind2)}/{len(blind2)}"
          f"   dateparser: {correct(plain_dateparser, blind2)}/{len(blind2)}")
    blind3 = load_rows(BLIND3)
    print(f"blind batch 3, parse_date: {correct(ours, blind3)}/{len(blind3)}"
          f"   dateparser: {correct(plain_dateparser, blind3)}/{len(blind3)}")


if __name__ == "__main__":
    main()
