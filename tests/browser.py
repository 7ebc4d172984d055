"""Real-browser support: Debian's chromium driven by playwright (never a downloaded browser).

Use the `page` fixture (a fresh context per test) and `shot(page, name)` to keep a screenshot in
tests/_artifacts/ for a human to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import IN_CI, ROOT

CHROMIUM = os.environ.get("HALLQ_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "_artifacts"


def require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is required in CI (apt package chromium)")
    pytest.skip(f"{CHROMIUM} not installed")


class WatchedBrowser:
    """The browser, whose every context reports what the pages' Content-Security-Policy
    refused (API.md, "Limits and privacy"): a page that needs an inline script or style, or
    loads from another origin, fails its test (`csp_clean`)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.on("console", self._console)
        return context

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and "Content Security Policy" in text:
            self.violations.append(f"{message.location.get('url', '?')}: {text}")


def _predicates_as_functions() -> None:
    """playwright evaluates a `wait_for_function` predicate written as a bare expression with the
    page's `eval`, which the pages' policy forbids ('unsafe-eval'); as a function it is compiled
    by the browser's debugger, outside the policy. So tests keep writing expressions."""
    from playwright._impl.frame import Frame

    original = Frame.wait_for_function
    if getattr(original, "as_function", False):
        return

    async def wait_for_function(self: Any, expression: str, *args: Any, **kwargs: Any) -> Any:
        text = expression.strip()
        if "=>" not in text and not text.startswith(("function", "async")):
            expression = f"() => ({text})"
        return await original(self, expression, *args, **kwargs)

    wait_for_function.as_function = True  # type: ignore[attr-defined]
    Frame.wait_for_function = wait_for_function  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: playwright's sync API keeps an asyncio loop running in the main thread
    while it is open, which would break `asyncio.run` in the modules that follow."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    _predicates_as_functions()

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        yield WatchedBrowser(chromium)
        chromium.close()


@pytest.fixture(autouse=True)
def csp_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a browser test whose pages broke their Content-Security-Policy."""
    if "browser" not in request.fixturenames:
        yield
        return
    watched: WatchedBrowser = request.getfixturevalue("browser")
    watched.violations.clear()
    yield
    if watched.violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(watched.violations))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def expect(target: Any) -> Any:
    """playwright's `expect`, imported only when a browser test runs."""
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


def fast_forward_until(page: Any, selector: str, most_s: int = 60) -> None:
    """For a page whose clock was installed (`page.clock.install()` before it loads): move that
    clock on a second at a time until `selector` is in the page. The page's timers fire as they
    would have, in order, without the test waiting for them in real time."""
    for _ in range(most_s):
        if page.locator(selector).count():
            return
        page.clock.fast_forward(1000)
    raise AssertionError(f"{selector} not there after {most_s} s of the page's time")


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
