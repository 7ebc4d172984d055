"""The import rules, read from the source with `ast`:

1. the clients (kiosk/, display/, counter_client/) import from the server only the wire models
   (server.protocol) and the speech modules they share with it (`SHARED_WITH_CLIENTS`);
2. pure code (`PURE`: aggregates, the ticket machine, hours, figures, the wire models …) imports
   only the standard library, pydantic (the wire models only) and other pure modules: no web,
   database or network framework, nothing of server.core but its errors and clock;
3. the domain packages (those directly under server/ but core and protocol) import each other
   without a cycle, and server/core imports none of them (app.py, cli/, schema.py and
   health.py assemble everything and may import anything);
4. nothing under server/ imports a client, except server/cli/__init__.py (the `hallq` command
   hands its `kiosk`, `display` and `counter` subcommands to the agents).

Every import counts, at module level or inside a function, except those under
`if TYPE_CHECKING:`, which never run. Imports made by name at run time (importlib) are not seen.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.unit

CLIENTS = ("kiosk", "display", "counter_client")
SHARED_WITH_CLIENTS = ("server.speech.phrases", "server.speech.synthesis", "server.speech.wav")
WIRE_MODELS = "server.protocol"
PURE_GLOBS = (
    "server/*/domain.py",  # the aggregates, one per domain package
    "server/*/events.py",  # events as plain data (how they are sent: serializers.py)
    "server/tickets/states.py",
    "server/tickets/selection.py",
    "server/tickets/numbering.py",
    "server/tickets/estimate.py",
    "server/halls/hours.py",
    "server/stats/figures.py",
    "server/stats/histogram.py",
    "server/stats/periods.py",
    "server/stats/counter_time.py",
    "server/protocol/**/*.py",
    "server/core/errors.py",
    "server/core/clock.py",
    "server/speech/phrases.py",
    "server/speech/synthesis.py",
    "server/speech/wav.py",
    "server/webhooks/texts.py",
    "server/webhooks/sealing.py",
)
FRAMEWORKS = frozenset({"fastapi", "starlette", "sqlalchemy", "alembic", "redis", "psycopg",
                        "httpx", "websockets", "uvicorn", "anyio"})  # fmt: skip
# Third-party libraries a pure module may still use: the wire models are pydantic models, the
# shared synthesis drives pyttsx3 (imported only when an engine is made), and webhook secrets
# are sealed with cryptography's Fernet (no I/O).
PURE_MAY_USE = {"pydantic": (WIRE_MODELS,), "pyttsx3": ("server.speech.synthesis",),
                "cryptography": ("server.webhooks.sealing",)}  # fmt: skip
ASSEMBLY = frozenset({"server", "server.app", "server.cli", "server.schema", "server.health"})
NOT_DOMAIN = frozenset({"core", "protocol"})
CLIENT_DISPATCH = "server.cli"


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # absolute; `from a import b` is "a.b" when that is a module of the repository


Graph = Mapping[str, list[Import]]  # module → what it imports


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def is_local_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(source: str, module: str = "", package: bool = False) -> list[Import]:
    """The imports that run when `module` (whose source is `source`) is imported or used."""
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: len(module.split(".")) - node.level + package]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.append(Import(node.lineno, name if is_local_module(name) else base))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def graph_of(paths: Iterable[Path]) -> dict[str, list[Import]]:
    return {
        module_of(path): imports(
            path.read_text(encoding="utf-8"), module_of(path), path.name == "__init__.py"
        )
        for path in paths
    }


def sources(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py"))


def pure_modules() -> set[str]:
    return {module_of(p) for pattern in PURE_GLOBS for p in ROOT.glob(pattern)}


# ---- the rules, each on a graph so that the checker can be shown a made-up one --------------


def client_offences(graph: Graph) -> list[str]:
    allowed = (WIRE_MODELS, *SHARED_WITH_CLIENTS)
    return [
        f"{module}:{imp.line} imports {imp.module}"
        for module, found in graph.items()
        for imp in found
        if under(imp.module, "server") and not any(under(imp.module, ok) for ok in allowed)
    ]


def impure_offences(graph: Graph, pure: set[str]) -> list[str]:
    offences = []
    for module, found in graph.items():
        if module not in pure:
            continue
        for imp in found:
            top = imp.module.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__" or imp.module in pure:
                continue
            if any(under(module, user) for user in PURE_MAY_USE.get(top, ())):
                continue
            why = "a web, database or network framework" if top in FRAMEWORKS else "not pure"
            offences.append(f"{module}:{imp.line} imports {imp.module} ({why})")
    return offences


def domain_package(module: str) -> str | None:
    parts = module.split(".")
    assembly = module in ASSEMBLY or under(module, CLIENT_DISPATCH)  # server/cli/ as a whole
    if parts[0] != "server" or assembly or len(parts) < 2 or parts[1] in NOT_DOMAIN:
        return None
    return parts[1]


def package_edges(graph: Graph) -> dict[tuple[str, str], list[str]]:
    """(A, B) → "module:line imports module" for every import of package B by package A."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, found in graph.items():
        source = domain_package(module)
        for imp in found:
            target = domain_package(imp.module)
            if source and target and source != target:
                edges.setdefault((source, target), []).append(
                    f"{module}:{imp.line} imports {imp.module}"
                )
    return edges


