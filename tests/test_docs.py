"""The docs stay true and inside the repository.

- docs/operations.md's settings table lists every HALLQ_ setting of server/core/settings.py,
  with its default. To regenerate it after adding a setting: `.venv/bin/python -m
  tests.test_docs` prints it.
- The README stays short and keeps the two commands.
- Every relative link of README.md and docs/**/*.md resolves to a file (and heading) of the
  repository; no link leaves it, except http(s) examples on localhost.
- docs/benchmarks.md has the shape bench/report.py writes, so nothing hand-written in it is
  lost to the next `make bench`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from pydantic.fields import FieldInfo

from server.core.settings import Settings
from tests.support import ROOT

pytestmark = pytest.mark.unit

README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
README_MAX_LINES = 150
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def env_name(field: str) -> str:
    return f"HALLQ_{field.upper()}"


def default_text(info: FieldInfo) -> str:
    default: Any = info.get_default(call_default_factory=True)
    return "(unset)" if default is None else f"`{default}`"


def settings_table() -> str:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {default_text(info)} | {description} |")
    return "\n".join(rows)


def table_rows(page: Path) -> dict[str, str]:
    """Table rows of `page` keyed by the HALLQ_ variable in their first cell."""
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`(HALLQ_[A-Z0-9_]+)`\s*\|(.*)$", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_every_setting_is_in_the_operations_table() -> None:
    rows = table_rows(OPERATIONS)
    missing = [env_name(n) for n in Settings.model_fields if env_name(n) not in rows]
    assert not missing, (
        f"docs/operations.md's settings table lacks {missing}; regenerate it with "
        f"`.venv/bin/python -m tests.test_docs`:\n{settings_table()}"
    )


def test_the_operations_table_is_current() -> None:
    """Defaults and descriptions as in the code, and no row for a setting that is gone."""
    rows = table_rows(OPERATIONS)
    expected = {
        line.split("|")[1].strip().strip("`"): line for line in settings_table().splitlines()[2:]
    }
    stale = sorted(set(rows) - set(expected))
    assert not stale, f"docs/operations.md documents settings that no longer exist: {stale}"
    for name, line in expected.items():
        assert rows.get(name) == line, f"the row of {name} differs; expected:\n{line}"


def test_the_readme_is_short_and_keeps_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES})"
    assert "## Two commands" in text
    assert "make run" in text and "make test" in text


def test_operations_guide_exists_and_covers_its_topics() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    for topic in (
        "HALLQ_BUS_URL=redis://",
        "--workers",
        "Upgrade",
        "pg_dump",
        "pg_restore",
        "hallq backup",
        "hallq db upgrade",
        "proxy_set_header Upgrade",
    ):
        assert topic in text, topic


def command_rows(page: Path) -> list[str]:
    """The first cells of the table rows of `page` that name a `hallq` command."""
    cells = (line.split(" | ")[0] for line in page.read_text(encoding="utf-8").splitlines())
    return [cell for cell in cells if cell.startswith("| `hallq ")]


@pytest.mark.parametrize("page", [README, OPERATIONS], ids=lambda p: p.name)
def test_every_hallq_command_is_in_the_command_table(page: Path) -> None:
    """Each command and subcommand of `hallq` has a row, a group's subcommands in a row that
    names the group."""
    import typer.main

    from server.cli import app

    rows = command_rows(page)
    missing = []
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        group = [r for r in rows if f"`hallq {name}" in r]
        subcommands = getattr(command, "commands", {})
        if not group or any(not any(re.search(rf"\b{s}\b", r) for r in group) for s in subcommands):
            missing.append(f"hallq {name} {' '.join(subcommands)}".strip())
    assert not missing, f"{page.name}'s command table lacks {missing}"


# --- links -------------------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
AUTOLINK = re.compile(r"<((?:https?|ftp|file):[^>\s]+)>")
BARE_URL = re.compile(r"\b(?:https?|ftp|file)://[^\s)<>\]]+")


def pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def prose(text: str) -> str:
    """The text GitHub renders as links: without code blocks and code spans."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> Iterator[str]:
    body = prose(text)
    yield from INLINE_LINK.findall(body)
    yield from REFERENCE.findall(body)
    yield from AUTOLINK.findall(body)
    # a bare URL outside code is a link on GitHub too (the ones inside links come again: fine)
    yield from BARE_URL.findall(INLINE_LINK.sub("", body))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def link_problem(page: Path, target: str) -> str | None:
    """Why `target`, a link on `page`, is not a link into the repository (None: it is)."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        return None if host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS else "leaves the repo"
    if parts.scheme == "mailto" or parts.scheme or parts.netloc:
        return "leaves the repository"
    path, fragment = unquote(parts.path), unquote(parts.fragment)
    if path.startswith("/"):
        return "is an absolute path"
    file = (page.parent / path).resolve() if path else page
    root = ROOT.resolve()
    if file != root and root not in file.parents:
        return "points outside the repository"
    if not file.exists():
        return "does not exist"
    if fragment and file.suffix == ".md" and fragment not in anchors(file):
        return f"has no heading #{fragment}"
    return None


def all_links() -> list[tuple[Path, str]]:
    return [(page, target) for page in pages() for target in links(page.read_text("utf-8"))]


def test_the_docs_have_links_to_check() -> None:
    """Guards the checks below against a pattern that stopped matching."""
    targets = [target for _, target in all_links()]
    assert "docs/operations.md" in targets
    assert sum(1 for target in targets if "#" in target) >= 3


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_stays_in_the_repository_and_resolves(page: Path) -> None:
    problems = [
        f"{target} {problem}"
        for target in links(page.read_text(encoding="utf-8"))
        if (problem := link_problem(page, target)) is not None
    ]
    assert not problems, f"{page.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_no_page_refers_to_files_outside_the_repository() -> None:
    """Not even in code: a clone has no ../shared and no /work."""
    offences = [
        f"{page.relative_to(ROOT)}: {word}"
        for page in pages()
        for word in ("../shared", "/work/shared", "/work/")
        if word in page.read_text(encoding="utf-8")
    ]
    assert not offences, "\n".join(offences)


def test_the_link_checker_catches_bad_links() -> None:
    page = ROOT / "docs" / "operations.md"
    assert link_problem(page, "architecture.md#events") is None
    assert link_problem(page, "http://127.0.0.1:8000/docs") is None
    assert link_problem(README, "../shared/API.md") == "points outside the repository"
    assert link_problem(page, "../../shared/API.md") == "points outside the repository"
    assert link_problem(page, "/work/shared/DESIGN.md") == "is an absolute path"
    assert link_problem(page, "https://example.org/") == "leaves the repo"
    assert link_problem(page, "missing.md") == "does not exist"
    assert link_problem(page, "architecture.md#no-such-heading") is not None
    text = "[a](one.md) `[b](two.md)` <https://x.org/y>\n```\n[c](three.md)\n```\n[d]: four.md\n"
    assert set(links(text)) == {"four.md", "https://x.org/y", "one.md"}


def test_slugs_follow_github() -> None:
    assert slug("One request, from the clerk's key to the TV") == (
        "one-request-from-the-clerks-key-to-the-tv"
    )
    assert slug("6. Statistics over 1,000,000 tickets") == "6-statistics-over-1000000-tickets"
    assert slug("The `hallq` command") == "the-hallq-command"
    assert slug("Handover (交接班)") == "handover-交接班"


# --- benchmarks --------------------------------------------------------------------------------


def test_the_benchmarks_page_is_what_make_bench_writes() -> None:
    """Only the method and the latest figures: a page edited by hand would lose the edit at the
    next `make bench`, so the edit belongs in bench/report.py."""
    from bench import report

    text = BENCHMARKS.read_text(encoding="utf-8")
    figures = report.sections(text)
    missing = [name for name, found in figures.items() if found is None]
    assert not missing, f"the figures' markers are missing: {missing}"
    assert text == report.page(**figures), (
        "docs/benchmarks.md differs from what bench/report.py writes: change the method there, "
        "then rewrite the page with bench.report.write(path) (it keeps the figures)"
    )


if __name__ == "__main__":
    print(settings_table())
