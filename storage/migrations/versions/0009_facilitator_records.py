"""records a facilitator can trust: pause, archive, reconvening, rsvp maybe, reminder mutes,
sessions that gather who is here

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circles") as t:
        t.add_column(sa.Column("paused_until", storage.types.UTCDateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("archived_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("reconvene_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("schedule_exceptions") as t:
        t.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("rsvps") as t:
        t.add_column(sa.Column("maybe", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("circle_sessions") as t:
        t.add_column(
            sa.Column("gathering", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "reminder_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("circle_id", "occurrence", "user_id", name="uq_reminder_mute"),
    )


def downgrade() -> None:
    op.drop_table("reminder_mutes")
    with op.batch_alter_table("circle_sessions") as t:
        t.drop_column("gathering")
    with op.batch_alter_table("rsvps") as t:
        t.drop_column("maybe")
    with op.batch_alter_table("schedule_exceptions") as t:
        t.drop_column("paused")
    with op.batch_alter_table("circles") as t:
        t.drop_column("reconvene_at")
        t.drop_column("archived_at")
        t.drop_column("paused_until")
