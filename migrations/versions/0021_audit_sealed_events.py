"""where the audit trail's sealer stands in the event log

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:00:00

`audit_head.sealed_event_id`: on SQLite the stream events are added to the audit chain after
their commit, in batches, by the sealer (server/audit/trail.py `seal`), which takes the
`ticket_event` rows after this id. Every event stored before this migration is already in the
chain (the commit appended it), so the column starts at the last event's id. PostgreSQL keeps
appending the events in their own transaction and never reads it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "audit_head",
        sa.Column("sealed_event_id", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE audit_head SET sealed_event_id = "
        "(SELECT coalesce(max(id), 0) FROM ticket_event)"
    )


def downgrade() -> None:
    # Events not sealed yet would be left out of the chain for good: seal them first
    # (`hallq audit verify` does), then downgrade.
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("sealed_event_id")
