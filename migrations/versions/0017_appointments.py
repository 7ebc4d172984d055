"""appointments: bookings per slot, the service's capacity, the slot on a checked-in ticket

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:10:00

`appointment` holds the bookings. `live_code` is the check-in code while the booking is
`booked` and null afterwards: the unique index over (branch_id, live_code) keeps the codes of a
hall's live bookings apart, and lets an old code come round again once its booking is over.
`service.appointment_capacity` is the bookings per slot (0: not bookable). A ticket issued at
check-in keeps its slot's start in `ticket.appointment_start`, for the counter page and the
printed ticket (no look-up of the booking on every ticket).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "service",
        sa.Column("appointment_capacity", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("ticket", sa.Column("appointment_start", sa.DateTime(timezone=True)))
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("live_code", sa.String(length=16), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id", name="uq_appointment_public_id"),
        sa.UniqueConstraint("branch_id", "live_code", name="uq_appointment_live_code"),
    )
    op.create_index("ix_appointment_slot", "appointment", ["service_id", "start", "state"])
    op.create_index(
        "ix_appointment_branch_date", "appointment", ["branch_id", "business_date", "state"]
    )
    op.create_index("ix_appointment_code", "appointment", ["branch_id", "code"])
    op.create_index("ix_appointment_phone", "appointment", ["phone", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_appointment_phone", table_name="appointment")
    op.drop_index("ix_appointment_code", table_name="appointment")
    op.drop_index("ix_appointment_branch_date", table_name="appointment")
    op.drop_index("ix_appointment_slot", table_name="appointment")
    op.drop_table("appointment")
    with (
        triggers.rebuilding("ticket", down_revision or ""),
        op.batch_alter_table("ticket") as batch,
    ):
        batch.drop_column("appointment_start")
    with (
        triggers.rebuilding("service", down_revision or ""),
        op.batch_alter_table("service") as batch,
    ):
        batch.drop_column("appointment_capacity")
