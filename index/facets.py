"""Facet counts over a ranked list, with numpy: one table of every practice's facet values, built per change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kb.vocabulary import TAG_VOCABULARIES

FACET_FIELDS = ("kind", *TAG_VOCABULARIES, "host_state", "year")


class Facts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def host_state(self) -> str: ...
    @property
    def tags(self) -> dict[str, tuple[str, ...]]: ...
    @property
    def tiebreak(self) -> int: ...


@dataclass(frozen=True)
class _Column:
    """One facet: its values, and each practice's value as a code (single) or a 0/1 row (tags)."""

    values: list[str]
    codes: np.ndarray


class FacetTable:
    """Every practice's facet values as arrays, rows in the order of the sorted practice ids."""

    def __init__(self, facts: Mapping[int, Facts]) -> None:
        self.ids = np.fromiter(sorted(facts), dtype=np.int64, count=len(facts))
        self._row_of = np.full(int(self.ids[-1]) + 1 if len(self.ids) else 0, -1, dtype=np.int64)
        self._row_of[self.ids] = np.arange(len(self.ids))
        ordered = [facts[int(pid)] for pid in self.ids]
        self.years = np.fromiter((f.year for f in ordered), dtype=np.int64, count=len(ordered))
        self.tiebreaks = np.fromiter((f.tiebreak for f in ordered), dtype=np.int64, count=len(ordered))
        self.columns: dict[str, _Column] = {
            "kind": _single([f.kind for f in ordered]),
            "year": _single([str(f.year) for f in ordered]),
            "host_state": _single([f.host_state for f in ordered]),
        }
        for name in TAG_VOCABULARIES:
            self.columns[name] = _multiple([f.tags.get(name, ()) for f in ordered])

    def _rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each id's row and whether the table holds it."""
        ids = np.asarray(ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(self._row_of))
        rows = np.full(len(ids), -1, dtype=np.int64)
        rows[inside] = self._row_of[ids[inside]]
        known = rows >= 0
        return np.where(known, rows, 0), known

    def years_of(self, ids: np.ndarray) -> np.ndarray:
        """Return each practice's source year (0 for a practice the table does not hold)."""
        rows, known = self._rows(ids)
        return np.where(known, self.years[rows], 0) if len(self.ids) else np.zeros(len(known), dtype=np.int64)

    def tiebreaks_of(self, ids: np.ndarray) -> np.ndarray:
        """Return each practice's tiebreak number (0 for a practice the table does not hold)."""
        rows, known = self._rows(ids)
        return np.where(known, self.tiebreaks[rows], 0) if len(self.ids) else np.zeros(len(known), dtype=np.int64)

    def counts(self, ranked_ids: np.ndarray, host_shown: np.ndarray) -> dict[str, dict[str, int]]:
        """Count facet values over the ranked ids (host only where shown), most common first.

        Ties keep the order in which values first appear down the ranking, as `Counter.most_common` would.
        """
        rows, known = self._rows(ranked_ids)
        rows, shown = rows[known], np.asarray(host_shown, dtype=bool)[known]
        out: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            column = self.columns[name]
            picked = rows[shown] if name == "host_state" else rows
            if column.codes.ndim == 1:
                out[name] = _ordered_single(column, picked)
            else:
                out[name] = _ordered_multiple(column, picked)
        return out


def _single(values: list[str]) -> _Column:
    distinct = sorted(set(values))
    code = {value: number for number, value in enumerate(distinct)}
    return _Column(distinct, np.fromiter((code[v] for v in values), dtype=np.int32, count=len(values)))


def _multiple(tag_lists: list[tuple[str, ...]]) -> _Column:
    distinct = sorted({term for terms in tag_lists for term in terms})
    code = {value: number for number, value in enumerate(distinct)}
    matrix = np.zeros((len(tag_lists), len(distinct)), dtype=np.uint8)
    for row, terms in enumerate(tag_lists):
        for term in terms:
            matrix[row, code[term]] += 1
    return _Column(distinct, matrix)


def _ordered_single(column: _Column, rows: np.ndarray) -> dict[str, int]:
    if len(rows) == 0:
        return {}
    codes = column.codes[rows]
    present, first = np.unique(codes, return_index=True)
    counts = np.bincount(codes, minlength=len(column.values))[present]
    order = np.lexsort((first, -counts))
    return {column.values[int(present[i])]: int(counts[i]) for i in order}


def _ordered_multiple(column: _Column, rows: np.ndarray) -> dict[str, int]:
    if len(rows) == 0 or column.codes.shape[1] == 0:
        return {}
    sub = column.codes[rows]
    counts = sub.sum(axis=0, dtype=np.int64)
    present = np.flatnonzero(counts)
    first = (sub[:, present] > 0).argmax(axis=0)
    order = np.lexsort((present, first, -counts[present]))  # a practice's own terms tie in sorted order
    return {column.values[int(present[i])]: int(counts[present[i]]) for i in order}