def cycles(graph: Graph) -> list[str]:
    """One cycle through each group of packages that import each other, with the imports that
    make it ("a → b (server/a/x.py:3 imports server.b.y) → a (…)")."""
    edges = package_edges(graph)
    after: dict[str, set[str]] = {}
    for a, b in edges:
        after.setdefault(a, set()).add(b)

    def path(start: str, goal: str) -> list[str] | None:
        """The shortest path start → … → goal (breadth first)."""
        paths, seen = [[start]], {start}
        while paths:
            route = paths.pop(0)
            for nxt in sorted(after.get(route[-1], ())):
                if nxt == goal:
                    return [*route, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*route, nxt])
        return None

    reports, covered = [], set()
    for package in sorted(after):
        route = None if package in covered else path(package, package)
        if route is None:
            continue
        covered |= set(route)
        steps = [f"{b} ({edges[(a, b)][0]})" for a, b in pairwise(route)]
        reports.append(" → ".join([route[0], *steps]))
    return reports


def core_offences(graph: Graph) -> list[str]:
    return [
        f"{module}:{imp.line} imports {imp.module}"
        for module, found in graph.items()
        if under(module, "server.core")
        for imp in found
        if domain_package(imp.module) is not None
    ]


def client_imports_in_server(graph: Graph) -> list[str]:
    return [
        f"{module}:{imp.line} imports {imp.module}"
        for module, found in graph.items()
        if under(module, "server") and module != CLIENT_DISPATCH
        for imp in found
        if any(under(imp.module, client) for client in CLIENTS)
    ]


# ---- the rules on the code --------------------------------------------------------------------


def test_clients_import_only_the_wire_models_and_the_shared_speech_modules() -> None:
    assert set(SHARED_WITH_CLIENTS) <= pure_modules(), "what clients share must be pure"
    offences = client_offences(graph_of(sources(*CLIENTS)))
    assert offences == [], "\n".join(offences)


def test_pure_domain_code_imports_no_web_database_or_network_framework() -> None:
    pure = pure_modules()
    for pattern in PURE_GLOBS:  # a renamed module must not leave its rule checking nothing
        assert "*" in pattern or (ROOT / pattern).is_file(), f"{pattern} is gone: update PURE_GLOBS"
    offences = impure_offences(graph_of(sources("server")), pure)
    assert offences == [], "\n".join(offences)


def test_domain_packages_import_each_other_without_a_cycle() -> None:
    found = cycles(graph_of(sources("server")))
    assert found == [], "import cycles between domain packages:\n" + "\n".join(found)


def test_core_imports_no_domain_package() -> None:
    offences = core_offences(graph_of(sources("server/core")))
    assert offences == [], "\n".join(offences)


def test_nothing_under_server_imports_a_client_but_the_hallq_command() -> None:
    offences = client_imports_in_server(graph_of(sources("server")))
    assert offences == [], "\n".join(offences)


# ---- the checker catches what each rule forbids (made-up sources) ----------------------------


def names(source: str, module: str = "kiosk.x", package: bool = False) -> list[str]:
    return [imp.module for imp in imports(source, module, package)]


