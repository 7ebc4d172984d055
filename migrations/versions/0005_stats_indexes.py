"""statistics: tickets by branch and business date, transfer/requeue events by branch and time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ticket_branch_date", "ticket", ["branch_id", "business_date"])
    op.create_index("ix_ticket_event_branch_type_ts", "ticket_event", ["branch_id", "type", "ts"])


def downgrade() -> None:
    op.drop_index("ix_ticket_event_branch_type_ts", table_name="ticket_event")
    op.drop_index("ix_ticket_branch_date", table_name="ticket")
