"""Every trigger of the schema in one place: its DDL per database, its table, and the migration
that creates it. Migrations create and drop triggers only through this module.

Why in migrations/ and not in server/: a trigger is schema, and the schema's history is
Alembic's. The server never creates a trigger (it refuses a database that is not at head), so
the DDL lives beside the migrations that run it, and server/ holds no DDL and no Alembic import.
Migration scripts import it as `migrations.triggers` (the package is installed with the server).

**A batch operation drops triggers.** On SQLite, `op.batch_alter_table(t)` copies `t` into a
new table and drops the old one, and every trigger on `t` goes with it, silently. (And while
another table's trigger reads `t`, as `ticket_event`'s read `ticket`, SQLite refuses to rename
the copy to `t`.) So a migration wraps each batch operation in `rebuilding(table, revision)`,
with its own revision (in `downgrade`, its `down_revision`):

    with triggers.rebuilding("ticket", revision), op.batch_alter_table("ticket") as batch:
        batch.alter_column("number", type_=sa.String(12))

It drops the triggers of other tables that read `ticket` before, and afterwards calls
`recreate_triggers("ticket", revision)`, which creates the table's own triggers again (call that
alone after a batch operation on a table no other trigger reads). Both are harmless on
PostgreSQL, which alters a table in place and keeps its triggers.
tests/test_triggers.py upgrades an empty database one revision at a time and checks after each
that exactly the triggers of `expected_triggers` exist.

Definitions are append-only, like the migrations: to change a trigger later, add an entry with
the same name and the new migration's revision (`ddl=None` removes it), and call
`create(revision)` / `drop(revision)` in that migration. Each revision thus keeps creating what
it created, and a downgrade restores the earlier definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from alembic import op

DIALECTS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    dialect: str  # "sqlite" | "postgresql"
    revision: str  # the migration that creates it (or changes or removes it)
    ddl: str | None  # what follows `CREATE TRIGGER <name>`; None: removed by `revision`


@dataclass(frozen=True)
class Function:
    """A PostgreSQL function that triggers execute (SQLite triggers hold their statements)."""

    signature: str  # "stats_rollup_forget(integer, date)": what DROP FUNCTION names
    revision: str
    ddl: str | None  # the whole CREATE OR REPLACE FUNCTION statement; None: removed by `revision`

    @property
    def name(self) -> str:
        return self.signature.split("(", 1)[0]


_Item = TypeVar("_Item", "Trigger", "Function")


# ---- 0006: the statistics rollup is forgotten for a (hall, business date) that changes ------
# The triggers delete the rollup rows of a ticket's (hall, business date) — the day, its month
# and its year — whenever the ticket is inserted, updated or deleted, or one of the events
# statistics read (issue, call, transfer, requeue) is inserted or deleted; and every rollup row
# of a hall when a service's target wait or the hall's timezone changes (both change past
# figures). Each is a few index look-ups on `stats_rollup`'s primary key.

SEGMENT_TYPES = "('ticket.called', 'ticket.issued', 'ticket.requeued', 'ticket.transferred')"


def _sqlite_forget(branch: str, day: str) -> str:
    """DELETE statements for the day, month and year rows of `day` (SQL expressions)."""
    return "\n".join(
        f"DELETE FROM stats_rollup WHERE branch_id = {branch} AND period = '{period}' "
        f"AND first_day = {first};"
        for period, first in (
            ("day", day),
            ("month", f"date({day}, 'start of month')"),
            ("year", f"date({day}, 'start of year')"),
        )
    )


_TICKET_OF = "(SELECT business_date FROM ticket WHERE id = {row}.ticket_id)"
_SQLITE_0006 = {
    "stats_rollup_ticket_insert": "AFTER INSERT ON ticket BEGIN "
    + _sqlite_forget("NEW.branch_id", "NEW.business_date")
    + " END",
    "stats_rollup_ticket_update": "AFTER UPDATE ON ticket BEGIN "
    + _sqlite_forget("NEW.branch_id", "NEW.business_date")
    + " END",
    "stats_rollup_ticket_move": "AFTER UPDATE OF branch_id, business_date ON ticket "
    "WHEN OLD.branch_id IS NOT NEW.branch_id OR OLD.business_date IS NOT NEW.business_date "
    "BEGIN " + _sqlite_forget("OLD.branch_id", "OLD.business_date") + " END",
    "stats_rollup_ticket_delete": "AFTER DELETE ON ticket BEGIN "
    + _sqlite_forget("OLD.branch_id", "OLD.business_date")
    + " END",
    "stats_rollup_event_insert": "AFTER INSERT ON ticket_event "
    f"WHEN NEW.ticket_id IS NOT NULL AND NEW.type IN {SEGMENT_TYPES} BEGIN "
    + _sqlite_forget("NEW.branch_id", _TICKET_OF.format(row="NEW"))
    + " END",
    "stats_rollup_event_delete": "AFTER DELETE ON ticket_event "
    f"WHEN OLD.ticket_id IS NOT NULL AND OLD.type IN {SEGMENT_TYPES} BEGIN "
    + _sqlite_forget("OLD.branch_id", _TICKET_OF.format(row="OLD"))
    + " END",
    "stats_rollup_service_target": "AFTER UPDATE OF target_wait_min ON service "
    "WHEN OLD.target_wait_min IS NOT NEW.target_wait_min "
    "BEGIN DELETE FROM stats_rollup WHERE branch_id = NEW.branch_id; END",
    "stats_rollup_service_delete": "AFTER DELETE ON service "
    "BEGIN DELETE FROM stats_rollup WHERE branch_id = OLD.branch_id; END",
    "stats_rollup_branch_timezone": "AFTER UPDATE OF timezone ON branch "
    "WHEN OLD.timezone IS NOT NEW.timezone "
    "BEGIN DELETE FROM stats_rollup WHERE branch_id = NEW.id; END",
}

# One DELETE with an OR of the three periods (a BitmapOr of three primary-key look-ups): ~15 µs
# a ticket write, against ~25 µs for three DELETEs and ~100 µs for a join with VALUES.
_PG_FORGET = """
  DELETE FROM stats_rollup WHERE branch_id = {b} AND (
    (period = 'day' AND first_day = {d})
    OR (period = 'month' AND first_day = date_trunc('month', {d}::timestamp)::date)
    OR (period = 'year' AND first_day = date_trunc('year', {d}::timestamp)::date));"""

_PG_FUNCTIONS_0006 = {
    "stats_rollup_forget(integer, date)": f"""