def test_the_checker_sees_runtime_imports_and_skips_type_checking_ones() -> None:
    source = (
        "import json\nfrom server import protocol\nfrom server.protocol import Ticket\n"
        "import typing\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from server.core.engine import Database\n"
        "else:\n    import server.halls\n"
        "if typing.TYPE_CHECKING:\n    import fastapi\n"
        "def f():\n    from server.tickets import service\n"
        "from . import agent\nfrom .store import Store\n"
    )
    assert names(source, "display.voice") == [
        "json", "server.protocol", "server.protocol", "typing", "typing", "server.halls",
        "server.tickets.service", "display.agent", "display.store",
    ]  # fmt: skip
    assert names("from .base import Bus\n", "server.core.bus", package=True) == [
        "server.core.bus.base"
    ]


def test_the_checker_catches_a_client_importing_server_internals() -> None:
    source = (
        "from server import protocol\nimport server.speech.phrases\nfrom server.db import repo\n"
        "import server.core.settings\nfrom server import cli\nimport server\n"
        "from server.speech import router\n"
    )
    assert client_offences({"kiosk.x": imports(source, "kiosk.x")}) == [
        "kiosk.x:3 imports server.db", "kiosk.x:4 imports server.core.settings",
        "kiosk.x:5 imports server.cli", "kiosk.x:6 imports server",
        "kiosk.x:7 imports server.speech.router",
    ]  # fmt: skip


def test_the_checker_catches_a_framework_or_server_core_in_pure_code() -> None:
    source = (
        "import math\nfrom datetime import UTC\nfrom server.core.errors import NotFound\n"
        "from server.core.clock import Clock\nfrom server.protocol import Ticket\n"
        "from sqlalchemy.orm import Session\nimport pydantic\nimport fastapi\n"
        "def f():\n    from server.core.unit_of_work import UnitOfWork\n"
    )
    graph = {"server.tickets.domain": imports(source, "server.tickets.domain")}
    pure = {"server.tickets.domain", "server.core.errors", "server.core.clock", "server.protocol"}
    assert impure_offences(graph, pure) == [
        "server.tickets.domain:6 imports sqlalchemy.orm (a web, database or network framework)",
        "server.tickets.domain:7 imports pydantic (not pure)",
        "server.tickets.domain:8 imports fastapi (a web, database or network framework)",
        "server.tickets.domain:10 imports server.core.unit_of_work (not pure)",
    ]
    assert (
        impure_offences({"server.protocol.x": [Import(1, "pydantic")]}, {"server.protocol.x"}) == []
    )


def test_the_checker_catches_a_cycle_and_names_the_imports_that_make_it() -> None:
    graph = {
        "server.tickets.service": [
            Import(3, "server.counters.repository"), Import(4, "server.core.errors"),
        ],
        "server.counters.repository": [Import(5, "server.halls.models")],
        "server.halls.service": [Import(7, "server.tickets.states")],
        "server.stats.figures": [Import(1, "server.tickets.states")],
        "server.app": [Import(2, "server.stats.router"), Import(3, "server.tickets.router")],
        "server.stats.router": [Import(9, "server.app")],  # the assembly is no package
    }  # fmt: skip
    assert cycles(graph) == [
        "counters → halls (server.counters.repository:5 imports server.halls.models)"
        " → tickets (server.halls.service:7 imports server.tickets.states)"
        " → counters (server.tickets.service:3 imports server.counters.repository)"
    ]
    del graph["server.halls.service"]
    assert cycles(graph) == []


def test_the_checker_catches_core_importing_a_domain_package() -> None:
    graph = {
        "server.core.run": [Import(4, "server.tickets.service"), Import(5, "server.core.writer")],
        "server.core.migrate": [Import(6, "migrations"), Import(7, "server.protocol")],
        "server.tickets.service": [Import(1, "server.counters.service")],
    }
    assert core_offences(graph) == ["server.core.run:4 imports server.tickets.service"]


def test_the_checker_catches_the_server_importing_a_client() -> None:
    graph = {
        "server.speech.router": [Import(3, "display.phrases"), Import(4, "server.protocol")],
        "server.cli": [Import(5, "kiosk.cli"), Import(6, "counter_client.terminal")],
        "display.agent": [Import(7, "counter_client")],
    }
    assert client_imports_in_server(graph) == ["server.speech.router:3 imports display.phrases"]
