"""console world: the console platform's people, channels, access, pins and message counter

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_people",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "console_channels",
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )
    op.create_table(
        "console_access",
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["console_channels.channel"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel", "person"),
    )
    op.create_table(
        "console_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"],
            ["console_channels.channel"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_pins_channel", "console_pins", ["channel"], unique=False)
    op.create_table(
        "console_counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("console_counters")
    op.drop_index("ix_console_pins_channel", table_name="console_pins")
    op.drop_table("console_pins")
    op.drop_table("console_access")
    op.drop_table("console_channels")
    op.drop_table("console_people")
