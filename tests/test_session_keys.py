"""One module owns the `session.info` keys (server/core/session_keys.py): every other module
names them by importing them from there, never by a string of its own."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from server.core import session_keys

SERVER = Path(__file__).resolve().parent.parent / "server"
OWNER = SERVER / "core" / "session_keys.py"
LOOKUPS = {"get", "setdefault", "pop"}


def keys_declared() -> dict[str, str]:
    """The keys of session_keys.py, each checked to carry a docstring right below it."""
    body = ast.parse(OWNER.read_text(encoding="utf-8")).body
    found: dict[str, str] = {}
    for statement, following in itertools.pairwise(body):
        if isinstance(statement, ast.Assign):
            (target,) = statement.targets
            assert isinstance(target, ast.Name) and isinstance(statement.value, ast.Constant)
            documented = isinstance(following, ast.Expr) and isinstance(
                following.value, ast.Constant
            )
            assert documented, f"session_keys.{target.id} has no docstring"
            found[target.id] = statement.value.value
    return found


def info_keys(tree: ast.AST) -> list[ast.expr]:
    """The key expressions of `….info[key]` and `….info.get/setdefault/pop(key, …)`."""
    keys: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "info":
                keys.append(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            is_info = isinstance(owner, ast.Attribute) and owner.attr == "info"
            if is_info and node.func.attr in LOOKUPS and node.args:
                keys.append(node.args[0])
    return keys


def imported_keys(tree: ast.AST) -> set[str]:
    """Names a module takes from session_keys (`from server.core.session_keys import X`)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "server.core.session_keys"
        for alias in node.names
    }


def test_every_key_is_declared_once_with_a_docstring() -> None:
    declared = keys_declared()
    assert set(declared) == {n for n in vars(session_keys) if n.isupper()}
    assert len(set(declared.values())) == len(declared), "two keys share a value"


def test_no_module_uses_a_session_info_key_of_its_own() -> None:
    declared = keys_declared()
    wrong: list[str] = []
    seen = 0
    for path in sorted(SERVER.rglob("*.py")):
        if path == OWNER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mine = imported_keys(tree) & set(declared)
        for key in info_keys(tree):
            seen += 1
            named = isinstance(key, ast.Name) and key.id in mine
            qualified = (
                isinstance(key, ast.Attribute)
                and isinstance(key.value, ast.Name)
                and key.value.id == "session_keys"
                and key.attr in declared
            )
            if not (named or qualified):
                where = f"{path.relative_to(SERVER.parent)}:{key.lineno}"
                wrong.append(f"{where}: {ast.unparse(key)}")
    assert seen >= 5, "the search found none of the known uses (writer.py, prepared.py …)"
    assert not wrong, "session.info keys not taken from server/core/session_keys.py:\n" + "\n".join(
        wrong
    )
