"""Disclosure control for statistics: which sets of practices may be counted for someone outside the secretariat.

The viewer's whole collection is cut into *atomic populations* (docs/statistics.md): groups that each pass the
threshold and dominance rules, found by cutting top down along the dimensions, as Mondrian does (LeFevre, DeWitt
and Ramakrishnan, 2006). A set is counted only when it is a union of whole groups — the partitioned statistical
database of Yu and Chin (1977) and Chin and Özsoyoglu (1981). Then:

- every counted set passes the rules (a union of groups that pass them does),
- a hidden set splits some group, and every published number is constant across each group, so no sum or
  difference of published numbers, from any tables with any filters, gives a hidden set's count, and
- the same set gets the same answer in every table: the groups depend on the viewer's collection, not the request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


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
    """A dimension along which the collection can be cut; an ordered one (the year) is cut into earlier/later."""

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


class Disclosure:
    """The atomic populations of one viewer's collection, and whether a set of its practices may be counted."""

    def __init__(self, facts: Iterable[Fact], splits: Sequence[Split], rule: Rule) -> None:
        self.facts = sorted(facts, key=lambda fact: fact.id)  # the same groups whatever order the facts come in
        self.rule = rule
        self._position = {fact.id: i for i, fact in enumerate(self.facts)}
        hosts: dict[str, int] = {}
        self._unknown = 0
        for i, fact in enumerate(self.facts):
            if fact.host is None:
                self._unknown |= 1 << i
            else:
                hosts[fact.host] = hosts.get(fact.host, 0) | 1 << i
        self._hosts = list(hosts.values())
        values = _value_masks(self.facts, splits)
        dimensions = _dimension_cuts(splits, values)
        # Each dimension first in turn; keep the groups that let the most cells of one- and two-dimension tables count.
        candidates = [self._cut([cut for cuts in (dimensions[first], *dimensions[:first], *dimensions[first + 1:])
                                 for cut in cuts]) for first in range(len(dimensions))] or [self._cut([])]
        tables = _tables(values)
        self.groups = max(candidates, key=lambda groups: _countable(groups, tables))
        self._group_of: dict[int, int] = {}
        for number, group in enumerate(self.groups):
            for i in _positions(group):
                self._group_of[i] = number

    def primary(self, ids: Iterable[int]) -> bool:
        """Tell whether a set passes the threshold and dominance rules (kb.disclosure.passes_primary)."""
        mask = 0
        for i in ids:
            mask |= 1 << self._position[i]
        return self._primary(mask)

    def shown(self, ids: Iterable[int]) -> bool:
        """Tell whether the count of this set of practices may be shown: it is a non-empty union of whole groups."""
        members = set(ids)
        if not members or not members <= self._position.keys():
            return False
        if not self.groups:
            return False  # the collection as a whole fails the rules: no group, nothing counted
        touched = {self._group_of[self._position[i]] for i in members}
        return sum(self.groups[number].bit_count() for number in touched) == len(members)

    def _primary(self, members: int) -> bool:
        size = members.bit_count()
        if size < self.rule.min_states:
            return False
        named = [c for c in ((members & hosts).bit_count() for hosts in self._hosts) if c]
        largest = max(named, default=0) + (members & self._unknown).bit_count()
        return len(named) >= self.rule.min_states and largest * 100 <= self.rule.max_share * size

    def _cut(self, cuts: Sequence[int]) -> list[int]:
        """Cut the collection into groups that pass the rules, first along cuts every group can take, then locally.

        A cut every group takes makes its dimension value countable everywhere (a one-dimension cell); a cut taken
        only inside some groups makes the finer cells there countable (two dimensions, or one under a filter).
        """
        everything = (1 << len(self.facts)) - 1
        if not everything or not self._primary(everything):
            return []
        groups = [everything]
        for cut in cuts:
            pieces = [piece for group in groups for piece in (group & cut, group & ~cut) if piece]
            if all(self._primary(piece) for piece in pieces):
                groups = pieces
        final: list[int] = []
        while groups:
            group = groups.pop()
            for cut in cuts:
                inside, outside = group & cut, group & ~cut
                if inside and outside and self._primary(inside) and self._primary(outside):
                    groups += (inside, outside)
                    break
            else:
                final.append(group)
        return sorted(final)


def _value_masks(facts: Sequence[Fact], splits: Sequence[Split]) -> list[dict[str, int]]:
    """Return, per dimension, the mask of the practices with each value."""
    found: list[dict[str, int]] = []
    for split in splits:
        masks: dict[str, int] = {}
        for i, fact in enumerate(facts):
            for value in fact.values[split.name]:
                masks[value] = masks.get(value, 0) | 1 << i
        found.append(masks)
    return found


def _dimension_cuts(splits: Sequence[Split], values: Sequence[Mapping[str, int]]) -> list[list[int]]:
    """Return the ways to cut the collection along each dimension, as masks, coarse before fine.

    Each value of a dimension is a cut (its practices and the rest), the largest first; an ordered dimension is
    first cut at each value into earlier and later, the middle first, so that a range is countable before its
    single years. Dimensions with fewer values come first; the order depends on the collection only.
    """
    order = sorted(zip(splits, values, strict=True), key=lambda pair: (len(pair[1]), pair[0].name))
    found: list[list[int]] = []
    for split, masks in order:
        cuts = [masks[v] for v in sorted(masks, key=lambda v: (-masks[v].bit_count(), v))]
        if split.ordered:
            steps = sorted(masks)
            later = [_union(masks[v] for v in steps[start:]) for start in range(1, len(steps))]
            cuts = [later[i] for i in _middle_first(len(later))] + cuts
        found.append(cuts)
    return found


def _tables(values: Sequence[Mapping[str, int]]) -> list[list[int]]:
    """Return the cells of every one- and two-dimension table, as masks (the empty ones left out)."""
    found = [list(masks.values()) for masks in values]
    for i, rows in enumerate(values):
        for columns in values[i + 1:]:
            found.append([cell for r in rows.values() for c in columns.values() if (cell := r & c)])
    return [cells for cells in found if cells]


def _countable(groups: Sequence[int], tables: Sequence[Sequence[int]]) -> float:
    """Score groups by the share of each table's cells that are unions of whole groups, summed over the tables."""
    def whole(mask: int) -> bool:
        return bool(groups) and all(mask & group in (0, group) for group in groups)
    return sum(sum(whole(cell) for cell in cells) / len(cells) for cells in tables)


def _middle_first(count: int) -> list[int]:
    """Return 0..count-1 in the order a binary search visits them: the middle, then the middles of each half."""
    order: list[int] = []
    spans = [(0, count)]
    while spans:
        low, high = spans.pop(0)
        if low < high:
            middle = (low + high) // 2
            order.append(middle)
            spans += [(low, middle), (middle + 1, high)]
    return order


def _union(masks: Iterable[int]) -> int:
    found = 0
    for mask in masks:
        found |= mask
    return found


def _positions(mask: int) -> Iterable[int]:
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest
