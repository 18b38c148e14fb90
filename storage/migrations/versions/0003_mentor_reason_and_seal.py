"""mentor phase-out: a reason on audit events, a seal key on anonymous consults

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.drop_column("seal_key")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("reason")
