"""the wait estimates given at issue, kept on the ticket

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:00:00

`ticket.issue_estimate_s` is the estimated wait hallq gave when the ticket was issued (printed,
shown on the kiosk and the mobile page); `ticket.naive_estimate_s` is the naive one at the same
moment (people ahead × the service's mean service time ÷ open counters serving it). Both are
null when no counter serving the service was open (no estimate is given then). Compared with
the wait that followed (`called_at` − `issued_at`), they give `GET /api/v1/stats/estimates`.
Tickets issued before this migration have neither, and are left out of that report.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("issue_estimate_s", "naive_estimate_s")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("ticket", sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with (
        triggers.rebuilding("ticket", down_revision or ""),
        op.batch_alter_table("ticket") as batch,
    ):
        for name in reversed(COLUMNS):
            batch.drop_column(name)
