"""The Griffin Lab sidebar in a real JupyterLab, driven in headless Chromium.

Needs the package installed with its labextension (``make install``, or the wheel),
Python's ``playwright`` package and Debian's ``/usr/bin/chromium`` (never
``playwright install``). Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Lab, start_lab

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GRIFFIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
TABS = ("status", "features", "training", "models", "deployments")

SIDEBAR_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="griffin-sidebar"]'
STATUS_VIEW = '[data-griffin-view="status"]'


# pytest-jupyter (loaded by tests/conftest.py) has autouse fixtures that take the
# current asyncio loop and close it after each test. Inside Playwright's sync API
# that loop is Playwright's own, still running, so this module, which runs no
# in-process Jupyter server, replaces them with no-ops.
@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    yield None


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab from this interpreter's environment, on a free 127.0.0.1 port."""
    lab = start_lab(
        tmp_path_factory.mktemp("griffin-browser"),
        tmp_path_factory.mktemp("browser-root"),
        # `window.jupyterapp`, used to switch themes.
        extra_args=["--LabApp.expose_app_in_browser=True"],
    )
    try:
        yield lab
    finally:
        lab.stop()


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


def _open_sidebar(page, lab_server: Lab) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    tab = page.locator(SIDEBAR_TAB)
    try:
        tab.wait_for(state="visible", timeout=WAIT_MS)
    except PlaywrightTimeoutError as exc:
        config = page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
        )
        names = [ext.get("name") for ext in config.get("federated_extensions", [])]
        raise AssertionError(
            "The Griffin icon is not in the left sidebar. Federated extensions loaded: "
            f"{names}. Is griffin-lab installed with its labextension in {sys.prefix}?\n"
            f"{lab_server.log.read_text(errors='replace')[-4000:]}"
        ) from exc
    if not page.locator("#griffin-sidebar").is_visible():
        tab.click()
    page.locator(STATUS_VIEW).wait_for(state="visible", timeout=WAIT_MS)


def _updates(page) -> int:
    return int(page.locator(STATUS_VIEW).get_attribute("data-griffin-updates") or "0")


def _wait_for_update(page, before: int) -> None:
    page.wait_for_function(
        """([selector, before]) => {
            const el = document.querySelector(selector);
            return el !== null && Number(el.dataset.griffinUpdates) > before
                && el.getAttribute('aria-busy') === 'false';
        }""",
        arg=[STATUS_VIEW, before],
        timeout=WAIT_MS,
    )


def _set_theme(page, name: str, light: bool) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
        name,
    )
    page.wait_for_selector(
        f"body[data-jp-theme-name='{name}'][data-jp-theme-light='{str(light).lower()}']",
        state="attached",
        timeout=WAIT_MS,
    )
    # The theme's CSS variables are applied once its stylesheet has loaded.
    page.wait_for_function(
        """(light) => {
            const c = getComputedStyle(document.querySelector('#griffin-sidebar'))
                .backgroundColor.match(/\\d+/g).map(Number);
            const luma = (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255;
            return light ? luma > 0.6 : luma < 0.4;
        }""",
        arg=light,
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(300)  # let the repaint settle before a screenshot


def test_sidebar_status_tabs_refresh_and_themes(page, lab_server: Lab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The sidebar opens by itself when JupyterLab starts (setting openOnStart).
    page.locator(STATUS_VIEW).wait_for(state="visible", timeout=WAIT_MS)
    _open_sidebar(page, lab_server)

    status = page.locator(STATUS_VIEW)
    page.locator('[data-engine="database"][data-state="ready"]').wait_for(
        state="visible", timeout=WAIT_MS
    )
    assert re.fullmatch(r"Griffin Lab \S+", status.locator(".griffin-status-title").inner_text())
    assert page.locator("[data-griffin-error]").count() == 0
    # Each engine row shows its state as text, not only as a coloured dot.
    database = page.locator('[data-engine="database"]')
    assert database.locator(".griffin-state").inner_text() == "Ready"

    # Five real tabs; Status is selected by default.
    tablist = page.locator('#griffin-sidebar [role="tablist"]')
    for name in TABS:
        tab = tablist.locator(f'button[role="tab"][data-griffin-tab="{name}"]')
        assert tab.count() == 1, name
        assert tab.get_attribute("aria-selected") == ("true" if name == "status" else "false")

    page.screenshot(path=str(ARTIFACTS / "griffin-status-light.png"))
    before = _updates(page)

    # A placeholder tab says what will live there.
    models = tablist.locator('[data-griffin-tab="models"]')
    models.click()
    assert models.get_attribute("aria-selected") == "true"
    placeholder = page.locator('#griffin-sidebar [data-griffin-view="models"]')
    placeholder.wait_for(state="visible", timeout=WAIT_MS)
    assert "Model registry" in placeholder.inner_text()
    assert status.count() == 0

    # The palette command shows the Status tab again, with a fresh status.
    page.locator("#jp-main-dock-panel").click()
    page.keyboard.press("Control+Shift+C")
    palette_input = page.locator("#modal-command-palette .lm-CommandPalette-input")
    palette_input.wait_for(state="visible", timeout=WAIT_MS)
    palette_input.fill("Refresh Griffin status")
    item = page.locator(
        "#modal-command-palette .lm-CommandPalette-item", has_text="Refresh Griffin status"
    )
    item.first.wait_for(state="visible", timeout=WAIT_MS)
    assert (
        page.locator(
            "#modal-command-palette .lm-CommandPalette-header", has_text="Griffin Lab"
        ).count()
        >= 1
    )
    item.first.click()
    status.wait_for(state="visible", timeout=WAIT_MS)
    _wait_for_update(page, before)
    assert tablist.locator('[data-griffin-tab="status"]').get_attribute("aria-selected") == "true"

    # The Refresh button fetches again.
    before = _updates(page)
    page.locator('[data-griffin-action="refresh"]').click()
    _wait_for_update(page, before)
    page.locator('[data-engine="database"][data-state="ready"]').wait_for(
        state="visible", timeout=WAIT_MS
    )

    _set_theme(page, "JupyterLab Dark", light=False)
    page.screenshot(path=str(ARTIFACTS / "griffin-status-dark.png"))
    _set_theme(page, "JupyterLab Light", light=True)


def test_tabs_follow_the_keyboard(page, lab_server: Lab) -> None:
    _open_sidebar(page, lab_server)
    status_tab = page.locator('#griffin-sidebar [data-griffin-tab="status"]')
    status_tab.focus()
    page.keyboard.press("ArrowRight")
    features = page.locator('#griffin-sidebar [data-griffin-tab="features"]')
    page.wait_for_function(
        "() => document.activeElement?.dataset?.griffinTab === 'features'", timeout=WAIT_MS
    )
    assert features.get_attribute("aria-selected") == "true"
    assert status_tab.get_attribute("tabindex") == "-1"
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.activeElement?.dataset?.griffinTab === 'deployments'", timeout=WAIT_MS
    )
    text = page.locator('#griffin-sidebar [data-griffin-view="deployments"]').inner_text()
    assert "arrive with" in text
