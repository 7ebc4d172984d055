"""statistics rollup of closed days, months and years, forgotten by triggers on change

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00

The triggers delete the rollup rows of a ticket's (hall, business date) — the day, its month
and its year — whenever the ticket is inserted, updated or deleted, or one of the events
statistics read (issue, call, transfer, requeue) is inserted or deleted; and every rollup row of
a hall when a service's target wait or the hall's timezone changes (both change past figures).
Each is a few index look-ups on `stats_rollup`'s primary key, which finds nothing for today.
The triggers' DDL is in migrations/triggers.py, with every other trigger: a later migration
that rebuilds `ticket`, `ticket_event`, `service` or `branch` in SQLite batch mode drops their
triggers, and must create them again (`triggers.recreate_triggers`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_rollup",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=5), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("group_key", sa.Integer(), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("served", sa.Integer(), nullable=False),
        sa.Column("no_show", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("called", sa.Integer(), nullable=False),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.Column("wait_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("wait_max_ms", sa.BigInteger(), nullable=True),
        sa.Column("service_n", sa.Integer(), nullable=False),
        sa.Column("service_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("rating_n", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("wait_hist", sa.LargeBinary(), nullable=True),
        sa.Column("service_hist", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.PrimaryKeyConstraint("branch_id", "period", "first_day", "dimension", "group_key"),
    )
    op.create_index(
        "ix_stats_rollup_marker", "stats_rollup", ["branch_id", "dimension", "period", "first_day"]
    )
    triggers.create(revision)


def downgrade() -> None:
    triggers.drop(revision)
    op.drop_index("ix_stats_rollup_marker", table_name="stats_rollup")
    op.drop_table("stats_rollup")
