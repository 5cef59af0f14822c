"""Atomic populations remembered across requests: reused while the facts hold, cut afresh when one changes."""

from __future__ import annotations

import random

from kb.disclosure import Disclosure, Fact, Rule, Split
from kb.disclosure_cache import forget_disclosures, remembered_disclosure

RULE = Rule(min_states=3, max_share=70.0)
SPLITS = [Split("kind"), Split("year", ordered=True)]


def world(seed: int, size: int = 40) -> list[Fact]:
    rng = random.Random(seed)
    return [Fact(i, None if rng.random() < 0.2 else f"X{rng.randrange(6)}",
                 {"kind": frozenset({rng.choice(("good_practice", "country_practice"))}),
                  "year": frozenset({str(rng.randrange(2015, 2020))})}) for i in range(size)]


def test_groups_are_reused_while_the_facts_hold_and_cut_afresh_when_one_changes() -> None:
    forget_disclosures()
    facts = world(1)
    cuts: list[int] = []

    def cut(these: list[Fact]) -> Disclosure:
        cuts.append(len(these))
        return Disclosure(these, SPLITS, RULE)

    first = remembered_disclosure("public", facts, lambda: cut(facts))
    assert remembered_disclosure("public", list(reversed(facts)), lambda: cut(facts)) is first, "same facts"
    assert remembered_disclosure("reader", facts, lambda: cut(facts)) is not first, "another audience has its own"
    moved = [*facts[:3], Fact(3, "X9" if facts[3].host != "X9" else "X8", facts[3].values), *facts[4:]]
    again = remembered_disclosure("public", moved, lambda: cut(moved))
    assert again is not first and again.facts == sorted(moved, key=lambda f: f.id), "a changed host starts afresh"
    assert cuts == [40, 40, 40]


def test_remembered_groups_equal_fresh_ones() -> None:
    forget_disclosures()
    facts = world(2)
    remembered = remembered_disclosure("public", facts, lambda: Disclosure(facts, SPLITS, RULE))
    assert remembered_disclosure("public", facts, lambda: Disclosure([], SPLITS, RULE)).groups \
        == Disclosure(facts, SPLITS, RULE).groups == remembered.groups
