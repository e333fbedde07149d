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
