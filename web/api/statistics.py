"""Statistics: counts by one or two dimensions over what the caller may see, with disclosure control."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from kb.models import Kind
from kb.queries import Filters
from kb.statistics import StatTable
from web.deps import SessionDep, ViewerDep
from web.statistics import table_for

router = APIRouter(tags=["statistics"])


class CategoryPublic(BaseModel):
    id: str
    label: str


class CellPublic(BaseModel):
    row: str
    column: str | None
    count: int | None = Field(description="None when suppressed")
    suppressed: bool
    states: int | None = Field(default=None, description="How many host states contribute (secretariat only)")


class RulePublic(BaseModel):
    min_states: int
    max_share: float


class StatisticsResponse(BaseModel):
    """A table; totals add up the shown cells only, so a suppressed cell cannot be recovered from them."""

    rows: list[CategoryPublic]
    columns: list[CategoryPublic]
    cells: list[CellPublic]
    row_totals: dict[str, int]
    column_totals: dict[str, int]
    total: int
    rule: RulePublic
    exact: bool = Field(description="True for the secretariat's exact counts (no disclosure control)")


def statistics_public(table: StatTable) -> StatisticsResponse:
    """Return the response model of a table."""
    return StatisticsResponse(
        rows=[CategoryPublic(id=c.id, label=c.label) for c in table.rows],
        columns=[CategoryPublic(id=c.id, label=c.label) for c in table.columns],
        cells=[CellPublic(row=c.row, column=c.column, count=c.count, suppressed=c.suppressed, states=c.states)
               for c in table.cells],
        row_totals=table.row_totals, column_totals=table.column_totals, total=table.total,
        rule=RulePublic(min_states=table.rule.min_states, max_share=table.rule.max_share), exact=table.exact,
    )


@router.get("/statistics", response_model=StatisticsResponse)
def get_statistics(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    rows: Annotated[str, Query(description="Dimension of the rows: topic_group, topic, sector, domain, kind, "
                                           "source_type or year")] = "topic",
    columns: Annotated[str | None, Query(description="Dimension of the columns (leave out for one)")] = None,
    domain: Annotated[list[str], Query()] = [],
    sector: Annotated[list[str], Query()] = [],
    topic: Annotated[list[str], Query()] = [],
    kind: Annotated[list[Kind], Query()] = [],
    host_state: Annotated[list[str], Query(max_length=2)] = [],
    year_from: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    preview: Annotated[bool, Query(description="Secretariat: show what the public sees instead")] = False,
) -> StatisticsResponse:
    """Count the practices the caller may see by one or two dimensions; cells too few states share are hidden."""
    filters = Filters(domain=tuple(domain), sector=tuple(sector), topic=tuple(topic),
                      kind=tuple(k.value for k in kind), host_state=tuple(h.upper() for h in host_state),
                      year_from=year_from, year_to=year_to)
    table = table_for(request, session, viewer, rows=rows, columns=columns or None, filters=filters,
                      preview=preview)
    return statistics_public(table)
