"""audit trail: hash-chained audit records and the chain's head

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:40:00

The ticket events stored so far become the trail's first records, in id order, chained as
server/audit/domain.py does it (the form is repeated here: a migration must not change when
the code does).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
CUSTOMER_EVENTS = ("ticket.rated", "ticket.cancelled", "ticket.issued")


def _ts(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(id_: int, e: Any) -> dict[str, Any]:
    data = e.data if isinstance(e.data, dict) else json.loads(e.data or "{}")
    actor = (
        "user" if e.user_id is not None else "device" if e.device_id is not None
        else "customer" if e.type in CUSTOMER_EVENTS else "system"
    )  # fmt: skip
    subject = (
        f"ticket:{e.ticket_id}" if e.ticket_id is not None
        else f"counter:{e.counter_id}" if e.counter_id is not None else f"branch:{e.branch_id}"
    )  # fmt: skip
    payload = {"seq": e.seq, "ticket_id": e.ticket_id, "counter_id": e.counter_id, "event": data}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)  # fmt: skip
    ts = e.ts.replace(tzinfo=UTC) if e.ts.tzinfo is None else e.ts
    return {"id": id_, "ts": ts, "kind": e.type[:40], "actor": actor, "actor_name": None,
            "user_id": e.user_id, "device_id": e.device_id, "branch_id": e.branch_id,
            "subject": subject, "data": text}  # fmt: skip


def upgrade() -> None:
    record = op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_branch_id", "audit_record", ["branch_id", "id"])
    op.create_index("ix_audit_ts", "audit_record", ["ts"])
    op.create_index("ix_audit_subject", "audit_record", ["subject"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=False),
        sa.Column("base_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    last_id, last_hash = _backfill(record)
    op.bulk_insert(head, [{"id": 1, "last_id": last_id, "last_hash": last_hash, "base_id": 0,
                           "base_hash": GENESIS}])  # fmt: skip


def _backfill(record: sa.Table) -> tuple[int, str]:
    bind = op.get_bind()
    events = sa.table(
        "ticket_event", *(sa.column(n) for n in ("id", "branch_id", "seq", "type",
                          "ticket_id", "counter_id", "user_id", "device_id")),
        sa.column("ts", sa.DateTime(timezone=True)), sa.column("data", sa.JSON()),
    )  # fmt: skip
    last_id, last_hash, after = 0, GENESIS, 0
    while True:
        batch = bind.execute(
            sa.select(events).where(events.c.id > after).order_by(events.c.id).limit(5000)
        ).all()
        if not batch:
            return last_id, last_hash
        rows = []
        for e in batch:
            last_id += 1
            row = _record(last_id, e)
            head = json.dumps(
                [row["id"], _ts(row["ts"]), row["kind"], row["actor"], None, row["user_id"],
                 row["device_id"], row["branch_id"], row["subject"]],
                ensure_ascii=False, separators=(",", ":"),
            )  # fmt: skip
            canonical = f"{head[:-1]},{row['data']}]"
            last_hash = hashlib.sha256((last_hash + canonical).encode()).hexdigest()
            if bind.dialect.name == "sqlite":  # stored as naive UTC, as UTCDateTime does
                row["ts"] = row["ts"].astimezone(UTC).replace(tzinfo=None)
            rows.append({**row, "hash": last_hash})
        bind.execute(record.insert(), rows)
        after = batch[-1].id


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_subject", table_name="audit_record")
    op.drop_index("ix_audit_ts", table_name="audit_record")
    op.drop_index("ix_audit_branch_id", table_name="audit_record")
    op.drop_table("audit_record")
