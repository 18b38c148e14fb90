"""delivery workspace: each ledger row names its circle's platform and workspace

A dispatcher takes only the rows of the workspaces it serves (a Discord token's guilds). With
these columns its claim reads the due index alone instead of joining circles, whose plan on
PostgreSQL depended on the statistics: on a freshly filled database the join went quadratic
(a 20 s ``next_due`` over 26,000 rows).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("workspace_id", sa.String(length=64), nullable=True))
    # A circle never changes workspace, so the copy cannot go stale.
    for column in ("platform", "workspace_id"):
        op.execute(
            f"UPDATE deliveries SET {column} = "
            f"(SELECT circles.{column} FROM circles WHERE circles.id = deliveries.circle_id)"
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("workspace_id", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("workspace_id")
        batch.drop_column("platform")
