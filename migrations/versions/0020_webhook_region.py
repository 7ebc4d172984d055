"""a webhook of a region: every hall of the region's subtree

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 02:10:00

`webhook.region_id` (nullable): a webhook with it receives the events of every hall in that
region's subtree, halls added or moved there later included. On SQLite the column is added by
`ALTER TABLE … ADD COLUMN … REFERENCES`, which keeps the table (and so every trigger that reads
it); a batch rebuild is needed only to drop it again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE webhook ADD COLUMN region_id INTEGER REFERENCES region (id)")
    else:
        op.add_column("webhook", sa.Column("region_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_webhook_region_id", "webhook", "region", ["region_id"], ["id"])
    op.create_index("ix_webhook_region_id", "webhook", ["region_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webhook_region_id", table_name="webhook")
    if op.get_bind().dialect.name == "sqlite":
        with (
            triggers.rebuilding("webhook", down_revision or ""),
            op.batch_alter_table("webhook") as batch,
        ):
            batch.drop_column("region_id")
    else:
        op.drop_constraint("fk_webhook_region_id", "webhook", type_="foreignkey")
        op.drop_column("webhook", "region_id")
