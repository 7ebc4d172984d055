"""service_day.waiting: tickets waiting in each service queue of a day, kept by triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:00:00

A newly issued ticket's position is "everyone waiting in its queue, less those ordered after
it" (normally none). Counting the waiting tickets on every issue grew with the queue (~0.3 ms
per 2,000 waiting on SQLite); the count kept here is read with the day's numbering row. Triggers
keep it in the same transaction as every change to a ticket, whatever code or tool makes it
(their DDL: migrations/triggers.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "service_day", sa.Column("waiting", sa.Integer(), nullable=False, server_default="0")
    )
    # Queues that exist now, including a day a service issued nothing but received transfers.
    op.execute(
        "INSERT INTO service_day (service_id, business_date, issued, waiting) "
        "SELECT DISTINCT service_id, business_date, 0, 0 FROM ticket t WHERE state = 'waiting' "
        "AND NOT EXISTS (SELECT 1 FROM service_day d WHERE d.service_id = t.service_id "
        "AND d.business_date = t.business_date)"
    )
    op.execute(
        "UPDATE service_day SET waiting = (SELECT count(*) FROM ticket t "
        "WHERE t.service_id = service_day.service_id "
        "AND t.business_date = service_day.business_date AND t.state = 'waiting')"
    )
    triggers.create(revision)


def downgrade() -> None:
    triggers.drop(revision)
    op.drop_column("service_day", "waiting")
