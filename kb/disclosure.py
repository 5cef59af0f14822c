"""Disclosure control for statistics: whether one set of practices may be counted for someone outside the secretariat.

The decision is a function of the set alone (its practices and what the viewer knows of their hosts), so the same
cell gets the same answer in every table, whatever the filters or the other dimension (docs/statistics.md):

1. Threshold and dominance (primary suppression): at least `min_states` distinct host states, and no state
   above `max_share` % of the practices. A practice whose host the viewer may not see is assumed to come from the
   largest contributor and adds no state, so the answer never depends on a host the viewer may not know.
2. Secondary suppression against differencing: for every dimension, the set is split into its parts (each value;
   for years also every earlier and later range). A set is counted only if no hidden part's count follows linearly
   from the set and its counted parts, and the practices outside its counted parts pass the primary rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import gcd


@dataclass(frozen=True)
class Rule:
    """The disclosure-control parameters: k distinct states per cell and the largest share one state may hold."""

    min_states: int
    max_share: float


@dataclass(frozen=True)
class Fact:
    """One practice as statistics see it: its host (None where the viewer may not see it) and its values."""

    id: int
    host: str | None
    values: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Split:
    """A dimension along which a set can be cut; an ordered one (the year) is also cut into earlier/later ranges."""

    name: str
    ordered: bool = False


def passes_primary(facts: Sequence[Fact], rule: Rule) -> bool:
    """Tell whether a set passes the threshold and dominance rules, with unknown hosts taken at their worst."""
    if not facts:
        return False
    named = Counter(fact.host for fact in facts if fact.host is not None)
    unknown = len(facts) - sum(named.values())
    largest = max(named.values(), default=0) + unknown
    return len(named) >= rule.min_states and largest * 100 <= rule.max_share * len(facts)


class Span:
    """The linear span of some integer vectors, kept as a reduced basis (exact, fraction-free integer arithmetic)."""

    def __init__(self, vectors: Iterable[Sequence[int]]) -> None:
        self.basis: list[tuple[int, list[int]]] = []  # (pivot column, reduced row)
        for vector in vectors:
            reduced = self._reduce(vector)
            pivot = next((i for i, x in enumerate(reduced) if x), None)
            if pivot is not None:
                self.basis.append((pivot, reduced))

    def _reduce(self, row: Sequence[int]) -> list[int]:
        reduced = list(row)
        for pivot, base in self.basis:
            factor = reduced[pivot]
            if factor:
                scale = base[pivot]
                reduced = [scale * a - factor * b for a, b in zip(reduced, base, strict=True)]
                divisor = gcd(*reduced)  # keeps the integers small
                if divisor > 1:
                    reduced = [a // divisor for a in reduced]
        return reduced

    def holds(self, target: Sequence[int]) -> bool:
        """Tell whether `target` is a linear combination of the vectors."""
        return not any(self._reduce(target))


def in_span(vectors: Sequence[Sequence[int]], target: Sequence[int]) -> bool:
    """Tell whether `target` is a linear combination of `vectors` (exact arithmetic)."""
    return Span(vectors).holds(target)


class Disclosure:
    """Decide, once per set of practices and for one viewer's facts, whether the set may be counted."""

    def __init__(self, facts: Iterable[Fact], splits: Sequence[Split], rule: Rule) -> None:
        self.facts = {fact.id: fact for fact in facts}
        self.splits = splits
        self.rule = rule
        self._decided: dict[frozenset[int], bool] = {}

    def primary(self, ids: Iterable[int]) -> bool:
        return passes_primary([self.facts[i] for i in ids], self.rule)

    def shown(self, ids: frozenset[int]) -> bool:
        """Tell whether the count of this set of practices may be shown."""
        if ids not in self._decided:
            self._decided[ids] = self.primary(ids) and all(self._safe_split(ids, split) for split in self.splits)
        return self._decided[ids]

    def _parts(self, ids: frozenset[int], split: Split) -> tuple[list[frozenset[int]], list[frozenset[int]]]:
        """Return the set's parts by each value of a dimension, and (for an ordered one) its earlier/later ranges."""
        by_value: dict[str, set[int]] = {}
        for i in ids:
            for value in self.facts[i].values[split.name]:
                by_value.setdefault(value, set()).add(i)
        singles = list(dict.fromkeys(frozenset(part) for part in by_value.values() if len(part) < len(ids)))
        ranges: list[frozenset[int]] = []
        if split.ordered:
            keys = sorted(by_value)
            for cut in range(1, len(keys)):
                for side in (keys[:cut], keys[cut:]):
                    ranges.append(frozenset().union(*(by_value[k] for k in side)))
            ranges = [r for r in dict.fromkeys(ranges) if r not in singles and len(r) < len(ids)]
        return singles, ranges

    def _safe_split(self, ids: frozenset[int], split: Split) -> bool:
        singles, ranges = self._parts(ids, split)
        parts = singles + ranges
        hidden = [part for part in parts if not self.shown(part)]
        if not hidden:
            return True
        counted_singles = [part for part in singles if part not in hidden]
        counted = [ids, *counted_singles, *(part for part in ranges if part not in hidden)]
        atoms = _atoms(ids, parts)
        span = Span([int(atom <= part) for atom in atoms] for part in counted)
        if any(span.holds([int(atom <= part) for atom in atoms]) for part in hidden):
            return False
        if sum(len(part) for part in counted_singles) == len(frozenset().union(*counted_singles)):
            rest = ids.difference(*counted_singles)  # its count is the set's minus the counted parts'
            return not rest or self.primary(rest)
        return True


def _atoms(ids: frozenset[int], parts: Sequence[frozenset[int]]) -> list[frozenset[int]]:
    """Group a set's practices by which parts they fall in: the unknowns a reader of the counts would solve for."""
    groups: dict[tuple[bool, ...], set[int]] = {}
    for i in ids:
        groups.setdefault(tuple(i in part for part in parts), set()).add(i)
    return [frozenset(group) for group in groups.values()]
