"""an administrator's password reset that forces a new password at the next sign-in

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:45:00

- user: must_change_password, set by a reset and cleared when the person chooses their own password.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
