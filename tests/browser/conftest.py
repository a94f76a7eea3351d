"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server."""

import os
import shutil

import pytest

from opsdesk.core.testing import skip_or_fail

CHROMIUM = os.environ.get("OPSDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (make test installs it)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (scripts/install-test-deps.sh installs it)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (not by the live server's thread) are then flagged as async-unsafe without this.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
