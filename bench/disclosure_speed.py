"""What disclosure control costs: the time of a one-dimension topic table and a topic × year table by size.

Run: .venv/bin/python bench/disclosure_speed.py [--sizes 100 300 1000 3000] [--seed 1]

Synthetic visible practices with the dimensions statistics count by (7 of them: 20 topics in 5 groups, 6 sectors,
2 domains, 2 kinds, 3 source types, 16 years) from 20 host states, a fifth of them anonymous to the viewer. Times
the decisions of kb.disclosure for every cell of the table, first with an empty cache (a first request), then again
(what a later request of the same audience finds remembered, kb.disclosure_cache). Prints the machine and load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from kb.disclosure import Disclosure, Fact, Rule, Split  # noqa: E402

TOPICS = [f"t{g}{i}" for g in range(5) for i in range(4)]
SPLITS = [Split("topic_group"), Split("topic"), Split("sector"), Split("domain"), Split("kind"),
          Split("source_type"), Split("year", ordered=True)]


def synthetic(size: int, rng: random.Random) -> list[Fact]:
    """Return `size` practices with random values along every dimension."""
    facts = []
    for i in range(size):
        topics = frozenset(rng.sample(TOPICS, rng.choice((1, 1, 2, 3))))
        host = None if rng.random() < 0.2 else f"S{rng.randrange(20):02d}"
        facts.append(Fact(i, host, {
            "topic": topics, "topic_group": frozenset(t[:2] for t in topics),
            "sector": frozenset(rng.sample([f"s{j}" for j in range(6)], rng.choice((1, 2)))),
            "domain": frozenset(rng.sample(["safety", "security"], rng.choice((1, 1, 2)))),
            "kind": frozenset({rng.choice(("good_practice", "country_practice"))}),
            "source_type": frozenset({rng.choice(("ippas", "irrs", "other"))}),
            "year": frozenset({str(rng.randrange(2010, 2026))}),
        }))
    return facts


def table_time(disclosure: Disclosure, facts: list[Fact], rows: str, columns: str | None) -> float:
    """Return the seconds taken to decide every cell of a table."""
    row_values = sorted({v for f in facts for v in f.values[rows]})
    col_values = sorted({v for f in facts for v in f.values[columns]}) if columns else [None]
    start = time.perf_counter()
    for r in row_values:
        for c in col_values:
            cell = frozenset(f.id for f in facts
                             if r in f.values[rows] and (c is None or columns is None or c in f.values[columns]))
            if cell:
                disclosure.shown(cell)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine_info())
    print("load average before:", os.getloadavg())
    rule = Rule(min_states=3, max_share=70.0)
    for size in args.sizes:
        facts = synthetic(size, random.Random(args.seed))
        for rows, columns in (("topic", None), ("topic", "year")):
            disclosure = Disclosure(facts, SPLITS, rule)
            first = table_time(disclosure, facts, rows, columns)
            again = table_time(disclosure, facts, rows, columns)
            print(f"{size:5d} visible  {rows}×{columns or '-':5s}  first {first:8.3f} s  cached {again:8.4f} s  "
                  f"sets decided {len(disclosure._decided)}")
    print("load average after:", os.getloadavg())


if __name__ == "__main__":
    main()
