"""Shared set-up of the browser tests: Debian's chromium driven by Playwright, never a downloaded browser.

A test module calls `require_chromium()` at import: without /usr/bin/chromium it skips, unless
ASSISTANT_REQUIRE_BROWSER=1 (CI sets it), where a missing browser is a failure. ASSISTANT_SCREENSHOTS=docs/img
saves the screenshots the README shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> Any:
    """The playwright sync API, or a module-level skip (a failure in CI) when the browser is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("ASSISTANT_REQUIRE_BROWSER"):
            raise RuntimeError("chromium not found at /usr/bin/chromium: `apt-get install chromium` (see .ci/run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.lock)")


@contextmanager
def chromium(sync_api: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    """Save docs/img/<name>.png when ASSISTANT_SCREENSHOTS names a directory."""
    target = os.environ.get("ASSISTANT_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"))
