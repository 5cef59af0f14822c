"""Statistics: counts of what the viewer may see by one or two dimensions, with disclosure control (kb.disclosure).

Everyone but the secretariat gets a cell's count only where kb.disclosure allows it, decided over the viewer's whole
collection whatever the filters (so the same cell gets the same answer in every table); totals add up the counted
cells only, so a hidden cell never enters a published number. The secretariat gets exact counts with the number
of states per cell, and may preview what the public sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from kb.db import in_chunks
from kb.disclosure import Disclosure, Fact, Rule, Split
from kb.disclosure_cache import remembered_disclosure
from kb.errors import InvalidInput
from kb.models import Finding, Practice
from kb.queries import Filters, filter_problems, tags_by_practice, visible_rows
from kb.stat_dimensions import Category, Dimension, PracticeFacts, Vocabularies, dimension_problems, dimensions
from kb.viewer import PUBLIC, Viewer


@dataclass(frozen=True)
class StatCell:
    """One cell: its count (None when suppressed) and, for the secretariat only, how many states contribute."""

    row: str
    column: str | None
    count: int | None
    suppressed: bool
    states: int | None = None


@dataclass(frozen=True)
class StatTable:
    """A table of counts by one or two dimensions, with totals over the counted cells only."""

    rows: list[Category]
    columns: list[Category]
    cells: list[StatCell]
    row_totals: dict[str, int]
    column_totals: dict[str, int]
    total: int
    rule: Rule
    exact: bool
    row_dimension: str
    column_dimension: str | None


def visible_facts(session: Session, viewer: Viewer, filters: Filters, vocabularies: Vocabularies
                  ) -> list[PracticeFacts]:
    """Return what statistics read of every practice the viewer may see under the filters (hidden hosts as None)."""
    rows = dict(visible_rows(session, viewer, filters, dict(vocabularies)))
    ids = sorted(rows)
    tags = tags_by_practice(session, ids)
    found: list[PracticeFacts] = []
    for chunk in in_chunks(ids):
        areas = dict(session.exec(select(Finding.practice_id, Finding.functional_area).where(
            col(Finding.practice_id).in_(chunk), col(Finding.functional_area).is_not(None))).all())
        for practice in session.exec(select(Practice).where(col(Practice.id).in_(chunk))):
            key = practice.id or 0
            found.append(PracticeFacts(id=key, host=practice.host_state_code if rows[key] else None,
                                       kind=str(practice.kind), source_type=practice.source_type,
                                       year=practice.source_year, tags=tags[key],
                                       functional_area=areas.get(key)))
    return found


def statistics_table(
    session: Session, viewer: Viewer, *, rows: str, columns: str | None = None, filters: Filters,
    vocabularies: Vocabularies, rule: Rule, preview: bool = False,
) -> StatTable:
    """Count what the viewer may see by one or two dimensions; exact for the secretariat unless it previews."""
    problems = dimension_problems(rows, columns) + filter_problems(filters, dict(vocabularies))
    if problems:
        raise InvalidInput(problems)
    if preview and viewer.is_secretariat:
        viewer = PUBLIC
    exact = viewer.is_secretariat
    every = dimensions(vocabularies)
    row_dim, col_dim = every[rows], (every[columns] if columns else None)
    if exact:
        facts, disclosure = visible_facts(session, viewer, filters, vocabularies), None
    else:
        collection = visible_facts(session, viewer, Filters(), vocabularies)
        disclosure = _disclosure(viewer, collection, every, rule)
        if filters.is_empty():
            facts = collection
        else:
            wanted = {key for key, _ in visible_rows(session, viewer, filters, dict(vocabularies))}
            facts = [f for f in collection if f.id in wanted]
    cells = [_cell(facts, row_dim, r, col_dim, c, disclosure)
             for r in row_dim.categories(facts)
             for c in (col_dim.categories(facts) if col_dim else [None])]
    row_cats, col_cats = _listed(row_dim, col_dim, facts, cells, exact)
    listed_rows = {c.id for c in row_cats}
    listed_cols = {c.id for c in col_cats}
    cells = [cell for cell in cells if cell.row in listed_rows and (col_dim is None or cell.column in listed_cols)]
    return StatTable(
        rows=row_cats, columns=col_cats, cells=cells,
        row_totals={r.id: sum(c.count or 0 for c in cells if c.row == r.id) for r in row_cats},
        column_totals={k.id: sum(c.count or 0 for c in cells if c.column == k.id) for k in col_cats},
        total=sum(c.count or 0 for c in cells), rule=rule, exact=exact,
        row_dimension=row_dim.name, column_dimension=col_dim.name if col_dim else None,
    )


def _disclosure(viewer: Viewer, collection: Sequence[PracticeFacts], every: dict[str, Dimension], rule: Rule
                ) -> Disclosure:
    """Return the atomic populations of the viewer's whole collection, remembered per audience and rule."""
    seen = [Fact(f.id, f.host, {d.name: d.values_of(f) for d in every.values()}) for f in collection]
    splits = [Split(d.name, d.ordered) for d in every.values()]
    audience = (viewer.cache_key, rule, tuple(splits))
    return remembered_disclosure(audience, seen, lambda: Disclosure(seen, splits, rule))


def _cell(facts: Sequence[PracticeFacts], row_dim: Dimension, row: Category, col_dim: Dimension | None,
          column: Category | None, disclosure: Disclosure | None) -> StatCell:
    members = [f for f in facts if row.id in row_dim.values_of(f)
               and (col_dim is None or column is None or column.id in col_dim.values_of(f))]
    key = column.id if column else None
    if disclosure is None:
        return StatCell(row.id, key, len(members), False, len({f.host for f in members}))
    if disclosure.shown(f.id for f in members):
        return StatCell(row.id, key, len(members), False)
    return StatCell(row.id, key, None, True)


def _listed(row_dim: Dimension, col_dim: Dimension | None, facts: Sequence[PracticeFacts],
            cells: Sequence[StatCell], exact: bool) -> tuple[list[Category], list[Category]]:
    """Return the rows and columns to list: every vocabulary term; a year only where something in it is counted.

    Years come from the data, so a year with no counted cell is left out: listing it would say something is there.
    """
    def kept(dimension: Dimension, categories: list[Category], position: str) -> list[Category]:
        if not dimension.ordered or exact:
            return categories
        counted = {getattr(cell, position) for cell in cells if not cell.suppressed}
        return [c for c in categories if c.id in counted]

    row_cats = kept(row_dim, row_dim.categories(facts), "row")
    col_cats = kept(col_dim, col_dim.categories(facts), "column") if col_dim else []
    return row_cats, col_cats
