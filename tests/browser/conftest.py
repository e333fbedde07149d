"""Fixtures shared by the browser tests: headless Chromium driving a real JupyterLab.

Each test module defines its own module-scoped ``lab_server`` fixture, since the servers
differ; ``page`` opens whichever one the requesting module provides.

pytest-jupyter (loaded by tests/conftest.py) has autouse fixtures, ``jp_asyncio_loop`` and
``jp_server_cleanup``, that take the current asyncio loop and close it after each test. Inside
Playwright's sync API that loop is Playwright's own, still running, so these tests, which run
no in-process Jupyter server, replace them with no-ops.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.ui import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.servers import Lab


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    yield None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Missing pieces fail rather than skip: `make test` installs both.
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/system-deps.sh")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser, lab_server: Lab):
    """JupyterLab open in a fresh 1280x800 context, once its left sidebar is up; fails the
    test if the page raised an error that mentions Griffin."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{lab_server.url}/lab?token={lab_server.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=WAIT_MS)
    page.wait_for_selector(".jp-SideBar.jp-mod-left .lm-TabBar-tab", timeout=WAIT_MS)
    try:
        yield page
    finally:
        context.close()
        griffin_errors = [e for e in errors if "griffin" in e.lower()]
        assert not griffin_errors, f"page errors from Griffin Lab: {griffin_errors}"
