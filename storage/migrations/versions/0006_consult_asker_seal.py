"""anonymous consults: the asker sealed under the server secret; undelivered requests; the
Slack replay cache

The per-request ``seal_key`` (which opened the seal carried in the mentor's button) goes: a
mentor who held the button and anyone with the database could unseal the asker together. Open
requests sealed the old way can no longer reach their asker; they stay as plain records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.drop_column("seal_key")
        batch_op.add_column(sa.Column("asker_seal", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("delivered", sa.Boolean(), nullable=False, server_default=sa.true())
        )


    op.create_table(
        "slack_requests_seen",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("slack_requests_seen", schema=None) as batch_op:
        batch_op.create_index("ix_slack_request_seen_at", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("slack_requests_seen")
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.drop_column("delivered")
        batch_op.drop_column("asker_seal")
        batch_op.add_column(sa.Column("seal_key", sa.String(length=64), nullable=True))
