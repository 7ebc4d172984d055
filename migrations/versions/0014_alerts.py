"""alerts: alert rows, the evaluator's lease, devices' last-seen times

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("cleared_at IS NULL")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branch.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_alert_active", "alert", ["branch_id", "kind", "key"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )  # fmt: skip
    op.create_index("ix_alert_branch_raised", "alert", ["branch_id", "raised_at"])
    op.create_table(
        "alert_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    lease = sa.table(
        "alert_lease", sa.column("name"), sa.column("holder"),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    # Expired from the start: the first server to evaluate takes it.
    op.bulk_insert(lease, [{"name": "alerts", "holder": "", "expires_at": EPOCH}])
    op.create_table(
        "device_seen",
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("device.id"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_seen")
    op.drop_table("alert_lease")
    op.drop_index("ix_alert_branch_raised", table_name="alert")
    op.drop_index("uq_alert_active", table_name="alert")
    op.drop_table("alert")