CREATE OR REPLACE FUNCTION stats_rollup_forget(b integer, d date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN{_PG_FORGET.format(b="b", d="d")}
END $$""",
    "stats_rollup_ticket()": f"""
CREATE OR REPLACE FUNCTION stats_rollup_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM stats_rollup_forget(OLD.branch_id, OLD.business_date);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.branch_id IS DISTINCT FROM NEW.branch_id
       OR OLD.business_date IS DISTINCT FROM NEW.business_date THEN
      PERFORM stats_rollup_forget(OLD.branch_id, OLD.business_date);
    END IF;
  END IF;{_PG_FORGET.format(b="NEW.branch_id", d="NEW.business_date")}
  RETURN NULL;
END $$""",
    "stats_rollup_event()": """
CREATE OR REPLACE FUNCTION stats_rollup_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  e ticket_event;
  d date;
BEGIN
  IF TG_OP = 'DELETE' THEN e := OLD; ELSE e := NEW; END IF;
  SELECT business_date INTO d FROM ticket WHERE id = e.ticket_id;
  IF FOUND THEN
    PERFORM stats_rollup_forget(e.branch_id, d);
  END IF;
  RETURN NULL;
END $$""",
    "stats_rollup_hall()": """
CREATE OR REPLACE FUNCTION stats_rollup_hall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'branch' THEN
    DELETE FROM stats_rollup WHERE branch_id = NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM stats_rollup WHERE branch_id = OLD.branch_id;
  ELSE
    DELETE FROM stats_rollup WHERE branch_id = NEW.branch_id;
  END IF;
  RETURN NULL;
END $$""",
}
_PG_0006 = {
    "stats_rollup_ticket": "AFTER INSERT OR UPDATE OR DELETE ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION stats_rollup_ticket()",
    "stats_rollup_event_insert": "AFTER INSERT ON ticket_event FOR EACH ROW "
    f"WHEN (NEW.ticket_id IS NOT NULL AND NEW.type IN {SEGMENT_TYPES}) "
    "EXECUTE FUNCTION stats_rollup_event()",
    "stats_rollup_event_delete": "AFTER DELETE ON ticket_event FOR EACH ROW "
    f"WHEN (OLD.ticket_id IS NOT NULL AND OLD.type IN {SEGMENT_TYPES}) "
    "EXECUTE FUNCTION stats_rollup_event()",
    "stats_rollup_service_target": "AFTER UPDATE OF target_wait_min ON service FOR EACH ROW "
    "WHEN (OLD.target_wait_min IS DISTINCT FROM NEW.target_wait_min) "
    "EXECUTE FUNCTION stats_rollup_hall()",
    "stats_rollup_service_delete": "AFTER DELETE ON service FOR EACH ROW "
    "EXECUTE FUNCTION stats_rollup_hall()",
    "stats_rollup_branch_timezone": "AFTER UPDATE OF timezone ON branch FOR EACH ROW "
    "WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) "
    "EXECUTE FUNCTION stats_rollup_hall()",
}

# ---- 0007: service_day.waiting counts the tickets waiting in each queue of a day -------------
# Kept in the same transaction as every change to a ticket, whatever code or tool makes it.

_ENTER = (
    "INSERT INTO service_day (service_id, business_date, issued, waiting) "
    "VALUES (NEW.service_id, NEW.business_date, 0, 1) "
    "ON CONFLICT (service_id, business_date) DO UPDATE SET waiting = service_day.waiting + 1;"
)
_LEAVE = (
    "UPDATE service_day SET waiting = waiting - 1 "
    "WHERE service_id = OLD.service_id AND business_date = OLD.business_date;"
)
_QUEUE_COLUMNS = "state, service_id, business_date"
_SQLITE_0007 = {
    "service_day_waiting_insert": f"AFTER INSERT ON ticket WHEN NEW.state = 'waiting' "
    f"BEGIN {_ENTER} END",
    "service_day_waiting_leave": f"AFTER UPDATE OF {_QUEUE_COLUMNS} ON ticket "
    f"WHEN OLD.state = 'waiting' BEGIN {_LEAVE} END",
    "service_day_waiting_enter": f"AFTER UPDATE OF {_QUEUE_COLUMNS} ON ticket "
    f"WHEN NEW.state = 'waiting' BEGIN {_ENTER} END",
    "service_day_waiting_delete": f"AFTER DELETE ON ticket WHEN OLD.state = 'waiting' "
    f"BEGIN {_LEAVE} END",
}
_PG_FUNCTIONS_0007 = {
    "service_day_waiting()": f"""
CREATE OR REPLACE FUNCTION service_day_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'waiting' THEN
    {_LEAVE}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'waiting' THEN
    {_ENTER}
  END IF;
  RETURN NULL;
END $$""",
}
_PG_0007 = {
    "service_day_waiting": f"AFTER INSERT OR DELETE OR UPDATE OF {_QUEUE_COLUMNS} ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION service_day_waiting()",
}

# ---- 0015: a service's time limit changes who overran it: forget the hall's rollup ----------

_SQLITE_0015 = {
    "stats_rollup_service_limit": "AFTER UPDATE OF max_service_min ON service "
    "WHEN OLD.max_service_min IS NOT NEW.max_service_min "
    "BEGIN DELETE FROM stats_rollup WHERE branch_id = NEW.branch_id; END",
}
_PG_0015 = {
    "stats_rollup_service_limit": "AFTER UPDATE OF max_service_min ON service FOR EACH ROW "
    "WHEN (OLD.max_service_min IS DISTINCT FROM NEW.max_service_min) "
    "EXECUTE FUNCTION stats_rollup_hall()",
}

# ---- the registry (append a later migration's triggers here) ---------------------------------


def _table_of(ddl: str) -> str:
    """The table of `AFTER … ON <table> …`."""
    found = re.search(r"\bON (\w+)", ddl)
    assert found is not None, ddl
    return found.group(1)


TRIGGERS: tuple[Trigger, ...] = tuple(
    Trigger(name, _table_of(ddl), dialect, revision, ddl)
    for revision, dialect, defs in (
        ("0006", "sqlite", _SQLITE_0006),
        ("0006", "postgresql", _PG_0006),
        ("0007", "sqlite", _SQLITE_0007),
        ("0007", "postgresql", _PG_0007),
        ("0015", "sqlite", _SQLITE_0015),
        ("0015", "postgresql", _PG_0015),
    )
    for name, ddl in defs.items()
)
FUNCTIONS: tuple[Function, ...] = tuple(
    Function(signature, revision, ddl)
    for revision, defs in (("0006", _PG_FUNCTIONS_0006), ("0007", _PG_FUNCTIONS_0007))
    for signature, ddl in defs.items()
)


def expected_triggers(dialect: str, revision: str | None) -> dict[str, Trigger]:
    """The triggers a database of `dialect` has at `revision` (None: an empty database), by
    name, each in its latest definition up to that revision."""
    return _in_force(TRIGGERS, dialect, revision)


def expected_functions(dialect: str, revision: str | None) -> dict[str, Function]:
    """The trigger functions a database has at `revision`, by signature (none on SQLite)."""
    return _in_force(FUNCTIONS, dialect, revision) if dialect == "postgresql" else {}


def create(revision: str) -> None:
    """In `revision`'s upgrade: create, change or remove what `revision` defines."""
    dialect = _dialect()
    triggers, functions = _of(TRIGGERS, dialect, revision), _of(FUNCTIONS, dialect, revision)
    for trigger in triggers:  # a changed or removed trigger: the earlier one goes first
        _drop_trigger(dialect, trigger)
    for function in functions:
        if function.ddl is not None:
            op.execute(function.ddl)  # CREATE OR REPLACE
    for trigger in triggers:
        if trigger.ddl is not None:
            _create_trigger(trigger)
    for function in functions:
        if function.ddl is None:
            op.execute(f"DROP FUNCTION IF EXISTS {function.signature}")


def drop(revision: str) -> None:
    """In `revision`'s downgrade: undo `create(revision)`, restoring earlier definitions."""
    dialect = _dialect()
    triggers, functions = _of(TRIGGERS, dialect, revision), _of(FUNCTIONS, dialect, revision)
    earlier_triggers = _in_force(TRIGGERS, dialect, revision, before=True)
    earlier_functions = _in_force(FUNCTIONS, dialect, revision, before=True)
    for trigger in reversed(triggers):
        _drop_trigger(dialect, trigger)
    for function in reversed(functions):
        earlier = earlier_functions.get(function.signature)
        if earlier is not None:
            op.execute(earlier.ddl)
        else:
            op.execute(f"DROP FUNCTION IF EXISTS {function.signature}")
    for trigger in triggers:
        if trigger.name in earlier_triggers:
            _create_trigger(earlier_triggers[trigger.name])


def recreate_triggers(table: str, revision: str) -> None:
    """Create again every trigger on `table` that the schema has at `revision`: call it after
    each batch operation on `table` (see the module's docstring)."""
    dialect = _dialect()
    for trigger in expected_triggers(dialect, revision).values():
        if trigger.table == table:
            _drop_trigger(dialect, trigger)
            _create_trigger(trigger)


@contextmanager
def rebuilding(table: str, revision: str) -> Iterator[None]:
    """Around a batch operation on `table`: the triggers of other tables that read `table` are
    dropped before it (SQLite checks them when it renames the copy) and created again after it,
    with the table's own triggers, which the copy lost (see the module's docstring)."""
    dialect = _dialect()
    reads_it = re.compile(rf"\b{re.escape(table)}\b")
    readers = [
        t
        for t in expected_triggers(dialect, revision).values()
        if t.table != table and t.ddl is not None and reads_it.search(t.ddl)
    ]
    for trigger in readers:
        _drop_trigger(dialect, trigger)
    yield
    recreate_triggers(table, revision)
    for trigger in readers:
        _create_trigger(trigger)


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in DIALECTS:
        raise NotImplementedError(f"no trigger definitions for {name} (only {DIALECTS})")
    return name


def _of(items: tuple[_Item, ...], dialect: str, revision: str) -> list[_Item]:
    return [item for item in items if _dialect_of(item) == dialect and item.revision == revision]


def _in_force(
    items: tuple[_Item, ...], dialect: str, revision: str | None, *, before: bool = False
) -> dict[str, _Item]:
    """The latest definition of each name at `revision` (or just before it), removed ones
    left out. Revisions are "NNNN" strings, so they compare as text."""
    found: dict[str, _Item] = {}
    for item in sorted(items, key=lambda item: item.revision):
        if revision is None or _dialect_of(item) != dialect:
            continue
        if item.revision < revision or (item.revision == revision and not before):
            found[_key(item)] = item
    return {key: item for key, item in found.items() if item.ddl is not None}


def _dialect_of(item: Trigger | Function) -> str:
    return item.dialect if isinstance(item, Trigger) else "postgresql"


def _key(item: Trigger | Function) -> str:
    return item.name if isinstance(item, Trigger) else item.signature


def _create_trigger(trigger: Trigger) -> None:
    op.execute(f"CREATE TRIGGER {trigger.name} {trigger.ddl}")


def _drop_trigger(dialect: str, trigger: Trigger) -> None:
    on = f" ON {trigger.table}" if dialect == "postgresql" else ""
    op.execute(f"DROP TRIGGER IF EXISTS {trigger.name}{on}")
