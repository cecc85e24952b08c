"""What the browser tests share: Debian's chromium driven by Playwright, and where screenshots go."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.path.join(PROJECT_ROOT, "test-artifacts", "screenshots")
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
#: Without the background-networking flags chromium keeps calling hosts this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


@contextmanager
def chromium(sync_api: Any) -> Iterator[Any]:
    """Headless Debian chromium (never a browser Playwright downloads)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
