"""What disclosure control costs: the time to cut a collection into atomic populations, and what it hides.

Run: .venv/bin/python bench/disclosure_speed.py [--sizes 100 300 1000 3000 10000] [--seed 1]

Synthetic visible practices with the dimensions statistics count by (7 of them: 20 topics in 5 groups, 6 sectors,
2 domains, 2 kinds, 3 source types, 16 years) from 20 host states, a fifth of them anonymous to the viewer. Times
the cutting (a first request of an audience; later ones reuse it, kb.disclosure_cache) and the decisions for every
cell of the tables below, and prints, in the same run, how many cells are counted beside how many would pass the
threshold and dominance rules alone (with no protection against differencing). Prints the machine and load average.
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
from kb.disclosure import Disclosure, Fact, Rule, Split, passes_primary  # noqa: E402

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


TABLES = [("topic_group", None), ("topic", None), ("sector", None), ("domain", None), ("kind", None),
          ("source_type", None), ("year", None), ("topic_group", "year"), ("topic", "year"), ("sector", "kind")]


def cells(facts: list[Fact], rows: str, columns: str | None) -> list[frozenset[int]]:
    """Return the non-empty cells of a table, as sets of practice ids."""
    def values(name: str | None) -> list[str | None]:
        if name is None:
            return [None]
        return list(sorted({v for f in facts for v in f.values[name]}))
    found = [frozenset(f.id for f in facts if r in f.values[rows]
                       and (columns is None or c in f.values[columns]))
             for r in values(rows) for c in values(columns)]
    return [cell for cell in found if cell]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine_info())
    print("load average before:", os.getloadavg())
    rule = Rule(min_states=3, max_share=70.0)
    for size in args.sizes:
        facts = synthetic(size, random.Random(args.seed))
        by_id = {f.id: f for f in facts}
        start = time.perf_counter()
        disclosure = Disclosure(facts, SPLITS, rule)
        cut = time.perf_counter() - start
        print(f"{size:6d} visible: cut into {len(disclosure.groups)} groups in {cut:.3f} s")
        for rows, columns in TABLES:
            table = cells(facts, rows, columns)
            start = time.perf_counter()
            shown = sum(disclosure.shown(cell) for cell in table)
            decided = time.perf_counter() - start
            primary = sum(passes_primary([by_id[i] for i in cell], rule) for cell in table)
            print(f"        {rows + ' × ' + (columns or '-'):22s} cells {len(table):4d}  counted {shown:4d}  "
                  f"rules alone {primary:4d}  decided in {decided * 1000:7.1f} ms")
    print("load average after:", os.getloadavg())


if __name__ == "__main__":
    main()
