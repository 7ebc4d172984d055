"""service.priority: every ticket of a priority service is a priority ticket

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:00:00

A hall's "priority" service (elderly, disabled) was only a name: its tickets queued as normal
tickets, so a V ticket waited behind every older A ticket at a counter serving both. With the
flag its tickets are issued with the priority class, and the bounded boost and the interleave
apply to them (docs/decisions.md, "Priority services").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a batch operation on SQLite drops the service table's triggers: `rebuilding` keeps them
    with triggers.rebuilding("service", revision), op.batch_alter_table("service") as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with (
        triggers.rebuilding("service", str(down_revision)),
        op.batch_alter_table("service") as batch_op,
    ):
        batch_op.drop_column("priority")
