"""saved searches, followed topics and decision notices; what each announced; the delivery log; alert profiles

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime
NOTICE = "kind IN ('awaiting_decision', 'host_decided')"


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", S(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", S(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("last_delivered_at", WHEN(), nullable=True),
        sa.Column("seen_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_public_id", "alert", ["public_id"], unique=True)
    op.create_index("ix_alert_user_id", "alert", ["user_id"])
    op.create_index("uq_alert_notice", "alert", ["user_id", "kind"], unique=True,
                    sqlite_where=sa.text(NOTICE), postgresql_where=sa.text(NOTICE))
    op.create_table(
        "alert_announced",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "practice_id"),
    )
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", S(length=320), nullable=False),
        sa.Column("alert_name", S(length=200), nullable=False),
        sa.Column("practices", sa.JSON(), nullable=False),
        sa.Column("at", WHEN(), nullable=False),
        sa.Column("result", S(length=16), nullable=False),
        sa.Column("detail", S(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_delivery_alert_id", "alert_delivery", ["alert_id"])
    op.create_index("ix_alert_delivery_user_id", "alert_delivery", ["user_id"])
    op.create_index("ix_alert_delivery_at", "alert_delivery", ["at"])
    op.create_table(
        "alert_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", S(length=320), nullable=False),
        sa.Column("feed_key", S(length=64), nullable=True),
        sa.Column("decision_notices", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_alert_profile_feed_key", "alert_profile", ["feed_key"], unique=True)


def downgrade() -> None:
    op.drop_table("alert_profile")
    op.drop_table("alert_delivery")
    op.drop_table("alert_announced")
    op.drop_table("alert")
