"""where the audit trail's sealer stands in each hall's events (PostgreSQL)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 22:00:00

`audit_sealed`: on PostgreSQL too the stream events now join the audit chain after their
commit, in batches (server/audit/trail.py `seal`), rather than in their own transaction, where
every transaction of the installation queued for the chain's head row. Ids are not in commit
order there, a hall's seqs are: the sealer keeps, per hall, the seq of its last event in the
chain. Every event stored before this migration is already in the chain (its commit appended
it), so each hall starts at its `last_seq`. SQLite's sealer keeps using
`audit_head.sealed_event_id` and never reads the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_sealed",
        sa.Column("branch_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("branch_id"),
    )
    if op.get_bind().dialect.name != "sqlite":
        op.execute("INSERT INTO audit_sealed (branch_id, seq) SELECT id, last_seq FROM branch")


def downgrade() -> None:
    # Events not sealed yet would be left out of the chain for good: seal them first
    # (`hallq audit verify` does), then downgrade.
    op.drop_table("audit_sealed")
