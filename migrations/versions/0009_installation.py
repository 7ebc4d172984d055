"""installation: the database's identity (a random id made at its first start)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:00:00

The row is made by the server when it starts (server/core/installation.py), not here: a
database copied from a migrated template or a backup before its first start would otherwise
share one identity with another database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("installation")
