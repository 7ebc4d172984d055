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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: playwright's sync API keeps an asyncio loop running in the main thread
    while it is open, which would break `asyncio.run` in the modules that follow."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        yield chromium
        chromium.close()


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
