"""Core statements compiled once per dialect and run straight on the session's DBAPI cursor.

SQLAlchemy spends ~50–90 µs of Python per `Connection.execute` (cache lookup, execution
context, events, result wrapping) on statements SQLite itself runs in 5–20 µs. The issuing
path runs half a dozen such statements per ticket inside the single writer, so that overhead
was most of the writer's time. A `Prepared` statement does what SQLAlchemy would do for it —
the same compiled SQL, the same bind processors (UTC datetimes, dates, JSON) — once, and then
only converts the parameters and calls the cursor. No library does this part: SQLAlchemy's
own fast path is the compiled cache this bypasses.

Only for plain statements with scalar binds (no IN-lists, no ORM entities); results come back
as the driver's raw tuples, so select only columns that need no result processing (integers,
text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from server.core.session_keys import DBAPI

Binder = Callable[[Mapping[str, Any]], Any]
_MISSING = object()


def track(sessions: sessionmaker[Session]) -> None:
    """Keep each transaction's driver connection in `session.info` while it lasts, so a
    statement need not ask the session for its connection (~15 µs) every time."""

    def remember(session: Session, _transaction: Any, connection: Connection) -> None:
        session.info[DBAPI] = (connection.connection.dbapi_connection, connection.dialect)

    def forget(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(DBAPI, None)

    event.listen(sessions, "after_begin", remember)
    event.listen(sessions, "after_transaction_end", forget)


def driver(session: Session) -> tuple[Any, Dialect]:
    """The driver connection and dialect of the session's transaction (begun if need be)."""
    found: tuple[Any, Dialect] | None = session.info.get(DBAPI)
    if found is None:  # the transaction's first statement (or an untracked session)
        connection = session.connection()
        found = (connection.connection.dbapi_connection, connection.dialect)
    return found


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._binders: dict[tuple[str, tuple[str, ...]], tuple[str, Binder]] = {}
        self._plain: set[str] = set()  # dialects whose results `check_plain` found raw

    def _binder(self, dialect: Dialect, keys: tuple[str, ...]) -> tuple[str, Binder]:
        found = self._binders.get((dialect.name, keys))
        if found is None:
            found = self._compile(dialect, keys)
            self._binders[(dialect.name, keys)] = found
        return found

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> tuple[str, Binder]:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("a Prepared statement takes scalar binds only")
        processors: dict[str, Callable[[Any], Any] | None] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind, name in compiled.bind_names.items()
        }
        defaults = {
            name: bind.value
            for bind, name in compiled.bind_names.items()
            if bind.value is not None and not bind.required and name not in keys
        }
        # Python-side column defaults (`default=`, `onupdate=`) of columns not given
        prefetch = [(c, c.default) for c in compiled.insert_prefetch]
        prefetch += [(c, c.onupdate) for c in compiled.update_prefetch]
        for column, default in prefetch:
            if default is None or not default.is_scalar:
                raise TypeError(f"a Prepared statement needs {column.key} given")
            defaults[column.key] = default.arg  # type: ignore[attr-defined]

        required = {name for bind, name in compiled.bind_names.items() if bind.required}
        names = compiled.positiontup if compiled.positional else processors
        slots = [
            (name, processors[name], defaults.get(name), name in required) for name in names or ()
        ]

        positional, order = compiled.positional, [slot[0] for slot in slots]

        def bind(params: Mapping[str, Any]) -> Any:
            values = []
            for name, proc, default, needed in slots:
                value = params.get(name, _MISSING)
                if value is _MISSING:
                    if needed:
                        raise KeyError(f"a value is required for bind parameter {name!r}")
                    value = default
                values.append(value if proc is None else proc(value))
            return values if positional else dict(zip(order, values, strict=True))

        return compiled.string, bind

    def check_plain(self, dialect: Dialect) -> None:
        """Refuse (TypeError) a statement whose result columns SQLAlchemy would process on
        `dialect`: its raw tuples would not be the values an ORM load gives."""
        if dialect.name in self._plain:
            return
        for column in self.statement.selected_columns:  # type: ignore[attr-defined]
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise TypeError(f"{column} needs result processing on {dialect.name}")
        self._plain.add(dialect.name)

    def _cursor(self, session: Session, keys: tuple[str, ...]) -> tuple[Any, str, Binder, Dialect]:
        dbapi_connection, dialect = driver(session)
        sql, binder = self._binder(dialect, keys)
        return dbapi_connection.cursor(), sql, binder, dialect

    def execute(self, session: Session, params: Mapping[str, Any]) -> Any:
        """Run once; returns the DBAPI cursor (fetchone/fetchall for RETURNING or SELECT)."""
        cursor, sql, binder, dialect = self._cursor(session, tuple(params))
        bound = binder(params)
        _run(dialect, cursor, cursor.execute, sql, bound)
        return cursor

    def execute_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row; every row has the same keys."""
        if not rows:
            return
        cursor, sql, binder, dialect = self._cursor(session, tuple(rows[0]))
        _run(dialect, cursor, cursor.executemany, sql, [binder(row) for row in rows])
        cursor.close()

    def first(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        cursor = self.execute(session, params)
        row = cursor.fetchone()
        cursor.close()
        return None if row is None else tuple(row)

    def scalar(self, session: Session, params: Mapping[str, Any]) -> Any:
        row = self.first(session, params)
        return None if row is None else row[0]


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """Send the `Prepared` statements run inside together (PostgreSQL: psycopg's pipeline
    mode): statements whose results are not fetched are sent without waiting for each answer,
    and one round trip returns them all at the end of the block (or at the first fetch).
    Only `Prepared` statements may run inside: SQLAlchemy's own result handling does not work
    in pipeline mode. Elsewhere (SQLite) it does nothing."""
    dbapi_connection, dialect = driver(session)
    pipeline = getattr(dbapi_connection, "pipeline", None)
    if pipeline is None:
        yield
        return
    dbapi_error: Any = dialect.loaded_dbapi.Error
    try:
        with pipeline():
            yield
    except dbapi_error as exc:
        raise DBAPIError.instance("(pipeline)", None, exc, dbapi_error, dialect=dialect) from exc


def _run(
    dialect: Dialect, cursor: Any, method: Callable[[str, Any], Any], sql: str, bound: Any
) -> None:
    """Driver errors leave as SQLAlchemy's (IntegrityError, OperationalError…), as from
    `Connection.execute`, so the same handlers see them."""
    dbapi_error: Any = dialect.loaded_dbapi.Error
    try:
        method(sql, bound)
    except dbapi_error as exc:
        cursor.close()
        raise DBAPIError.instance(sql, bound, exc, dbapi_error, dialect=dialect) from exc
