"""practice.submitted_at: when an entry last became pending its host's decision, backfilled from the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:55:00
"""

from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def _status(snapshot: object) -> object:
    return snapshot.get("status") if isinstance(snapshot, dict) else None


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(sa.Column("submitted_at", WHEN(), nullable=True))
    bind = op.get_bind()
    practice = sa.table("practice", sa.column("id", sa.Integer()), sa.column("external_id", sa.String()),
                        sa.column("status", sa.String()), sa.column("created_at", WHEN()),
                        sa.column("submitted_at", WHEN()))
    event = sa.table("audit_event", sa.column("id", sa.Integer()), sa.column("at", WHEN()),
                     sa.column("object_type", sa.String()), sa.column("object_id", sa.String()),
                     sa.column("before", sa.JSON()), sa.column("after", sa.JSON()))
    # The last time each practice's audited status moved to pending (a record added as pending counts).
    submitted: dict[str, datetime] = {}
    rows = bind.execute(sa.select(event.c.object_id, event.c.at, event.c.before, event.c.after)
                        .where(event.c.object_type == "practice").order_by(event.c.id))
    for object_id, at, before, after in rows:
        if _status(after) == "pending" and _status(before) != "pending":
            submitted[object_id] = at
    for row_id, external_id, status, created_at in bind.execute(
            sa.select(practice.c.id, practice.c.external_id, practice.c.status, practice.c.created_at)):
        when = submitted.get(external_id, created_at if status == "pending" else None)
        if when is not None:
            bind.execute(practice.update().where(practice.c.id == row_id).values(submitted_at=when))


def downgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("submitted_at")
