"""The Griffin Lab sidebar in a real JupyterLab, driven in headless Chromium.

Needs the package installed with its labextension (``make install``, or the wheel),
Python's ``playwright`` package and Debian's ``/usr/bin/chromium`` (never
``playwright install``). Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pytest

from tests.browser.ui import ARTIFACTS, SIDEBAR_TAB, WAIT_MS, set_theme, show_sidebar
from tests.servers import Lab, start_lab

pytestmark = pytest.mark.browser

TABS = ("status", "features", "training", "models", "deployments")

STATUS_VIEW = '[data-griffin-view="status"]'


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
    show_sidebar(page)
    page.locator(STATUS_VIEW).wait_for(state="visible", timeout=WAIT_MS)


def _open_palette(page):
    """Open the command palette with its shortcut. On a loaded machine a key press right after
    a click can land before JupyterLab's keyboard handling has the focus, so press again
    (at most three times) rather than wait a minute for a palette that was never asked for."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    palette_input = page.locator("#modal-command-palette .lm-CommandPalette-input")
    for attempt in range(3):
        page.locator("#jp-main-dock-panel").click()
        page.keyboard.press("Control+Shift+C")
        try:
            palette_input.wait_for(state="visible", timeout=WAIT_MS // 6 if attempt < 2
                                   else WAIT_MS)
            return palette_input
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    return palette_input


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
    palette_input = _open_palette(page)
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

    set_theme(page, "JupyterLab Dark", light=False)
    page.screenshot(path=str(ARTIFACTS / "griffin-status-dark.png"))
    set_theme(page, "JupyterLab Light", light=True)


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
    # No endpoint in this lab: the empty list says how to deploy one.
    empty = page.locator('#griffin-sidebar [data-griffin-empty="deployments"]')
    empty.wait_for(state="visible", timeout=WAIT_MS)
    text = empty.inner_text()
    assert 'client.deploy("model@1")' in text and "griffin deploy" in text, text
