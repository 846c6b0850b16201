"""Playwright in headless Chromium: Debian's `chromium` package, never a downloaded browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Whatever the page did, the Content-Security-Policy blocked nothing it needed. (Redoc's
    # footer logo from its CDN is blocked on purpose: the pages load nothing from elsewhere.)
    blocked: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text and "https://cdn.redoc.ly/" not in text:
            blocked.append(text)

    page.on("console", on_console)
    yield page
    context.close()
    assert blocked == []


@pytest.fixture
def screenshot(tmp_path: Path) -> Any:
    """Takes a full-page screenshot into the test's temporary folder: the tests' small data
    never replaces the pictures the docs show (scripts/screenshots takes those from the demo)."""

    def take(page: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    return take
