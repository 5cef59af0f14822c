"""Disclosure decisions remembered across requests: reused while the facts hold, forgotten when one changes."""

from __future__ import annotations

import random

from kb.disclosure import Disclosure, Fact, Rule, Split
from kb.disclosure_cache import forget_decisions, remembered_decisions

RULE = Rule(min_states=3, max_share=70.0)
SPLITS = [Split("kind"), Split("year", ordered=True)]


def world(seed: int, size: int = 40) -> list[Fact]:
    rng = random.Random(seed)
    return [Fact(i, None if rng.random() < 0.2 else f"X{rng.randrange(6)}",
                 {"kind": frozenset({rng.choice(("good_practice", "country_practice"))}),
                  "year": frozenset({str(rng.randrange(2015, 2020))})}) for i in range(size)]


def test_decisions_are_reused_while_the_facts_hold_and_forgotten_when_one_changes() -> None:
    forget_decisions()
    facts = world(1)
    first = remembered_decisions("public", facts)
    first[1] = True
    assert remembered_decisions("public", facts[:10]) is first, "a filtered request reuses them"
    assert remembered_decisions("reader", facts) is not first, "another audience has its own"
    moved = [*facts[:3], Fact(3, "X9" if facts[3].host != "X9" else "X8", facts[3].values), *facts[4:]]
    assert 1 not in remembered_decisions("public", moved), "a changed host starts afresh"


def test_remembered_decisions_equal_fresh_ones_for_every_filtered_request() -> None:
    forget_decisions()
    facts = world(2)
    everyone = frozenset(f.id for f in facts)
    for keep in ("good_practice", "country_practice", None):
        subset = [f for f in facts if keep is None or keep in f.values["kind"]]
        shared = Disclosure(subset, SPLITS, RULE, remembered_decisions("public", subset))
        fresh = Disclosure(subset, SPLITS, RULE)
        for year in ("2015", "2016", "2017", "2018", "2019", None):
            cell = frozenset(f.id for f in subset if year is None or year in f.values["year"]) & everyone
            if cell:
                assert shared.shown(cell) == fresh.shown(cell)
