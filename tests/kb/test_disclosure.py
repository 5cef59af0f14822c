"""Disclosure control: the threshold, the share, anonymous hosts, and sets counted only as unions of whole groups."""

from __future__ import annotations

import itertools
import random

import numpy as np

from kb.disclosure import Disclosure, Fact, Rule, Split, passes_primary

RULE = Rule(min_states=3, max_share=70.0)


def fact(i: int, host: str | None, year: str = "2020", kind: str = "good_practice") -> Fact:
    return Fact(i, host, {"year": frozenset({year}), "kind": frozenset({kind})})


def test_threshold_needs_k_distinct_states() -> None:
    assert not passes_primary([], RULE)
    assert not passes_primary([fact(1, "XA"), fact(2, "XB"), fact(3, "XB")], RULE)
    assert passes_primary([fact(1, "XA"), fact(2, "XB"), fact(3, "XC")], RULE)


def test_no_state_above_the_share_boundary_included() -> None:
    seven_of_ten = [fact(i, "XA") for i in range(7)] + [fact(7, "XB"), fact(8, "XC"), fact(9, "XD")]
    assert passes_primary(seven_of_ten, RULE)
    eight_of_ten = [fact(i, "XA") for i in range(8)] + [fact(8, "XB"), fact(9, "XC")]
    assert not passes_primary(eight_of_ten, RULE)


def test_anonymous_practices_add_no_state_and_count_for_the_largest() -> None:
    named = [fact(1, "XA"), fact(2, "XB")]
    assert not passes_primary([*named, fact(3, None)], RULE), "an unknown host is not a third state"
    three = [fact(1, "XA"), fact(2, "XB"), fact(3, "XC")]
    assert passes_primary([*three, fact(4, None)], RULE)  # at worst XA holds 2 of 4
    assert passes_primary([*three, fact(4, None), fact(5, None), fact(6, None)], RULE)  # at worst 4 of 6 = 67 %
    assert not passes_primary([*three, *(fact(i, None) for i in range(4, 9))], RULE)  # 6 of 8 = 75 %


def years(spec: dict[str, list[str]]) -> list[Fact]:
    found, i = [], 0
    for year, hosts in spec.items():
        for host in hosts:
            found.append(fact(i, host, year))
            i += 1
    return found


def test_a_part_is_hidden_when_showing_it_would_give_the_rest_away() -> None:
    facts = years({"2019": ["XA", "XB", "XC"], "2020": ["XA"]})
    disclosure = Disclosure(facts, [Split("year", ordered=True)], RULE)
    assert disclosure.shown({0, 1, 2, 3}), "the whole collection passes the rules"
    assert not disclosure.shown({3}), "2020 has one state"
    assert not disclosure.shown({0, 1, 2}), "2019 would give 2020 away: everything minus 2019"


def test_parts_that_pass_on_their_own_are_counted() -> None:
    facts = years({"2019": ["XA", "XB", "XC"], "2020": ["XA", "XD", "XE"]})
    disclosure = Disclosure(facts, [Split("year", ordered=True)], RULE)
    assert disclosure.shown({0, 1, 2}) and disclosure.shown({3, 4, 5}) and disclosure.shown(range(6))
    assert not disclosure.shown({0, 1}), "a set that splits a group is hidden"


def test_nothing_is_counted_when_the_whole_collection_fails_the_rules() -> None:
    disclosure = Disclosure(years({"2019": ["XA", "XB"], "2020": ["XA"]}), [Split("year", ordered=True)], RULE)
    assert disclosure.groups == []
    assert not any(disclosure.shown(ids) for ids in ({0}, {0, 1}, {0, 1, 2}))


def test_an_unknown_host_is_taken_at_its_worst_inside_each_group() -> None:
    facts = years({"2019": ["XA", "XB", "XC"], "2020": ["XA", "XB", None]})
    disclosure = Disclosure(facts, [Split("year", ordered=True)], RULE)
    assert not disclosure.shown({3, 4, 5}), "2020 has two named states; the unknown one may be either"
    assert disclosure.shown(range(6))


def test_the_groups_do_not_depend_on_the_order_of_the_facts() -> None:
    facts = random_world(random.Random(7), 40)
    splits = [Split("kind"), Split("sector"), Split("year", ordered=True)]
    shuffled = facts[:]
    random.Random(1).shuffle(shuffled)
    assert Disclosure(facts, splits, RULE).groups == Disclosure(shuffled, splits, RULE).groups


def random_world(rng: random.Random, size: int) -> list[Fact]:
    return [Fact(i, None if rng.random() < 0.2 else f"X{rng.randrange(7)}", {
        "kind": frozenset({rng.choice(("good_practice", "country_practice"))}),
        "sector": frozenset(rng.sample(("nuclear", "medical", "transport"), rng.choice((1, 2)))),
        "year": frozenset({str(rng.randrange(2016, 2021))})}) for i in range(size)]


def expressible_sets(facts: list[Fact]) -> list[frozenset[int]]:
    """Every set a reader can ask for with up to three conditions (a value, or a range of years)."""
    conditions: list[frozenset[int]] = []
    for name in ("kind", "sector"):
        for value in {v for f in facts for v in f.values[name]}:
            conditions.append(frozenset(f.id for f in facts if value in f.values[name]))
    for first, last in itertools.combinations_with_replacement(range(2016, 2021), 2):
        conditions.append(frozenset(f.id for f in facts if first <= int(min(f.values["year"])) <= last))
    everything = frozenset(f.id for f in facts)
    found = {everything}
    for count in (1, 2, 3):
        for chosen in itertools.combinations(conditions, count):
            found.add(everything.intersection(*chosen))
    return [s for s in found if s]


def follows(known: list[frozenset[int]], secret: frozenset[int], size: int) -> bool:
    """Tell whether the count of `secret` is a linear combination of the known counts."""
    if not known:
        return False
    matrix = np.array([[i in s for i in range(size)] for s in known], dtype=float)
    target = np.array([[i in secret for i in range(size)]], dtype=float)
    return bool(np.linalg.matrix_rank(np.vstack([matrix, target])) == np.linalg.matrix_rank(matrix))


def test_no_hidden_set_follows_from_every_shown_set_together() -> None:
    """The property behind every table: all that may be asked, taken together, gives no hidden count away."""
    splits = [Split("kind"), Split("sector"), Split("year", ordered=True)]
    counted = 0
    for seed in range(12):
        facts = random_world(random.Random(seed), 80)
        disclosure = Disclosure(facts, splits, RULE)
        sets = expressible_sets(facts)
        shown = [s for s in sets if disclosure.shown(s)]
        counted += len(shown)
        for s in shown:
            assert passes_primary([f for f in facts if f.id in s], RULE)
        for secret in (s for s in sets if not disclosure.shown(s)):
            assert not follows(shown, secret, len(facts)), f"seed {seed}: {sorted(secret)} follows"
    assert counted > 12 * 20, f"only {counted} sets counted: the test would prove little"
