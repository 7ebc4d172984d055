"""index the recent finished tickets of a service (the wait estimate on every issue)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_finished", "ticket", ["service_id", "state", "finished_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_finished", table_name="ticket")
