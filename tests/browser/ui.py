"""What the browser tests share besides fixtures: Chromium's settings, waits, paths, selectors
and the theme switch."""

from __future__ import annotations

import os
from pathlib import Path

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

SIDEBAR_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="griffin-sidebar"]'


def show_sidebar(page) -> None:
    """Make the Griffin sidebar visible. JupyterLab opens it by itself on start (the
    ``openOnStart`` setting), and a click on its icon while it is opening closes it again:
    so wait for it first, click its icon only when it did not come, and look again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    sidebar = page.locator("#griffin-sidebar")
    for _ in range(3):
        try:
            sidebar.wait_for(state="visible", timeout=WAIT_MS // 6)
            return
        except PlaywrightTimeoutError:
            page.locator(SIDEBAR_TAB).click()
    sidebar.wait_for(state="visible", timeout=WAIT_MS)


def open_tab(page, name: str, view: str) -> None:
    """Show the sidebar, select the tab ``name`` and wait for its ``view`` selector."""
    show_sidebar(page)
    page.locator(f'#griffin-sidebar [data-griffin-tab="{name}"]').click()
    page.locator(view).wait_for(state="visible", timeout=WAIT_MS)


def set_theme(page, name: str, light: bool) -> None:
    """Switch JupyterLab's theme (needs ``--LabApp.expose_app_in_browser``) and wait until the
    Griffin sidebar has repainted in it."""
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
