"""The statistics page: choose dimensions and filters, read the table (and its chart), download what is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from kb.queries import Filters
from kb.stat_dimensions import DIMENSIONS, dimensions
from kb.statistics import StatTable
from web.api.statistics import statistics_public
from web.pages.forms import SearchForm, SearchFormDep
from web.rendering import PageDep, url_with
from web.statistics import SUPPRESSED_LABEL, table_csv, table_for

router = APIRouter(tags=["pages"])


@dataclass(frozen=True)
class StatForm:
    """What a person asked of the statistics page: the dimensions, the filters and whether to preview."""

    rows: str
    columns: str | None
    search: SearchForm
    preview: bool

    def filters(self) -> Filters:
        return self.search.filters()

    def params(self, **changes: Any) -> list[tuple[str, Any]]:
        """Return the query parameters that reproduce this table (optionally changed)."""
        values = {"rows": self.rows, "columns": self.columns, "preview": "1" if self.preview else None, **changes}
        return [*values.items(), *self.search.params(keep_filters=True)[1:]]


def stat_form(
    search: SearchFormDep,
    rows: Annotated[str, Query(max_length=40)] = "topic",
    columns: Annotated[str, Query(max_length=40)] = "",
    preview: Annotated[str, Query(max_length=5)] = "",
) -> StatForm:
    """Read the statistics form from the query string."""
    return StatForm(rows=rows, columns=columns or None, search=search, preview=preview in ("1", "true", "on"))


StatFormDep = Annotated[StatForm, Depends(stat_form)]


def _grid(table: StatTable) -> list[dict[str, Any]]:
    """Return the table's rows with their cells in column order, for the template."""
    by_key = {(c.row, c.column): c for c in table.cells}
    keys: list[str | None] = [c.id for c in table.columns] if table.column_dimension else [None]
    return [{"category": row, "cells": [by_key[(row.id, k)] for k in keys], "total": table.row_totals[row.id]}
            for row in table.rows]


@router.get("/statistics", response_class=HTMLResponse, include_in_schema=False)
def statistics_page(page: PageDep, form: StatFormDep) -> HTMLResponse:
    """Show the table the viewer asked for, with a chart beside it and how cells are protected."""
    table = table_for(page.request, page.session, page.viewer, rows=form.rows, columns=form.columns,
                      filters=form.filters(), preview=form.preview)
    every = dimensions(page.vocabularies)
    labels = {name: every[name].label for name in DIMENSIONS}
    chart = statistics_public(table).model_dump()
    chart["labels"] = {"rows": labels[table.row_dimension],
                       "columns": labels[table.column_dimension] if table.column_dimension else None}
    return page.render("statistics.html", {
        "form": form, "table": table, "grid": _grid(table), "dimension_labels": labels, "chart": chart,
        "suppressed_label": SUPPRESSED_LABEL,
        "csv_url": url_with("/statistics.csv", form.params()),
        "preview_url": url_with("/statistics", form.params(preview="1")),
        "exact_url": url_with("/statistics", form.params(preview=None)),
    })


@router.get("/statistics.csv", include_in_schema=False)
def statistics_csv(page: PageDep, form: StatFormDep) -> Response:
    """Download exactly the table the page shows, as CSV."""
    table = table_for(page.request, page.session, page.viewer, rows=form.rows, columns=form.columns,
                      filters=form.filters(), preview=form.preview)
    name = f"statistics-{table.row_dimension}" + (f"-by-{table.column_dimension}" if table.column_dimension else "")
    return Response(table_csv(table), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
