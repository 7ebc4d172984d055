"""One write path: outside server/core, every mutation is a job of the database's writer
(`run.perform`, `run.perform_async`, `run.write`, `ctx.db.writes.run`). Nothing opens a write
session or a transaction of its own, which on SQLite would compete with the group committer
and make it throw away its kept rows (tests/test_group_commit.py shows the effect)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
TRANSACTION_CALLS = {"commit", "rollback", "begin", "begin_nested"}


def names_a_write_session_or_engine(node: ast.Attribute) -> bool:
    """`….write_session`, or `db.writer` / `….db.writer` (the engine; not `csv.writer`)."""
    if node.attr == "write_session":
        return True
    owner = node.value
    on_db = (isinstance(owner, ast.Name) and owner.id == "db") or (
        isinstance(owner, ast.Attribute) and owner.attr == "db"
    )
    return node.attr == "writer" and on_db


def offences(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and names_a_write_session_or_engine(node):
            found.append((node.lineno, f".{node.attr}"))
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name in TRANSACTION_CALLS:
            found.append((node.lineno, f".{name}()"))
        elif name == "uow" and not node.args and not node.keywords:
            found.append((node.lineno, "a unit of work of its own: .uow()"))
    return found


def test_nothing_outside_core_writes_beside_the_writer() -> None:
    wrong = [
        f"{path.relative_to(SERVER.parent)}:{line}: {what}"
        for path in sorted(SERVER.rglob("*.py"))
        if SERVER / "core" not in path.parents
        for line, what in offences(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not wrong, "writes outside the writer's jobs:\n" + "\n".join(wrong)


def test_the_check_finds_what_it_looks_for() -> None:
    source = (
        "with ctx.uow() as uow:\n    uow.session.commit()\nctx.db.write_session()\n"
        "ctx.db.writer.begin()\ncsv.writer(out)\nctx.db.writes.run(job)\nctx.uow(session)\n"
    )
    assert sorted(offences(ast.parse(source))) == [
        (1, "a unit of work of its own: .uow()"),
        (2, ".commit()"),
        (3, ".write_session"),
        (4, ".begin()"),
        (4, ".writer"),
    ]
