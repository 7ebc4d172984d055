"""service time limit (max_service_min) and the appraisal's figures in the statistics rollup

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:50:00

`service.max_service_min` is the time limit of one service (限时办结; null: none). The rollup
gains what the clerk appraisal reads: low ratings, services over their limit, and the time at
the counter (open, paused, idle). Rows built before have none of these, so they are deleted
(the server builds them again). A change of a limit forgets the hall's rollup, as a change of a
target does (trigger in migrations/triggers.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUP_COLUMNS = (
    ("rating_low", sa.Integer()), ("over_limit", sa.Integer()), ("open_ms", sa.BigInteger()),
    ("paused_ms", sa.BigInteger()), ("idle_ms", sa.BigInteger()),
)  # fmt: skip


def upgrade() -> None:
    op.add_column("service", sa.Column("max_service_min", sa.Integer(), nullable=True))
    op.execute("DELETE FROM stats_rollup")
    for name, type_ in ROLLUP_COLUMNS:
        op.add_column("stats_rollup", sa.Column(name, type_, nullable=False, server_default="0"))
    triggers.create(revision)


def downgrade() -> None:
    triggers.drop(revision)
    op.execute("DELETE FROM stats_rollup")
    for name, _ in reversed(ROLLUP_COLUMNS):
        with (
            triggers.rebuilding("stats_rollup", down_revision or ""),
            op.batch_alter_table("stats_rollup") as batch,
        ):
            batch.drop_column(name)
    with (
        triggers.rebuilding("service", down_revision or ""),
        op.batch_alter_table("service") as batch,
    ):
        batch.drop_column("max_service_min")
