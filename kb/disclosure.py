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
    """Decide, once per set of practices and for one viewer's facts, whether the set may be counted.

    Sets are kept as bit masks with bit `id` for practice `id`, so a decision can be remembered across requests
    for the same facts (`decided`, kb.statistics keeps one per audience, change sequence and rule).
    """

    def __init__(self, facts: Iterable[Fact], splits: Sequence[Split], rule: Rule,
                 decided: dict[int, bool] | None = None) -> None:
        self.facts = {fact.id: fact for fact in facts}
        # Same answer in any order; ordered splits first because their many small parts end most searches early.
        self.splits = sorted(splits, key=lambda split: not split.ordered)
        self.rule = rule
        self._decided = {} if decided is None else decided
        self._hosts: dict[str, int] = {}
        self._unknown = 0
        values: dict[str, dict[str, int]] = {split.name: {} for split in splits}
        for fact in self.facts.values():
            bit = 1 << fact.id
            if fact.host is None:
                self._unknown |= bit
            else:
                self._hosts[fact.host] = self._hosts.get(fact.host, 0) | bit
            for split in splits:
                for value in fact.values[split.name]:
                    values[split.name][value] = values[split.name].get(value, 0) | bit
        self._values = {name: [by[v] for v in sorted(by)] for name, by in values.items()}

    @staticmethod
    def mask(ids: Iterable[int]) -> int:
        """Return the bit mask of a set of practice ids."""
        found = 0
        for i in ids:
            found |= 1 << i
        return found

    def primary(self, ids: Iterable[int]) -> bool:
        """Tell whether a set passes the threshold and dominance rules (kb.disclosure.passes_primary)."""
        return self._primary(self.mask(ids))

    def shown(self, ids: frozenset[int]) -> bool:
        """Tell whether the count of this set of practices may be shown."""
        return self._shown(self.mask(ids))

    def _primary(self, members: int) -> bool:
        size = members.bit_count()
        if size < self.rule.min_states:
            return False
        named = [c for c in ((members & hosts).bit_count() for hosts in self._hosts.values()) if c]
        largest = max(named, default=0) + (members & self._unknown).bit_count()
        return len(named) >= self.rule.min_states and largest * 100 <= self.rule.max_share * size

    def _shown(self, members: int) -> bool:
        decided = self._decided.get(members)
        if decided is None:
            decided = self._primary(members) and all(self._safe_split(members, split) for split in self.splits)
            self._decided[members] = decided
        return decided

    def _parts(self, members: int, split: Split) -> tuple[list[int], list[int]]:
        """Return the set's parts by each value of a dimension, and (for an ordered one) its earlier/later ranges."""
        present = [part for part in (members & value for value in self._values[split.name]) if part]
        singles = list(dict.fromkeys(part for part in present if part != members))
        ranges: list[int] = []
        if split.ordered:
            for cut in range(1, len(present)):
                lower = upper = 0
                for part in present[:cut]:
                    lower |= part
                for part in present[cut:]:
                    upper |= part
                ranges += (lower, upper)
            ranges = [r for r in dict.fromkeys(ranges) if r not in singles and r != members]
        return singles, ranges

    def _safe_split(self, members: int, split: Split) -> bool:
        singles, ranges = self._parts(members, split)
        parts = singles + ranges
        hidden = [part for part in parts if not self._shown(part)]
        if not hidden:
            return True
        secret = set(hidden)
        counted_singles = [part for part in singles if part not in secret]
        covered = _union(counted_singles)
        disjoint = sum(part.bit_count() for part in counted_singles) == covered.bit_count()
        singles_disjoint = sum(part.bit_count() for part in singles) == _union(singles).bit_count()
        if not ranges and singles_disjoint:
            # the parts do not overlap: a hidden one follows from the set only when it is the one left out
            if len(hidden) == 1 and _union(singles) == members:
                return False
        else:
            counted = [members, *counted_singles, *(part for part in ranges if part not in secret)]
            # ranges are unions of values, so parts by one value that do not overlap are already the atoms
            whole = singles_disjoint and _union(singles) == members
            atoms = singles if whole else _atoms(members, parts)
            span = Span([int(atom & part == atom) for atom in atoms] for part in counted)
            if any(span.holds([int(atom & part == atom) for atom in atoms]) for part in hidden):
                return False
        if disjoint:
            rest = members & ~covered  # its count is the set's minus the counted parts'
            return not rest or self._primary(rest)
        return True


def _union(parts: Iterable[int]) -> int:
    found = 0
    for part in parts:
        found |= part
    return found


def _atoms(members: int, parts: Sequence[int]) -> list[int]:
    """Group a set's practices by which parts they fall in: the unknowns a reader of the counts would solve for."""
    atoms = [members]
    for part in parts:
        atoms = [piece for atom in atoms for piece in (atom & part, atom & ~part) if piece]
    return atoms
