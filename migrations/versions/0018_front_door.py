"""front door: a staff note on a ticket, and the end-of-day close-out counted in the rollup

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:20:00

`ticket.note` (at most 200 characters) is what reception staff write for the clerks, and
`ticket.priority_reason` why they gave the customer priority (shown to staff only, never to
public callers, displays or the mobile page). `stats_rollup.day_closed`
counts the tickets the end-of-day close-out cancelled (outcome `day_closed`), apart from the
customers' cancellations. No ticket had that outcome before, so the rows built already stay
right (their `day_closed` is 0).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ticket", sa.Column("note", sa.String(length=200), nullable=True))
    op.add_column("ticket", sa.Column("priority_reason", sa.String(length=100), nullable=True))
    op.add_column(
        "stats_rollup", sa.Column("day_closed", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.execute("DELETE FROM stats_rollup")
    with (
        triggers.rebuilding("stats_rollup", down_revision or ""),
        op.batch_alter_table("stats_rollup") as batch,
    ):
        batch.drop_column("day_closed")
    with (
        triggers.rebuilding("ticket", down_revision or ""),
        op.batch_alter_table("ticket") as batch,
    ):
        batch.drop_column("priority_reason")
        batch.drop_column("note")
