"""The import rule: the device clients depend on the server only through server.protocol."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

CLIENT_DIRS = ("kiosk", "display", "counter_client")
# The wire models, and the speech modules the display agent shares with the server (pure or
# pyttsx3-only: nothing of server.core, no web or database framework).
ALLOWED = (
    "server.protocol",
    "server.speech.phrases",
    "server.speech.synthesis",
    "server.speech.wav",
)


def server_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every `server…` import in `source` other than server.protocol."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "server":  # from server import protocol / from server import x
                names = [f"server.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            if (name == "server" or name.startswith("server.")) and not any(
                name == ok or name.startswith(ok + ".") for ok in ALLOWED
            ):
                found.append((node.lineno, name))
    return found


def client_files() -> list[Path]:
    return sorted(p for d in CLIENT_DIRS if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.py"))


def test_clients_import_only_the_protocol_from_the_server() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in client_files()
        for line, name in server_imports(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "\n".join(offences)


def test_the_checker_catches_a_forbidden_import() -> None:
    source = (
        "import json\nfrom server import protocol\nfrom server.protocol import Ticket\n"
        "import server.protocol as p\nfrom server.db import repo\nimport server.settings\n"
        "from server import cli\nimport server\n"
        "def f():\n    from server.services import tickets\n"
    )
    assert [name for _, name in server_imports(source)] == [
        "server.db", "server.settings", "server.cli", "server", "server.services",
    ]  # fmt: skip
