"""Stored events lose the customer's key: ticket.* public_id, print.* public_url

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:00:00

Events never carry a ticket's public_id (API.md, "Limits and privacy"); those stored before
would still be replayed to every display and kiosk that reconnects with `since`. Their key is
set to null where it is stored, on SQLite and on PostgreSQL alike. Nothing restores it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE ticket_event SET data = json_set(data, '$.public_id', NULL) "
            "WHERE type LIKE 'ticket.%' AND json_extract(data, '$.public_id') IS NOT NULL"
        )
        op.execute(
            "UPDATE ticket_event SET data = json_set(data, '$.job.public_url', NULL, "
            "'$.job.ticket.public_id', NULL) "
            "WHERE type LIKE 'print.%' AND json_extract(data, '$.job.public_url') IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE ticket_event SET data = jsonb_set(data::jsonb, '{public_id}', 'null')::json "
            "WHERE type LIKE 'ticket.%' AND data->>'public_id' IS NOT NULL"
        )
        op.execute(
            "UPDATE ticket_event SET data = jsonb_set(jsonb_set(data::jsonb, '{job,public_url}', "
            "'null'), '{job,ticket,public_id}', 'null')::json "
            "WHERE type LIKE 'print.%' AND data->'job'->>'public_url' IS NOT NULL"
        )


def downgrade() -> None:
    """Nothing to undo: the keys are gone for good."""
