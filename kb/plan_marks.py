"""The practices a focal point marked 'adopt' or 'consider' for a plan item, read through the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from kb import audit
from kb.errors import NotFound
from kb.models import Mark, PlanItem, PlanItemPractice, Practice
from kb.plans import item_key, may_edit, plan_of_item
from kb.viewer import Viewer
from kb.visibility import visible_to


@dataclass(frozen=True)
class MarkedPractice:
    """A marked practice the viewer may see (an invisible one is never built)."""

    practice: Practice
    mark: Mark


def marks_for(session: Session, viewer: Viewer, item: PlanItem) -> list[MarkedPractice]:
    """Return the marks on an item whose practices the viewer may see now; others vanish, count and all."""
    rows = session.exec(
        select(Practice, PlanItemPractice.mark)
        .join(PlanItemPractice, col(PlanItemPractice.practice_id) == col(Practice.id))
        .where(PlanItemPractice.item_id == item.id, visible_to(viewer))
        .order_by(col(PlanItemPractice.marked_at), col(Practice.public_id))
    ).all()
    return [MarkedPractice(practice, Mark(mark)) for practice, mark in rows]


def _visible_practice(session: Session, viewer: Viewer, public_id: str) -> Practice:
    practice = session.exec(select(Practice).where(Practice.public_id == public_id, visible_to(viewer))).first()
    if practice is None:
        raise NotFound(f"no practice {public_id!r}")
    return practice


def mark_practice(session: Session, *, viewer: Viewer, item: PlanItem, public_id: str, mark: Mark,
                  actor: str) -> PlanItemPractice:
    """Mark a practice the viewer may see as 'adopt' or 'consider' for an item (a second mark replaces the first)."""
    may_edit(viewer, plan_of_item(session, item))
    practice = _visible_practice(session, viewer, public_id)
    row = session.get(PlanItemPractice, (item.id, practice.id))
    before = {"practice": practice.public_id, "mark": str(row.mark)} if row else None
    if row is None:
        row = PlanItemPractice(item_id=item.id or 0, practice_id=practice.id or 0, mark=mark, marked_by=actor)
    row.mark = mark
    row.marked_by = actor
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="plan_item.mark", object_type="plan_item",
                 object_id=item_key(session, item), before=before,
                 after={"practice": practice.public_id, "mark": str(mark)})
    return row


def unmark_practice(session: Session, *, viewer: Viewer, item: PlanItem, public_id: str, actor: str) -> None:
    """Remove a practice's mark from an item."""
    may_edit(viewer, plan_of_item(session, item))
    practice = _visible_practice(session, viewer, public_id)
    row = session.get(PlanItemPractice, (item.id, practice.id))
    if row is None:
        raise NotFound(f"practice {public_id!r} is not marked for this item")
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="plan_item.unmark", object_type="plan_item",
                 object_id=item_key(session, item), before={"practice": public_id, "mark": str(row.mark)})
