"""number tickets per issuing service, so a transfer to another service keeps its number

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_service_id", sa.Integer(), nullable=True))
    op.execute("UPDATE ticket SET issued_service_id = service_id")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.alter_column("issued_service_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_ticket_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_ticket_issued_number", ["issued_service_id", "business_date", "daily_seq"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ticket_issued_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_ticket_number", ["service_id", "business_date", "daily_seq"]
        )
        batch_op.drop_column("issued_service_id")
