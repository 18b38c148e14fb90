"""live messages: the talking-piece message of a running session and the pinned schedule
message are edited in place

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circle_sessions") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("card_message_id", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("card_next", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("card_next")
        batch.drop_column("card_message_id")
    with op.batch_alter_table("circle_sessions") as batch:
        batch.drop_column("message_id")
