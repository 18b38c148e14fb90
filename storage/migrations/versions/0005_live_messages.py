"""live messages: the talking-piece message of a running session is edited in place

Revision ID: 0005_live
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_live"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circle_sessions") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("circle_sessions") as batch:
        batch.drop_column("message_id")
