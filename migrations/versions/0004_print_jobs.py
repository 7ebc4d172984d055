"""print jobs, and each kiosk's last printer status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["kiosk_id"], ["device.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_print_job_kiosk_state", "print_job", ["kiosk_id", "state"])
    op.create_index("ix_print_job_ticket_id", "print_job", ["ticket_id"])
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("printer_online", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("printer_paper", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("printer_detail", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("printer_reported_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        for column in ("printer_reported_at", "printer_detail", "printer_paper", "printer_online"):
            batch_op.drop_column(column)
    op.drop_index("ix_print_job_ticket_id", table_name="print_job")
    op.drop_index("ix_print_job_kiosk_state", table_name="print_job")
    op.drop_table("print_job")
