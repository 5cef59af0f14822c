"""A plan as CSV: the same projection as the page, so nothing the viewer may not see can reach the file."""

from __future__ import annotations

import csv
import io

from kb.plan_schemas import PlanPublic
from web.exports import spreadsheet_safe

COLUMNS = ("item", "functional_area", "description", "priority", "responsible", "due", "overdue", "status",
           "status_source", "assistance_requested", "assistance_from", "notes", "from_finding", "finding", "adopt",
           "consider")


def plan_csv(plan: PlanPublic) -> str:
    """Return one row per item of the plan's version, marks as the practices' opaque ids and titles.

    Every cell is guarded against formula injection as in the search export: the text is the state's own.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in plan.version.items:
        marked = {mark: "; ".join(f"{m.practice.id} {m.practice.title}" for m in item.marks if m.mark == mark)
                  for mark in ("adopt", "consider")}
        row = [item.id, item.functional_area, item.description, item.priority, item.responsible,
               item.due.isoformat() if item.due else "", item.overdue, item.status, item.status_source,
               item.assistance_requested, item.assistance_from, item.notes, item.from_finding,
               item.finding or "", marked["adopt"], marked["consider"]]
        writer.writerow(["" if value is None else spreadsheet_safe(str(value)) for value in row])
    return out.getvalue()
