"""One batch of the kinds table scored per kind: the figure each blind batch records in
tests/data/kinds/README.md. A case passes when both its kind and its action links are right
(as in tests/test_campaigns.py).

Run:  .venv/bin/python bench/kinds_batch.py --batch b10     (files named *_b10_*)
      .venv/bin/python bench/kinds_batch.py                 (the whole table)
On the code of another commit: export its feeds/ and put it first on PYTHONPATH, e.g.
      mkdir /tmp/base && git archive main feeds | tar -x -C /tmp/base
      PYTHONPATH=/tmp/base .venv/bin/python bench/kinds_batch.py --batch b10
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

# Not bench/ itself (its feeds.py would shadow the package); the project last, so that a
# baseline on PYTHONPATH is the `feeds` imported.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
sys.path.append(sys.path.pop(0))

from feeds.models import Kind  # noqa: E402
from tests.test_campaigns import KINDS, load_cases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", help="a batch tag such as b10 (files named *_b10_*)")
    args = parser.parse_args()
    cases = load_cases(KINDS)
    if args.batch:
        cases = [case for case in cases if f"_{args.batch}_" in case.name]
    if not cases:
        print(f"no cases for batch {args.batch!r} in {KINDS}", file=sys.stderr)
        return 1
    passed: Counter[Kind] = Counter()
    support: Counter[Kind] = Counter()
    misses = []
    for case in cases:
        result = case.classify()
        support[case.kind] += 1
        got = (result.kind, tuple(a.url for a in result.actions))
        if got == (case.kind, case.actions):
            passed[case.kind] += 1
        else:
            misses.append(f"  {case.name}: expected {case.kind.value} {list(case.actions)}, "
                          f"got {result.kind.value} {list(got[1])}")
    total = sum(passed.values())
    per_kind = ", ".join(f"{kind.value} {passed[kind]}/{support[kind]}" for kind in Kind
                         if support[kind])
    label = f"batch {args.batch}" if args.batch else "kinds table"
    print(f"{label}: {total}/{len(cases)} = {total / len(cases):.0%} ({per_kind})")
    print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
