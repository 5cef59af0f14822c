"""Statistics for pages and the API alike: the table for one request, and its CSV of exactly what is shown."""

from __future__ import annotations

import csv
import io

from fastapi import Request
from sqlmodel import Session

from kb.disclosure import Rule
from kb.queries import Filters
from kb.statistics import StatTable, statistics_table
from kb.viewer import Viewer

SUPPRESSED_LABEL = "hidden"  # never why: the reason would say something about the cell


def disclosure_rule(request: Request) -> Rule:
    """Return the disclosure-control rule from the app's settings."""
    settings = request.app.state.settings
    return Rule(min_states=settings.stat_min_states, max_share=settings.stat_max_share)


def table_for(request: Request, session: Session, viewer: Viewer, *, rows: str, columns: str | None,
              filters: Filters, preview: bool) -> StatTable:
    """Return the statistics table this request asks for, as this viewer may have it."""
    return statistics_table(session, viewer, rows=rows, columns=columns, filters=filters,
                            vocabularies=request.app.state.search.vocabularies, rule=disclosure_rule(request),
                            preview=preview)


def table_csv(table: StatTable) -> str:
    """Return the table as CSV: the cells as shown (suppressed ones say so), then the totals over shown cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    hidden = SUPPRESSED_LABEL
    by_key = {(c.row, c.column): c for c in table.cells}
    columns = table.columns or []
    head = [table.row_dimension] + ([c.label for c in columns] if columns else ["count"]) + ["total of shown"]
    writer.writerow(head)
    for row in table.rows:
        keys = [(row.id, c.id) for c in columns] if columns else [(row.id, None)]
        shown = [hidden if by_key[k].suppressed else by_key[k].count for k in keys]
        writer.writerow([row.label, *shown, table.row_totals[row.id]])
    if columns:
        writer.writerow(["total of shown", *(table.column_totals[c.id] for c in columns), table.total])
    else:
        writer.writerow(["total of shown", table.total, table.total])
    return out.getvalue()
