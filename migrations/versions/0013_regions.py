"""regions: a tree of regions, a branch's region_id, users' regions, inspections

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:30:00

Every distinct free-text `branch.region` becomes a top-level region of that name, and its
branches point at it, so managers and statistics keep their halls after the upgrade.
On SQLite the column is added in place (`ALTER TABLE … ADD COLUMN … REFERENCES`), not by a
batch rebuild, which would drop the branch's triggers (migrations/triggers.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import triggers

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["region.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_region_parent_id", "region", ["parent_id"], unique=False)
    op.create_table(
        "user_region",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id", "region_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE branch ADD COLUMN region_id INTEGER REFERENCES region (id)")
    else:
        op.add_column("branch", sa.Column("region_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_branch_region_id", "branch", "region", ["region_id"], ["id"])
    op.create_index("ix_branch_region_id", "branch", ["region_id"], unique=False)
    _regions_from_names()
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inspector_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["inspector_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inspection_branch_date", "inspection", ["branch_id", "date"])


def _regions_from_names() -> None:
    bind = op.get_bind()
    names = bind.execute(
        sa.text("SELECT DISTINCT region FROM branch WHERE region IS NOT NULL AND region <> ''")
    ).scalars()
    region = sa.table(
        "region", sa.column("id", sa.Integer), sa.column("name"), sa.column("settings", sa.JSON)
    )
    for name in sorted(names):
        region_id = bind.execute(
            sa.insert(region).values(name=name, settings={}).returning(region.c.id)
        ).scalar_one()
        bind.execute(
            sa.text("UPDATE branch SET region_id = :id WHERE region = :name"),
            {"id": region_id, "name": name},
        )


def downgrade() -> None:
    op.drop_index("ix_inspection_branch_date", table_name="inspection")
    op.drop_table("inspection")
    op.drop_index("ix_branch_region_id", table_name="branch")
    if op.get_bind().dialect.name == "sqlite":
        with (
            triggers.rebuilding("branch", down_revision or ""),
            op.batch_alter_table("branch") as batch,
        ):
            batch.drop_column("region_id")
    else:
        op.drop_constraint("fk_branch_region_id", "branch", type_="foreignkey")
        op.drop_column("branch", "region_id")
    op.drop_table("user_region")
    op.drop_index("ix_region_parent_id", table_name="region")
    op.drop_table("region")
