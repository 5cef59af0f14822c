"""consent that cannot be duplicated or overridden; opaque practice ids; redacted passages; server-side sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:30:00

- authorisation: at most one in force per practice (a partial unique index, after repairing duplicates by keeping
  the latest); the kind of decision (grant or refusal) as a column instead of a note; who entered each decision
  and through what (portal, API, a file and its line), apart from on whose authority (granted_by).
- practice: an opaque public id (random, shown in URLs and the API) and a decision version that serialises and
  checks concurrent decisions.
- passage: the variant (raw, or redacted for outsiders of an anonymous entry) and the digest of the identifying
  terms a redacted passage was made with.
- user_session: server-side sessions, so that sign-out and account changes end them.
"""

import secrets

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

IN_FORCE = "withdrawn_at IS NULL AND superseded_at IS NULL"
PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def _public_id() -> str:
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(12))


def upgrade() -> None:
    connection = op.get_bind()
    _repair_duplicate_decisions(connection)

    with op.batch_alter_table("authorisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default="grant"))
        batch_op.add_column(sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("entered_via", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_entered_by", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("withdrawal_entered_via", sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=True))
    connection.execute(sa.text("UPDATE authorisation SET decision = 'refusal', note = '' WHERE note = 'refused'"))
    connection.execute(sa.text("UPDATE authorisation SET entered_at = granted_at, entered_via = 'before 0002'"))
    with op.batch_alter_table("authorisation", schema=None) as batch_op:
        batch_op.alter_column("entered_at", nullable=False)
        batch_op.create_index("uq_authorisation_in_force", ["practice_id"], unique=True,
                              sqlite_where=sa.text(IN_FORCE), postgresql_where=sa.text(IN_FORCE))

    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("decision_version", sa.Integer(), nullable=False, server_default="0"))
    used: set[str] = set()
    for (practice_id,) in connection.execute(sa.text("SELECT id FROM practice")).all():
        public_id = _public_id()
        while public_id in used:
            public_id = _public_id()
        used.add(public_id)
        connection.execute(sa.text("UPDATE practice SET public_id = :public_id WHERE id = :id"),
                           {"public_id": public_id, "id": practice_id})
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.alter_column("public_id", nullable=False)
        batch_op.create_index(batch_op.f("ix_practice_public_id"), ["public_id"], unique=True)

    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default="raw"))
        batch_op.add_column(sa.Column("terms_digest", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=""))
        batch_op.drop_constraint("uq_passage_position", type_="unique")
        batch_op.create_unique_constraint("uq_passage_position", ["practice_id", "variant", "position"])

    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ended_reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                  server_default=""),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)


def _repair_duplicate_decisions(connection: sa.engine.Connection) -> None:
    """Where a race left several authorisations in force on one practice, keep the latest; supersede the rest."""
    rows = connection.execute(sa.text(
        f"SELECT id, practice_id, granted_at FROM authorisation WHERE {IN_FORCE} "
        "ORDER BY practice_id, granted_at DESC, id DESC"
    )).all()
    kept: dict[int, object] = {}
    for authorisation_id, practice_id, granted_at in rows:
        if practice_id not in kept:
            kept[practice_id] = granted_at
            continue
        connection.execute(sa.text("UPDATE authorisation SET superseded_at = :at WHERE id = :id"),
                           {"at": kept[practice_id], "id": authorisation_id})


def downgrade() -> None:
    op.get_bind().execute(sa.text("UPDATE authorisation SET note = 'refused' WHERE decision = 'refusal'"))
    op.drop_table("user_session")
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.drop_constraint("uq_passage_position", type_="unique")
        batch_op.create_unique_constraint("uq_passage_position", ["practice_id", "position"])
        batch_op.drop_column("terms_digest")
        batch_op.drop_column("variant")
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_public_id"))
        batch_op.drop_column("decision_version")
        batch_op.drop_column("public_id")
    with op.batch_alter_table("authorisation", schema=None) as batch_op:
        batch_op.drop_index("uq_authorisation_in_force")
        batch_op.drop_column("withdrawal_entered_via")
        batch_op.drop_column("withdrawal_entered_by")
        batch_op.drop_column("entered_at")
        batch_op.drop_column("entered_via")
        batch_op.drop_column("entered_by")
        batch_op.drop_column("decision")
