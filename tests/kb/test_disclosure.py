"""Edge cases of disclosure control: the threshold, the share, anonymous hosts, and differencing along a split."""

from __future__ import annotations

from kb.disclosure import Disclosure, Fact, Rule, Split, in_span, passes_primary

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


def test_in_span_is_exact() -> None:
    assert in_span([[1, 1, 1], [1, 0, 0]], [0, 1, 1])
    assert not in_span([[1, 1, 1], [1, 0, 0]], [0, 1, 0])
    assert not in_span([], [1])


def years(spec: dict[str, list[str]]) -> list[Fact]:
    found, i = [], 0
    for year, hosts in spec.items():
        for host in hosts:
            found.append(fact(i, host, year))
            i += 1
    return found


def test_a_set_is_hidden_when_subtracting_its_counted_parts_gives_one_hidden_part() -> None:
    facts = years({"2019": ["XA", "XB", "XC"], "2020": ["XA"]})
    disclosure = Disclosure(facts, [Split("year", ordered=True)], RULE)
    everything = frozenset(f.id for f in facts)
    assert disclosure.primary(everything)
    assert disclosure.shown(frozenset({0, 1, 2}))
    assert not disclosure.shown(frozenset({3}))
    assert not disclosure.shown(everything), "everything minus 2019 would give 2020 away"


def test_two_hidden_parts_that_together_pass_keep_the_set_shown() -> None:
    facts = years({"2018": ["XA", "XB", "XC"], "2019": ["XA", "XB"], "2020": ["XC", "XD"]})
    disclosure = Disclosure(facts, [Split("year")], RULE)  # no ranges: only the parts by year
    everything = frozenset(f.id for f in facts)
    assert not disclosure.shown(frozenset({3, 4})) and not disclosure.shown(frozenset({5, 6}))
    assert disclosure.shown(everything)


def test_year_ranges_are_parts_too() -> None:
    facts = years({"2018": ["XA", "XB", "XC"], "2019": ["XA", "XB"], "2020": ["XC", "XD"]})
    disclosure = Disclosure(facts, [Split("year", ordered=True)], RULE)
    everything = frozenset(f.id for f in facts)
    # from 2019 on (XA, XB, XC, XD) is counted, so everything minus it would give 2018 away... which is counted
    # itself; but up to 2019 (XA, XB, XC) minus 2018 would give 2019 away: that range is hidden.
    assert not disclosure.shown(frozenset({0, 1, 2, 3, 4}))
    assert disclosure.shown(frozenset({3, 4, 5, 6}))
    assert disclosure.shown(everything)


def test_the_same_set_gets_the_same_answer_whatever_else_is_asked() -> None:
    facts = years({"2019": ["XA", "XB", "XC"], "2020": ["XA", "XD", "XE"]})
    first = Disclosure(facts, [Split("year", ordered=True), Split("kind")], RULE)
    second = Disclosure(facts, [Split("year", ordered=True), Split("kind")], RULE)
    part = frozenset({3, 4, 5})
    first.shown(frozenset(f.id for f in facts))
    assert first.shown(part) == second.shown(part)
